// Placing a KML app's program and its rewritten closure under /trusted.
#include "image-builder/trusted_program.h"

#include <algorithm>
#include <optional>

#include "common/elf/library_closure.h"
#include "common/elf/library_search.h"
#include "common/error.h"
#include "common/fs.h"
#include "image-builder/image_plan.h"
#include "image-builder/syscall_sites/syscall_sites.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;

std::string parent_dir(const std::string& image_path) { return image_path.substr(0, image_path.rfind('/')); }

std::string left_summary(const syscall_sites::SiteReport& report) {
  std::string out;
  for (syscall_sites::SiteVerdict v : syscall_sites::kAllSiteVerdicts) {
    if (v == syscall_sites::SiteVerdict::Rewrite || report.count(v) == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(syscall_sites::verdict_name(v)) + " " + std::to_string(report.count(v));
  }
  return out;
}

}  // namespace

std::size_t TrustedProgram::rewritten() const {
  std::size_t n = 0;
  for (const auto& f : files) n += f.rewritten;
  return n;
}

std::size_t TrustedProgram::left() const {
  std::size_t n = 0;
  for (const auto& f : files) n += f.sites - f.rewritten;
  return n;
}

TrustedProgram place_trusted_program(PayloadTree& tree, const std::string& program, const std::vector<std::string>& argv,
                                     const stdfs::path& cache, const KmlMuslSource& kml_musl) {
  const elf::PathMap in_tree = [&tree](const std::string& path) -> std::optional<stdfs::path> {
    const PayloadNode* node = tree.lookup(path);
    if (!node || node->type != NodeType::File) return std::nullopt;
    return node->content.file;
  };
  const std::vector<elf::LoadedObject> objects = elf::library_closure(program, in_tree);

  TrustedProgram out;
  std::string program_copy, loader_copy;
  bool loader_was_there = false;  // placed for another trusted program: keep it
  bool loader_replaced = false;   // by the KML-aware musl
  std::vector<std::string> library_dirs;
  for (const elf::LoadedObject& object : objects) {
    const bool is_program = object.needed_as.empty() && !object.interpreter;
    const PayloadNode* node = tree.lookup(object.image_path);
    if (!node || node->type != NodeType::File)
      throw Error("KML: " + object.image_path + " (needed by " + object.needed_by + ") is not a file of the image");
    if (object.interpreter && kml_musl && elf::is_musl_interpreter(object.image_path)) {
      TrustedFile file;
      file.path = object.image_path;
      file.original_sha256 = node->content.sha256;
      file.replaced_by = "the KML-aware musl (kml-patches/libc)";
      PayloadNode copy = *node;
      copy.content = generated_file(cache, read_file(kml_musl()));
      copy.source = "the KML-aware musl, kml-patches/libc (instead of " + node->source + ")";
      copy.reason = "KML: musl loader and C library of the trusted app, calling the kernel through AT_SYSINFO";
      file.rewritten_sha256 = copy.content.sha256;
      loader_was_there = tree.find(trusted_path(object.image_path)) != nullptr;
      file.trusted_path = loader_copy = tree.put(trusted_path(object.image_path), copy);
      loader_replaced = true;
      out.files.push_back(std::move(file));
      continue;
    }
    const syscall_sites::RewriteResult result =
        syscall_sites::rewrite_syscall_sites(read_file(node->content.file), object.image_path);

    TrustedFile file;
    file.path = object.image_path;
    file.original_sha256 = node->content.sha256;
    file.sites = result.report.sites.size();
    file.rewritten = result.report.rewritten();
    file.left = left_summary(result.report);

    PayloadNode copy = *node;
    if (file.rewritten > 0) {
      copy.content = generated_file(cache, result.bytes);
      copy.source = node->source + ", " + std::to_string(file.rewritten) + " syscall sites rewritten";
    }
    file.rewritten_sha256 = copy.content.sha256;
    // The program always runs from /trusted; a library or the loader only
    // needs a copy when something in it was rewritten (the loader also when
    // a library was, below).
    if (is_program || file.rewritten > 0 || object.interpreter) {
      copy.reason = is_program ? "KML: the app's program, run at CPL 0 from /trusted"
                               : "KML: rewritten copy for the trusted app (needed by " +
                                     (object.needed_by.empty() ? program : object.needed_by) + ")";
      if (object.interpreter) loader_was_there = tree.find(trusted_path(object.image_path)) != nullptr;
      file.trusted_path = tree.put(trusted_path(object.image_path), copy);
      if (is_program) program_copy = file.trusted_path;
      else if (object.interpreter) loader_copy = file.trusted_path;
      else if (std::find(library_dirs.begin(), library_dirs.end(), parent_dir(file.trusted_path)) == library_dirs.end())
        library_dirs.push_back(parent_dir(file.trusted_path));
    }
    out.files.push_back(std::move(file));
  }

  // Through the rewritten loader when it or a library has a rewritten
  // site; otherwise (a static program, or nothing to rewrite outside the
  // program) the program is executed as it is and needs no loader copy.
  const bool has_loader = !loader_copy.empty();
  const bool use_loader = has_loader && (loader_replaced || !library_dirs.empty() || out.files.back().rewritten > 0);
  if (has_loader && !use_loader && !loader_was_there) {
    tree.remove(loader_copy);
    out.files.back().trusted_path.clear();
  }
  if (!use_loader) {
    out.exec = program_copy;
    out.argv = argv;
    return out;
  }
  std::string path_list;
  for (const auto& dir : library_dirs) path_list += (path_list.empty() ? "" : ":") + dir;
  out.exec = loader_copy;
  out.argv = {loader_copy};
  if (!path_list.empty()) out.argv.insert(out.argv.end(), {"--library-path", path_list});
  out.argv.insert(out.argv.end(), {"--argv0", argv.front(), program_copy});
  out.argv.insert(out.argv.end(), argv.begin() + 1, argv.end());
  return out;
}

}  // namespace tailor::image
