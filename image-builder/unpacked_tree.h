// Archive members as tree entries with their bytes in a content-addressed
// blob directory: what .deb data and image layers become once read, cached
// under <cache>/unpacked so that each archive is read only once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "image-builder/archive_extract.h"
#include "image-builder/payload_tree.h"

struct archive;
struct archive_entry;

namespace tailor::image {

struct TreeEntry {
  std::string path;               // absolute, normalized image path
  NodeType type = NodeType::File;
  std::uint32_t mode = 0644;
  std::string link_target;        // symlinks
  std::string hardlink;           // a hard link: the (earlier) path whose bytes it shares
  std::uint64_t size = 0;
  std::string sha256;             // regular files: the blob holding the bytes
  std::uint32_t rdev_major = 0, rdev_minor = 0;
};

// Stores bytes under dir/<sha256>, once per content.
class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path dir);
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path path_of(const std::string& sha256) const { return dir_ / sha256; }
  // Streams the current entry's data out of a libarchive reader. A sparse
  // entry's holes become zeros up to its declared size (a trailing hole
  // too), as a file system would read them back. The declared size is
  // charged to `budget` before anything is written. Returns the digest;
  // `size` receives the byte count. Throws Error naming `what` on a corrupt
  // entry (data past its size, overlapping blocks) or an exhausted budget.
  std::string add_entry_data(archive* reader, archive_entry* entry, UnpackBudget& budget, const std::string& what,
                             std::uint64_t& size);

 private:
  std::filesystem::path dir_;
};

// Reads every member of an opened libarchive reader (tar, possibly
// compressed) as TreeEntry values, file bytes into `blobs`, each member
// charged to `budget`. Names are made absolute and normalized ("./usr/bin/x"
// -> "/usr/bin/x"); a name with ".." or one that is not a valid image path
// (image_path_problem) is refused. `what` names the archive in errors
// (corrupt, truncated, refused, over budget).
std::vector<TreeEntry> read_tar_entries(archive* reader, BlobStore& blobs, UnpackBudget& budget,
                                        const std::string& what);

// A cached unpacked archive: <dir>/index.json and <dir>/blobs/.
struct UnpackedTree {
  std::filesystem::path dir;
  nlohmann::json meta;              // what the reader recorded (package name, version, layers, ...)
  std::vector<TreeEntry> entries;   // in archive order (for image layers: already merged)
  std::filesystem::path blob_dir() const { return dir / "blobs"; }
  std::filesystem::path blob(const std::string& sha256) const { return blob_dir() / sha256; }
};

// The payload node for an unpacked member: its metadata, and for a regular
// file its bytes in `blob_dir`. A hard link's bytes are its target's, which
// only the caller can find (content is left empty).
PayloadNode payload_node(const TreeEntry& e, const std::filesystem::path& blob_dir, const std::string& source,
                         const std::string& reason);

// Returns the cached tree for `key` (e.g. "deb-<sha of the .deb>") under
// <cache>/unpacked, or makes it: `fill` reads the archive into a fresh
// temporary directory's blob store, charging a budget of `max_bytes`, and
// returns entries and metadata; the directory becomes the cache entry only
// when `fill` succeeds. The budget used is stored with the entry, so that a
// cached archive is refused under a limit that its unpacking would pass, the
// same as an uncached one. Leftovers of interrupted unpacks (temporary
// directories of processes that are gone) are removed on the way.
using UnpackFill = std::function<std::pair<std::vector<TreeEntry>, nlohmann::json>(BlobStore&, UnpackBudget&)>;
UnpackedTree cached_unpack(const std::filesystem::path& cache, const std::string& key, const std::string& what,
                           std::uint64_t max_bytes, const UnpackFill& fill);

}  // namespace tailor::image
