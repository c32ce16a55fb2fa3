// Debian packages by name: resolved with the host's apt lists (what apt would
// install on an empty system), downloaded with `apt-get download` into
// <cache>/debs (verified by SHA-256, kept for the next build).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "image-builder/deb_package.h"

namespace tailor::image {

struct AptDeb {
  std::string spec;       // what was asked for: "sqlite3" or "sqlite3=3.40.1-2"
  std::string filename;   // "sqlite3_3.40.1-2+deb12u2_amd64.deb"
  std::string sha256;
  std::uint64_t size = 0;
  std::filesystem::path file;  // the cached .deb
  bool downloaded = false;     // fetched by this call (not from the cache)
};

// What apt-get download --print-uris says about `specs`: one line per package.
// Throws Error naming the first spec apt cannot resolve ("unknown Debian
// package 'foo'"), with apt's own message. apt's binary package cache is kept
// under <cache>/apt (hosts such as Docker images often turn it off, which
// makes every apt call parse all package lists again).
std::vector<AptDeb> resolve_debs(const std::vector<std::string>& specs, const std::filesystem::path& cache);

// Resolves and makes sure each .deb is in <cache>/debs, downloading the
// missing ones (network) in one apt-get call; every file is checked against
// the archive's SHA-256 before it is kept.
std::vector<AptDeb> fetch_debs(const std::vector<std::string>& specs, const std::filesystem::path& cache,
                               Progress& progress);

// One package of an install set, as apt would install it.
struct ResolvedPackage {
  std::string package, version, architecture;
  bool local = false;  // a .deb file the manifest named, not from the archive
};

struct InstallRequest {
  std::vector<std::string> specs;                 // NAME, NAME:ARCH, NAME=VERSION (checked before apt sees them)
  std::vector<std::filesystem::path> deb_files;   // absolute paths of .deb files to install with them
  bool recommends = false;                        // follow Recommends too (apt's default; not tailor's)
};

// The closed set apt would install for `request` on an empty system: apt-get
// simulates the installation against a private, empty dpkg status (so the
// host's installed packages hide nothing) over the host's configured archives,
// resolving Depends and Pre-Depends with alternatives, virtual packages and
// version constraints. Sorted by name. Throws Error naming the culprit for an
// unknown package or version, an unsatisfiable dependency or a conflict, with
// apt's own explanation.
std::vector<ResolvedPackage> resolve_install_set(const InstallRequest& request, const std::filesystem::path& cache);

}  // namespace tailor::image
