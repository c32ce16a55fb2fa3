// Building a kernel from a source tree and a configuration with the real
// kbuild (out of tree, O=), cached by content: same inputs, same artifacts,
// returned without building.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/progress.h"
#include "image-builder/kernel_source.h"

namespace tailor::image {

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

// Where the compiler runs. Never part of a key: the same compiler version
// gives the same bytes on any machine of the cluster (distcc and icecc send
// preprocessed source, so no path of this machine reaches another).
enum class Distributor { Local, Distcc, Icecc };

struct Toolchain {
  bool ccache = false;    // compile through ccache (when installed and wanted)
  std::string identity;   // versions of the compiler and linker, part of every key
  Distributor distributor = Distributor::Local;
  std::string distcc_hosts;  // DISTCC_HOSTS for Distributor::Distcc
  int cluster_jobs = 0;      // the -j the cluster takes (0: one per local CPU)
  std::string remote_cache;  // ccache's remote storage (a checked StoreUrl), or ""
};

// Finds gcc and ld and records their versions; uses ccache if `want_ccache`
// and it is installed.
Toolchain detect_toolchain(bool want_ccache);

// How to spread a build: `--distcc HOSTS` (else $DISTCC_HOSTS when set),
// `--icecc`, `--remote-cache URL` (else $TAILOR_REMOTE_CACHE).
struct ClusterOptions {
  std::string distcc_hosts;
  bool icecc = false;
  std::string remote_cache;
};

// Adds the cluster to a toolchain: checks the host list (plain characters
// only: it reaches distcc through the environment, never a shell) and that
// distcc/icecc is installed, sizes cluster_jobs (distcc: the slots of the
// host list, from `distcc -j`; icecc: 4 per local CPU, the scheduler spreads
// them), and checks the remote cache URL, which needs ccache. The compiler
// runs as ccache's prefix command (CCACHE_PREFIX) with ccache, else as
// CC="distcc gcc". Throws Error naming the flag for bad input.
void use_cluster(Toolchain& toolchain, const ClusterOptions& cluster);

// A kernel cache shared between machines, keyed exactly as the local one
// (image-builder/fleet/kernel_store.h implements it on redis or HTTP). The
// local cache stays the source of truth: a fetched entry is verified and
// then installed like a fresh build (temporary directory, then rename).
class KernelStore {
 public:
  virtual ~KernelStore() = default;
  virtual std::string describe() const = 0;  // "redis://host:port", for messages
  // Fills the empty directory `dir` with entry `key`'s files (the names
  // entry_complete() checks): true when the store has the entry and every
  // file matched its digest; false when the store has no such entry. A
  // damaged or forged entry (bad digest, unknown file, other key) throws
  // Error; `dir` is then discarded by the caller.
  virtual bool fetch(const std::string& key, const std::filesystem::path& dir) = 0;
  virtual bool has(const std::string& key) = 0;
  virtual void publish(const std::string& key, const std::filesystem::path& entry) = 0;
};

struct KernelBuildRequest {
  KernelTree tree;
  ConfigBase base = ConfigBase::None;
  std::vector<std::filesystem::path> configs;  // full .config and/or fragments, in order
  std::string arch = "x86_64";
  int jobs = 0;  // 0: one per CPU
  Toolchain toolchain;
  // Fetch from / publish to this store (after configuring: the key needs the
  // final .config). A store that cannot be reached is a warning, not a failure.
  std::shared_ptr<KernelStore> store;
};

struct KernelArtifacts {
  std::string key;                 // content key of the build (hex sha256)
  std::filesystem::path dir;       // the cache entry holding the files below
  std::filesystem::path bzimage, vmlinux, system_map, config;
  std::string version;             // kernel version of the tree
  bool cache_hit = false;
  bool fetched = false;            // from the shared store, not compiled here
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

// `tailor kernel build --json`: the build's key, version, provenance and
// unmet requests, with the four files' paths under `shown` (the cache entry
// or the directory they were exported to).
nlohmann::json artifacts_json(const KernelArtifacts& artifacts, const std::filesystem::path& shown);

// Copies bzImage, vmlinux, System.map and .config into `out_dir`, each file
// written atomically.
void export_artifacts(const KernelArtifacts& artifacts, const std::filesystem::path& out_dir);

// Compares the CONFIG_ assignments of the fragment texts with a final
// .config: the requests that did not survive configuration.
std::vector<std::string> unmet_config_requests(const std::vector<std::string>& fragments,
                                               const std::string& final_config);

}  // namespace tailor::image
