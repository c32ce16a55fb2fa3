// The analyzer inside the image builder: an AppInput from a manifest and its
// assembled payload, and the analyzer as the builder's kernel config source
// (the default of `tailor build` and `tailor run`).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "image-builder/kernel_config_source.h"
#include "image-builder/kernel_source.h"
#include "image-builder/manifest.h"
#include "image-builder/payload_tree.h"
#include "kconfig-analyzer/analyzer/app/analyze.h"

namespace tailor::pipeline {

// image path -> host file, through the payload (symlinks followed inside it).
elf::PathMap payload_path_map(const image::PayloadTree& tree);

// What the analysis needs to know about a manifest's image: its exec chain
// (#! scripts followed), every ELF program in it (tailor's own /init aside:
// its needs are the rule file's boot rules), loadable modules no program
// links against, mounts, compression, vCPUs and [kernel] extra.
app::AppInput app_input_from_image(const image::Manifest& manifest, const image::PayloadTree& tree);

// Writes the payload as a directory tree under `dir` (files hard-linked
// from the cache when possible, else copied; device nodes left out), so the
// app can be traced on this machine inside it.
void stage_payload(const image::PayloadTree& tree, const std::filesystem::path& dir);

// Traces the manifest's app on this machine inside its staged payload, with
// the host's /dev, /proc and /sys standing in for what /init mounts.
trace::TraceResult trace_manifest(const image::Manifest& manifest, const image::PayloadTree& tree, const std::filesystem::path& cache,
                                  std::chrono::seconds timeout);

// The kernel source tree a manifest's kernel is built from (patched for KML;
// an error when the manifest wants KML and the series is missing):
// manifest_kernel_tree() with the default series.
image::KernelTree kernel_tree_for(const image::Manifest& manifest, const std::string& version, const std::filesystem::path& cache,
                           Progress& progress);

// Runs the analysis for a manifest, reusing a cached result when the payload,
// the manifest's relevant fields, the kernel tree and the rules are the same
// (<cache>/analysis/<key>/{kernel.config, report.txt, report.json}).
struct CachedAnalysis {
  std::filesystem::path dir;  // the cache entry
  std::string dotconfig;
  std::string report_text;
  bool cache_hit = false;
  size_t unmet = 0;
};
CachedAnalysis analyze_image(const image::Manifest& manifest, const image::PayloadTree& tree, const std::string& kernel_version,
                             const std::filesystem::path& cache, Progress& progress);

// The analyzer as a KernelConfigSource: a full .config (then olddefconfig);
// `notice` receives one line saying where the report is.
image::KernelConfigSource analyzer_config_source(const std::filesystem::path& cache, const std::string& kernel_version,
                                          std::function<void(const std::string&)> notice);

}  // namespace tailor::pipeline
