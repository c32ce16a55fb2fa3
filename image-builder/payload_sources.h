// Payload assembly: the [[payload]] tables of a manifest, in order, become
// one file tree (container images, then Debian packages with the dependencies
// apt resolves for them, then host files, then the manifest's own files),
// plus a pool of library files from the packages left out as installation
// only, which the closure takes from only when needed.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/progress.h"
#include "image-builder/archive_extract.h"
#include "image-builder/manifest.h"
#include "image-builder/package_setup.h"
#include "image-builder/payload_tree.h"

namespace tailor::image {

struct PackageRecord {
  std::string package, version, architecture;
  std::string file;     // the .deb's file name
  std::string sha256;   // of the .deb
  // "payload" (named in the manifest), "dependency" (resolved by apt and
  // kept) or "left out" (resolved, but only its libraries may be taken by the
  // closure: see deb_selection.h).
  std::string role;
  std::string chain;     // kept: "libssl3 <- nginx <- nginx-light"
  std::string left_out;  // left out: why
};

struct AssembledPayload {
  PayloadTree tree;                       // the app's files
  PayloadTree pool;                       // dependency libraries, copied into `tree` only when needed
  std::vector<PackageRecord> packages;    // sorted by role, then name
  std::vector<nlohmann::json> images;     // one record per container image used
  std::vector<std::string> notes;         // things the user may want to know (replaced files, ...)
  PackageSetup setup;                     // users, directories and links the packages' scripts would create
};

// Paths of a package never copied into images: documentation and the like.
bool is_package_doc_path(const std::string& path);

// Reads every source the manifest names; each archive (a .deb, a container
// image) may unpack to at most `max_unpacked_bytes` (see UnpackBudget).
// Errors name the manifest location and the item: a missing host path or
// manifest file, an unknown package, a corrupt .deb or image archive, one
// over the limit.
AssembledPayload assemble_payload(const Manifest& manifest, const std::filesystem::path& cache, Progress& progress,
                                  std::uint64_t max_unpacked_bytes = kDefaultMaxUnpackedBytes);

// Adds a host file or directory (recursively: files, symlinks as symlinks,
// directories) at `image_path`. A symlink named directly is followed. Sources
// read "<source_prefix> <host path>", the path relative to `label_base` when
// given (so that a manifest's own files are named the same in every checkout).
// Throws Error "<what>: <host path> does not exist on this host".
void add_host_path(PayloadTree& tree, const std::string& image_path, const std::filesystem::path& host,
                   const std::string& source_prefix, const std::string& what,
                   const std::filesystem::path& label_base = {});

}  // namespace tailor::image
