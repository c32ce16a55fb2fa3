// Images for studies: a manifest's image with the bench's guest runner as its
// app, built through the image builder (kernels from the shared cache), and the
// settings every study shares (backend, mode, output directory).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/study_runner.h"
#include "image-builder/image_build.h"
#include "image-builder/manifest.h"

namespace tailor::bench {

// What every study takes from the command line.
struct StudyCommon {
  std::filesystem::path out_dir;
  std::filesystem::path cache;
  bool full = false;               // full mode (Lupine's ranges); else quick
  std::string backend = "auto";    // auto, kvm, qemu
  bool restart = false;            // discard the samples in out_dir
  // How image kernels are configured (the analyzer, the fixed fragments or a
  // file), and a word for the record ("analyzer", "fixed", "file:PATH").
  image::KernelConfigSource config_source;
  std::string config_origin;
  int jobs = 0;                    // kernel build jobs (0: CPUs)
  bool ccache = true;
  std::function<void(const std::string&)> notice;
};

// `app` turned into a bench image's manifest: its payload plus the guest
// runner (/bench/smpbench) and `extra_payload`, the runner as the app.
image::Manifest bench_manifest(image::Manifest app, const std::filesystem::path& cache, image::PayloadSpec extra_payload);

// A manifest from built-in TOML text (for studies whose default workload
// image is not an app of manifests/), written to `file` (the study's record
// of it; the image lock names it) and loaded from there.
image::Manifest builtin_manifest(const std::string& toml, const std::filesystem::path& file);

struct BuiltImage {
  image::ImageBuildResult result;
  GuestImage guest;
  nlohmann::json details;  // kernel key, sizes, config copy, cmdline
};

// Builds `m` into <cache>/bench/images/<name>-<digest of out_dir and label>
// with the study's config source applied to `config_manifest` (so variants
// that differ only in [kernel] extra or kml share one per-app config), copies
// the final kernel config to out_dir/configs/<label>.config.
BuiltImage build_study_image(const StudyCommon& common, const image::Manifest& m, const image::Manifest& config_manifest,
                             const std::string& label, Progress& progress);

}  // namespace tailor::bench
