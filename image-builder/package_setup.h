// What installing packages would have created that no package ships: system
// users and groups, directories, update-alternatives links. Derived from the
// packages' own data where it can be: their systemd sysusers.d and tmpfiles.d
// files, and the adduser/addgroup, mkdir, ln -s, cp and update-alternatives commands of
// their maintainer scripts, read (never run) by a small reader that follows
// literal variables, `for` loops over words and shell functions. Whatever
// else a script would change (chown, chmod, ucf, a value the reader cannot
// know, ...) is listed as a warning
// naming the package: the image does not get it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tailor::image {

struct SystemAccount {
  std::string name;
  std::optional<std::uint32_t> id;   // asked for (sysusers "u name 123"); else allocated
  std::string home = "/nonexistent";
  std::string shell = "/usr/sbin/nologin";
  std::string group;                 // users: their primary group ("" -> nogroup)
  std::string package;               // which package asks for it
};

struct DerivedDir {
  std::string path;
  std::uint32_t mode = 0755;
  std::string package, how;          // how: "adduser --home", "mkdir", "tmpfiles.d"
};

struct DerivedLink {
  std::string link, target;          // update-alternatives --install LINK NAME TARGET PRIORITY, ln -s TARGET LINK
  std::string group_name;            // the alternative's name (for ln: the link)
  long priority = 0;
  std::string package;
  std::string how;                   // "update-alternatives php", "ln -s"
};

struct DerivedCopy {
  std::string from, to;              // cp FROM TO, both in the image
  std::string package;
};

struct PackageSetup {
  std::vector<SystemAccount> users, groups;
  std::vector<DerivedDir> dirs;
  std::vector<DerivedLink> links;    // highest priority per alternative name only
  std::vector<DerivedCopy> copies;
  std::vector<std::string> warnings; // "nginx-common postinst: `chown www-data:adm ...` not derived"
};

// One package as the reader sees it: its name, maintainer scripts and the
// text of its sysusers.d / tmpfiles.d files.
struct PackageSetupInput {
  std::string package;
  std::map<std::string, std::string> scripts;       // "preinst"/"postinst" -> text
  std::vector<std::string> sysusers, tmpfiles;       // file texts
};

// Reads every package (in the given order; the result is sorted and
// deduplicated, so the order only decides which duplicate request names the
// package).
PackageSetup derive_package_setup(const std::vector<PackageSetupInput>& packages);

// /etc/passwd and /etc/group: Debian's static users and groups (what
// base-passwd installs) and then `setup`'s, ids allocated from 100 up in name
// order where none was asked for, so the same packages give the same ids.
std::string passwd_file(const PackageSetup& setup);
std::string group_file(const PackageSetup& setup);

}  // namespace tailor::image
