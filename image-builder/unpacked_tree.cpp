// Reading tar members into blobs and caching the result per archive.
#include "image-builder/unpacked_tree.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstdio>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/archive_extract.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
// Entries also record "unpacked_bytes" (the budget their unpack used); one
// without it (written before limits existed) is unpacked again. The format
// number stays, so that older tailor binaries sharing the cache keep reading
// these entries instead of rebuilding them back and forth.
constexpr int kIndexFormat = 1;

std::string member_path(const std::string& name, const std::string& what) {
  if (std::string problem = image_path_problem(name); !problem.empty())
    throw Error(what + ": refusing member: " + problem);
  if (has_dotdot_component(name)) throw Error(what + ": refusing member '" + name + "' ('..' in its path)");
  return normalize_image_path("/" + name);
}

nlohmann::json entry_json(const TreeEntry& e) {
  nlohmann::json j = {{"path", e.path}, {"type", node_type_name(e.type)}, {"mode", e.mode}};
  if (e.type == NodeType::File) {
    j["size"] = e.size;
    if (!e.hardlink.empty()) j["hardlink"] = e.hardlink;
    else j["sha256"] = e.sha256;
  }
  if (e.type == NodeType::Symlink) j["target"] = e.link_target;
  if (e.type == NodeType::CharDev || e.type == NodeType::BlockDev) {
    j["major"] = e.rdev_major;
    j["minor"] = e.rdev_minor;
  }
  return j;
}

NodeType type_from_name(const std::string& s) {
  for (NodeType t : {NodeType::File, NodeType::Dir, NodeType::Symlink, NodeType::CharDev, NodeType::BlockDev, NodeType::Fifo})
    if (node_type_name(t) == s) return t;
  throw Error("unknown node type '" + s + "' in an unpack cache index");
}

TreeEntry entry_from_json(const nlohmann::json& j) {
  TreeEntry e;
  e.path = j.at("path").get<std::string>();
  e.type = type_from_name(j.at("type").get<std::string>());
  e.mode = j.at("mode").get<std::uint32_t>();
  e.size = j.value("size", std::uint64_t{0});
  e.sha256 = j.value("sha256", std::string());
  e.hardlink = j.value("hardlink", std::string());
  e.link_target = j.value("target", std::string());
  e.rdev_major = j.value("major", 0u);
  e.rdev_minor = j.value("minor", 0u);
  return e;
}

}  // namespace

BlobStore::BlobStore(stdfs::path dir) : dir_(std::move(dir)) { stdfs::create_directories(dir_); }

std::string BlobStore::add_entry_data(archive* reader, archive_entry* entry, UnpackBudget& budget,
                                      const std::string& what, std::uint64_t& size) {
  // The declared size (for a sparse file: with its holes) is charged first, so
  // a bomb is refused before its first byte is written.
  const bool sized = archive_entry_size_is_set(entry);
  const std::uint64_t declared = sized ? static_cast<std::uint64_t>(archive_entry_size(entry)) : 0;
  budget.charge(declared, what);
  std::uint64_t charged = declared;

  const stdfs::path temp = dir_ / (".incoming-" + std::to_string(::getpid()));
  std::FILE* out = std::fopen(temp.c_str(), "wb");
  if (!out) throw Error(errno_message("cannot create " + temp.string(), errno));
  Sha256 hash;
  size = 0;
  auto put = [&](const void* bytes, size_t n) {
    hash.update(std::string_view(static_cast<const char*>(bytes), n));
    if (std::fwrite(bytes, 1, n, out) != n) throw Error("cannot write " + temp.string() + " (disk full?)");
    size += n;
  };
  // Sparse holes read back as zeros.
  auto zeros_until = [&](std::uint64_t end) {
    static const char zeros[65536] = {};
    while (size < end) put(zeros, static_cast<size_t>(std::min<std::uint64_t>(sizeof zeros, end - size)));
  };
  try {
    for (;;) {
      const void* buf = nullptr;
      size_t n = 0;
      la_int64_t offset = 0;
      int r = archive_read_data_block(reader, &buf, &n, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) throw Error(what + ": corrupt or truncated archive: " + archive_message(reader));
      const std::uint64_t begin = static_cast<std::uint64_t>(offset);
      if (offset < 0 || begin < size)
        throw Error(what + ": corrupt archive: data blocks overlap or go backwards (a bad sparse map)");
      if (sized && begin + n > declared)
        throw Error(what + ": corrupt archive: data beyond the member's size of " + std::to_string(declared) +
                    " bytes (a bad sparse map)");
      if (begin + n > charged) {  // a member of unknown size: charged as it grows
        budget.charge(begin + n - charged, what);
        charged = begin + n;
      }
      zeros_until(begin);
      put(buf, n);
    }
    zeros_until(declared);  // a trailing hole
    if (std::fclose(out) != 0) throw Error("cannot write " + temp.string());
    out = nullptr;
  } catch (...) {
    if (out) std::fclose(out);
    std::error_code ec;
    stdfs::remove(temp, ec);
    throw;
  }
  const std::string sha = hash.hex();
  std::error_code ec;
  if (stdfs::exists(path_of(sha), ec)) stdfs::remove(temp, ec);
  else stdfs::rename(temp, path_of(sha));
  return sha;
}

