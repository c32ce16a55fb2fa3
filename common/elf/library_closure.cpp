// Dynamic-loader-style library resolution (see library_closure.h).
#include "common/elf/library_closure.h"

#include <deque>
#include <set>

#include "common/error.h"
#include "common/elf/elf_file.h"
#include "common/elf/library_search.h"

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

std::vector<LoadedObject> library_closure(const std::string& program, const PathMap& map) {
  auto host = map(program);
  if (!host) throw Error("program " + program + " is not in the image");
  std::vector<LoadedObject> out;
  out.push_back({program, *host, "", "", false});
  auto exe = ElfFile::load(*host);
  // The program's loader sets the standard directories and the names it provides.
  const std::string interpreter = exe.interpreter().value_or("");

  std::set<std::string> loaded_names{program};
  struct Pending {
    size_t index;
    std::vector<std::string> inherited;  // RPATHs of the objects that loaded it
  };
  std::deque<Pending> queue{{0, {}}};
  while (!queue.empty()) {
    auto pending = queue.front();
    queue.pop_front();
    const auto obj = out[pending.index];
    auto elf = ElfFile::load(obj.host_path);
    const auto chain = inherited_rpath(elf, obj.image_path, pending.inherited);
    const auto dirs = library_search_dirs(elf, obj.image_path, pending.inherited, {}, interpreter);
    for (const auto& name : elf.needed()) {
      if (loaded_names.count(name) || loader_provides(interpreter, name)) continue;
      std::optional<std::pair<std::string, fs::path>> found;
      for (const auto& image_path : library_candidates(name, dirs)) {
        if (auto h = map(image_path); h && is_x86_64_elf(*h)) {
          found = {{image_path, *h}};
          break;
        }
      }
      if (!found)
        throw Error("library " + name + " needed by " + obj.image_path + " is not in the image");
      loaded_names.insert(name);
      if (loaded_names.count(found->first)) continue;  // same file reached under another name
      loaded_names.insert(found->first);
      out.push_back({found->first, found->second, name, obj.image_path, false});
      queue.push_back({out.size() - 1, chain});
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
