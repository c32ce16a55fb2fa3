// Debian packages read directly with libarchive: a .deb is an ar archive of
// debian-binary, control.tar.* and data.tar.*; no dpkg, no root, no unpacking
// to disk beyond the content-addressed unpack cache.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "image-builder/unpacked_tree.h"

namespace tailor {

struct DebControl {
  std::string package, version, architecture, section;
  // Depends and Pre-Depends: each group lists alternatives ("a | b"), names
  // only (versions and ":any" qualifiers dropped).
  std::vector<std::vector<std::string>> depends;
};

// Parses a control stanza (the control file, or one stanza of apt-cache show).
DebControl parse_control(const std::string& text);

// Reads a .deb: its control fields and data members (bytes into `blobs`).
// Throws Error naming the file for anything that is not a well-formed
// package: not an ar archive, no debian-binary 2.x, no control or data
// member, a corrupt or truncated member.
std::pair<DebControl, std::vector<TreeEntry>> read_deb(const std::filesystem::path& deb, BlobStore& blobs);

// read_deb, cached under <cache>/unpacked/deb-<sha256 of the file>. The
// metadata holds package, version, architecture, section, depends, sha256.
UnpackedTree unpack_deb(const std::filesystem::path& deb, const std::filesystem::path& cache);

// The control fields stored with an unpacked package.
DebControl control_of(const UnpackedTree& tree);

}  // namespace tailor
