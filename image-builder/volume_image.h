// [[volume]] images on the host: raw ext4 files, made without root by
// mke2fs (-d copies a seed directory in), checked with e2fsck before every
// boot, and the kernel options a manifest's services need.
#pragma once

#include <string>
#include <vector>

#include "image-builder/manifest.h"

namespace tailor::image {

struct PreparedVolume {
  std::filesystem::path image;
  bool read_only = false;
  bool created = false;  // made by this call
};

// Makes sure every volume's image is there and sound, in manifest order (the
// order of the guest's vda, vdb, ...). A missing image is created (size_mib,
// ext4, the seed copied in) as a temporary file renamed into place; a
// read-only volume without an image or seed, a missing directory for it, a
// file that is not an ext4 image, one e2fsck finds damaged, or a seed that
// is not a directory is an Error naming the manifest's [[volume]] and what to
// do. Volumes created by this call are removed again when a later one fails,
// so that nothing is left half-made.
std::vector<PreparedVolume> prepare_volumes(const Manifest& manifest);

// Removes the images prepare_volumes made (for a run that fails before boot).
void remove_created_volumes(const std::vector<PreparedVolume>& volumes);

// What the kernel (its .config text) lacks for the manifest's [net] and
// [[volume]] tables: "CONFIG_VIRTIO_NET" and the like; empty when it serves
// them. build_image calls it so that a kernel without IPv4 or virtio never
// gets as far as a boot.
std::vector<std::string> missing_service_options(const Manifest& manifest, const std::string& kernel_config);

}  // namespace tailor::image
