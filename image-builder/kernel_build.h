// Building a kernel from a source tree and a configuration with the real
// kbuild (out of tree, O=), cached by content: same inputs, same artifacts,
// returned without building.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/progress.h"
#include "image-builder/kernel_source.h"

namespace tailor {

// How the configuration files of a request become the final .config.
enum class ConfigBase {
  None,          // the first file is a full .config, later files override it; then olddefconfig
  Allnoconfig,   // every file is a fragment; everything they do not name is off
  Tinyconfig,    // tinyconfig, then the fragments in allnoconfig mode
  Alldefconfig,  // fragments; everything they do not name gets its Kconfig default
  Defconfig,     // the arch defconfig (x86_64_defconfig), then the fragments
};

// "none", "allnoconfig", ... <-> ConfigBase; parse throws Error listing the choices.
ConfigBase parse_config_base(const std::string& name);
std::string config_base_name(ConfigBase base);

struct Toolchain {
  bool ccache = false;    // compile through ccache (when installed and wanted)
  std::string identity;   // versions of the compiler and linker, part of every key
};

// Finds gcc and ld and records their versions; uses ccache if `want_ccache`
// and it is installed.
Toolchain detect_toolchain(bool want_ccache);

struct KernelBuildRequest {
  KernelTree tree;
  ConfigBase base = ConfigBase::None;
  std::vector<std::filesystem::path> configs;  // full .config and/or fragments, in order
  std::string arch = "x86_64";
  int jobs = 0;  // 0: one per CPU
  Toolchain toolchain;
};

struct KernelArtifacts {
  std::string key;                 // content key of the build (hex sha256)
  std::filesystem::path dir;       // the cache entry holding the files below
  std::filesystem::path bzimage, vmlinux, system_map, config;
  std::string version;             // kernel version of the tree
  bool cache_hit = false;
  double build_seconds = 0;        // of the original build
  // Symbols a fragment asked for that the final .config does not have
  // (e.g. a dependency was missing), as "CONFIG_X: requested y, got n".
  std::vector<std::string> unmet_requests;
};

// Returns cached artifacts when the inputs were built before (a sub-second
// lookup that runs no make), else configures and builds, then caches.
// Concurrent calls with the same inputs build once: the later one waits on a
// lock and then finds the cache entry. A failed build throws Error with the
// end of the build log and the log's path; nothing is added to the cache.
KernelArtifacts build_kernel(const KernelBuildRequest& request, const std::filesystem::path& cache,
                             Progress& progress);

// Copies bzImage, vmlinux, System.map and .config into `out_dir`, each file
// written atomically.
void export_artifacts(const KernelArtifacts& artifacts, const std::filesystem::path& out_dir);

// Compares the CONFIG_ assignments of the fragment texts with a final
// .config: the requests that did not survive configuration.
std::vector<std::string> unmet_config_requests(const std::vector<std::string>& fragments,
                                               const std::string& final_config);

}  // namespace tailor
