// The library closure: a breadth-first walk over ELF objects that looks up
// each interpreter and DT_NEEDED entry as the guest's loader would, taking
// missing files from the pool or the host and placing them where the loader
// will look.
#include "image-builder/elf_closure.h"

#include <sys/stat.h>

#include <deque>
#include <map>
#include <set>

#include "common/error.h"
#include "common/sha256.h"
#include "image-builder/exec_chain.h"
#include "common/elf/elf_file.h"
#include "common/elf/library_search.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using elf::ElfFile;
using elf::ParseDepth;

std::string join_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

// Where a file can be found, in the order the closure tries.
struct Found {
  enum class Where { Payload, Pool, Host } where;
  std::string path;           // the path the loader opens (image path)
  std::string real_path;      // payload: after symlinks; pool: after symlinks; host: the canonical host path
};

class Closure {
 public:
  Closure(PayloadTree& payload, const ClosureOptions& options) : payload_(payload), options_(options) {}

  ClosureResult run() {
    std::string app = resolve_exec_chain();
    result_.app_elf = app;
    // Pass 1: what the app needs to start; every gap is an error.
    queue_.push_back({app, {}, true, {}});
    drain();
    // Pass 2: every other ELF file of the payload, so that what the app may
    // run later works too; gaps are warnings.
    std::vector<std::string> others;
    for (const auto& [path, node] : payload_.nodes())
      if (node.type == NodeType::File && !visited_.count(path) && (node.mode & 0111 || looks_like_library(path)))
        others.push_back(path);
    for (const auto& path : others) {
      const PayloadNode* node = payload_.find(path);
      if (!node || !elf::has_elf_magic(elf::read_head(node->content.file, 4))) continue;
      queue_.push_back({path, {}, false, {}});
    }
    drain();
    return result_;
  }

 private:
  struct Item {
    std::string path;                   // as the loader opens it
    std::vector<std::string> inherited;  // DT_RPATH of the objects that loaded it (elf::inherited_rpath)
    bool required;                       // the app needs it to start
    std::string loader;                  // the interpreter whose rules apply (a library follows its program's)
  };

  static bool looks_like_library(const std::string& path) { return path.find(".so") != std::string::npos; }

  // argv[0] -> #! interpreter -> ... -> the ELF program (its real path).
  std::string resolve_exec_chain() {
    ExecChain chain = follow_exec_chain(payload_, options_.argv0, options_.argv0_where,
                                        [this](const std::string& path, const std::string& via) {
                                          ensure_exact(path, "#! interpreter of " + via);
                                        });
    result_.exec_chain = std::move(chain.paths);
    return chain.program;
  }

  // A host file for an image path (symlinks followed on the host).
  std::optional<std::string> host_file(const std::string& image_path) const {
    if (!options_.use_host) return std::nullopt;
    stdfs::path p = options_.host_root / image_path.substr(1);
    std::error_code ec;
    if (!stdfs::is_regular_file(p, ec)) return std::nullopt;
    return stdfs::canonical(p, ec).string();
  }

  // Looks for `path` as a regular file: payload, pool, host.
  std::optional<Found> find_file(const std::string& path, bool need_x86_64_elf) {
    std::string real;
    if (const PayloadNode* n = payload_.lookup(path, &real); n && n->type == NodeType::File)
      if (!need_x86_64_elf || is_x86_64_elf(n->content.file)) return Found{Found::Where::Payload, path, real};
    return std::nullopt;
  }
  std::optional<Found> find_in_pool(const std::string& path, bool need_x86_64_elf) {
    std::string real;
    if (options_.pool)
      if (const PayloadNode* n = options_.pool->lookup(path, &real); n && n->type == NodeType::File)
        if (!need_x86_64_elf || is_x86_64_elf(n->content.file)) return Found{Found::Where::Pool, path, real};
    return std::nullopt;
  }
  std::optional<Found> find_on_host(const std::string& path, bool need_x86_64_elf) {
    if (auto h = host_file(path))
      if (!need_x86_64_elf || is_x86_64_elf(*h)) return Found{Found::Where::Host, path, *h};
    return std::nullopt;
  }
  // Pool before host, whatever the directory: a package's library beats the
  // host's copy even when the host has it in an earlier directory.
  std::optional<Found> find_outside(const std::vector<std::string>& candidates, bool need_x86_64_elf) {
    for (const auto& c : candidates)
      if (auto f = find_in_pool(c, need_x86_64_elf)) return f;
    for (const auto& c : candidates)
      if (auto f = find_on_host(c, need_x86_64_elf)) return f;
    return std::nullopt;
  }

  // The name the loader answers to when a library needs it (glibc's libc.so.6
  // needs ld-linux-x86-64.so.2, which is the interpreter already loaded).
  std::string loader_soname(const std::string& interp) {
    if (interp.empty()) return {};
    auto it = loader_names_.find(interp);
    if (it != loader_names_.end()) return it->second;
    std::string name = interp.substr(interp.rfind('/') + 1);
    if (const PayloadNode* n = payload_.lookup(interp); n && n->type == NodeType::File) {
      try {
        if (elf::is_x86_64_elf(n->content.file)) {
          ElfFile info = ElfFile::load(n->content.file, interp, ParseDepth::Linking);
          if (info.soname() && !info.soname()->empty()) name = *info.soname();
        }
      } catch (const Error&) {
      }
    }
    loader_names_[interp] = name;
    return name;
  }

