// Reading the dynamic-linking facts of an ELF file (PT_INTERP, DT_NEEDED,
// DT_RPATH, DT_RUNPATH, DT_SONAME) without loading it: just enough for the
// shared-library closure of an image.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tailor {

struct ElfInfo {
  bool is_64 = false;                 // ELFCLASS64
  bool little_endian = false;
  std::uint16_t machine = 0;          // e_machine (62 = x86_64)
  std::uint16_t type = 0;             // e_type (2 = EXEC, 3 = DYN)
  std::string interpreter;            // PT_INTERP, empty when none
  std::vector<std::string> needed;    // DT_NEEDED, in order
  std::vector<std::string> rpath;     // DT_RPATH, split at ':'
  std::vector<std::string> runpath;   // DT_RUNPATH, split at ':'
  std::string soname;                 // DT_SONAME

  // Runs on our x86_64 guests (64-bit little-endian x86_64).
  bool is_x86_64() const { return is_64 && little_endian && machine == 62; }
  // "ELF 32-bit i386", for messages about files we cannot run.
  std::string describe() const;
};

// True when `head` (the first bytes of a file) starts with the ELF magic.
bool has_elf_magic(std::string_view head);

// The first `n` bytes of a file (fewer if it is shorter); throws Error naming it.
std::string read_head(const std::filesystem::path& file, std::size_t n);

// Parses `file`'s headers. `name` is how messages call it (e.g. its path in the
// image). Throws Error naming `name` when the file is not ELF or its headers
// are truncated or inconsistent.
ElfInfo read_elf(const std::filesystem::path& file, const std::string& name);

}  // namespace tailor
