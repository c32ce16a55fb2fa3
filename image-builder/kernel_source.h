// Provisioning Linux source trees: Debian's linux-source tarballs (or any
// tarball, or an existing directory), unpacked once into the cache, and
// patched copies keyed by the patch series' content.
#pragma once

#include <filesystem>
#include <string>

#include "common/progress.h"
#include "image-builder/patch_series.h"

namespace tailor::image {

struct KernelSourceSpec {
  enum class Kind { Version, Directory, Tarball };
  Kind kind = Kind::Version;
  std::string version = "6.1";   // Kind::Version: "6.1" or "6.12" (Debian's linux-source-<v>)
  std::filesystem::path path;    // Kind::Directory or Kind::Tarball
};

struct KernelTree {
  std::filesystem::path dir;  // top of the source tree (holds Makefile, Kconfig)
  std::string id;             // identity for cache keys: same id, same sources
  std::string version;        // "6.1.192", from the tree's Makefile
};

// The tarball Debian's linux-source-<version> package installs.
std::filesystem::path debian_source_tarball(const std::string& version);

// Returns a ready tree. Tarballs are unpacked into <cache>/sources/ through a
// temporary directory that is renamed only when complete; a second call finds
// the finished tree and returns at once. A directory is used in place after a
// sanity check, its id derived from its files' names, sizes and mtimes.
KernelTree provision_source(const KernelSourceSpec& spec, const std::filesystem::path& cache, Progress& progress);

// A copy of `base` with `series` applied, in <cache>/sources/<base id>+<series
// hash>. Unchanged files are hard links into `base` (GNU patch replaces the
// files it changes, so `base` is never modified). If a patch does not apply,
// throws Error naming the patch and quoting the failing hunk; nothing is kept.
KernelTree apply_series(const KernelTree& base, const PatchSeries& series, const std::filesystem::path& cache,
                        Progress& progress);


}  // namespace tailor::image
