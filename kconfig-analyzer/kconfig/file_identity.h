// The identity of a file as caches here see it: size, modification time and
// inode. A cache entry keyed on a file's identity is stale when any of them
// changes (an edit, a replacement, a touch).
#pragma once

#include <sys/stat.h>

#include <string>

namespace tailor::kconfig {

// "SIZE:MTIME_S.MTIME_NS:INODE", or "missing" when `path` cannot be stat'ed.
std::string file_identity(const std::string& path);
std::string file_identity(const struct stat& st);

}  // namespace tailor::kconfig
