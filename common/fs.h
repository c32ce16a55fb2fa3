// File-system helpers that keep outputs whole: atomic writes, temporary
// directories that vanish unless committed, and checked reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tailor {

namespace fs = std::filesystem;

// Reads a whole file; throws Error naming the path when it cannot.
std::string read_file(const fs::path& path);

// Writes `contents` to a temporary file beside `path`, fsyncs it and renames
// it over `path`, so readers see either the old file or the whole new one.
void write_file_atomic(const fs::path& path, std::string_view contents, fs::perms mode = fs::perms(0644));

// Copies `from` to `to` atomically (temporary file + rename), keeping the mode.
void copy_file_atomic(const fs::path& from, const fs::path& to);

// A unique path next to `target` (same directory, so rename() is atomic).
fs::path sibling_temp_path(const fs::path& target);

// A directory that is removed when this object dies, unless commit() moved it
// to its final name first. Used for every output that must appear whole.
class TempDir {
 public:
  // Creates a fresh directory beside `final_path` (same file system).
  explicit TempDir(const fs::path& final_path);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir();

  const fs::path& path() const { return path_; }
  // Renames the directory to its final path. If the final path already exists
  // (another process won a race), this directory is removed instead and false
  // is returned.
  bool commit();

 private:
  fs::path path_;
  fs::path final_path_;
  bool committed_ = false;
};

// Removes a tree, ignoring a missing one; throws on other failures.
void remove_tree(const fs::path& path);

// Size in bytes of all regular files under `path` (0 if missing).
std::uintmax_t tree_size(const fs::path& path);

// True when `name` looks like one of our temporary names (for cache gc).
bool is_temp_name(std::string_view name);

// The entries of `dir` whose names are temporary names (starting with
// `prefix`, when given) of a process that no longer exists (the pid in the
// name): leftovers of an interrupted run, safe to remove. Sorted.
std::vector<fs::path> abandoned_temps(const fs::path& dir, std::string_view prefix = {});

}  // namespace tailor
