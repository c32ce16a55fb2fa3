// PayloadTree: a path-sorted map with file-system semantics for parents and
// symlinks, so that archives and host files land where the guest will see them.
#include "image-builder/payload_tree.h"

#include <sys/stat.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"

namespace tailor::image {
namespace {

constexpr int kMaxLinks = 40;  // like the kernel's MAXSYMLINKS

std::string join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }

// Where a symlink at `link_path` with target `target` points, as an absolute path.
std::string link_destination(const std::string& link_path, const std::string& target) {
  if (!target.empty() && target.front() == '/') return normalize_image_path(target);
  return normalize_image_path(join(image_dirname(link_path), target));
}

}  // namespace

PayloadNode host_file_node(const std::filesystem::path& file, std::string source, std::string reason) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw Error(errno_message(file.string(), errno));
  if (!S_ISREG(st.st_mode)) throw Error(file.string() + ": not a regular file");
  PayloadNode n;
  n.type = NodeType::File;
  n.mode = st.st_mode & 07777;
  n.content.file = file;
  n.content.size = static_cast<std::uint64_t>(st.st_size);
  n.content.sha256 = sha256_file(file);
  n.source = std::move(source);
  n.reason = std::move(reason);
  return n;
}

std::string quoted_image_path(std::string_view path) {
  constexpr size_t kShown = 80;
  std::string out = "'";
  for (char c : path.substr(0, kShown)) {
    if (c == '\0') out += "\\0";
    else out += c;
  }
  out += "'";
  if (path.size() > kShown) out += "... (" + std::to_string(path.size()) + " bytes)";
  return out;
}

std::string image_path_problem(std::string_view path) {
  if (path.find('\0') != std::string_view::npos)
    return "image path " + quoted_image_path(path) + " holds a NUL byte";
  if (path.size() > kMaxImagePathBytes)
    return "image path " + quoted_image_path(path) + " is longer than " + std::to_string(kMaxImagePathBytes) +
           " bytes (Linux's PATH_MAX)";
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash - start > kMaxImageNameBytes)
      return "image path " + quoted_image_path(path) + " has a component longer than " +
             std::to_string(kMaxImageNameBytes) + " bytes (Linux's NAME_MAX)";
    start = slash + 1;
  }
  return {};
}

std::string node_type_name(NodeType t) {
  switch (t) {
    case NodeType::File: return "file";
    case NodeType::Dir: return "dir";
    case NodeType::Symlink: return "symlink";
    case NodeType::CharDev: return "chardev";
    case NodeType::BlockDev: return "blockdev";
    case NodeType::Fifo: return "fifo";
  }
  return "?";
}

