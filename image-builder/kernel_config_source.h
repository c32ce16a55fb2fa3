// Where an image's kernel configuration comes from, as a pluggable function:
// the fixed generous fragment today, the analyzer's kernel.config later, or a
// config file the manifest names. The image builder then adds what it needs
// itself (the manifest's [kernel] extra, initramfs decompression, KML).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "image-builder/kernel_build.h"
#include "image-builder/manifest.h"
#include "image-builder/payload_tree.h"

namespace tailor::image {

struct ConfigFragment {
  std::string name;  // where it comes from, for messages and the lock file ("apps.config", "[kernel] extra")
  std::string text;  // .config lines
};

struct KernelConfigPlan {
  ConfigBase base = ConfigBase::Tinyconfig;
  std::vector<ConfigFragment> fragments;  // applied in order; with ConfigBase::None the first is a full .config
  std::string origin;                     // one line for the lock file and `tailor build` output
};

// Decides the configuration for a manifest whose image holds `tree`.
using KernelConfigSource = std::function<KernelConfigPlan(const Manifest& manifest, const PayloadTree& tree)>;

// tinyconfig + small.config + apps.config (both built into tailor).
KernelConfigPlan fixed_app_config(const Manifest& manifest, const PayloadTree& tree);

// A full .config (the analyzer's output, or [kernel] config = "..."), then olddefconfig.
KernelConfigPlan config_file_plan(const std::filesystem::path& config);

// The manifest's [kernel] config when set, else `fallback`.
KernelConfigSource manifest_or(KernelConfigSource fallback);

// Writes each fragment to <cache>/fragments/<sha256>.config (content-addressed,
// so equal texts give equal paths) and returns the paths in order.
std::vector<std::filesystem::path> materialize_fragments(const std::vector<ConfigFragment>& fragments,
                                                         const std::filesystem::path& cache);

// "CONFIG_X" is set to y (or m) in a config or fragment text.
bool config_enables(const std::string& config_text, const std::string& symbol);

}  // namespace tailor::image
