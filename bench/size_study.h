// `tailor bench size`: per-app kernels against generic ones. For each app
// manifest: options on, bzImage, initramfs and boot-to-app time of its image;
// for tinyconfig, x86_64_defconfig and a microVM reference config (e.g.
// Firecracker's, read from a path: it is not part of tailor): options on
// (counted with tailor's Kconfig engine on the same source tree) and, in full
// mode, bzImage and boot-to-app time of a real build booting the first app's
// initramfs. Quick mode builds no generic kernel and says so in the report.
// With union_kernel, every app also on the union of all the apps' configs.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "bench/study_image.h"
#include "common/progress.h"

namespace tailor::bench {

struct SizeStudyOptions {
  StudyCommon common;
  std::vector<std::filesystem::path> manifests;  // the apps (at least one)
  std::optional<std::filesystem::path> microvm_config;  // a full 6.1 .config; nullopt: left out
  int repeats = 0;  // boots per kernel (default: 3 quick, 10 full)
  // --union: also one kernel for all the apps (the analyzer's union), each
  // app's image on it compared with the same app on its own kernel: options,
  // sizes, boot-to-app (wall clock, and virtual time under the deterministic
  // yardstick when QEMU is usable).
  bool union_kernel = false;
};

void run_size_study(const SizeStudyOptions& options, Progress& progress);

// The reference microVM config when none is given on the command line:
// $TAILOR_MICROVM_CONFIG (it is not part of tailor: its path is an input).
std::optional<std::filesystem::path> default_microvm_config();

// The tailor manifests shipped with this source tree (manifests/NAME.toml).
std::filesystem::path shipped_manifest(const std::string& name);

}  // namespace tailor::bench
