#include "bench/boot_study.h"

#include <fmt/core.h>

#include "bench/backend_choice.h"
#include "bench/image_rows.h"
#include "bench/report.h"
#include "bench/study_runner.h"
#include "common/error.h"
#include "runner/boot_profile.h"

namespace tailor::bench {
namespace {

struct Monitor {
  std::string variant, what;
  runner::Backend backend;
  std::string machine;  // QEMU -M
};

}  // namespace

// Virtual milliseconds of the deterministic yardstick, per image: the moments
// of runner::BootProfile.
static void run_deterministic_boot_study(const BootStudyOptions& opt, Progress& progress) {
  const StudyCommon& c = opt.common;
  const int repeats = opt.repeats > 0 ? opt.repeats : 2;
  Study fresh = deterministic_study(
      "boot", "Boot time on the deterministic yardstick (virtual time under QEMU instruction counting)", c);
  fresh.variants.push_back({"virtual", "QEMU -M microvm, TCG with instruction counting: 1 ns per instruction, idle "
                                       "time skipped to the next timer",
                            {{"backend", "qemu"}, {"qemu_machine", "microvm"}, {"icount", "shift=0,sleep=off"}}});
  fresh.notes.push_back(
      "Virtual time since reset: kernel-clock is when the kernel's printk clock starts (firmware, the decompressor "
      "and the kernel's first steps lie before it), init when tailor's /init starts, app when it executes the app "
      "(the boot mark), exit the app's end. Each is the guest's TSC, which instruction counting makes virtual "
      "nanoseconds: two runs give the same numbers, so a difference between images is a difference of work.");
  fresh.notes.push_back(
      "Reference points (wall clock on their own hardware, not measured here): solo5/ukvm about 10 ms, Lupine about "
      "23 ms, Firecracker's specification 125 ms to the guest's init.");

  const std::vector<ImageRow> rows = image_rows(c, opt.manifests, opt.kernels, /*need_check=*/false, progress);
  for (const auto& row : rows) {
    fresh.variants.front().details["image_" + row.label] = row.kernel_detail;
    fresh.variants.front().details["cmdline_" + row.label] = row.guest.cmdline;
  }
  if (!opt.kernels.empty())
    fresh.notes.push_back("The --kernel rows boot " + rows.front().label + "'s initramfs and command line.");

  Study study = open_study(c.out_dir, fresh, c.restart);
  StudyRun run(study, c.out_dir, progress);
  const char* kMetrics[] = {"kernel-clock", "init", "app", "exit"};
  auto key = [&](const std::string& metric, const std::string& row) {
    return Measurement::wanted(metric + " " + row, "virtual", "ms", false, repeats);
  };
  for (const auto& row : rows)
    for (const char* metric : kMetrics) study.measurement(key(metric, row.label));
  run.save();

  measure_then_report(study, c.out_dir, progress, [&] {
    for (int round = 0; round < repeats; ++round)
      for (const auto& row : rows) {
        Measurement& app = study.measurement(key("app", row.label));
        if (static_cast<int>(app.samples.size()) > round) continue;
        run.show_progress(fmt::format("{}: deterministic boot {}", row.label, round + 1));
        const runner::BootSpec spec = deterministic_boot(row.guest, row.guest.memory_mib, std::chrono::seconds(600));
        const runner::BootResult r = runner::boot(spec);
        const runner::BootProfile p = runner::profile_boot(r.console, r.timings.guest_clock);
        const std::optional<std::uint64_t> values[] = {p.kernel_clock_origin_ns, p.init_ns, p.app_exec_ns, p.exit_ns};
        if (!p.app_exec_ns) {
          app.errors.push_back(fmt::format("boot {}: {}: {} (no clock stamp from /init)", round + 1,
                                           runner::outcome_name(r.outcome), r.detail));
          run.save();
          throw Error(fmt::format("boot: {} did not report its virtual times: {}: {}; console ends:\n{}", row.label,
                                  runner::outcome_name(r.outcome), r.detail,
                                  r.console.size() > 600 ? r.console.substr(r.console.size() - 600) : r.console));
        }
        for (std::size_t i = 0; i < std::size(kMetrics); ++i) {
          Measurement& m = study.measurement(key(kMetrics[i], row.label));
          if (values[i]) m.samples.push_back(static_cast<double>(*values[i]) / 1e6);
          else if (m.note.empty()) m.note = "not reported (no clock line on the console)";
        }
        run.save();
      }
    // The yardstick's promise, checked where it is used.
    for (const auto& row : rows)
      for (const char* metric : kMetrics) {
        const Measurement& m = study.measurement(key(metric, row.label));
        for (double v : m.samples)
          if (v != m.samples.front())
            throw Error(fmt::format("boot: {} of {} differs between deterministic runs ({} and {} ms): the guest's "
                                    "timeline depends on the host; see {}",
                                    metric, row.label, m.samples.front(), v, (c.out_dir / "results.json").string()));
      }
  });
}

void run_boot_study(const BootStudyOptions& opt, Progress& progress) {
  const StudyCommon& c = opt.common;
  check_study_dir(c.out_dir, "boot", c.restart);
  if (opt.deterministic) return run_deterministic_boot_study(opt, progress);
  if (!opt.kernels.empty()) throw Error("bench boot: --kernel needs --deterministic");
  const bool full = c.full;
  const int repeats = opt.repeats > 0 ? opt.repeats : full ? 10 : 3;
  if (opt.manifests.empty()) throw Error("bench boot: no app manifest given (--manifest FILE)");
  // The study compares backends itself; --backend only decides whether KVM
  // may be used at all.
  const runner::Capabilities caps = runner::probe_capabilities();
  const bool kvm = caps.kvm.usable && c.backend != "qemu";
  if (c.backend == "kvm" && !caps.kvm.usable)
    throw Error("--backend kvm: KVM cannot run Linux guests here (" + caps.kvm.reason + ")");
  if (!caps.qemu.usable && !kvm) throw Error("bench boot: QEMU is not usable here (" + caps.qemu.reason + ")");

  Study fresh;
  fresh.name = "boot";
  fresh.title = "Boot time: tailor-vmm against QEMU on the same images";
  fresh.mode = full ? "full" : "quick";
  fresh.machine = describe_machine();
  fresh.backend = {{"name", kvm ? "kvm" : "qemu-tcg"},
                   {"detail", kvm ? "tailor-vmm and QEMU on /dev/kvm"
                                  : "QEMU " + caps.qemu.version + " with TCG; tailor-vmm not run (no usable KVM)"},
                   {"meaningful", kvm}};
  if (!kvm)
    fresh.backend["why"] = "KVM cannot run Linux guests here (" + caps.kvm.reason +
                           "), so tailor-vmm, which needs KVM, could not run, and QEMU emulated every instruction "
                           "with TCG: its times are those of the emulator, not of a monitor on hardware. "
                           "(bench/boot_bench.py compares both monitors inside the nested KVM harness.)";
  const std::vector<Monitor> monitors = {
      {"tailor-vmm", "tailor-vmm, tailor's KVM monitor", runner::Backend::Kvm, ""},
      {"qemu-microvm", std::string("QEMU -M microvm") + (kvm ? " (KVM)" : " (TCG)"), runner::Backend::Qemu, "microvm"},
      {"qemu-pc", std::string("QEMU -M pc") + (kvm ? " (KVM)" : " (TCG)"), runner::Backend::Qemu, "pc"}};
  for (const auto& m : monitors)
    fresh.variants.push_back({m.variant, m.what, {{"backend", m.variant == "tailor-vmm" ? "kvm" : "qemu"},
                                                  {"qemu_machine", m.machine}}});
  fresh.comparisons.push_back({"tailor-vmm against QEMU -M microvm (negative: tailor-vmm is faster)", "qemu-microvm",
                               "tailor-vmm"});
  fresh.comparisons.push_back({"QEMU -M pc against -M microvm", "qemu-microvm", "qemu-pc"});
  fresh.notes.push_back(
      "first-instruction: monitor start to the first guest instruction (QEMU: when its vCPUs are released, so its "
      "firmware counts as guest time); boot-to-app: to /init executing the app (the guest's boot mark); exit: to the "
      "guest's exit. 1 vCPU, each image's memory size.");
  fresh.notes.push_back("Firecracker's boot-time specification for comparison: 125 ms to the guest's init (not "
                        "measured here).");

  struct Image {
    std::string app;
    BuiltImage built;
  };
  std::vector<Image> images;
  for (const auto& path : opt.manifests) {
    image::Manifest m = image::load_manifest(path);
    m.check = {};
    images.push_back({m.name, build_study_image(c, m, m, "app-" + m.name, progress)});
    for (auto& v : fresh.variants) {
      v.details["image_" + m.name] = images.back().built.details.value("kernel_key", "");
      v.details["cmdline_" + m.name] = images.back().built.guest.cmdline;
    }
  }

  Study study = open_study(c.out_dir, fresh, c.restart);
  StudyRun run(study, c.out_dir, progress);
  auto key = [&](const std::string& metric, const std::string& app, const std::string& variant) {
    return Measurement::wanted(images.size() > 1 ? metric + " " + app : metric, variant, "ms", false, repeats);
  };
  for (const auto& img : images)
    for (const auto& mon : monitors)
      for (const char* metric : {"first-instruction", "boot-to-app", "exit"}) {
        Measurement& m = study.measurement(key(metric, img.app, mon.variant));
        if (mon.backend == runner::Backend::Kvm && !kvm) m.note = "not run: no usable KVM here";
      }
  run.save();

  measure_then_report(study, c.out_dir, progress, [&] {
    for (int round = 0; round < repeats; ++round)
      for (const auto& img : images)
        for (const auto& mon : monitors) {
          if (mon.backend == runner::Backend::Kvm && !kvm) continue;
          Measurement& app = study.measurement(key("boot-to-app", img.app, mon.variant));
          if (static_cast<int>(app.samples.size()) > round) continue;
          run.show_progress(fmt::format("{} {}: boot {}", img.app, mon.variant, round + 1));
          runner::BootSpec spec = captured_boot(img.built.guest, std::chrono::seconds(300));
          spec.backend = mon.backend;
          if (!mon.machine.empty()) spec.qemu_machine = mon.machine;
          runner::BootResult r = runner::boot(spec);
          for (auto& v : study.variants)
            if (v.name == mon.variant) v.details["ran_as"] = r.backend_detail;
          if (!r.timings.app_exec || !r.timings.first_instruction || !r.timings.guest_exit) {
            app.errors.push_back(fmt::format("boot {}: {}: {} (timing points missing)", round + 1,
                                             runner::outcome_name(r.outcome), r.detail));
            run.save();
            throw Error(fmt::format("boot: {} under {} did not report its timing points: {}: {}; samples taken are "
                                    "kept in {}",
                                    img.app, mon.variant, runner::outcome_name(r.outcome), r.detail,
                                    (c.out_dir / "results.json").string()));
          }
          study.measurement(key("first-instruction", img.app, mon.variant))
              .samples.push_back(r.timings.first_instruction->count() / 1000.0);
          app.samples.push_back(r.timings.app_exec->count() / 1000.0);
          study.measurement(key("exit", img.app, mon.variant)).samples.push_back(r.timings.guest_exit->count() / 1000.0);
          run.save();
        }
  });
}

}  // namespace tailor::bench
