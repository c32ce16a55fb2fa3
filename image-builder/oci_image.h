// Container images as payload: `docker save` archives, OCI image archives and
// OCI layout directories, read with libarchive; layers are merged in order
// with their whiteouts applied, giving the file tree a container would see.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "image-builder/payload_tree.h"
#include "image-builder/unpacked_tree.h"

namespace tailor::image {

// Applies one layer on top of `tree`. Whiteouts act on the layers below only:
// ".wh.NAME" removes NAME from its directory, ".wh..wh..opq" empties its
// directory of what lower layers put there; then the layer's own entries are
// added (hard links share the bytes of their target). `blob_dir` holds the
// layer's file bytes by digest; `source` labels the nodes.
void apply_layer(PayloadTree& tree, const std::vector<TreeEntry>& layer, const std::filesystem::path& blob_dir,
                 const std::string& source, const std::string& what);

// Reads the image at `path` (an archive file or a layout directory). `ref`
// picks one image ("busybox:latest") when the archive holds several; empty
// means the only one. Inside the image, only relative symbolic links that
// stay inside it are followed. The outer archive and every layer together
// may unpack to at most `max_unpacked_bytes` (see UnpackBudget). Throws
// Error naming the archive and the missing or corrupt part (manifest, index,
// layer, digest, a JSON field of the wrong type, a link leading outside).
// Cached under <cache>/unpacked/oci-<digest of the archive and ref>; the
// metadata lists the format, the chosen image and its layers.
UnpackedTree unpack_oci(const std::filesystem::path& path, const std::string& ref, const std::filesystem::path& cache,
                        std::uint64_t max_unpacked_bytes = kDefaultMaxUnpackedBytes);

}  // namespace tailor::image
