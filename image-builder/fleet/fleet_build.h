// `tailor build A.toml B.toml ...`: a fleet of images in one run. Manifests
// are built one after the other through the shared kernel cache, so each
// distinct kernel configuration is compiled once (the first image that needs
// it builds it, the rest find it in the cache; kbuild already uses every CPU
// or the whole distcc/icecc cluster) and one progress line shows which image
// is being made. The summary says how many distinct kernels there were and
// how many of them were compiled.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "image-builder/image_build.h"
#include "image-builder/manifest.h"

namespace tailor::fleet {

struct FleetImage {
  std::string name;                // the manifest's app name
  std::filesystem::path manifest;
  std::filesystem::path out_dir;   // <fleet output>/<name>
  std::string kernel_key;          // the kernel cache key
  bool kernel_built = false;       // compiled in this run (else from the cache)
  double kernel_seconds = 0;       // compile time when built here
};

struct FleetResult {
  std::vector<FleetImage> images;  // in the order given
  int distinct_kernels = 0;
  int kernels_built = 0;
};

// Each manifest's build options (its output directory is replaced by
// <out_dir>/<name>).
using FleetOptions = std::function<image::ImageBuildOptions(const image::Manifest&)>;

// Builds the manifests in order into <out_dir>/<name>. The caller loads them
// all first, so a bad one fails before any build; two with the same name are
// refused here, naming both files, since they would share an output directory.
FleetResult build_fleet(const std::vector<image::Manifest>& manifests, const std::filesystem::path& out_dir,
                        const FleetOptions& options, const std::filesystem::path& cache, Progress& progress,
                        const std::function<void(const image::Manifest&, const image::ImageBuildResult&)>& built = {});

// Counts distinct kernels and builds (images' keys and built flags).
void count_kernels(FleetResult& result);

// The fleet's summary: one line per image (name, kernel key, built/cached),
// then the totals.
std::string fleet_summary(const FleetResult& result);

}  // namespace tailor::fleet
