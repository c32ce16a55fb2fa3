// Dynamic-loader-style library resolution (see library_closure.h).
#include "kconfig-analyzer/elf/library_closure.h"

#include <deque>
#include <set>

#include "common/error.h"
#include "kconfig-analyzer/elf/elf_file.h"

namespace tailor::elf {

namespace fs = std::filesystem;

PathMap host_path_map() {
  return [](const std::string& p) -> std::optional<fs::path> {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return fs::path(p);
    return std::nullopt;
  };
}

PathMap rooted_path_map(const fs::path& root) {
  return [root](const std::string& p) -> std::optional<fs::path> {
    std::error_code ec;
    auto staged = root / fs::path(p).relative_path();
    if (fs::is_regular_file(staged, ec)) return staged;
    if (fs::is_regular_file(p, ec)) return fs::path(p);
    return std::nullopt;
  };
}

namespace {

// Debian's multiarch directories first, as ld.so.conf orders them.
const std::vector<std::string> kDefaultDirs = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                                               "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"};

std::string expand_origin(std::string dir, const std::string& origin) {
  for (const std::string token : {"$ORIGIN", "${ORIGIN}"}) {
    for (auto pos = dir.find(token); pos != std::string::npos; pos = dir.find(token))
      dir.replace(pos, token.size(), origin);
  }
  return dir;
}

std::string parent_of(const std::string& image_path) { return fs::path(image_path).parent_path().string(); }

}  // namespace

std::vector<LoadedObject> library_closure(const std::string& program, const PathMap& map) {
  auto host = map(program);
  if (!host) throw Error("program " + program + " is not in the image");
  std::vector<LoadedObject> out;
  out.push_back({program, *host, "", "", false});
  auto exe = ElfFile::load(*host);

  std::set<std::string> loaded_names{program};
  std::deque<size_t> queue{0};
  // RPATH of the executable applies to every lookup (when the needing object has no RUNPATH).
  auto exe_rpath = exe.runpath().empty() ? exe.rpath() : std::vector<std::string>{};
  while (!queue.empty()) {
    auto index = queue.front();
    queue.pop_front();
    const auto obj = out[index];
    auto elf = ElfFile::load(obj.host_path);
    for (const auto& name : elf.needed()) {
      if (loaded_names.count(name)) continue;
      std::optional<std::pair<std::string, fs::path>> found;
      auto try_path = [&](const std::string& image_path) {
        if (found) return;
        if (auto h = map(image_path)) {
          if (ElfFile::has_elf_magic(*h)) found = {{image_path, *h}};
        }
      };
      if (name.find('/') != std::string::npos) {
        try_path(name);
      } else {
        std::vector<std::string> dirs;
        auto origin = parent_of(obj.image_path);
        if (elf.runpath().empty()) {
          for (const auto& d : elf.rpath()) dirs.push_back(expand_origin(d, origin));
          if (index != 0)
            for (const auto& d : exe_rpath) dirs.push_back(expand_origin(d, parent_of(program)));
        }
        for (const auto& d : elf.runpath()) dirs.push_back(expand_origin(d, origin));
        for (const auto& d : kDefaultDirs) dirs.push_back(d);
        for (const auto& d : dirs) try_path((fs::path(d) / name).lexically_normal().string());
      }
      if (!found)
        throw Error("library " + name + " needed by " + obj.image_path + " is not in the image");
      loaded_names.insert(name);
      if (loaded_names.count(found->first)) continue;  // same file reached under another name
      loaded_names.insert(found->first);
      out.push_back({found->first, found->second, name, obj.image_path, false});
      queue.push_back(out.size() - 1);
    }
  }
  if (exe.interpreter()) {
    auto interp = map(*exe.interpreter());
    if (!interp) throw Error("interpreter " + *exe.interpreter() + " of " + program + " is not in the image");
    // The interpreter is usually also a DT_NEEDED of libc (ld-linux-x86-64.so.2): keep it once, last.
    std::erase_if(out, [&](const LoadedObject& o) {
      return o.image_path != program && fs::path(o.image_path).filename() == fs::path(*exe.interpreter()).filename();
    });
    out.push_back({*exe.interpreter(), *interp, "", program, true});
  }
  return out;
}

}  // namespace tailor::elf
