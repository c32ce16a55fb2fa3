// Helpers for image-builder tests: scratch directories and tiny fake kernel trees.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::testing_support {

// A fresh, empty directory under /tmp, unique to this process and `name`.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("tailor-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The message of the Error `f` throws, or "no error".
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The handful of files provisioning checks for, with a Makefile saying 6.1.7.
inline void make_fake_kernel_tree(const std::filesystem::path& dir) {
  write_file_atomic(dir / "Makefile", "# SPDX\nVERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 7\nEXTRAVERSION =\nNAME = Test\n");
  write_file_atomic(dir / "Kconfig", "mainmenu \"Test\"\n");
  write_file_atomic(dir / "arch/x86/Kconfig", "config X86\n\tdef_bool y\n");
  write_file_atomic(dir / "scripts/kconfig/Makefile", "# empty\n");
  write_file_atomic(dir / "kernel/fork.c", "int fork_stub;\nint second_line;\nint third_line;\n");
}

}  // namespace tailor::testing_support
