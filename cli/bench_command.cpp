// `tailor bench ...`: reproducible studies (smp, kml, size, boot, memory) and their reports.
#include <fmt/core.h>

#include <cstdio>

#include "bench/report.h"
#include "bench/boot_study.h"
#include "bench/memory_study.h"
#include "bench/kml_study.h"
#include "bench/size_study.h"
#include "bench/smp_study.h"
#include "bench/study.h"
#include "cli/commands.h"
#include "common/error.h"
#include "common/progress.h"
#include "image-builder/image_build.h"
#include "pipeline/config_choice.h"

namespace tailor::cli {
namespace {

namespace stdfs = std::filesystem;

// Options every study takes.
struct StudyFlags {
  bool quick = false, full = false;
  std::string out;
  std::string backend = "auto";
  bool restart = false;
  bool fixed_config = false;
  std::string kernel_config;
  bool no_ccache = false;
  int jobs = 0;

  void add_to(CLI::App& cmd, const std::string& study) {
    auto* q = cmd.add_flag("--quick", quick, "Quick mode (the default): few workers and repeats, what CI runs");
    auto* f = cmd.add_flag("--full", full, "Full mode: Lupine's ranges and more repeats (long)");
    q->excludes(f);
    cmd.add_option("-o,--output", out, "Study directory: results.json, report.md, charts/ (default: out/bench/" + study + ")");
    cmd.add_option("-b,--backend", backend, "auto (tailor-vmm on usable KVM, else QEMU), kvm, or qemu")
        ->check(CLI::IsMember({"auto", "kvm", "qemu"}))
        ->capture_default_str();
    cmd.add_flag("--restart", restart, "Discard the samples already in the study directory instead of resuming");
    cmd.add_flag("--fixed-config", fixed_config,
                 "Kernels from the generous built-in fragments (tinyconfig + small.config + apps.config) instead of "
                 "the analyzer's per-app configuration");
    cmd.add_option("--kernel-config", kernel_config, "Kernels from this full .config instead of the analyzer's");
    cmd.add_flag("--no-ccache", no_ccache, "Do not compile kernels through ccache");
    cmd.add_option("-j,--jobs", jobs, "Parallel jobs for kernel builds (default: number of CPUs)");
  }

