// `tailor bench boot`: tailor-vmm against QEMU (-M microvm and -M pc) on the
// same images: monitor start to first guest instruction, to the app's exec
// (the guest's boot mark) and to the guest's exit. Where KVM cannot run Linux
// guests (this project's build machine) the tailor-vmm column says so and the
// QEMU columns run under TCG, flagged as meaningless for the question.
#pragma once

#include <filesystem>
#include <vector>

#include "bench/study_image.h"
#include "common/progress.h"

namespace tailor::bench {

struct BootStudyOptions {
  StudyCommon common;
  std::vector<std::filesystem::path> manifests;  // the images (at least one)
  int repeats = 0;                                // default: 3 quick, 10 full
};

void run_boot_study(const BootStudyOptions& options, Progress& progress);

}  // namespace tailor::bench
