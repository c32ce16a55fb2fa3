// The zero page (struct boot_params, Documentation/x86/zero-page.rst) and the
// e820 memory map it carries; where the initrd goes. Pure functions over
// bytes, so that tests can check every field without a VM.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "runner/boot/kernel_image.h"

namespace tailor::runner::x86 {

// e820 entry types (zero-page.rst / the ACPI spec).
inline constexpr std::uint32_t kE820Ram = 1;
inline constexpr std::uint32_t kE820Reserved = 2;

struct E820Entry {
  std::uint64_t addr = 0;
  std::uint64_t size = 0;
  std::uint32_t type = 0;
  bool operator==(const E820Entry&) const = default;
};

// The guest's memory map for `ram_bytes` of RAM laid out as in layout.h:
// low RAM, the reserved EBDA KiB and BIOS area, RAM from 1 MiB to the MMIO
// hole (or the end), and the rest above 4 GiB.
std::vector<E820Entry> e820_map(std::uint64_t ram_bytes);

// Highest address (exclusive) of RAM below 4 GiB.
std::uint64_t low_ram_end(std::uint64_t ram_bytes);

// Where to put an initrd of `size` bytes: as high as allowed (below the
// kernel's initrd_addr_max and the end of low RAM), page-aligned, above the
// kernel's footprint. Throws Error(kBadImage) when it does not fit.
std::uint64_t place_initrd(std::uint64_t size, const KernelImage& image, std::uint64_t ram_bytes);

struct ZeroPageInputs {
  std::uint64_t cmdline_gpa = 0;
  std::uint32_t cmdline_length = 0;  // without the NUL
  std::uint64_t initrd_gpa = 0;
  std::uint64_t initrd_size = 0;     // 0: no initrd
  std::vector<E820Entry> e820;
};

// Offsets in struct boot_params used here (zero-page.rst).
namespace zero_page {
inline constexpr std::size_t kExtRamdiskImage = 0x0c0;
inline constexpr std::size_t kExtRamdiskSize = 0x0c4;
inline constexpr std::size_t kExtCmdLinePtr = 0x0c8;
inline constexpr std::size_t kE820Entries = 0x1e8;
inline constexpr std::size_t kSetupHeader = 0x1f1;
inline constexpr std::size_t kE820Table = 0x2d0;
inline constexpr std::size_t kE820MaxEntries = 128;
inline constexpr std::size_t kE820EntrySize = 20;
}  // namespace zero_page

// The 4 KiB zero page: the image's setup header (bzImage) or a minimal one
// (ELF), marked as loaded by an unknown boot loader (type_of_loader 0xff),
// with the command line, the initrd and the e820 map filled in.
std::array<std::uint8_t, 4096> build_zero_page(const KernelImage& image, const ZeroPageInputs& in);

}  // namespace tailor::runner::x86
