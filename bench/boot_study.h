// `tailor bench boot`: tailor-vmm against QEMU (-M microvm and -M pc) on the
// same images: monitor start to first guest instruction, to the app's exec
// (the guest's boot mark) and to the guest's exit. Where KVM cannot run Linux
// guests (this project's build machine) the tailor-vmm column says so and the
// QEMU columns run under TCG, flagged as meaningless for the question.
// With `deterministic`, QEMU's instruction counting makes every number a
// virtual time that is the same on every run (and on every machine with the
// same QEMU), the yardstick for boot budgets.
#pragma once

#include <filesystem>
#include <vector>

#include "bench/study_image.h"
#include "common/progress.h"

namespace tailor::bench {

struct BootStudyOptions {
  StudyCommon common;
  std::vector<std::filesystem::path> manifests;  // the images (at least one)
  int repeats = 0;                                // default: 3 quick, 10 full (deterministic: 2)
  // The deterministic yardstick instead of wall clocks: every image boots on
  // QEMU -M microvm with instruction counting (runner::BootSpec::deterministic)
  // and the study records virtual time since reset to the kernel's clock
  // start, /init, the app's exec and the exit. The repeats must agree exactly.
  bool deterministic = false;
  // Deterministic only: more kernels (a label and a bzImage or vmlinuz, e.g.
  // Debian's generic kernel) booting the first manifest's initramfs.
  std::vector<std::pair<std::string, std::filesystem::path>> kernels;
};

void run_boot_study(const BootStudyOptions& options, Progress& progress);

}  // namespace tailor::bench
