// Running a study's guest steps: boots an image with the steps whose
// measurements still miss samples, records each sample as the guest reports
// it and saves results.json after every one, so an interrupted or failed
// study keeps what it measured and a rerun continues where it stopped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/guest_plan.h"
#include "bench/study.h"
#include "common/progress.h"
#include "runner/guest_image.h"
#include "runner/runner.h"

namespace tailor::bench {

// A bootable image: kernel, initramfs, the command line it boots with (a
// study appends its plan and `settings`), memory; vCPUs come from BootSettings.
using GuestImage = runner::GuestImage;

// A boot of `guest` (runner::boot_spec_for) whose console is captured in
// BootResult::console and not shown, notices dropped: where the studies that
// read a boot's timings and console start from.
runner::BootSpec captured_boot(const GuestImage& guest, std::chrono::milliseconds timeout);

struct BootSettings {
  runner::Backend backend = runner::Backend::Auto;
  std::string qemu_machine = "microvm";
  std::uint32_t cpus = 1;
  std::vector<std::string> cmdline_extra;  // "tailor.secs=1", ...
  // Seconds a step may take (for the boot's timeout), and the boot itself.
  std::function<double(const PlanStep&)> step_budget_s = [](const PlanStep&) { return 60.0; };
  double boot_budget_s = 120;
};

// A workload point of a study: which measurement, and the guest step that
// takes one sample of it.
struct StepKey {
  Measurement key;  // workload, variant, parameter, metric, target_samples
  std::string kind, arg;
};

class StudyRun {
 public:
  // `study` must outlive the run; every sample is saved into dir/results.json.
  StudyRun(Study& study, std::filesystem::path dir, Progress& progress);

  // Registers the measurements (creating them when new) and returns the steps
  // still needed, interleaved by rounds (1, 4, 16, 1, 4, 16, ...) so that a
  // drift over time spreads over every point.
  std::vector<PlanStep> missing(const std::vector<StepKey>& keys);

  // Boots `image` as many times as the command line length needs, running
  // `steps`. Each step's sample (or error) goes into its measurement at once.
  // Returns the number of steps that failed in the guest; throws Error (after
  // saving) when a boot ends before its plan did (crash, timeout, monitor
  // failure), naming the step and the end of the console.
  int run(const std::string& variant, const GuestImage& image, const BootSettings& settings,
          const std::vector<PlanStep>& steps);

  // Samples taken / asked for, over the whole study (for the progress line).
  void show_progress(const std::string& detail);
  void save();

  // The backend detail of the last boot ("qemu-system-x86_64 7.2.22 -M microvm, TCG").
  const std::string& last_backend_detail() const { return backend_detail_; }

 private:
  Study& study_;
  std::filesystem::path dir_;
  Progress& progress_;
  std::string backend_detail_;
};

// Opens a study for `dir`: its results.json when it holds the same study (a
// resumed run; the variants' details must match `fresh`'s, else Error saying
// to use --restart or another directory), otherwise `fresh`.
Study open_study(const std::filesystem::path& dir, Study fresh, bool restart);

// Before any work: throws Error when dir/results.json is unreadable or holds
// another study (unless `restart`), so that a mistake costs no kernel build.
void check_study_dir(const std::filesystem::path& dir, const std::string& study, bool restart);

// Throws Error listing the measurements that have errors or fewer samples
// than asked, with where the results are; does nothing when all are complete.
void require_complete(const Study& study, const std::filesystem::path& dir);

// Runs `measure`, then writes the report (also when `measure` fails: the
// report of the samples taken so far, then the error goes on) and ends with
// require_complete.
void measure_then_report(Study& study, const std::filesystem::path& dir, Progress& progress,
                         const std::function<void()>& measure);

}  // namespace tailor::bench
