// Debian packages read directly with libarchive: a .deb is an ar archive of
// debian-binary, control.tar.* and data.tar.*; no dpkg, no root, no unpacking
// to disk beyond the content-addressed unpack cache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "image-builder/unpacked_tree.h"

namespace tailor::image {

struct DebControl {
  std::string package, version, architecture, section;
  // Depends and Pre-Depends: each group lists alternatives ("a | b"), names
  // only (versions and ":any" qualifiers dropped).
  std::vector<std::vector<std::string>> depends;
  std::vector<std::string> provides;  // virtual package names (versions dropped)
  // Maintainer scripts that run at installation ("preinst", "postinst"):
  // read, never run; what they would create is derived from them where it
  // can be (package_setup.h).
  std::map<std::string, std::string> scripts;
};

// Parses a control stanza (the control file, or one stanza of apt-cache show).
DebControl parse_control(const std::string& text);

// Debian's package name grammar (policy 5.6.1): two or more of a-z, 0-9, '+',
// '-', '.', starting with a letter or digit. What passes never starts with '-',
// so it cannot be taken for an option by apt-get or apt-cache.
bool is_debian_package_name(std::string_view name);
// Debian's version grammar (policy 5.6.12): [epoch:]upstream[-revision]; the
// epoch is digits, upstream starts with a digit and holds alphanumerics and
// . + ~ - (a '-' only when a revision follows), the revision alphanumerics
// and . + ~.
bool is_debian_version(std::string_view version);
// What is wrong with a package as a manifest names it for apt: NAME,
// NAME:ARCH, NAME=VERSION or NAME:ARCH=VERSION. Empty when nothing is.
std::string package_spec_problem(std::string_view spec);

// The control file and each maintainer script of a .deb are read into memory;
// real ones are a few KiB.
constexpr std::uint64_t kMaxControlFileBytes = 1u << 20;

// Reads a .deb: its control fields and data members (bytes into `blobs`,
// every member charged to `budget`). Throws Error naming the file for
// anything that is not a well-formed package: not an ar archive, no
// debian-binary 2.x, no control or data member, two of either (dpkg reads
// the first, other readers the last: refused as ambiguous), a control file
// over kMaxControlFileBytes, a Package field that is no package name, a
// corrupt or truncated member, an exhausted budget.
std::pair<DebControl, std::vector<TreeEntry>> read_deb(const std::filesystem::path& deb, BlobStore& blobs,
                                                       UnpackBudget& budget);

// read_deb, cached under <cache>/unpacked/deb-<sha256 of the file>, with a
// budget of `max_unpacked_bytes`. The metadata holds package, version,
// architecture, section, depends, provides, scripts, sha256.
UnpackedTree unpack_deb(const std::filesystem::path& deb, const std::filesystem::path& cache,
                        std::uint64_t max_unpacked_bytes = kDefaultMaxUnpackedBytes);

// The control fields stored with an unpacked package.
DebControl control_of(const UnpackedTree& tree);

}  // namespace tailor::image