  bool is_x86_64_elf(const stdfs::path& file) {
    auto it = elf_kind_.find(file.string());
    if (it != elf_kind_.end()) return it->second;
    const bool ok = elf::is_x86_64_elf(file);
    elf_kind_[file.string()] = ok;
    return ok;
  }

  // Copies a pool or host file into the payload at `found.path`.
  std::string add(const Found& found, const std::string& reason) {
    PayloadNode node;
    node.type = NodeType::File;
    node.reason = reason;
    if (found.where == Found::Where::Pool) {
      const PayloadNode* src = options_.pool->find(found.real_path);
      node.content = src->content;
      node.mode = src->mode & 07777;
      node.source = src->source;
    } else {
      struct stat st {};
      ::stat(found.real_path.c_str(), &st);
      node.content.file = found.real_path;
      node.content.size = static_cast<std::uint64_t>(st.st_size);
      node.content.sha256 = sha256_file(found.real_path);
      node.mode = st.st_mode & 07777;
      node.source = "host " + found.real_path;
    }
    std::string landed = payload_.put(found.path, node);
    result_.added.push_back(landed);
    return landed;
  }

  // Makes sure an exact path (an interpreter) is in the payload.
  bool ensure_exact(const std::string& path, const std::string& reason) {
    if (find_file(path, false)) return true;
    if (auto f = find_outside({path}, false)) {
      add(*f, reason);
      return true;
    }
    return false;
  }

  void problem(bool required, const std::string& message) {
    if (required) throw Error(message);
    result_.warnings.push_back(message);
  }

  void drain() {
    while (!queue_.empty()) {
      Item item = queue_.front();
      queue_.pop_front();
      std::string real;
      const PayloadNode* node = payload_.lookup(item.path, &real);
      if (!node || visited_.count(real)) continue;
      visited_.insert(real);
      process(item, *node);
    }
  }

  void process(const Item& item, const PayloadNode& node) {
    std::optional<ElfFile> object;
    try {
      const elf::ElfIdentity id = elf::read_identity(node.content.file, item.path);
      if (!id.is_x86_64()) {
        if (item.required) problem(true, item.path + " is an " + id.describe() + " file; the guest runs x86-64 programs");
        return;  // other architectures' files (firmware, cross tools) are not ours to run
      }
      object.emplace(ElfFile::load(node.content.file, item.path, ParseDepth::Linking));
    } catch (const Error& e) {
      problem(item.required, e.what());
      return;
    }
    const ElfFile& info = *object;
    const std::string interp = info.interpreter().value_or("");
    if (!interp.empty()) {
      if (!ensure_exact(interp, "interpreter (PT_INTERP) of " + item.path)) {
        problem(item.required, item.path + " needs its program interpreter " + interp +
                                   " (PT_INTERP), which is in neither the image, its packages' dependencies nor the host");
        return;
      }
      queue_.push_back({interp, {}, item.required, interp});
    }
    // Which loader's rules apply: the program's own interpreter, or for a
    // library, that of the program that loads it.
    const std::string loader = interp.empty() ? item.loader : interp;

    const std::vector<std::string> chain_rpath = elf::inherited_rpath(info, item.path, item.inherited);
    const std::vector<std::string> dirs =
        elf::library_search_dirs(info, item.path, item.inherited, options_.ld_library_path, loader);

    const std::string loader_name = loader_soname(loader);
    for (const auto& needed : info.needed()) {
      if (elf::loader_provides(loader, needed)) continue;
      if (!loader_name.empty() && needed == loader_name) continue;  // the loader is already in the process
      const std::vector<std::string> candidates = elf::library_candidates(needed, dirs);
      std::optional<Found> found;
      for (const auto& c : candidates)
        if ((found = find_file(c, true))) break;
      if (!found) found = find_outside(candidates, true);
      if (!found) {
        std::vector<std::string> searched;
        for (const auto& c : candidates) searched.push_back(image_dirname(c));
        problem(item.required,
                item.path + " needs " + needed + " (DT_NEEDED), which is in neither the image, its packages' "
                "dependencies nor the host (searched " + (searched.empty() ? std::string("nothing") : join_list(searched)) +
                "); add the package or file that provides it to a [[payload]]");
        continue;
      }
      std::string path = found->path;
      if (found->where != Found::Where::Payload) path = add(*found, "DT_NEEDED of " + item.path + " (" + needed + ")");
      queue_.push_back({path, chain_rpath, item.required, loader});
    }
  }

  PayloadTree& payload_;
  const ClosureOptions& options_;
  ClosureResult result_;
  std::deque<Item> queue_;
  std::set<std::string> visited_;
  std::map<std::string, bool> elf_kind_;
  std::map<std::string, std::string> loader_names_;
};

}  // namespace

ClosureResult complete_closure(PayloadTree& payload, const ClosureOptions& options) {
  return Closure(payload, options).run();
}

}  // namespace tailor::image
