// Kconfig file access: a directory tree on disk, or a map in memory.
#include "kconfig-analyzer/kconfig/source_files.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kconfig-analyzer/kconfig/file_identity.h"

namespace tailor::kconfig {

std::filesystem::path DiskFiles::path_of(const std::string& name) const {
  return (!name.empty() && name[0] == '/') ? std::filesystem::path(name) : root_ / name;
}

namespace {

// A regular file's bytes (nullopt when it cannot be opened or is not a
// regular file), and its fstat() of the open file in `st_out`.
std::optional<std::string> read_regular_file(const std::string& path, struct stat* st_out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  for (;;) {
    char more[4096];
    // Past the size fstat gave (the file grew while being read): a small
    // buffer, so that the usual last read that finds the end copies nothing.
    bool within = got < out.size();
    ssize_t n = within ? ::read(fd, out.data() + got, out.size() - got) : ::read(fd, more, sizeof more);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!within) out.append(more, static_cast<size_t>(n));
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  *st_out = st;
  return out;
}

}  // namespace

std::optional<std::string> DiskFiles::read(const std::string& name) {
  std::string path = path_of(name).string();
  struct stat st {};
  std::optional<std::string> out = read_regular_file(path, &st);
  // The identity of what was read comes from the open file.
  seen_.files.push_back({path, out ? file_identity(st) : file_identity(path)});
  if (out) bytes_ += out->size();
  return out;
}

std::vector<std::string> DiskFiles::glob(const std::string& pattern) {
  bool absolute = !pattern.empty() && pattern[0] == '/';
  std::string full = absolute ? pattern : (root_ / pattern).string();
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(full.c_str(), 0, nullptr, &g) == 0) {
    std::string prefix = absolute ? "" : root_.string() + "/";
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      std::string p = g.gl_pathv[i];
      if (!prefix.empty() && p.compare(0, prefix.size(), prefix) == 0) p = p.substr(prefix.size());
      out.push_back(p);
    }
  }
  ::globfree(&g);
  std::sort(out.begin(), out.end());
  seen_.globs.push_back({pattern, out});
  return out;
}

std::optional<std::string> MemoryFiles::read(const std::string& name) {
  auto it = files_.find(name);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> MemoryFiles::glob(const std::string& pattern) {
  std::vector<std::string> out;
  for (const auto& [name, content] : files_)
    if (::fnmatch(pattern.c_str(), name.c_str(), FNM_PATHNAME) == 0) out.push_back(name);
  return out;
}

}  // namespace tailor::kconfig
