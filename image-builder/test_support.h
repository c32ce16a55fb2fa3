// Helpers for image-builder tests: tiny fake kernel trees, and (from
// common/test_support.h) scratch directories and expected errors.
#pragma once

#include <cstdlib>
#include <filesystem>

#include "common/fs.h"
#include "common/test_support.h"

namespace tailor::testing_support {

// Where CMake builds the small ELF programs and libraries (tests/elf-fixtures).
inline std::filesystem::path elf_fixtures() {
  const char* b = std::getenv("TAILOR_BUILD_DIR");
  return std::filesystem::path(b ? b : "build") / "tests" / "elf-fixtures";
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
