// image.lock.json: everything an image was made of, each file with its source
// and digest. Deterministic: same inputs, same bytes (no times, no cache or
// checkout paths).
#pragma once

#include <string>
#include <vector>

#include "image-builder/image_plan.h"
#include "image-builder/initramfs_writer.h"
#include "image-builder/kernel_build.h"
#include "image-builder/kernel_config_source.h"

namespace tailor::image {

struct LockKernel {
  std::string version;            // "6.1.192"
  std::string config_origin;      // KernelConfigPlan::origin
  std::vector<ConfigFragment> fragments;
  std::string base;               // "tinyconfig", ...
  std::string patches;            // content hash of the patch series, empty without
  std::string cache_key;
  std::string config_sha256, bzimage_sha256, vmlinux_sha256;
  std::string cmdline;
};

struct LockInitramfs {
  std::string file;               // "initramfs.cpio.zst"
  Compression compression = Compression::Gzip;
  bool embedded = false;
  InitramfsInfo info;
};

std::string image_lock_json(const Manifest& manifest, const ImagePlan& plan, const LockKernel& kernel,
                            const LockInitramfs& initramfs);

}  // namespace tailor::image
