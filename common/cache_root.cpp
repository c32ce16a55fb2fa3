#include "common/cache_root.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "common/error.h"

namespace tailor {

std::filesystem::path cache_root(const std::string& explicit_dir) {
  std::filesystem::path root;
  if (!explicit_dir.empty()) {
    root = explicit_dir;
  } else if (const char* env = std::getenv("TAILOR_CACHE"); env != nullptr && *env != '\0') {
    root = env;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    root = std::filesystem::path(xdg) / "tailor";
  } else {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
      const passwd* pw = ::getpwuid(::getuid());
      home = pw != nullptr ? pw->pw_dir : nullptr;
    }
    if (home == nullptr) throw Error("cannot find a cache directory: set TAILOR_CACHE or pass --cache DIR");
    root = std::filesystem::path(home) / ".cache" / "tailor";
  }
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) throw Error("cannot create cache directory " + root.string() + ": " + ec.message() +
                      " (set TAILOR_CACHE or pass --cache DIR)");
  return std::filesystem::absolute(root);
}

}  // namespace tailor
