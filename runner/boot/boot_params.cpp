// Zero page, e820 map and initrd placement for the 64-bit boot protocol.
#include "runner/boot/boot_params.h"

#include <algorithm>
#include <cstring>
#include <fmt/core.h>

#include "common/error.h"
#include "runner/boot/layout.h"
#include "runner/runner.h"

namespace tailor::runner::x86 {
namespace {

template <typename T>
void put(std::array<std::uint8_t, 4096>& page, std::size_t offset, T value) {
  std::memcpy(page.data() + offset, &value, sizeof value);
}
template <typename T>
T get(const std::array<std::uint8_t, 4096>& page, std::size_t offset) {
  T value;
  std::memcpy(&value, page.data() + offset, sizeof value);
  return value;
}

}  // namespace

std::uint64_t low_ram_end(std::uint64_t ram_bytes) { return std::min(ram_bytes, layout::kMmioHoleStart); }

std::vector<E820Entry> e820_map(std::uint64_t ram_bytes) {
  std::vector<E820Entry> map;
  map.push_back({0, layout::kLowRamEnd, kE820Ram});
  map.push_back({layout::kLowRamEnd, 0xa0000 - layout::kLowRamEnd, kE820Reserved});
  map.push_back({layout::kMpTable, layout::kMpTableMax, kE820Reserved});
  const std::uint64_t low_end = low_ram_end(ram_bytes);
  if (low_end > layout::kHighRamStart)
    map.push_back({layout::kHighRamStart, low_end - layout::kHighRamStart, kE820Ram});
  if (ram_bytes > low_end) map.push_back({std::uint64_t{1} << 32, ram_bytes - low_end, kE820Ram});
  return map;
}

std::uint64_t place_initrd(std::uint64_t size, const KernelImage& image, std::uint64_t ram_bytes) {
  const std::uint64_t limit = std::min<std::uint64_t>(low_ram_end(ram_bytes), std::uint64_t{image.initrd_addr_max} + 1);
  const std::uint64_t kernel_end = (image.footprint_end + 0xfff) & ~std::uint64_t{0xfff};
  if (size > limit || ((limit - size) & ~std::uint64_t{0xfff}) < kernel_end)
    throw Error(fmt::format("the initrd ({:.1f} MiB) does not fit between the kernel (ending at {:.1f} MiB) and the "
                            "end of usable low memory ({:.1f} MiB); use a larger --mem",
                            size / 1048576.0, kernel_end / 1048576.0, limit / 1048576.0),
                exit_codes::kBadImage);
  return (limit - size) & ~std::uint64_t{0xfff};
}

std::array<std::uint8_t, 4096> build_zero_page(const KernelImage& image, const ZeroPageInputs& in) {
  using namespace zero_page;
  std::array<std::uint8_t, 4096> page{};
  if (image.format == KernelImage::Format::BzImage) {
    // boot.rst, 64-bit protocol: copy the setup header into a zeroed page.
    std::memcpy(page.data() + kSetupHeader, image.setup_header.data(),
                std::min(image.setup_header.size(), page.size() - kSetupHeader));
  } else {
    // An ELF kernel has no setup header: write the fields Linux checks.
    put<std::uint16_t>(page, setup::kBootFlag, 0xaa55);
    put<std::uint32_t>(page, setup::kHeader, setup::kHdrS);
    put<std::uint16_t>(page, setup::kVersion, 0x020f);
    put<std::uint32_t>(page, setup::kKernelAlignment, 0x1000000);
  }
  put<std::uint8_t>(page, setup::kTypeOfLoader, 0xff);  // "undefined" boot loader
  std::uint8_t loadflags = get<std::uint8_t>(page, setup::kLoadflags);
  put<std::uint8_t>(page, setup::kLoadflags, loadflags | setup::kLoadedHigh | setup::kCanUseHeap);
  put<std::uint16_t>(page, setup::kHeapEndPtr, 0xfe00);  // boot.rst: heap end for protocol >= 2.02
  put<std::uint32_t>(page, setup::kCmdLinePtr, static_cast<std::uint32_t>(in.cmdline_gpa));
  put<std::uint32_t>(page, kExtCmdLinePtr, static_cast<std::uint32_t>(in.cmdline_gpa >> 32));
  put<std::uint32_t>(page, setup::kRamdiskImage, static_cast<std::uint32_t>(in.initrd_gpa));
  put<std::uint32_t>(page, setup::kRamdiskSize, static_cast<std::uint32_t>(in.initrd_size));
  put<std::uint32_t>(page, kExtRamdiskImage, static_cast<std::uint32_t>(in.initrd_gpa >> 32));
  put<std::uint32_t>(page, kExtRamdiskSize, static_cast<std::uint32_t>(in.initrd_size >> 32));

  const std::size_t n = std::min(in.e820.size(), kE820MaxEntries);
  put<std::uint8_t>(page, kE820Entries, static_cast<std::uint8_t>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = kE820Table + i * kE820EntrySize;
    put<std::uint64_t>(page, at, in.e820[i].addr);
    put<std::uint64_t>(page, at + 8, in.e820[i].size);
    put<std::uint32_t>(page, at + 16, in.e820[i].type);
  }
  return page;
}

}  // namespace tailor::runner::x86