std::string normalize_image_path(const std::string& path) {
  std::vector<std::string> parts;
  for (auto& c : image_path_components(path)) {
    if (c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(c);
  }
  std::string out;
  for (auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::vector<std::string> image_path_components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

std::string image_dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::optional<std::string> PayloadTree::resolve_impl(const std::string& path, bool follow_last, int depth) const {
  if (depth > kMaxLinks) return std::nullopt;
  std::string current = "/";
  auto parts = image_path_components(normalize_image_path(path));
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string next = join(current, parts[i]);
    auto it = nodes_.find(next);
    if (it == nodes_.end()) return std::nullopt;
    const bool last = i + 1 == parts.size();
    if (it->second.type == NodeType::Symlink && (!last || follow_last)) {
      auto dest = resolve_impl(link_destination(next, it->second.link_target), true, depth + 1);
      if (!dest) return std::nullopt;
      next = *dest;
    }
    if (!last) {
      auto node = nodes_.find(next);
      if (next != "/" && (node == nodes_.end() || node->second.type != NodeType::Dir)) return std::nullopt;
    }
    current = next;
  }
  return current;
}

std::optional<std::string> PayloadTree::resolve(const std::string& path) const { return resolve_impl(path, true, 0); }

const PayloadNode* PayloadTree::lookup(const std::string& path, std::string* real_path) const {
  auto r = resolve(path);
  if (!r) return nullptr;
  auto it = nodes_.find(*r);
  if (it == nodes_.end()) return nullptr;
  if (real_path) *real_path = *r;
  return &it->second;
}

std::optional<std::string> PayloadTree::resolve_dir(const std::string& dir, bool create, int depth) {
  if (depth > kMaxLinks) return std::nullopt;
  // A stored directory's parents are all stored directories (put and remove
  // keep it so): it resolves to itself. This keeps a put linear in the path's
  // length instead of one map lookup (and one string) per component.
  if (dir == "/") return dir;
  if (auto it = nodes_.find(dir); it != nodes_.end() && it->second.type == NodeType::Dir) return dir;
  std::string current = "/";
  for (auto& part : image_path_components(normalize_image_path(dir))) {
    std::string next = join(current, part);
    auto it = nodes_.find(next);
    if (it == nodes_.end()) {
      if (!create) return std::nullopt;
      PayloadNode d;
      d.type = NodeType::Dir;
      d.mode = 0755;
      d.source = "parent directory";
      d.reason = "holds other files";
      nodes_.emplace(next, d);
    } else if (it->second.type == NodeType::Symlink) {
      auto dest = resolve_dir(link_destination(next, it->second.link_target), create, depth + 1);
      if (!dest) return std::nullopt;
      next = *dest;
    } else if (it->second.type != NodeType::Dir) {
      throw Error("cannot put files under " + next + ": it is a " + node_type_name(it->second.type) + " (from " +
                  it->second.source + ")");
    }
    current = next;
  }
  return current;
}

std::string PayloadTree::put(const std::string& raw_path, PayloadNode node) {
  if (std::string problem = image_path_problem(raw_path); !problem.empty()) throw Error("cannot add " + problem);
  const std::string path = normalize_image_path(raw_path);
  if (path == "/") {
    if (node.type != NodeType::Dir) throw Error("cannot replace the image root with a " + node_type_name(node.type));
    return "/";  // the root always exists and is never stored
  }
  const size_t slash = path.rfind('/');
  const std::string name = path.substr(slash + 1);
  auto dir = resolve_dir(image_dirname(path), true, 0);
  if (!dir) throw Error("cannot create " + path + ": symbolic links in its parent directories loop or dangle");
  const std::string real = join(*dir, name);
  auto it = nodes_.find(real);
  if (it != nodes_.end()) {
    if (it->second.type == NodeType::Dir && node.type == NodeType::Dir) {
      it->second = std::move(node);  // merge: children stay
      return real;
    }
    if (it->second.type == NodeType::Dir) remove_children(real);
    it->second = std::move(node);
    return real;
  }
  nodes_.emplace(real, std::move(node));
  return real;
}

void PayloadTree::remove_children(const std::string& raw_path) {
  const std::string path = normalize_image_path(raw_path);
  const std::string prefix = path == "/" ? "/" : path + "/";
  auto first = nodes_.lower_bound(prefix);
  auto last = first;
  while (last != nodes_.end() && last->first.compare(0, prefix.size(), prefix) == 0) ++last;
  nodes_.erase(first, last);
}

void PayloadTree::remove(const std::string& raw_path) {
  const std::string path = normalize_image_path(raw_path);
  if (path == "/") {
    nodes_.clear();
    return;
  }
  remove_children(path);
  nodes_.erase(path);
}

const PayloadNode* PayloadTree::find(const std::string& path) const {
  auto it = nodes_.find(normalize_image_path(path));
  return it == nodes_.end() ? nullptr : &it->second;
}

PayloadNode* PayloadTree::find_mutable(const std::string& path) {
  auto it = nodes_.find(normalize_image_path(path));
  return it == nodes_.end() ? nullptr : &it->second;
}

FileContent generated_file(const std::filesystem::path& cache, std::string_view bytes) {
  const std::string sha = sha256_hex(bytes);
  const std::filesystem::path file = cache / "generated" / sha;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec) || std::filesystem::file_size(file, ec) != bytes.size()) {
    std::filesystem::create_directories(file.parent_path());
    write_file_atomic(file, bytes);
  }
  return {file, bytes.size(), sha};
}

}  // namespace tailor::image
