// Where Kconfig files come from. The parser only sees this interface, so
// tests feed it files from memory and the tool reads a kernel tree on disk.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tailor::kconfig {

class FileSource {
 public:
  virtual ~FileSource() = default;
  // The content of `name`: absolute names as they are, relative names under
  // the tree root (kbuild runs conf with $(srctree) set, so `source` paths
  // are relative to the top of the tree). nullopt when there is no such file.
  virtual std::optional<std::string> read(const std::string& name) = 0;
  // Relative names of files matching a shell glob pattern, sorted (for the
  // Kconfiglib-style `source "dir/*/Kconfig"` extension).
  virtual std::vector<std::string> glob(const std::string& pattern) = 0;
};

// Every file a parse looked at, for the tree cache (tree_cache.h): a parse
// is only valid while each of these is as it was.
struct FilesSeen {
  struct File {
    std::string path;      // absolute
    std::string identity;  // file_identity() when it was read, or "missing"
  };
  struct Glob {
    std::string pattern;  // as given to FileSource::glob
    std::vector<std::string> matches;
  };
  std::vector<File> files;  // in the order read; a file read twice is listed twice
  std::vector<Glob> globs;
};

// Files under a directory (a kernel source tree).
class DiskFiles : public FileSource {
 public:
  explicit DiskFiles(std::filesystem::path root) : root_(std::move(root)) {}
  std::optional<std::string> read(const std::string& name) override;
  std::vector<std::string> glob(const std::string& pattern) override;
  // Bytes read so far (for progress and benchmarks).
  size_t bytes_read() const { return bytes_; }
  const FilesSeen& seen() const { return seen_; }
  // The absolute path `read(name)` reads.
  std::filesystem::path path_of(const std::string& name) const;

 private:
  std::filesystem::path root_;
  size_t bytes_ = 0;
  FilesSeen seen_;
};

// Files held in memory, for tests.
class MemoryFiles : public FileSource {
 public:
  MemoryFiles() = default;
  explicit MemoryFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  void add(const std::string& name, std::string content) { files_[name] = std::move(content); }
  std::optional<std::string> read(const std::string& name) override;
  std::vector<std::string> glob(const std::string& pattern) override;

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace tailor::kconfig
