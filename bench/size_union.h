// `tailor bench size --union`: one kernel for all the study's apps (Lupine's
// "lupine-general"), next to each app's own. The union config comes from the
// analyzer (app::analyze_manifest_union, as `tailor analyze --union`), each
// app's image is built on it, and the study compares every app on the union
// kernel with the same app on its own kernel.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bench/study_image.h"
#include "kconfig-analyzer/analyzer/app/union_analysis.h"

namespace tailor::bench {

struct UnionApp {
  std::string name;      // the manifest's app name
  std::string variant;   // "union-<name>"
  BuiltImage image;      // the app's image on the union kernel
  app::UnionCost cost;   // options the union adds to, or lacks from, its own kernel
};

struct UnionImages {
  std::filesystem::path config;  // out_dir/configs/union.config: the analyzer's union .config
  std::vector<UnionApp> apps;    // in the order of the manifests
};

// Derives the union of `manifests` (at least two), writes its config, then
// builds each app's image on it: one kernel, built once (the others are cache
// hits). Throws Error when the union leaves a requirement unmet.
UnionImages build_union_images(const StudyCommon& common, const std::vector<std::filesystem::path>& manifests,
                               Progress& progress);

}  // namespace tailor::bench
