// `tailor bench smp`: what SMP support costs and what it buys. One per-app
// kernel configuration built twice, with and without CONFIG_SMP; futex and
// POSIX-semaphore rings with 1..512 workers and a `make -j` of many small C
// files (tcc) inside the guest; runs on the non-SMP kernel with 1 vCPU, the
// SMP kernel with 1 vCPU (the pure cost of SMP support) and with N vCPUs.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "bench/study_image.h"
#include "common/progress.h"

namespace tailor::bench {

struct SmpStudyOptions {
  StudyCommon common;
  // The app whose kernel configuration is studied (its payload goes in too);
  // nullopt: the workload image alone (make, tcc, busybox and the runner).
  std::optional<std::filesystem::path> manifest;
  // Empty / zero: chosen by the mode (quick: 1,4,16 workers, make -j 1,4,
  // 2 repeats of 0.5 s, 32 files; full: 1..512 workers and jobs, 5 repeats of
  // 2 s, 512 files).
  std::vector<int> workers, make_jobs;
  std::vector<int> cpus;  // vCPU counts for the SMP kernel beyond 1 (default 2)
  int repeats = 0;
  double seconds = 0;
  int make_files = 0;
};

// Runs (or resumes) the study in options.common.out_dir and renders its
// report. Throws Error when a run failed; samples taken are kept.
void run_smp_study(const SmpStudyOptions& options, Progress& progress);

}  // namespace tailor::bench
