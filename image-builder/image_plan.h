// What goes into an image and why: the assembled payload, tailor's own /init
// and its configuration, mount points and console, the KML copy of the app,
// and the shared-library closure. `tailor image ls` prints it; `tailor build`
// writes it as the initramfs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/progress.h"
#include "image-builder/elf_closure.h"
#include "image-builder/trusted_program.h"
#include "image-builder/manifest.h"
#include "image-builder/payload_sources.h"

namespace tailor::image {

// What /init reads from /tailor/init.conf (see image-builder/init/tailor_init.c).
struct InitConfig {
  std::vector<MountSpec> mounts;
  bool loopback = false;
  std::string exec;                  // the file to execute
  std::vector<std::string> argv;
  std::vector<std::string> env;      // "NAME=value"
  std::string workdir = "/";
  std::vector<std::string> nets;     // "eth0 10.0.2.15/24 10.0.2.2"
  std::vector<std::string> volumes;  // "vda ext4 /data rw"
  int stop_timeout_s = 10;
};

// The guest's block device name of the manifest's n-th volume (0: "vda").
std::string volume_device(size_t index);
// The NUL-separated records /init parses.
std::string encode_init_config(const InitConfig& config);

// The environment the app gets: the manifest's, then PATH, HOME and TERM
// defaults for what it does not set.
std::vector<std::pair<std::string, std::string>> app_environment(const Manifest& manifest);

struct ImagePlan {
  PayloadTree tree;                      // every path of the initramfs
  std::vector<PackageRecord> packages;   // packages that contributed files
  std::vector<nlohmann::json> images;
  ClosureResult closure;
  InitConfig init;
  std::vector<std::string> notes;        // warnings and remarks for the user
  // kml = true: the app under /trusted with its rewritten closure, then each
  // program of [kernel] trusted
  std::vector<TrustedProgram> trusted;
};

// Assembles the payload (each archive unpacking to at most
// `max_unpacked_bytes`) and completes it. Generated files (/init,
// /tailor/init.conf) are stored content-addressed under <cache>/generated.
// Throws Error for bad input (see assemble_payload and complete_closure).
ImagePlan plan_image(const Manifest& manifest, const std::filesystem::path& cache, Progress& progress,
                     std::uint64_t max_unpacked_bytes = kDefaultMaxUnpackedBytes);

// Where the image's app runs from with KML: "/trusted" + its path.
std::string trusted_path(const std::string& path);

}  // namespace tailor::image
