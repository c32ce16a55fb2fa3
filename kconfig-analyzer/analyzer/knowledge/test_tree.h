// For tests: the real Linux 6.1 tree (Debian's linux-source-6.1, unpacked once
// into the shared cache). Scratch trees: common/test_support.h.
//
// The analyzer does not provision kernel sources (the image builder does, and
// the analyzer must not depend on it): its tests ask the built `tailor kernel
// source`, which prints the tree's path, unless $TAILOR_TEST_KERNEL_SRC names one.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/error.h"
#include "common/subprocess.h"

namespace tailor::knowledge::testing {

inline std::filesystem::path provisioned_6_1_tree() {
  const char* build = std::getenv("TAILOR_BUILD_DIR");
  if (!build || !*build)
    throw Error("set TAILOR_TEST_KERNEL_SRC to a Linux 6.1 tree, or TAILOR_BUILD_DIR to the build holding `tailor` "
                "(ctest sets it)");
  ProcessOptions options;
  options.capture = true;
  options.merge_stderr = false;  // its progress and notice lines, not the path
  auto result = run_process({(std::filesystem::path(build) / "tailor").string(), "kernel", "source", "--version", "6.1"},
                            options);
  if (!result.ok()) throw Error("`tailor kernel source --version 6.1` failed: " + result.describe());
  std::string path = result.output;
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  return path;
}

// $TAILOR_TEST_KERNEL_SRC when set, else the provisioned 6.1 tree (unpacked on first use).
inline std::filesystem::path linux_6_1_tree() {
  if (const char* env = std::getenv("TAILOR_TEST_KERNEL_SRC"); env && *env) return env;
  static const auto tree = provisioned_6_1_tree();
  return tree;
}

}  // namespace tailor::knowledge::testing
