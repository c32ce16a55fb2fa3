// Function bounds from an ELF file's .eh_frame: every FDE (frame description
// entry) names one contiguous code range that has unwind information. Debian
// strips .symtab from its binaries but keeps .eh_frame, so this is the most
// reliable map of where functions start and end in a shipped program.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/elf/elf_file.h"

namespace tailor::syscall_sites {

struct CodeRange {
  uint64_t begin = 0;
  uint64_t end = 0;  // exclusive

  bool contains(uint64_t address, uint64_t size) const {
    return address >= begin && address <= end && size <= end - address;
  }
  auto operator<=>(const CodeRange&) const = default;
};

struct EhFrameRanges {
  std::vector<CodeRange> all;  // every FDE's code range, sorted, without duplicates
  // Those whose CIE has the 'S' augmentation: signal return trampolines
  // (glibc's __restore_rt), whose FDE starts a byte before their code.
  std::vector<CodeRange> signal_frames;
};

// The code ranges of all FDEs in `file`'s .eh_frame section (none when it has
// no such section). `bytes` is the file image `file` was parsed from.
// Structural damage (an entry running past the section, a pointer to a CIE
// that is not there) throws tailor::Error naming the file; an FDE whose CIE
// uses an encoding this reader does not model is skipped, so its code is
// simply treated as having no known bounds.
EhFrameRanges eh_frame_ranges(const elf::ElfFile& file, std::string_view bytes);

}  // namespace tailor::syscall_sites
