// The file tree of an image before it becomes an initramfs: every path with
// its type, mode, bytes (a file on the host or in the cache), where it came
// from and why it is there. Behaves like a small file system: parents are
// created on demand and symlinks in parents are followed, as unpacking into a
// real directory would.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::image {

enum class NodeType { File, Dir, Symlink, CharDev, BlockDev, Fifo };
std::string node_type_name(NodeType t);  // "file", "dir", "symlink", ...

// The bytes of a regular file: a file on the host (a host path, a blob in the
// unpack cache or a generated file), with its size and digest.
struct FileContent {
  std::filesystem::path file;
  std::uint64_t size = 0;
  std::string sha256;
};

// Bytes tailor made (/init, init.conf, rewritten programs), stored
// content-addressed as <cache>/generated/<sha256> (written once, atomically).
FileContent generated_file(const std::filesystem::path& cache, std::string_view bytes);

struct PayloadNode {
  NodeType type = NodeType::File;
  std::uint32_t mode = 0644;      // permission bits (incl. setuid/setgid/sticky)
  std::string link_target;        // symlinks
  FileContent content;            // regular files
  std::uint32_t rdev_major = 0, rdev_minor = 0;  // device nodes
  std::string source;             // where it comes from: "deb sqlite3 3.40.1-2", "host /usr/bin/x", ...
  std::string reason;             // why it is in the image: "payload", "DT_NEEDED of /usr/bin/x", ...
};

class PayloadTree {
 public:
  // Adds `node` at absolute path `path`, replacing what was there (a
  // directory over a directory keeps the children). Missing parents are
  // created as directories (mode 0755, source "parent directory"); symlinks
  // among the parents are followed inside the tree. Returns the path the node
  // really landed at. Throws Error when a parent is a file, when symlinks
  // loop or leave the tree, or when the path is not a valid image path
  // (image_path_problem). Every stored path's parents are stored
  // directories, so a put into an existing directory costs one lookup.
  std::string put(const std::string& path, PayloadNode node);

  // Removes `path` and everything under it (no-op when absent). The path is
  // taken literally: symlinks are not followed.
  void remove(const std::string& path);
  // Removes everything under directory `path`, keeping the directory.
  void remove_children(const std::string& path);

  // The node at exactly `path` (no symlinks followed), or nullptr.
  const PayloadNode* find(const std::string& path) const;
  PayloadNode* find_mutable(const std::string& path);

  // Follows symlinks in every component of `path` (absolute links are
  // relative to the image root). Returns the final path, or nullopt when a
  // component is missing, a link loops, or a parent is not a directory.
  std::optional<std::string> resolve(const std::string& path) const;

  // The node `path` leads to after following symlinks, with its real path.
  const PayloadNode* lookup(const std::string& path, std::string* real_path = nullptr) const;

  // All nodes, sorted by path (bytewise), parents before children.
  const std::map<std::string, PayloadNode>& nodes() const { return nodes_; }
  bool empty() const { return nodes_.empty(); }

 private:
  // Resolves a directory path for creating something inside it; creates
  // missing directories when `create` is set.
  std::optional<std::string> resolve_dir(const std::string& dir, bool create, int depth);
  std::optional<std::string> resolve_impl(const std::string& path, bool follow_last, int depth) const;

  std::map<std::string, PayloadNode> nodes_;
};

// A regular-file node whose bytes are the host file `file` (symlinks followed),
// with its mode, size and digest. Throws Error naming `file` if it is missing.
PayloadNode host_file_node(const std::filesystem::path& file, std::string source, std::string reason);

// Linux's limits, which the guest kernel applies when it unpacks the initramfs.
constexpr size_t kMaxImagePathBytes = 4096;  // PATH_MAX
constexpr size_t kMaxImageNameBytes = 255;   // NAME_MAX

// What makes `path` unusable as an image path, or empty when nothing does: a
// NUL byte (the initramfs member's name would end there, so "/init\0x" would
// become a second /init), more than kMaxImagePathBytes bytes, or a component
// longer than kMaxImageNameBytes. The text quotes the path (shortened).
std::string image_path_problem(std::string_view path);

// `path` quoted for a message: NUL as \0, cut after 80 bytes with its length.
std::string quoted_image_path(std::string_view path);

// Normalizes an absolute image path: collapses '//' and '.', resolves '..'
// lexically (never above '/'), drops a trailing '/'. "" and "/" give "/".
std::string normalize_image_path(const std::string& path);

// The non-empty '/'-separated components of a path ("/usr//bin/" -> usr, bin).
std::vector<std::string> image_path_components(const std::string& path);

// The directory part of an image path ("/usr/bin/x" -> "/usr/bin", "/x" -> "/").
std::string image_dirname(const std::string& path);

}  // namespace tailor::image
