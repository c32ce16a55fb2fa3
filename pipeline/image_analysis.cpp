// The analyzer as the image builder's config source (see image_analysis.h).
#include "pipeline/image_analysis.h"

#include <fmt/format.h>

#include <cctype>
#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/exec_chain.h"
#include "image-builder/image_build.h"
#include "image-builder/image_plan.h"
#include "image-builder/patch_series.h"
#include "common/elf/elf_file.h"
#include "kconfig-analyzer/analyzer/knowledge/rules.h"
#include "kconfig-analyzer/analyzer/report/report.h"

namespace tailor::pipeline {

namespace stdfs = std::filesystem;

namespace {

// Bump when the analysis' results change for the same inputs.
constexpr int kAnalysisVersion = 1;

}  // namespace

elf::PathMap payload_path_map(const image::PayloadTree& tree) {
  return [&tree](const std::string& path) -> std::optional<stdfs::path> {
    const image::PayloadNode* n = tree.lookup(path);
    if (!n || n->type != image::NodeType::File || n->content.file.empty()) return std::nullopt;
    return n->content.file;
  };
}

app::AppInput app_input_from_image(const image::Manifest& m, const image::PayloadTree& tree) {
  app::AppInput in;
  in.name = m.name;
  in.files = payload_path_map(tree);
  if (m.app.argv.empty()) throw Error(m.path.string() + ": [app] argv is empty");

  // The exec chain: argv[0], through #! interpreters, to an ELF program.
  in.exec_chain = image::follow_exec_chain(tree, m.app.argv[0], m.path.string()).paths;
  in.program = in.exec_chain.back();

  // Every other ELF file: programs with their closures, and shared objects
  // nothing links against (plugins the app may load).
  std::vector<std::string> programs, shared;
  for (const auto& [p, node] : tree.nodes()) {
    if (node.type != image::NodeType::File || p == "/init" || p.rfind("/tailor/", 0) == 0) continue;
    if (p.rfind("/trusted/", 0) == 0) continue;  // the KML copy of the app
    if (node.content.file.empty()) continue;
    if (!elf::has_elf_magic(elf::read_head(node.content.file, 4))) continue;
    try {
      auto elf = elf::ElfFile::load(node.content.file);
      if (elf.kind() == elf::FileKind::Executable || elf.kind() == elf::FileKind::PieExecutable) {
        if (node.mode & 0111) programs.push_back(p);
      } else if (elf.kind() == elf::FileKind::SharedLibrary && !elf.interpreter()) {
        shared.push_back(p);
      }
    } catch (const Error&) {
      // Not x86-64, or not an ELF we can read: no program of this machine.
    }
  }
  std::string program_real;
  tree.lookup(in.program, &program_real);
  std::set<std::string> linked;
  for (const auto& p : programs) {
    if (p != program_real) in.other_programs.push_back(p);
    try {
      for (const auto& o : elf::library_closure(p, in.files)) {
        std::string real;
        tree.lookup(o.image_path, &real);
        linked.insert(real.empty() ? o.image_path : real);
      }
    } catch (const Error&) {
      // A tool whose libraries are missing cannot run; the builder warned.
    }
  }
  for (const auto& s : shared)
    if (!linked.count(s)) in.loadable_modules.push_back(s);

  // Words that may name BusyBox applets: argv, and every #! script of the chain.
  std::set<std::string> words;
  auto add_words = [&](const std::string& text) {
    std::string w;
    for (char c : text + " ") {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '[' || c == '+') {
        w += c;
      } else if (!w.empty()) {
        words.insert(w);
        words.insert(stdfs::path(w).filename().string());
        w.clear();
      }
      if (c == '/' && !w.empty()) w.clear();
    }
  };
  for (const auto& a : m.app.argv) add_words(a), words.insert(stdfs::path(a).filename().string());
  for (size_t i = 0; i + 1 < in.exec_chain.size(); ++i)
    if (auto f = in.files(in.exec_chain[i])) add_words(read_file(*f));
  in.command_words = words;

