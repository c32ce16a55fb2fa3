// The content-addressed kernel cache under <cache>/kernels: key derivation,
// listing and garbage collection.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tailor::image {

// <cache>/kernels/<key>/{bzImage,vmlinux,System.map,.config,build.json,build.log,last-used}
std::filesystem::path kernel_cache_dir(const std::filesystem::path& cache);

// Inputs named before configuration runs: the quick key that lets a repeated
// request skip `make *config` entirely. Maps, through index/, to a final key.
struct RequestKeyInputs {
  std::string tree_id, arch, base, toolchain;
  std::vector<std::string> config_texts;
};
std::string request_key(const RequestKeyInputs& in);

// The final key: tree identity, arch, toolchain and the normalized .config,
// plus the bytes of any initramfs the config builds in.
struct BuildKeyInputs {
  std::string tree_id, arch, toolchain, normalized_config;
  std::vector<std::string> embedded_file_digests;
};
std::string build_key(const BuildKeyInputs& in);

// The .config as it will be hashed: conf's output minus nothing but trailing
// whitespace (conf writes deterministic files; this guards hand edits).
std::string normalize_config(const std::string& config_text);

struct KernelCacheEntry {
  std::string key;
  std::filesystem::path dir;
  std::string version, tree_id, arch, base;
  std::vector<std::string> configs;  // the config files named when it was built
  std::uintmax_t bytes = 0;
  double build_seconds = 0;
  std::chrono::system_clock::time_point created, last_used;
};

// Complete entries, most recently used first.
std::vector<KernelCacheEntry> list_kernel_cache(const std::filesystem::path& cache);

// "2026-12-07 14:05": a time as `tailor kernel cache list` shows it (UTC, minutes).
std::string utc_minute(std::chrono::system_clock::time_point t);

// `tailor kernel cache list --json`: one object per entry, in the given order.
nlohmann::json cache_entries_json(const std::vector<KernelCacheEntry>& entries);

struct GcOptions {
  std::optional<std::chrono::hours> older_than;  // remove entries unused this long
  bool all = false;                              // remove every entry
  bool dry_run = false;
  bool include_sources = false;                  // also unpacked source trees unused that long
};

struct GcReport {
  std::vector<std::string> removed;  // what was (or would be) removed
  std::uintmax_t bytes = 0;
};

// Removes unused entries (never one another process holds locked), the
// leftovers of interrupted runs anywhere in the cache (temporary files and
// directories whose creating process is gone: unpacks, downloads, staged
// outputs) and the QEMU backend's /tmp/.tailor-qemu-* socket directories of
// dead processes, stale object directories and index links that point nowhere.
GcReport gc_kernel_cache(const std::filesystem::path& cache, const GcOptions& options);

// Marks an entry as just used (for gc's "unused for" rule).
void touch_entry(const std::filesystem::path& entry_dir);

}  // namespace tailor::image
