// The loader's library search rules (see library_search.h).
#include "common/elf/library_search.h"

#include <filesystem>
#include <set>

namespace tailor::elf {

namespace {

// "/usr/bin/x" -> "/usr/bin", "/x" -> "/".
std::string parent_dir(const std::string& image_path) {
  auto p = std::filesystem::path(image_path).parent_path();
  return p.empty() ? std::string("/") : p.string();
}

std::string normalized(const std::string& path) { return std::filesystem::path(path).lexically_normal().string(); }

}  // namespace

bool is_musl_interpreter(const std::string& interpreter) { return interpreter.find("ld-musl") != std::string::npos; }

std::vector<std::string> default_library_dirs(const std::string& interpreter) {
  if (is_musl_interpreter(interpreter)) return {"/lib", "/usr/local/lib", "/usr/lib"};
  return {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"};
}

bool loader_provides(const std::string& interpreter, const std::string& needed) {
  if (interpreter.empty()) return false;
  if (needed == std::filesystem::path(interpreter).filename().string()) return true;
  if (!is_musl_interpreter(interpreter)) return false;
  static const std::set<std::string> names = {"libc.so",      "libpthread.so.0", "librt.so.1",
                                              "libm.so.6",    "libdl.so.2",      "libutil.so.1",
                                              "libxnet.so",   "libcrypt.so.1",   "libresolv.so.2"};
  return names.count(needed) || needed.rfind("ld-musl-", 0) == 0;
}

std::string expand_dynamic_tokens(const std::string& dir, const std::string& object_image_path) {
  std::string out;
  for (size_t i = 0; i < dir.size();) {
    auto try_token = [&](const std::string& token, const std::string& value) {
      for (const std::string& form : {"$" + token, "${" + token + "}"}) {
        if (dir.compare(i, form.size(), form) == 0) {
          out += value;
          i += form.size();
          return true;
        }
      }
      return false;
    };
    if (dir[i] == '$' && (try_token("ORIGIN", parent_dir(object_image_path)) ||
                          try_token("LIB", "lib/x86_64-linux-gnu") || try_token("PLATFORM", "x86_64")))
      continue;
    out += dir[i++];
  }
  return out;
}

std::vector<std::string> inherited_rpath(const ElfFile& object, const std::string& object_image_path,
                                         const std::vector<std::string>& inherited) {
  std::vector<std::string> chain;
  if (object.runpath().empty())
    for (const auto& d : object.rpath()) chain.push_back(expand_dynamic_tokens(d, object_image_path));
  chain.insert(chain.end(), inherited.begin(), inherited.end());
  return chain;
}

std::vector<std::string> library_search_dirs(const ElfFile& object, const std::string& object_image_path,
                                             const std::vector<std::string>& inherited,
                                             const std::vector<std::string>& ld_library_path,
                                             const std::string& interpreter) {
  std::vector<std::string> dirs;
  if (object.runpath().empty()) dirs = inherited_rpath(object, object_image_path, inherited);
  dirs.insert(dirs.end(), ld_library_path.begin(), ld_library_path.end());
  for (const auto& d : object.runpath()) dirs.push_back(expand_dynamic_tokens(d, object_image_path));
  for (const auto& d : default_library_dirs(interpreter)) dirs.push_back(d);
  return dirs;
}

std::vector<std::string> library_candidates(const std::string& needed, const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  if (needed.find('/') != std::string::npos) {
    if (needed.front() == '/') out.push_back(normalized(needed));
    return out;
  }
  for (const auto& d : dirs)
    if (!d.empty() && d.front() == '/') out.push_back(normalized(d + "/" + needed));
  return out;
}

}  // namespace tailor::elf