std::vector<TreeEntry> read_tar_entries(archive* a, BlobStore& blobs, UnpackBudget& budget, const std::string& what) {
  std::vector<TreeEntry> entries;
  for (;;) {
    archive_entry* ae = nullptr;
    int r = archive_read_next_header(a, &ae);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      throw Error(what + ": corrupt or truncated archive after " + std::to_string(entries.size()) +
                  " members: " + archive_message(a));
    const char* raw = archive_entry_pathname(ae);
    if (!raw) throw Error(what + ": member without a name");
    const char* link = archive_entry_hardlink(ae);
    const char* symlink = archive_entry_symlink(ae);
    budget.charge_member(raw, link ? link : symlink ? symlink : "", what);
    TreeEntry e;
    e.path = member_path(raw, what);
    e.mode = archive_entry_perm(ae) & 07777;
    if (link) {
      e.type = NodeType::File;
      e.hardlink = member_path(link, what);
      entries.push_back(e);
      continue;
    }
    switch (archive_entry_filetype(ae)) {
      case AE_IFREG:
        e.type = NodeType::File;
        e.sha256 = blobs.add_entry_data(a, ae, budget, what + " (" + e.path + ")", e.size);
        break;
      case AE_IFDIR: e.type = NodeType::Dir; break;
      case AE_IFLNK:
        e.type = NodeType::Symlink;
        e.link_target = symlink ? symlink : "";
        if (e.link_target.size() > kMaxImagePathBytes || e.link_target.find('\0') != std::string::npos)
          throw Error(what + ": refusing symbolic link " + e.path + ": its target is longer than " +
                      std::to_string(kMaxImagePathBytes) + " bytes");
        break;
      case AE_IFCHR:
      case AE_IFBLK:
        e.type = archive_entry_filetype(ae) == AE_IFCHR ? NodeType::CharDev : NodeType::BlockDev;
        e.rdev_major = archive_entry_rdevmajor(ae);
        e.rdev_minor = archive_entry_rdevminor(ae);
        break;
      case AE_IFIFO: e.type = NodeType::Fifo; break;
      default: continue;  // sockets and the like: nothing to carry
    }
    if (e.path == "/" && e.type == NodeType::Dir) continue;
    entries.push_back(e);
  }
  return entries;
}

UnpackedTree cached_unpack(const stdfs::path& cache, const std::string& key, const std::string& what,
                           std::uint64_t max_bytes, const UnpackFill& fill) {
  const stdfs::path dir = cache / "unpacked" / key;
  auto load = [&]() -> std::optional<std::pair<UnpackedTree, std::uint64_t>> {
    std::error_code ec;
    if (!stdfs::is_regular_file(dir / "index.json", ec)) return std::nullopt;
    try {
      auto j = nlohmann::json::parse(read_file(dir / "index.json"));
      if (j.value("format", 0) != kIndexFormat || !j.contains("unpacked_bytes")) return std::nullopt;
      UnpackedTree t;
      t.dir = dir;
      t.meta = j.at("meta");
      for (const auto& e : j.at("entries")) t.entries.push_back(entry_from_json(e));
      return std::make_pair(std::move(t), j.at("unpacked_bytes").get<std::uint64_t>());
    } catch (const std::exception&) {
      return std::nullopt;  // damaged: rebuilt below
    }
  };
  auto within_limit = [&](std::pair<UnpackedTree, std::uint64_t> loaded) {
    if (loaded.second > max_bytes)
      throw Error(what + ": unpacking needs " + std::to_string(loaded.second) + " bytes, more than the limit of " +
                  size_text(max_bytes) + " (if you trust it, raise the limit with --max-unpacked-size)");
    return std::move(loaded.first);
  };
  if (auto t = load()) return within_limit(std::move(*t));

  stdfs::create_directories(dir.parent_path());
  for (const auto& left : abandoned_temps(dir.parent_path())) remove_tree(left);
  std::error_code ec;
  if (stdfs::exists(dir, ec)) remove_tree(dir);  // an old format or a damaged entry
  TempDir temp(dir);
  BlobStore blobs(temp.path() / "blobs");
  UnpackBudget budget(max_bytes);
  auto [entries, meta] = fill(blobs, budget);
  nlohmann::json index = {{"format", kIndexFormat},
                          {"unpacked_bytes", budget.used()},
                          {"meta", meta},
                          {"entries", nlohmann::json::array()}};
  for (const auto& e : entries) index["entries"].push_back(entry_json(e));
  write_file_atomic(temp.path() / "index.json", index.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  temp.commit();  // if another process won the race, its identical entry stays
  if (auto t = load()) return within_limit(std::move(*t));
  throw Error("cannot read back the unpack cache entry " + dir.string());
}

PayloadNode payload_node(const TreeEntry& e, const std::filesystem::path& blob_dir, const std::string& source,
                         const std::string& reason) {
  PayloadNode n;
  n.type = e.type;
  n.mode = e.mode;
  n.link_target = e.link_target;
  n.rdev_major = e.rdev_major;
  n.rdev_minor = e.rdev_minor;
  n.source = source;
  n.reason = reason;
  if (e.type == NodeType::File && e.hardlink.empty()) n.content = {blob_dir / e.sha256, e.size, e.sha256};
  return n;
}

}  // namespace tailor::image
