// `tailor build`: manifest -> image plan -> kernel (cached kbuild) ->
// deterministic initramfs -> DIR/{bzImage, vmlinux, initramfs.cpio.*,
// kernel.config, image.lock.json}, published only when everything succeeded.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "image-builder/image_plan.h"
#include "image-builder/initramfs_writer.h"
#include "image-builder/kernel_build.h"
#include "image-builder/kernel_config_source.h"
#include "image-builder/manifest.h"
#include "image-builder/patch_series.h"
#include "runner/guest_image.h"

namespace tailor::image {

struct ImageBuildOptions {
  std::filesystem::path out_dir;
  // Where the kernel configuration comes from (the analyzer plugs in here).
  KernelConfigSource config_source = manifest_or(fixed_app_config);
  std::string kernel_version = "6.1";          // Debian linux-source-<version>
  std::filesystem::path kml_series;            // the KML patch series, used when the manifest says kml = true
  bool ccache = true;
  int jobs = 0;                                // 0: one per CPU (or the cluster's slots)
  ClusterOptions cluster;                      // distcc/icecc, remote cache
  std::shared_ptr<KernelStore> kernel_store;   // kernels shared between machines (fleet/kernel_store.h)
  std::uint64_t max_unpacked_bytes = kDefaultMaxUnpackedBytes;  // per .deb or container image
  std::function<void(const std::string&)> notice;  // one-line remarks (warnings, notes)
};

struct ImageBuildResult {
  std::filesystem::path out_dir;
  std::filesystem::path bzimage, vmlinux, initramfs, kernel_config, lock;
  // What a monitor boots: vmlinux when the kernel has the PVH entry point
  // (QEMU loads it through PVH, tailor-vmm through the 64-bit boot protocol:
  // no decompressor in the guest, 21 ms of hello's virtual boot), else bzImage.
  std::filesystem::path boot_kernel;
  std::string cmdline;         // the kernel command line to boot with
  Compression compression = Compression::Gzip;
  bool embedded = false;       // the initramfs is inside bzImage
  KernelArtifacts kernel;
  InitramfsInfo initramfs_info;
  std::string lock_json;       // image.lock.json's text
};

// What a monitor boots for this build of `manifest`: the boot kernel, the
// initramfs unless it is built in, the command line, [run] memory_mib and
// [kernel] smp vCPUs.
runner::GuestImage guest_image(const ImageBuildResult& result, const Manifest& manifest);

// The kernel command line for a manifest: serial console, panic ends the run,
// quiet kernel (the console is the app's), pti=off with KML (it needs page
// table isolation off), then the manifest's cmdline.
std::string image_cmdline(const Manifest& manifest);

// Builds everything, then publishes into options.out_dir (created if
// missing): each file by rename, stale initramfs.cpio.* of another
// compression removed. On any error nothing in out_dir changes.
ImageBuildResult build_image(const Manifest& manifest, const ImageBuildOptions& options,
                             const std::filesystem::path& cache, Progress& progress);

// The KML patch series shipped with this source tree (kml-patches/series),
// or $TAILOR_KML_PATCHES when set.
std::filesystem::path default_kml_series();

// The patches a manifest's kernel source needs: none unless [kernel] kml =
// true, then the series at `series_file`. Throws Error naming the manifest
// when that file is missing: a KML manifest never gets an unpatched tree.
std::optional<PatchSeries> kml_patches(const Manifest& manifest, const std::filesystem::path& series_file);

// The kernel source tree a manifest's kernel is built from: Debian's
// linux-source-<version>, patched with kml_patches() (the tree build_image
// builds, and the one the analyzer reads).
KernelTree manifest_kernel_tree(const Manifest& manifest, const std::string& version,
                                const std::filesystem::path& series_file, const std::filesystem::path& cache,
                                Progress& progress);

}  // namespace tailor::image
