// For tests: the real Linux 6.1 tree (Debian's linux-source-6.1, unpacked once
// into the shared cache by the foundation's provisioning), and scratch trees.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/cache_root.h"
#include "common/fs.h"
#include "common/progress.h"
#include "image-builder/kernel_source.h"

namespace tailor::knowledge::testing {

// $TAILOR_TEST_KERNEL_SRC when set, else the provisioned 6.1 tree (unpacked on first use).
inline std::filesystem::path linux_6_1_tree() {
  if (const char* env = std::getenv("TAILOR_TEST_KERNEL_SRC"); env && *env) return env;
  Progress quiet(false);
  KernelSourceSpec spec;
  spec.version = "6.1";
  static const auto tree = provision_source(spec, cache_root(""), quiet).dir;
  return tree;
}

inline std::filesystem::path scratch(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("tailor-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace tailor::knowledge::testing
