// Kconfig file access: a directory tree on disk, or a map in memory.
#include "kconfig-analyzer/source_files.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace tailor::kconfig {

std::optional<std::string> DiskFiles::read(const std::string& name) {
  std::filesystem::path p = (!name.empty() && name[0] == '/') ? std::filesystem::path(name) : root_ / name;
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  bytes_ += out.size();
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
