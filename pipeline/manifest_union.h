// One kernel for many manifests: each manifest's image planned, its analysis
// input assembled and all of them minimized together (app::analyze_union).
// The one place `tailor analyze --union` and `tailor bench size --union` get
// a union from.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "kconfig-analyzer/analyzer/app/union_analysis.h"

namespace tailor::pipeline {

struct ManifestUnionRequest {
  std::vector<std::filesystem::path> manifests;  // two or more
  std::string kernel_version = "6.1";            // Debian linux-source-<version>
  std::optional<std::filesystem::path> kernel_src;  // a source tree instead of the cached (patched) one
  std::optional<std::filesystem::path> rules;       // a rule file instead of the built-in one
  std::filesystem::path cache;
};

// Throws Error for fewer than two manifests, a bad manifest, or manifests
// that need different kernel trees ([kernel] kml differs: one kernel cannot
// serve both).
app::UnionResult analyze_manifest_union(const ManifestUnionRequest& request, Progress& progress);

}  // namespace tailor::pipeline
