// `tailor analyze`: derive the smallest kernel configuration an application
// needs, with a reason for every option (kconfig-analyzer/app, report).
#include <fmt/core.h>

#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/process_environment.h"
#include "common/progress.h"
#include "common/subprocess.h"
#include "image-builder/kernel_source.h"
#include "image-builder/image_plan.h"
#include "image-builder/manifest.h"
#include "kconfig-analyzer/analyzer/app/analyze.h"
#include "pipeline/image_analysis.h"
#include "common/elf/elf_file.h"
#include "pipeline/manifest_union.h"
#include "kconfig-analyzer/analyzer/report/report.h"
#include "kconfig-analyzer/analyzer/report/union_report.h"
#include "kconfig-analyzer/analyzer/trace/tracer.h"

namespace tailor::cli {
namespace {

namespace stdfs = std::filesystem;

struct AnalyzeArgs {
  std::vector<std::string> manifests;  // one, or several with --union
  bool union_of = false;
  std::vector<std::string> program;  // --program PATH [ARGS...]: a host program instead of a manifest
  std::string out_dir;
  bool trace = false;
  int trace_timeout = 30;
  std::string against;
  std::string version = "6.1";
  std::string kernel_src;
  std::string rules;
  bool syscall_table = false;
};

image::KernelTree provision(const AnalyzeArgs& a, const stdfs::path& cache, Progress& progress) {
  image::KernelSourceSpec spec;
  if (!a.kernel_src.empty()) {
    spec.kind = image::KernelSourceSpec::Kind::Directory;
    spec.path = a.kernel_src;
  } else {
    spec.version = a.version;
  }
  return image::provision_source(spec, cache, progress);
}

// The syscall -> option table derived from the tree, one line per syscall.
void print_syscall_table(const AnalyzeArgs& a, const stdfs::path& cache) {
  Progress progress;
  auto tree = provision(a, cache, progress);
  auto k = knowledge::SyscallKnowledge::load_or_derive(tree.dir, cache, &progress);
  progress.clear();
  for (const auto& f : k.syscalls()) {
    std::string where;
    for (const auto& d : f.definitions)
      where += fmt::format(" {}:{}{}", d.file, d.line, d.stub ? " (ENOSYS stub)" : "");
    fmt::print("{:>3} {:<24} {:<32}{}{}\n", f.nr, f.name,
               f.implemented() ? knowledge::to_string(f.requirement) : "(not implemented)",
               f.conditional ? " [COND_SYSCALL]" : "", where);
  }
}

app::AppInput host_program_input(const std::vector<std::string>& argv) {
  app::AppInput in;
  auto path = argv.front();
  if (path.find('/') == std::string::npos) {
    auto found = find_program(path);
    if (!found) throw Error("--program: '" + path + "' is not in PATH");
    path = found->string();
  }
  std::error_code ec;
  auto abs = stdfs::canonical(path, ec);
  if (ec) throw Error("--program: " + path + ": no such file");
  if (!elf::ElfFile::has_elf_magic(abs)) throw Error("--program: " + abs.string() + " is not an ELF executable");
  in.name = abs.filename().string();
  in.program = abs.string();
  in.exec_chain = {in.program};
  in.files = elf::host_path_map();
  in.mounts = {"devtmpfs", "proc"};  // what /init mounts by default
  return in;
}

void write_outputs(const AnalyzeArgs& a, const app::AnalyzeResult& result, const std::string& text) {
  if (a.out_dir.empty()) return;
  stdfs::create_directories(a.out_dir);
  write_file_atomic(stdfs::path(a.out_dir) / "kernel.config", result.config.dotconfig);
  write_file_atomic(stdfs::path(a.out_dir) / "report.json", report::report_json(result));
  write_file_atomic(stdfs::path(a.out_dir) / "report.txt", text);
}

// --union: one configuration for all the manifests' apps.
void run_union(const AnalyzeArgs& a, const stdfs::path& cache) {
  if (!a.program.empty() || a.trace) throw Error("--union takes manifests only (no --program, no --trace)");
  Progress progress;
  pipeline::ManifestUnionRequest request;
  request.manifests.assign(a.manifests.begin(), a.manifests.end());
  request.kernel_version = a.version;
  if (!a.kernel_src.empty()) request.kernel_src = a.kernel_src;
  if (!a.rules.empty()) request.rules = a.rules;
  request.cache = cache;
  auto result = pipeline::analyze_manifest_union(request, progress);
  progress.clear();
  auto text = report::union_report_text(result);
  if (!a.out_dir.empty()) {
    stdfs::create_directories(a.out_dir);
    write_file_atomic(stdfs::path(a.out_dir) / "kernel.config", result.config.dotconfig);
    write_file_atomic(stdfs::path(a.out_dir) / "report.json", report::union_report_json(result));
    write_file_atomic(stdfs::path(a.out_dir) / "report.txt", text);
    // Each app's own kernel too: what the union is compared with.
    for (const auto& app : result.apps) {
      const stdfs::path dir = stdfs::path(a.out_dir) / "apps" / app.app;
      stdfs::create_directories(dir);
      write_file_atomic(dir / "kernel.config", app.config.dotconfig);
      write_file_atomic(dir / "report.json", report::report_json(app));
      write_file_atomic(dir / "report.txt", report::report_text(app));
    }
  }
  fmt::print("{}", text);
  if (!a.out_dir.empty())
    fmt::print("Wrote {0}/kernel.config, report.json, report.txt; each app's own in {0}/apps/<name>/\n", a.out_dir);
  if (!result.config.unmet.empty())
    throw Error(fmt::format("{} requirement(s) cannot be met in this kernel tree (see above)", result.config.unmet.size()), 3);
}

void run_analyze(const AnalyzeArgs& a, const GlobalOptions& global) {
  auto cache = global.cache();
  if (a.syscall_table) return print_syscall_table(a, cache);
  if (a.union_of) return run_union(a, cache);
  if (a.manifests.size() > 1)
    throw Error("several manifests: add --union to derive one configuration for all of them");
  if (a.manifests.empty() == a.program.empty())
    throw Error("give a manifest, or --program PATH [ARGS...] to analyse a program of this machine");

  Progress progress;
  app::AppInput input;
  std::optional<image::Manifest> manifest;
  std::optional<image::ImagePlan> plan;
  app::AnalyzeOptions options;
  if (!a.manifests.empty()) {
    manifest = image::load_manifest(a.manifests.front());
    plan = image::plan_image(*manifest, cache, progress);
    input = pipeline::app_input_from_image(*manifest, plan->tree);
    options.kernel_tree = a.kernel_src.empty() ? pipeline::kernel_tree_for(*manifest, a.version, cache, progress).dir
                                               : stdfs::path(a.kernel_src);
  } else {
    input = host_program_input(a.program);
    options.kernel_tree = provision(a, cache, progress).dir;
  }

  std::optional<trace::TraceResult> traced;
  if (a.trace) {
    progress.update("trace", -1, input.name);
    trace::TraceOptions to;
    to.timeout = std::chrono::seconds(a.trace_timeout);
    if (manifest) {
      traced = pipeline::trace_manifest(*manifest, plan->tree, cache, std::chrono::seconds(a.trace_timeout));
    } else {
      to.argv = a.program;
      to.argv.front() = input.program;
      to.env = process_environment();
      traced = trace::trace_command(to);
    }
    progress.clear();
    fmt::print(stderr, "tailor: traced run: exit status {}{}, {:.1f} s, {} syscalls, {} programs\n", traced->exit_status,
               traced->timed_out ? " (stopped at the timeout)" : "", traced->seconds, traced->syscalls.size(),
               traced->programs.size());
    input.trace = &*traced;
  }
  options.cache = cache;
  if (!a.rules.empty()) options.rules = a.rules;
  if (!a.against.empty()) options.against = a.against;
  auto result = app::analyze(input, options, progress);
  progress.clear();

  auto text = report::report_text(result);
  write_outputs(a, result, text);
  fmt::print("{}", text);
  if (!a.out_dir.empty()) fmt::print("Wrote {}/kernel.config, report.json, report.txt\n", a.out_dir);
  if (!result.config.unmet.empty())
    throw Error(fmt::format("{} requirement(s) cannot be met in this kernel tree (see above)", result.config.unmet.size()), 3);
}

}  // namespace

void add_analyze_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<AnalyzeArgs>();
  auto* cmd = app.add_subcommand(
      "analyze",
      "Derive the smallest kernel configuration an application needs, with a reason for every option");
  cmd->footer(
      "Static analysis: every ELF program of the image with its shared-library closure; the system calls its\n"
      "reachable code can make (syscall instructions with constant numbers, followed through the libc wrappers\n"
      "the program really calls), socket families and paths. --trace also runs the app under ptrace on this\n"
      "machine. Syscalls map to options by facts derived from the kernel tree itself (syscall table, sys_ni.c,\n"
      "Kbuild, #ifdefs; cached per tree); kconfig-analyzer/analyzer/knowledge/rules.toml adds what syscalls do not show.\n"
      "The minimizer starts from allnoconfig + EXPERT and resolves dependencies with tailor's Kconfig engine.\n"
      "--union A.toml B.toml ...: each app is analysed and minimized on its own, then the minimizer runs on all\n"
      "their requirements together; boot them with `tailor run M --kernel-config DIR/kernel.config`.\n"
      "Exit status 3: some requirement cannot be met (explained in the report).");
  cmd->add_option("manifest", args->manifests, "Application manifest (TOML); several with --union");
  cmd->add_flag("--union", args->union_of,
                "One configuration for all the manifests given (the smallest that serves every app), with each "
                "option's reasons per app and what the union costs each app against its own kernel");
  cmd->add_option("--program", args->program,
                  "Analyse a program of this machine instead of a manifest (PATH [ARGS...] for --trace)")
      ->expected(1, -1);
  cmd->add_option("-o,--out", args->out_dir, "Write kernel.config, report.json and report.txt into this directory");
  cmd->add_flag("--trace", args->trace, "Also run the app on this machine under ptrace and use what it does");
  cmd->add_option("--trace-timeout", args->trace_timeout, "Seconds before the traced run is stopped")
      ->capture_default_str();
  cmd->add_option("--against", args->against, "Compare the result with this reference .config");
  cmd->add_option("--version", args->version, "Debian linux-source version: 6.1 or 6.12")
      ->check(CLI::IsMember({"6.1", "6.12"}))
      ->capture_default_str();
  cmd->add_option("--kernel-src", args->kernel_src, "Use this kernel source directory");
  cmd->add_option("--rules", args->rules, "Use this rule file instead of the built-in one");
  cmd->add_flag("--syscall-table", args->syscall_table,
                "Print the syscall -> option table derived from the kernel tree, and exit");
  cmd->callback([args, &global] { run_analyze(*args, global); });
}

}  // namespace tailor::cli
