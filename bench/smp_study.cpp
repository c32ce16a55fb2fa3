#include "bench/smp_study.h"

#include <fmt/core.h>

#include <algorithm>

#include "bench/backend_choice.h"
#include "bench/report.h"
#include "bench/study_runner.h"
#include "common/error.h"

namespace tailor::bench {
namespace {

namespace stdfs = std::filesystem;

// The workload image when no --manifest is given: the tools the make workload
// runs (GNU make, the Tiny C Compiler) and a shell for make, from Debian.
constexpr const char* kWorkloadManifest = R"(name = "bench-smp"

[app]
argv = ["/bench/smpbench", "plan"]
mounts = ["devtmpfs", "proc", "tmpfs"]

[[payload]]
deb = ["busybox-static"]

[run]
memory_mib = 256
)";

std::vector<int> powers_of_two(int up_to) {
  std::vector<int> v;
  for (int n = 1; n <= up_to; n *= 2) v.push_back(n);
  return v;
}

}  // namespace

void run_smp_study(const SmpStudyOptions& opt, Progress& progress) {
  const StudyCommon& c = opt.common;
  check_study_dir(c.out_dir, "smp", c.restart);
  const bool full = c.full;
  const std::vector<int> workers = !opt.workers.empty() ? opt.workers : full ? powers_of_two(512) : std::vector<int>{1, 4, 16};
  const std::vector<int> jobs = !opt.make_jobs.empty() ? opt.make_jobs : full ? powers_of_two(512) : std::vector<int>{1, 4};
  const std::vector<int> cpus = !opt.cpus.empty() ? opt.cpus : std::vector<int>{2};
  const int repeats = opt.repeats > 0 ? opt.repeats : full ? 5 : 2;
  const double seconds = opt.seconds > 0 ? opt.seconds : full ? 2.0 : 0.5;
  const int files = opt.make_files > 0 ? opt.make_files : full ? 512 : 32;
  for (int w : workers)
    if (w < 1 || w > 4096) throw Error(fmt::format("--workers: {} is out of range (1..4096)", w));
  for (int j : jobs)
    if (j < 1 || j > 4096) throw Error(fmt::format("--jobs: {} is out of range (1..4096)", j));
  for (int n : cpus)
    if (n < 2 || n > 64) throw Error(fmt::format("--cpus: {} is out of range (2..64: the SMP kernel's extra runs)", n));

  BackendChoice backend = choose_backend(c.backend);

  // The image: the app's payload (or the workload image) plus make, tcc and
  // the runner; one per-app configuration for both kernels.
  image::Manifest app = opt.manifest ? image::load_manifest(*opt.manifest)
                              : builtin_manifest(kWorkloadManifest, c.out_dir / "bench-smp.toml");
  image::PayloadSpec tools;
  tools.deb = {"make", "tcc", "busybox-static"};
  image::Manifest base = bench_manifest(app, c.cache, tools);
  base.kernel.smp = *std::max_element(cpus.begin(), cpus.end());
  base.kernel.kml = false;
  base.run.memory_mib = std::max(base.run.memory_mib, full ? 512 : 256);
  image::Manifest smp = base, nosmp = base;
  smp.kernel.extra.push_back("CONFIG_SMP=y");
  // More vCPUs than the configuration's CONFIG_NR_CPUS would leave some
  // offline (tinyconfig-based configs have 2).
  if (base.kernel.smp > 2) smp.kernel.extra.push_back(fmt::format("CONFIG_NR_CPUS={}", base.kernel.smp));
  nosmp.kernel.extra.push_back("# CONFIG_SMP is not set");

  if (c.notice) c.notice("building the SMP and non-SMP kernels and images (cached after the first time)");
  BuiltImage nosmp_image = build_study_image(c, nosmp, base, "nosmp", progress);
  BuiltImage smp_image = build_study_image(c, smp, base, "smp", progress);

  Study fresh;
  fresh.name = "smp";
  fresh.title = "Cost of SMP support: SMP vs non-SMP kernel";
  fresh.mode = full ? "full" : "quick";
  fresh.machine = describe_machine();
  fresh.backend = backend.description;
  const std::vector<std::string> settings = {fmt::format("tailor.secs={}", seconds),
                                             fmt::format("tailor.makefiles={}", files)};
  std::string settings_text;
  for (const auto& s : settings) settings_text += " " + s;
  auto variant = [&](const std::string& name, const std::string& what, const BuiltImage& img, int n) {
    Variant v{name, what, img.details};
    v.details["cpus"] = n;
    v.details["cmdline"] = img.guest.cmdline + settings_text + " tailor.plan=...";
    v.details["backend"] = backend.description.value("name", "");
    return v;
  };
  fresh.variants.push_back(variant("nosmp-1cpu", "non-SMP kernel (CONFIG_SMP off), 1 vCPU", nosmp_image, 1));
  fresh.variants.push_back(variant("smp-1cpu", "SMP kernel, 1 vCPU", smp_image, 1));
  for (int n : cpus)
    fresh.variants.push_back(variant(fmt::format("smp-{}cpu", n), fmt::format("SMP kernel, {} vCPUs", n), smp_image, n));
  fresh.comparisons.push_back({"Cost of SMP support (SMP kernel against non-SMP, both on 1 vCPU)", "nosmp-1cpu", "smp-1cpu"});
  for (int n : cpus)
    fresh.comparisons.push_back({fmt::format("What {} vCPUs buy (SMP kernel, {} vCPUs against 1)", n, n), "smp-1cpu",
                                 fmt::format("smp-{}cpu", n)});
  fresh.notes.push_back(fmt::format(
      "Workloads: futex and sem pass a token around a ring of N processes ({} s per sample; hand-offs per second); "
      "make runs `make -j N` of {} small C files and a link with tcc (seconds, from a clean tree).",
      seconds, files));
  fresh.notes.push_back(fmt::format("Kernel configuration: {} for the app {}, built with CONFIG_SMP on and off "
                                    "(configs/smp.config, configs/nosmp.config).",
                                    c.config_origin, app.name));
  fresh.notes.push_back("Lupine (EuroSys 2020) measured SMP support to cost up to 3% (POSIX semaphores), 8% (futex) "
                        "and 3% (make -j) with up to 512 workers, on KVM.");
  if (backend.description.value("meaningful", true) && backend.description.contains("why"))
    fresh.notes.push_back(backend.description.value("why", ""));

  Study study = open_study(c.out_dir, fresh, c.restart);
  StudyRun run(study, c.out_dir, progress);
  run.save();

  BootSettings boot;
  boot.backend = backend.backend;
  boot.cmdline_extra = settings;
  const bool emulated = !backend.description.value("meaningful", true);
  const double slow = emulated ? 1.0 : 0.2;
  boot.step_budget_s = [&](const PlanStep& s) {
    if (s.kind == "make") return 60 + files * 3.0 * slow;
    return seconds + 20 + std::stoi(s.arg) * 0.2 * (emulated ? 1 : 0.1);
  };

  for (const Variant& v : study.variants) {
    std::vector<StepKey> keys;
    for (const char* w : {"futex", "sem"})
      for (int n : workers) {
        Measurement m = Measurement::wanted(w, v.name, "hand-offs/s", true, repeats);
        m.parameter = n;
        m.parameter_name = "workers";
        keys.push_back({m, w, std::to_string(n)});
      }
    for (int j : jobs) {
      Measurement m = Measurement::wanted("make", v.name, "s", false, repeats);
      m.parameter = j;
      m.parameter_name = "jobs";
      keys.push_back({m, "make", std::to_string(j)});
    }
    std::vector<PlanStep> steps = run.missing(keys);
    run.save();
    if (steps.empty()) continue;
    boot.cpus = static_cast<std::uint32_t>(v.details.value("cpus", 1));
    const BuiltImage& img = v.name.rfind("nosmp", 0) == 0 ? nosmp_image : smp_image;
    try {
      run.run(v.name, img.guest, boot, steps);
    } catch (const Error&) {
      render_report(study, c.out_dir);
      throw;
    }
  }
  progress.clear();
  render_report(study, c.out_dir);
  require_complete(study, c.out_dir);
}

}  // namespace tailor::bench