  bench::StudyCommon common(const std::string& study, const GlobalOptions& global) const {
    bench::StudyCommon c;
    c.out_dir = out.empty() ? stdfs::path("out") / "bench" / study : stdfs::path(out);
    c.cache = global.cache();
    c.full = full;
    c.backend = backend;
    c.restart = restart;
    c.jobs = jobs;
    c.ccache = !no_ccache;
    c.notice = [](const std::string& line) { std::fprintf(stderr, "tailor: %s\n", line.c_str()); };
    // Like `tailor build`.
    auto choice = pipeline::choose_config_source({kernel_config, fixed_config}, c.cache, "6.1", c.notice);
    c.config_source = std::move(choice.source);
    c.config_origin = std::move(choice.origin);
    stdfs::create_directories(c.out_dir);
    return c;
  }
};

void print_outputs(const stdfs::path& dir) {
  fmt::print("{}\n{}\n", (dir / "results.json").string(), (dir / "report.md").string());
}

std::vector<int> parse_list(const std::string& what, const std::string& text) {
  std::vector<int> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    std::string item = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    try {
      size_t used = 0;
      int v = std::stoi(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      throw Error(fmt::format("{} '{}': expected numbers separated by commas, e.g. 1,4,16", what, text));
    }
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

void add_smp(CLI::App& bench, const GlobalOptions& global) {
  auto* cmd = bench.add_subcommand("smp", "What SMP support costs: one per-app config with and without CONFIG_SMP");
  cmd->footer(
      "Builds the kernel twice from one per-app configuration (the analyzer's for the workload image,\n"
      "or for --manifest's app plus the workloads), CONFIG_SMP on and off, and runs inside the guest:\n"
      "futex and POSIX-semaphore rings of N processes (hand-offs per second) and `make -j N` of many\n"
      "small C files with tcc (seconds). Variants: nosmp-1cpu, smp-1cpu (the pure cost of SMP\n"
      "support), smp-Ncpu (what SMP buys). Quick: workers 1,4,16, make -j 1,4, 2 repeats. Full:\n"
      "1..512 workers and jobs, 5 repeats. Every sample is saved as it arrives (results.json); a\n"
      "rerun continues where a stopped or failed one left off. Writes report.md and charts/*.svg.");
  auto flags = std::make_shared<StudyFlags>();
  auto manifest = std::make_shared<std::string>();
  auto workers = std::make_shared<std::string>();
  auto jobs = std::make_shared<std::string>();
  auto cpus = std::make_shared<std::string>();
  auto opts = std::make_shared<bench::SmpStudyOptions>();
  flags->add_to(*cmd, "smp");
  cmd->add_option("--manifest", *manifest, "Study this app's kernel configuration (its payload goes in too)");
  cmd->add_option("--workers", *workers, "Worker counts for futex and sem (e.g. 1,4,16)");
  cmd->add_option("--make-jobs", *jobs, "make -j values (e.g. 1,4)");
  cmd->add_option("--cpus", *cpus, "vCPU counts for the SMP kernel's extra runs (default 2)");
  cmd->add_option("--repeats", opts->repeats, "Samples per point (default: 2 quick, 5 full)");
  cmd->add_option("--seconds", opts->seconds, "Seconds per futex/sem sample (default: 0.5 quick, 2 full)");
  cmd->add_option("--make-files", opts->make_files, "C files the make workload compiles (default: 32 quick, 512 full)");
  cmd->callback([=, &global] {
    bench::SmpStudyOptions o = *opts;
    if (!manifest->empty()) {
      std::error_code ec;
      if (!stdfs::is_regular_file(*manifest, ec)) throw Error(*manifest + ": --manifest: no such manifest file");
      o.manifest = stdfs::absolute(*manifest);
    }
    if (!workers->empty()) o.workers = parse_list("--workers", *workers);
    if (!jobs->empty()) o.make_jobs = parse_list("--make-jobs", *jobs);
    if (!cpus->empty()) o.cpus = parse_list("--cpus", *cpus);
    o.common = flags->common("smp", global);
    Progress progress;
    bench::run_smp_study(o, progress);
    print_outputs(o.common.out_dir);
  });
}

void add_kml(CLI::App& bench, const GlobalOptions& global) {
  auto* cmd = bench.add_subcommand("kml", "What Kernel-Mode-Linux buys: null system call and redis, with and without KML");
  cmd->footer(
      "Builds the kernel from one per-app configuration without and with the KML series, and runs inside\n"
      "the guest: the null system call (getppid) in four variants (normal-kernel; kml-untrusted: CPL 3;\n"
      "kml-trusted-raw: CPL 0, SYSCALL; kml-trusted-call: CPL 0, CALL through AT_SYSINFO) and, when the\n"
      "image has redis (the default image does), redis-benchmark against redis-server in the same guest\n"
      "(redis-server at CPL 0 under KML). Quick: 10^6 calls, 3 repeats, 2000 requests; full: 10^7 calls,\n"
      "10 repeats, 100000 requests. Resumable; writes results.json, report.md and charts/*.svg.");
  auto flags = std::make_shared<StudyFlags>();
  auto manifest = std::make_shared<std::string>();
  auto opts = std::make_shared<bench::KmlStudyOptions>();
  flags->add_to(*cmd, "kml");
  cmd->add_option("--manifest", *manifest, "Study this app's kernel configuration (its payload goes in too)");
  cmd->add_option("--iterations", opts->iterations, "Null system calls per sample (default: 10^6 quick, 10^7 full)");
  cmd->add_option("--repeats", opts->repeats, "Samples per point (default: 3 quick, 10 full)");
  cmd->add_option("--requests", opts->requests, "redis-benchmark requests per sample (default: 2000 quick, 100000 full)");
  cmd->add_option("--clients", opts->clients, "redis-benchmark parallel clients (default: 10 quick, 50 full)");
  cmd->callback([=, &global] {
    bench::KmlStudyOptions o = *opts;
    if (!manifest->empty()) {
      std::error_code ec;
      if (!stdfs::is_regular_file(*manifest, ec)) throw Error(*manifest + ": --manifest: no such manifest file");
      o.manifest = stdfs::absolute(*manifest);
    }
    o.common = flags->common("kml", global);
    Progress progress;
    bench::run_kml_study(o, progress);
    print_outputs(o.common.out_dir);
  });
}

// --manifest FILE (repeatable) for the size, boot and memory studies; without
// one, the shipped manifests named in `defaults`.
std::vector<stdfs::path> app_manifests(const std::vector<std::string>& given,
                                       const std::vector<std::string>& defaults) {
  std::vector<stdfs::path> out;
  std::error_code ec;
  for (const auto& m : given) {
    if (!stdfs::is_regular_file(m, ec)) throw Error(m + ": --manifest: no such manifest file");
    out.push_back(stdfs::absolute(m));
  }
  if (out.empty())
    for (const auto& name : defaults) {
      stdfs::path p = bench::shipped_manifest(name);
      if (!stdfs::is_regular_file(p, ec))
        throw Error(p.string() + ": the shipped manifest is missing; name the apps with --manifest FILE");
      out.push_back(p);
    }
  return out;
}

void add_size(CLI::App& bench, const GlobalOptions& global) {
  auto* cmd = bench.add_subcommand("size", "Per-app kernels against tinyconfig, x86_64_defconfig and a microVM config");
  cmd->footer(
      "For each app (--manifest, repeatable; default manifests/hello.toml and redis.toml): options on,\n"
      "bzImage and initramfs size, boot-to-app time of its image. For tinyconfig, x86_64_defconfig and\n"
      "the microVM reference config (--microvm-config FILE, else $TAILOR_MICROVM_CONFIG; left out\n"
      "when neither is given): options on from tailor's Kconfig engine; in --full mode also\n"
      "their bzImage and boot-to-app time (real builds, 15-30 min each here). Quick mode builds no\n"
      "generic kernel and marks those cells \"not built in quick mode\".\n"
      "\n"
      "--union adds one kernel for all the apps (the analyzer's union, as `tailor analyze --union`):\n"
      "each app's image on it (variant union-APP) against its own kernel (app-APP): options on and\n"
      "added, bzImage, initramfs, boot-to-app, and boot-to-app in virtual time under the deterministic\n"
      "yardstick (QEMU TCG with instruction counting) when QEMU is usable. One more kernel build.");
  auto flags = std::make_shared<StudyFlags>();
  auto manifests = std::make_shared<std::vector<std::string>>();
  auto microvm = std::make_shared<std::string>();
  auto repeats = std::make_shared<int>(0);
  auto union_kernel = std::make_shared<bool>(false);
  flags->add_to(*cmd, "size");
  cmd->add_option("--manifest", *manifests, "An app manifest (repeatable)");
  cmd->add_option("--microvm-config", *microvm, "The microVM reference kernel .config (a full 6.1 config)");
  cmd->add_option("--repeats", *repeats, "Boots per kernel (default: 3 quick, 10 full)");
  cmd->add_flag("--union", *union_kernel,
                "Also one kernel for all the apps (the analyzer's union): what it costs each app against its own");
  cmd->callback([=, &global] {
    bench::SizeStudyOptions o;
    o.manifests = app_manifests(*manifests, {"hello", "redis"});
    o.union_kernel = *union_kernel;
    if (o.union_kernel && (flags->fixed_config || !flags->kernel_config.empty()))
      throw Error("bench size --union compares each app's own analyzer kernel with the union's: drop "
                  "--fixed-config and --kernel-config");
    if (!microvm->empty()) o.microvm_config = stdfs::absolute(*microvm);
    else o.microvm_config = bench::default_microvm_config();
    o.repeats = *repeats;
    o.common = flags->common("size", global);
    Progress progress;
    bench::run_size_study(o, progress);
    print_outputs(o.common.out_dir);
  });
}

// --kernel LABEL=FILE (repeatable) for the deterministic studies.
std::vector<std::pair<std::string, stdfs::path>> labelled_kernels(const std::vector<std::string>& given) {
  std::vector<std::pair<std::string, stdfs::path>> out;
  for (const auto& k : given) {
    const auto eq = k.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == k.size())
      throw Error("--kernel '" + k + "': expected LABEL=FILE (e.g. debian-generic=/boot/vmlinuz-6.1.0-28-amd64)");
    out.emplace_back(k.substr(0, eq), k.substr(eq + 1));
  }
  return out;
}

void add_memory(CLI::App& bench, const GlobalOptions& global) {
  auto* cmd = bench.add_subcommand("memory", "Smallest guest memory at which each app still passes its [check]");
  cmd->footer(
      "For each app (--manifest, repeatable; default manifests/hello.toml), bisects the guest memory\n"
      "between 16 MiB and the manifest's memory_mib with deterministic boots (QEMU TCG with instruction\n"
      "counting), each judged by the manifest's [check]: at most 8 boots per app, the same answer on\n"
      "every run. --kernel LABEL=FILE adds a kernel booting the first app's initramfs.");
  auto flags = std::make_shared<StudyFlags>();
  auto manifests = std::make_shared<std::vector<std::string>>();
  auto kernels = std::make_shared<std::vector<std::string>>();
  flags->add_to(*cmd, "memory");
  cmd->add_option("--manifest", *manifests, "An app manifest with a [check] (repeatable)");
  cmd->add_option("--kernel", *kernels, "LABEL=FILE: one more kernel booting the first app's initramfs (repeatable)");
  cmd->callback([=, &global] {
    bench::MemoryStudyOptions o;
    o.manifests = app_manifests(*manifests, {"hello"});
    o.kernels = labelled_kernels(*kernels);
    o.common = flags->common("memory", global);
    Progress progress;
    bench::run_memory_study(o, progress);
    print_outputs(o.common.out_dir);
  });
}

void add_boot(CLI::App& bench, const GlobalOptions& global) {
  auto* cmd = bench.add_subcommand("boot", "Boot time: tailor-vmm against QEMU -M microvm and -M pc on the same images");
  cmd->footer(
      "Boots each app image (--manifest, repeatable; default manifests/hello.toml) under tailor-vmm\n"
      "(KVM), QEMU -M microvm and QEMU -M pc, interleaved, and records monitor start to first guest\n"
      "instruction, to the app's exec and to the guest's exit. Without usable KVM, tailor-vmm is not\n"
      "run (the report says so) and QEMU runs with TCG (flagged: emulator timings).");
  auto flags = std::make_shared<StudyFlags>();
  auto manifests = std::make_shared<std::vector<std::string>>();
  auto repeats = std::make_shared<int>(0);
  flags->add_to(*cmd, "boot");
  cmd->add_option("--manifest", *manifests, "An app manifest (repeatable)");
  cmd->add_option("--repeats", *repeats, "Boots per monitor and image (default: 3 quick, 10 full, 2 deterministic)");
  auto deterministic = std::make_shared<bool>(false);
  auto kernels = std::make_shared<std::vector<std::string>>();
  cmd->add_flag("--deterministic", *deterministic,
                "The deterministic yardstick: QEMU -M microvm with instruction counting; virtual time since reset to "
                "the kernel's clock start, /init, the app and the exit, the same on every run");
  cmd->add_option("--kernel", *kernels,
                  "With --deterministic: LABEL=FILE, one more kernel (e.g. Debian's generic vmlinuz) booting the "
                  "first manifest's initramfs (repeatable)");
  cmd->callback([=, &global] {
    bench::BootStudyOptions o;
    o.deterministic = *deterministic;
    o.kernels = labelled_kernels(*kernels);
    o.manifests = app_manifests(*manifests, {"hello"});
    o.repeats = *repeats;
    o.common = flags->common("boot", global);
    Progress progress;
    bench::run_boot_study(o, progress);
    print_outputs(o.common.out_dir);
  });
}

void add_report(CLI::App& bench) {
  auto* cmd = bench.add_subcommand("report", "Re-render a study's report (report.md + charts/*.svg) from its results.json");
  cmd->footer("The same results.json always gives byte-identical report files.");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "A study's output directory (holds results.json)")->required();
  cmd->callback([dir] {
    auto study = bench::load_study(*dir);
    if (!study) throw Error(*dir + ": no results.json here (run a study first, e.g. 'tailor bench smp -o " + *dir + "')");
    for (const auto& f : bench::render_report(*study, *dir)) fmt::print("{}\n", f.string());
  });
}

}  // namespace

void add_bench_command(CLI::App& app, const GlobalOptions& global) {
  auto* bench = app.add_subcommand("bench", "Studies: SMP vs non-SMP, KML vs normal, specialized vs generic");
  add_smp(*bench, global);
  add_kml(*bench, global);
  add_size(*bench, global);
  add_boot(*bench, global);
  add_memory(*bench, global);
  add_report(*bench);
  // A study name that is not one of ours gets an error that names it (CLI11
  // alone would only say that a subcommand is required).
  // (Set after the studies are added: subcommands inherit allow_extras, and
  // theirs must stay off.)
  bench->allow_extras();
  bench->require_subcommand(0, 1);
  bench->callback([bench] {
    if (!bench->get_subcommands().empty()) return;
    const std::vector<std::string> extra = bench->remaining();
    if (extra.empty()) throw CLI::RequiredError("A study (smp, kml, size, boot, memory or report)");
    throw CLI::ValidationError("STUDY", "unknown study '" + extra.front() + "' (choose smp, kml, size, boot, memory or report)");
  });
}

}  // namespace tailor::cli
