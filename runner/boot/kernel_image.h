// Recognizes and describes a kernel image: a bzImage (boot protocol 2.x, setup
// header at 0x1f1, Documentation/x86/boot.rst) or an uncompressed ELF64
// x86-64 executable such as vmlinux (entered at its physical entry point).
// Parsing only: what to copy where, and what the image needs; no host access.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::runner::x86 {

// One piece of the file to place in guest memory; the bytes between
// file_size and mem_size are zero (an ELF .bss).
struct LoadSegment {
  std::uint64_t file_offset = 0;
  std::uint64_t file_size = 0;
  std::uint64_t gpa = 0;
  std::uint64_t mem_size = 0;
};

struct KernelImage {
  enum class Format { BzImage, Elf };
  Format format = Format::BzImage;
  std::vector<LoadSegment> segments;
  std::uint64_t entry = 0;           // guest-physical 64-bit entry point
  std::uint64_t footprint_end = 0;   // end of the memory the kernel uses while it starts (bzImage: load + init_size)

  // bzImage only.
  std::vector<std::uint8_t> setup_header;  // bytes [0x1f1, end of header), to copy into boot_params.hdr
  std::uint16_t protocol_version = 0;      // 0x020f = 2.15
  bool has_64bit_entry = false;            // XLF_KERNEL_64: entry at load address + 0x200
  std::uint32_t cmdline_size = 255;        // longest command line the kernel accepts (without NUL)
  std::uint32_t initrd_addr_max = 0x37ffffff;
  std::string version;                     // "6.1.192 (tailor@tailor) #1 SMP ...", when present

  std::string describe() const;            // "bzImage 6.1.192 ..., boot protocol 2.15"
};

// Parses `file` (the whole image). Throws Error(kBadImage) naming `name` and
// saying what is wrong: too short, truncated, neither bzImage nor ELF, an ELF
// for another machine or without loadable segments, a bzImage too old for a
// 64-bit entry where that matters (checked by the loader, not here).
KernelImage parse_kernel_image(std::span<const std::uint8_t> file, std::string_view name);

// Offsets in the setup header (boot.rst, "The Real-Mode Kernel Header").
namespace setup {
inline constexpr std::size_t kSetupSects = 0x1f1;
inline constexpr std::size_t kBootFlag = 0x1fe;
inline constexpr std::size_t kJump = 0x200;
inline constexpr std::size_t kHeader = 0x202;
inline constexpr std::size_t kVersion = 0x206;
inline constexpr std::size_t kKernelVersion = 0x20e;
inline constexpr std::size_t kTypeOfLoader = 0x210;
inline constexpr std::size_t kLoadflags = 0x211;
inline constexpr std::size_t kCode32Start = 0x214;
inline constexpr std::size_t kRamdiskImage = 0x218;
inline constexpr std::size_t kRamdiskSize = 0x21c;
inline constexpr std::size_t kHeapEndPtr = 0x224;
inline constexpr std::size_t kCmdLinePtr = 0x228;
inline constexpr std::size_t kInitrdAddrMax = 0x22c;
inline constexpr std::size_t kKernelAlignment = 0x230;
inline constexpr std::size_t kRelocatableKernel = 0x234;
inline constexpr std::size_t kXloadflags = 0x236;
inline constexpr std::size_t kCmdlineSize = 0x238;
inline constexpr std::size_t kPrefAddress = 0x258;
inline constexpr std::size_t kInitSize = 0x260;
inline constexpr std::uint32_t kHdrS = 0x53726448;  // "HdrS"
inline constexpr std::uint8_t kLoadedHigh = 0x01;
inline constexpr std::uint8_t kCanUseHeap = 0x80;
inline constexpr std::uint16_t kXlfKernel64 = 0x0001;
}  // namespace setup

}  // namespace tailor::runner::x86
