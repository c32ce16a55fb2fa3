#include "bench/memory_study.h"

#include <fmt/core.h>

#include "bench/image_rows.h"
#include "bench/report.h"
#include "bench/study_runner.h"
#include "common/error.h"
#include "image-builder/image_check.h"
#include "runner/capabilities.h"

namespace tailor::bench {

std::optional<std::uint32_t> smallest_passing(std::uint32_t lo, std::uint32_t hi,
                                              const std::function<bool(std::uint32_t)>& passes) {
  if (lo > hi || !passes(hi)) return std::nullopt;
  // Invariant: passes(hi); every size below lo that was tried failed.
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (passes(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

void run_memory_study(const MemoryStudyOptions& opt, Progress& progress) {
  const StudyCommon& c = opt.common;
  check_study_dir(c.out_dir, "memory", c.restart);
  const std::vector<ImageRow> rows = image_rows(c, opt.manifests, opt.kernels, /*need_check=*/true, progress);

  Study fresh = deterministic_study("memory", "Smallest guest memory at which each app passes its check", c);
  Variant v{"min-memory", "bisection over deterministic boots, each judged by the app's [check]",
            {{"floor_mib", opt.floor_mib}}};
  for (const auto& row : rows) {
    v.details["image_" + row.label] = row.kernel_detail;
    v.details["ceiling_mib_" + row.label] = row.manifest.run.memory_mib;
  }
  fresh.variants.push_back(v);
  fresh.notes.push_back(fmt::format(
      "Each row: the smallest memory in MiB, between {} MiB (the runner's minimum) and the manifest's memory_mib, at "
      "which the app's [check] passes. Deterministic boots make each probe's verdict the same on every run.",
      opt.floor_mib));
  if (!opt.kernels.empty())
    fresh.notes.push_back("The --kernel rows boot " + rows.front().label + "'s initramfs; they pass when the app ends "
                          "with its [check]'s exit status (the expected output may name the kernel).");

  Study study = open_study(c.out_dir, fresh, c.restart);
  StudyRun run(study, c.out_dir, progress);
  auto key = [](const std::string& row) { return Measurement::wanted("min-memory " + row, "min-memory", "MiB", false, 1); };
  for (const auto& row : rows) study.measurement(key(row.label));
  run.save();

  measure_then_report(study, c.out_dir, progress, [&] {
    for (const auto& row : rows) {
      Measurement& m = study.measurement(key(row.label));
      if (!m.samples.empty()) continue;
      const auto ceiling = static_cast<std::uint32_t>(row.manifest.run.memory_mib);
      const auto timeout = std::chrono::milliseconds(static_cast<long long>(row.manifest.run.timeout_s * 1000));
      int boots = 0;
      std::string last_failure;
      auto passes = [&](std::uint32_t mib) {
        run.show_progress(fmt::format("{}: {} MiB (boot {})", row.label, mib, ++boots));
        runner::BootResult r;
        try {
          r = runner::boot(deterministic_boot(row.guest, mib, timeout));
        } catch (const Error& e) {
          // Too small to hold the kernel and the initramfs while they start:
          // the runner refuses before booting. Any other refusal is the study's end.
          if (e.exit_code() != runner::exit_codes::kBadImage) throw;
          last_failure = fmt::format("{} MiB: {}", mib, e.what());
          return false;
        }
        // Another kernel prints another version (hello checks `uname -r`):
        // there the app passes when it ends with the check's exit status.
        image::CheckSpec wanted = row.manifest.check;
        if (row.extra_kernel) wanted.stdout_has.clear();
        const image::CheckOutcome check = evaluate_check(wanted, r.console, r.app_status, r.detail);
        if (!check.passed) last_failure = fmt::format("{} MiB: {}", mib, check.summary());
        return check.passed;
      };
      const std::optional<std::uint32_t> smallest = smallest_passing(opt.floor_mib, std::max(ceiling, opt.floor_mib), passes);
      if (!smallest) {
        m.errors.push_back("fails its check at the manifest's own memory size: " + last_failure);
        run.save();
        throw Error(fmt::format("memory: {} does not pass its check even at {} MiB: {}", row.label, ceiling, last_failure));
      }
      m.samples.push_back(*smallest);
      m.note.clear();
      run.save();
    }
  });
}

}  // namespace tailor::bench
