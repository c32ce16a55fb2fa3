// `tailor bench memory`: Lupine's third metric, the smallest guest memory at
// which each app still passes its [check]. Found by bisection over
// deterministic boots (runner::BootSpec::deterministic), so the answer is the
// same on every run: a boot either passes at N MiB or it does not.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/study_image.h"
#include "common/progress.h"

namespace tailor::bench {

struct MemoryStudyOptions {
  StudyCommon common;
  std::vector<std::filesystem::path> manifests;  // apps with a [check] (at least one)
  // More kernels (LABEL, FILE) booting the first app's initramfs, checked by its [check].
  std::vector<std::pair<std::string, std::filesystem::path>> kernels;
  std::uint32_t floor_mib = 16;  // the smallest size tried (the runner's minimum)
};

void run_memory_study(const MemoryStudyOptions& options, Progress& progress);

// The smallest size in [lo, hi] for which `passes` holds, assuming it holds
// from some size on (monotonic), with `hi` checked first; nullopt when it
// fails at `hi`. At most 1 + ceil(log2(hi - lo + 1)) calls.
std::optional<std::uint32_t> smallest_passing(std::uint32_t lo, std::uint32_t hi,
                                              const std::function<bool(std::uint32_t)>& passes);

}  // namespace tailor::bench
