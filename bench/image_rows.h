// The rows of the deterministic studies (`bench boot --deterministic`,
// `bench memory`): each manifest's image, then each extra kernel booting the
// first manifest's initramfs and command line (e.g. Debian's generic kernel).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "bench/study.h"
#include "bench/study_image.h"
#include "runner/runner.h"

namespace tailor::bench {

struct ImageRow {
  std::string label;  // the app's name, or the extra kernel's label
  GuestImage guest;
  image::Manifest manifest;  // the app's (for an extra kernel: the first app's)
  std::string kernel_detail;  // the image's kernel key, or the extra kernel's path
  bool extra_kernel = false;  // a --kernel row: another kernel under the first app's image
};

// Builds the manifests' images (kernels from the study's config source) and
// adds the extra kernels. Before building anything, throws Error for a bad
// manifest, a missing kernel file, a label used twice, or (`need_check`) an
// app without a [check].
std::vector<ImageRow> image_rows(const StudyCommon& common, const std::vector<std::filesystem::path>& manifests,
                                 const std::vector<std::pair<std::string, std::filesystem::path>>& kernels,
                                 bool need_check, Progress& progress);

// A fresh study of the deterministic yardstick: name, title, mode
// "deterministic", the machine, and QEMU with instruction counting as its
// backend. Throws Error when the study asks for KVM or QEMU is not usable.
Study deterministic_study(const std::string& name, const std::string& title, const StudyCommon& common);

// One deterministic boot of `guest` (runner::make_deterministic), console
// captured and not shown, `memory_mib` of RAM.
runner::BootSpec deterministic_boot(const GuestImage& guest, std::uint32_t memory_mib,
                                    std::chrono::milliseconds timeout);

}  // namespace tailor::bench
