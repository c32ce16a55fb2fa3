#include "image-builder/kernel_cache.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/sha256.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::system_clock;

Clock::time_point mtime_of(const stdfs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return {};
  return Clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec));
}

void remove_counted(const stdfs::path& p, const GcOptions& o, GcReport& report) {
  report.bytes += tree_size(p);
  report.removed.push_back(p.string());
  if (!o.dry_run) remove_tree(p);
}

// Temporary directories and files whose creating process is gone.
void gc_orphans(const stdfs::path& dir, const GcOptions& o, GcReport& report, std::string_view prefix = {}) {
  for (const auto& p : abandoned_temps(dir, prefix)) remove_counted(p, o, report);
}

}  // namespace

stdfs::path kernel_cache_dir(const stdfs::path& cache) { return cache / "kernels"; }

std::string request_key(const RequestKeyInputs& in) {
  Sha256 h;
  h.field("tailor-kernel-request-v1").field(in.tree_id).field(in.arch).field(in.base).field(in.toolchain);
  for (const auto& t : in.config_texts) h.field(t);
  return h.hex();
}

std::string build_key(const BuildKeyInputs& in) {
  Sha256 h;
  h.field("tailor-kernel-build-v1").field(in.tree_id).field(in.arch).field(in.toolchain).field(in.normalized_config);
  for (const auto& d : in.embedded_file_digests) h.field(d);
  return h.hex();
}

std::string normalize_config(const std::string& config_text) {
  std::string out;
  size_t start = 0;
  while (start < config_text.size()) {
    size_t nl = config_text.find('\n', start);
    std::string line = config_text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    out += line;
    out += '\n';
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

void touch_entry(const stdfs::path& entry_dir) {
  stdfs::path marker = entry_dir / "last-used";
  if (::utimensat(AT_FDCWD, marker.c_str(), nullptr, 0) != 0) write_file_atomic(marker, "");
}

std::vector<KernelCacheEntry> list_kernel_cache(const stdfs::path& cache) {
  std::vector<KernelCacheEntry> entries;
  stdfs::path root = kernel_cache_dir(cache);
  std::error_code ec;
  if (!stdfs::is_directory(root, ec)) return entries;
  for (const auto& e : stdfs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() != 64 || !stdfs::is_regular_file(e.path() / "build.json", ec)) continue;
    KernelCacheEntry entry;
    entry.key = name;
    entry.dir = e.path();
    try {
      auto j = nlohmann::json::parse(read_file(e.path() / "build.json"));
      entry.version = j.value("version", "");
      entry.tree_id = j.value("tree_id", "");
      entry.arch = j.value("arch", "");
      entry.base = j.value("base", "");
      entry.build_seconds = j.value("build_seconds", 0.0);
      if (j.contains("configs")) entry.configs = j["configs"].get<std::vector<std::string>>();
    } catch (const std::exception&) {
      continue;  // unreadable metadata: not a complete entry; gc removes it
    }
    entry.bytes = tree_size(e.path());
    entry.created = mtime_of(e.path() / "build.json");
    entry.last_used = std::max(entry.created, mtime_of(e.path() / "last-used"));
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.last_used != b.last_used ? a.last_used > b.last_used : a.key < b.key;
  });
  return entries;
}

GcReport gc_kernel_cache(const stdfs::path& cache, const GcOptions& o) {
  GcReport report;
  stdfs::path root = kernel_cache_dir(cache);
  const auto now = Clock::now();
  auto stale = [&](Clock::time_point last_used) {
    return o.all || (o.older_than && now - last_used > *o.older_than);
  };
  std::error_code ec;

  // Leftovers of interrupted runs anywhere in the cache (unpacked packages
  // and images, downloads, generated files, staged outputs) and the QEMU
  // backend's socket directories.
  gc_orphans(cache, o, report);
  for (const auto& sub : stdfs::directory_iterator(cache, ec))
    if (sub.is_directory(ec) && !is_temp_name(sub.path().filename().string())) gc_orphans(sub.path(), o, report);
  gc_orphans(stdfs::temp_directory_path(ec), o, report, ".tailor-qemu-");

  // Entries: complete ones by age; broken ones (no readable build.json) always.
  if (stdfs::is_directory(root, ec)) {
    auto complete = list_kernel_cache(cache);
    for (const auto& e : stdfs::directory_iterator(root, ec)) {
      std::string name = e.path().filename().string();
      if (name.size() != 64 || is_temp_name(name)) continue;
      auto it = std::find_if(complete.begin(), complete.end(), [&](const auto& c) { return c.key == name; });
      if (it != complete.end() && !stale(it->last_used)) continue;
      FileLock lock = FileLock::try_acquire(cache / "locks" / ("kernel-" + name + ".lock"));
      if (!lock.held()) continue;  // being built or read right now
      remove_counted(e.path(), o, report);
    }
  }

  // Index links (request key -> build key) whose entry is gone.
  stdfs::path index = root / "index";
  if (stdfs::is_directory(index, ec)) {
    for (const auto& e : stdfs::directory_iterator(index, ec)) {
      std::string target;
      try {
        target = read_file(e.path());
      } catch (const Error&) {
      }
      bool dangling = target.empty() || !stdfs::is_regular_file(root / target / "build.json", ec);
      bool removed_now = std::find(report.removed.begin(), report.removed.end(), (root / target).string()) !=
                         report.removed.end();
      if (dangling || removed_now || is_temp_name(e.path().filename().string())) {
        report.removed.push_back(e.path().string());
        if (!o.dry_run) stdfs::remove(e.path(), ec);
      }
    }
  }

  // Object directories (incremental kbuild state): by age, unless in use.
  stdfs::path obj = cache / "obj";
  if (stdfs::is_directory(obj, ec)) {
    for (const auto& tree : stdfs::directory_iterator(obj, ec)) {
      if (!tree.is_directory(ec)) continue;
      for (const auto& slot : stdfs::directory_iterator(tree.path(), ec)) {
        if (!slot.is_directory(ec)) continue;
        if (!stale(mtime_of(slot.path() / ".tailor-last-used"))) continue;
        FileLock lock = FileLock::try_acquire(slot.path().string() + ".lock");
        if (!lock.held()) continue;
        remove_counted(slot.path(), o, report);
      }
    }
  }

  // Unpacked source trees: only when asked, by the age of their last use.
  if (o.include_sources && stdfs::is_directory(cache / "sources", ec)) {
    for (const auto& e : stdfs::directory_iterator(cache / "sources", ec)) {
      std::string name = e.path().filename().string();
      if (name == "digests" || !e.is_directory(ec)) continue;
      if (!stale(std::max(mtime_of(e.path() / ".tailor-source"), mtime_of(e.path() / ".tailor-last-used"))))
        continue;
      FileLock lock = FileLock::try_acquire(cache / "locks" / ("source-use-" + name + ".lock"));
      if (!lock.held()) continue;
      remove_counted(e.path(), o, report);
    }
  }
  return report;
}

std::string utc_minute(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

nlohmann::json cache_entries_json(const std::vector<KernelCacheEntry>& entries) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& e : entries)
    j.push_back({{"key", e.key}, {"version", e.version}, {"tree_id", e.tree_id}, {"base", e.base},
                 {"configs", e.configs}, {"bytes", e.bytes}, {"build_seconds", e.build_seconds},
                 {"dir", e.dir.string()}, {"last_used", utc_minute(e.last_used)}});
  return j;
}

}  // namespace tailor::image
