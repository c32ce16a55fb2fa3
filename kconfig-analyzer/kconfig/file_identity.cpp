// File identities (see file_identity.h).
#include "kconfig-analyzer/kconfig/file_identity.h"

#include <cstdio>

namespace tailor::kconfig {

std::string file_identity(const struct stat& st) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%lld:%lld.%09ld:%llu", static_cast<long long>(st.st_size),
                static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec,
                static_cast<unsigned long long>(st.st_ino));
  return buf;
}

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return "missing";
  return file_identity(st);
}

}  // namespace tailor::kconfig