  for (const auto& mount : m.app.mounts) in.mounts.push_back(mount.type);
  // Uncompressed unless the manifest asks: the monitor copies the archive into
  // guest memory on the host, while unpacking a compressed one costs guest time
  // at every boot (gzip: about 25 ms of hello's virtual boot).
  in.compression = m.kernel.compression ? image::compression_name(*m.kernel.compression) : "none";
  in.smp = m.kernel.smp;
  if (m.net.present) {
    if (!m.net.tap.empty()) {
      in.net = "mode tap:" + m.net.tap;
    } else {
      in.net = "ports";
      for (const auto& p : m.net.ports) in.net += " " + std::to_string(p.host_port) + ":" + std::to_string(p.guest_port);
      if (m.net.ports.empty()) in.net = "mode user";
    }
  }
  for (const auto& v : m.volumes) in.volumes.push_back(v.path);
  in.extra = m.kernel.extra;
  return in;
}

void stage_payload(const image::PayloadTree& tree, const stdfs::path& dir) {
  for (const auto& [path, node] : tree.nodes()) {
    if (path == "/") continue;
    auto target = dir / stdfs::path(path).relative_path();
    std::error_code ec;
    switch (node.type) {
      case image::NodeType::Dir:
        stdfs::create_directories(target);
        stdfs::permissions(target, stdfs::perms(node.mode & 07777) | stdfs::perms::owner_all, ec);
        break;
      case image::NodeType::Symlink: stdfs::create_symlink(node.link_target, target); break;
      case image::NodeType::File:
        stdfs::create_directories(target.parent_path());
        stdfs::create_hard_link(node.content.file, target, ec);
        // A cache blob's mode may not be the image's: then the file needs its own copy.
        if (!ec && (uint32_t(stdfs::status(target).permissions()) & 0777) != (node.mode & 0777)) {
          stdfs::remove(target);
          ec = std::make_error_code(std::errc::operation_not_permitted);
        }
        if (ec) {
          stdfs::copy_file(node.content.file, target);
          stdfs::permissions(target, stdfs::perms(node.mode & 07777), ec);
        }
        break;
      default: break;  // device nodes and fifos: the host's /dev is bound in
    }
  }
}

trace::TraceResult trace_manifest(const image::Manifest& m, const image::PayloadTree& tree, const stdfs::path& cache,
                                  std::chrono::seconds timeout) {
  TempDir stage(cache / "trace-stage" / m.name);
  stage_payload(tree, stage.path());
  trace::TraceOptions o;
  o.root = stage.path();
  o.argv = m.app.argv;
  for (const auto& [k, v] : image::app_environment(m)) o.env.emplace_back(k, v);
  o.cwd = m.app.workdir;
  for (const auto& mount : m.app.mounts) {
    if (mount.type == "devtmpfs") o.binds.push_back("/dev");
    else if (mount.type == "proc") o.binds.push_back("/proc");
    else if (mount.type == "sysfs") o.binds.push_back("/sys");
  }
  o.timeout = std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(m.run.timeout_s));
  auto result = trace::trace_command(o);
  // Programs by their path in the image, not in the staging directory.
  auto prefix = stage.path().string();
  auto strip = [&](std::string p) { return p.rfind(prefix, 0) == 0 ? p.substr(prefix.size()) : p; };
  for (auto* table : {&result.syscalls, &result.socket_families}) {
    for (auto& [k, who] : *table) {
      std::set<std::string> fixed;
      for (const auto& w : who) fixed.insert(strip(w));
      who = fixed;
    }
  }
  for (auto& [k, who] : result.paths) {
    std::set<std::string> fixed;
    for (const auto& w : who) fixed.insert(strip(w));
    who = fixed;
  }
  for (auto& p : result.programs) p = strip(p);
  return result;  // the staging directory goes away with `stage`
}

image::KernelTree kernel_tree_for(const image::Manifest& m, const std::string& version, const stdfs::path& cache,
                           Progress& progress) {
  return image::manifest_kernel_tree(m, version, image::default_kml_series(), cache, progress);
}

