// The deterministic initramfs: a payload tree as a cpio "newc" archive
// (written with libarchive), compressed the way the kernel can unpack it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "image-builder/manifest.h"
#include "image-builder/payload_tree.h"

namespace tailor::image {

struct InitramfsInfo {
  std::uint64_t entries = 0;     // cpio members
  std::uint64_t cpio_bytes = 0;  // uncompressed archive size
  std::uint64_t bytes = 0;       // file size as written
  std::string sha256;            // of the file as written
};

// Writes `tree` to `out` (atomically: temporary file, then rename). Same tree,
// same bytes: members in path order (parents first), inode numbers 1..n in
// that order, mtime 0, uid/gid 0, nlink 1 (2 for directories), device 0;
// compressors without timestamps or names. lz4 uses the legacy frame format,
// the only one the kernel's unpacker reads. Throws Error naming the file whose
// content cannot be read or changed size since it was hashed.
InitramfsInfo write_initramfs(const PayloadTree& tree, Compression compression, const std::filesystem::path& out);

}  // namespace tailor::image