CachedAnalysis analyze_image(const image::Manifest& m, const image::PayloadTree& tree, const std::string& version,
                             const stdfs::path& cache, Progress& progress) {
  app::AppInput input = app_input_from_image(m, tree);
  image::KernelTree ktree = kernel_tree_for(m, version, cache, progress);

  // The key: everything the result depends on.
  // tailor's own binary is part of it: a rebuilt analyzer analyses again.
  static const std::string self = sha256_file("/proc/self/exe");
  std::string key_text =
      fmt::format("analysis v{}\nanalyzer {}\ntree {}\nname {}\n", kAnalysisVersion, self, ktree.id, m.name);
  key_text += "rules " + sha256_hex(knowledge::RuleSet::builtin().fingerprint()) + "\n";
  for (const auto& a : m.app.argv) key_text += "argv " + a + "\n";
  for (const auto& x : input.mounts) key_text += "mount " + x + "\n";
  if (!input.net.empty()) key_text += "net " + input.net + "\n";
  for (const auto& x : input.volumes) key_text += "volume " + x + "\n";
  key_text += "compression " + input.compression + "\nsmp " + std::to_string(input.smp) + "\n";
  for (const auto& e : input.extra) key_text += "extra " + e + "\n";
  for (const auto& [p, node] : tree.nodes())
    key_text += fmt::format("node {} {} {:o} {} {}\n", p, image::node_type_name(node.type), node.mode, node.link_target,
                            node.content.sha256);
  auto key = sha256_hex(key_text).substr(0, 32);
  CachedAnalysis out;
  out.dir = cache / "analysis" / (m.name + "-" + key);
  std::error_code ec;
  if (stdfs::is_regular_file(out.dir / "kernel.config", ec) && stdfs::is_regular_file(out.dir / "report.txt", ec)) {
    out.dotconfig = read_file(out.dir / "kernel.config");
    out.report_text = read_file(out.dir / "report.txt");
    out.cache_hit = true;
    return out;
  }

  app::AnalyzeOptions options;
  options.kernel_tree = ktree.dir;
  options.cache = cache;
  auto result = app::analyze(input, options, progress);
  out.dotconfig = result.config.dotconfig;
  out.report_text = report::report_text(result);
  out.unmet = result.config.unmet.size();
  if (out.unmet == 0) {
    // Only complete results are cached; an unmet requirement is re-examined next time.
    TempDir staging(out.dir);
    write_file_atomic(staging.path() / "kernel.config", out.dotconfig);
    write_file_atomic(staging.path() / "report.json", report::report_json(result));
    write_file_atomic(staging.path() / "report.txt", out.report_text);
    staging.commit();
  }
  return out;
}

image::KernelConfigSource analyzer_config_source(const stdfs::path& cache, const std::string& version,
                                          std::function<void(const std::string&)> notice) {
  return [cache, version, notice](const image::Manifest& m, const image::PayloadTree& tree) {
    Progress progress;
    auto a = analyze_image(m, tree, version, cache, progress);
    if (a.unmet)
      throw Error(fmt::format("{}: the analyzer cannot meet {} requirement(s) of {} in this kernel tree; "
                              "see `tailor analyze {}`",
                              m.path.string(), a.unmet, m.name, m.path.string()));
    // The builder wants a file: the cache entry (or a content-addressed copy).
    stdfs::path file = a.dir / "kernel.config";
    std::error_code ec;
    if (!stdfs::is_regular_file(file, ec)) {
      file = cache / "analysis" / ("config-" + sha256_hex(a.dotconfig).substr(0, 32) + ".config");
      stdfs::create_directories(file.parent_path());
      write_file_atomic(file, a.dotconfig);
    }
    if (notice)
      notice(fmt::format("kernel config from the analyzer ({}): {}", a.cache_hit ? "cached" : "analysed",
                         (a.dir / "report.txt").string()));
    image::KernelConfigPlan plan = image::config_file_plan(file);
    plan.origin = "analyzer: " + (a.dir / "kernel.config").string();
    return plan;
  };
}

}  // namespace tailor::pipeline
