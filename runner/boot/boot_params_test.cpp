// The zero page and e820 map: each field where zero-page.rst puts it.
#include "runner/boot/boot_params.h"

#include <gtest/gtest.h>

#include <cstring>

#include "common/error.h"
#include "runner/boot/layout.h"
#include "runner/runner.h"

namespace tailor::runner::x86 {
namespace {

template <typename T>
T get(const std::array<std::uint8_t, 4096>& p, std::size_t at) {
  T v;
  std::memcpy(&v, p.data() + at, sizeof v);
  return v;
}

constexpr std::uint64_t MiB = 1 << 20;

TEST(E820, SmallGuestHasLowRamReservedAreasAndRamFromOneMiB) {
  const auto map = e820_map(128 * MiB);
  const std::vector<E820Entry> expected = {
      {0, 0x9fc00, kE820Ram},
      {0x9fc00, 0x400, kE820Reserved},
      {0xf0000, 0x10000, kE820Reserved},
      {0x100000, 128 * MiB - 0x100000, kE820Ram},
  };
  EXPECT_EQ(map, expected);
}

TEST(E820, LargeGuestContinuesAbove4GiB) {
  const std::uint64_t ram = 4096 * MiB;
  const auto map = e820_map(ram);
  ASSERT_EQ(map.size(), 5u);
  EXPECT_EQ(map[3], (E820Entry{0x100000, layout::kMmioHoleStart - 0x100000, kE820Ram}));
  EXPECT_EQ(map[4], (E820Entry{1ull << 32, ram - layout::kMmioHoleStart, kE820Ram}));
}

KernelImage image_with(std::uint64_t footprint_end, std::uint32_t initrd_max = 0x7fffffff) {
  KernelImage k;
  k.footprint_end = footprint_end;
  k.initrd_addr_max = initrd_max;
  return k;
}

TEST(InitrdPlacement, GoesAsHighAsAllowedPageAligned) {
  const auto k = image_with(0x2000000);
  EXPECT_EQ(place_initrd(0x1800, k, 128 * MiB), 128 * MiB - 0x2000);
  // initrd_addr_max is the highest address the initrd may touch.
  EXPECT_EQ(place_initrd(0x1000, image_with(0x2000000, 0x3ffffff), 128 * MiB), 0x4000000u - 0x1000);
}

TEST(InitrdPlacement, RefusesWhatOverlapsTheKernel) {
  const auto k = image_with(100 * MiB);
  try {
    place_initrd(40 * MiB, k, 128 * MiB);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), exit_codes::kBadImage);
    EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos);
  }
}

TEST(ZeroPage, CopiesTheSetupHeaderAndFillsLoaderFields) {
  KernelImage k;
  k.format = KernelImage::Format::BzImage;
  k.setup_header.assign(0x268 - 0x1f1, 0);
  k.setup_header[setup::kLoadflags - 0x1f1] = setup::kLoadedHigh;
  k.setup_header[setup::kVersion - 0x1f1] = 0x0f;
  k.setup_header[setup::kVersion - 0x1f1 + 1] = 0x02;
  ZeroPageInputs in;
  in.cmdline_gpa = layout::kCmdline;
  in.cmdline_length = 12;
  in.initrd_gpa = 0x7ff0000;
  in.initrd_size = 0x10000;
  in.e820 = e820_map(128 * MiB);
  const auto page = build_zero_page(k, in);
  EXPECT_EQ(get<std::uint16_t>(page, setup::kVersion), 0x020f);
  EXPECT_EQ(get<std::uint8_t>(page, setup::kTypeOfLoader), 0xff);
  EXPECT_EQ(get<std::uint8_t>(page, setup::kLoadflags), setup::kLoadedHigh | setup::kCanUseHeap);
  EXPECT_EQ(get<std::uint32_t>(page, setup::kCmdLinePtr), layout::kCmdline);
  EXPECT_EQ(get<std::uint32_t>(page, zero_page::kExtCmdLinePtr), 0u);
  EXPECT_EQ(get<std::uint32_t>(page, setup::kRamdiskImage), 0x7ff0000u);
  EXPECT_EQ(get<std::uint32_t>(page, setup::kRamdiskSize), 0x10000u);
  ASSERT_EQ(get<std::uint8_t>(page, zero_page::kE820Entries), 4);
  // Entry 3: RAM from 1 MiB.
  const std::size_t e3 = zero_page::kE820Table + 3 * zero_page::kE820EntrySize;
  EXPECT_EQ(get<std::uint64_t>(page, e3), 0x100000u);
  EXPECT_EQ(get<std::uint64_t>(page, e3 + 8), 128 * MiB - 0x100000);
  EXPECT_EQ(get<std::uint32_t>(page, e3 + 16), kE820Ram);
}

TEST(ZeroPage, ElfKernelGetsAMinimalHeader) {
  KernelImage k;
  k.format = KernelImage::Format::Elf;
  const auto page = build_zero_page(k, {});
  EXPECT_EQ(get<std::uint16_t>(page, setup::kBootFlag), 0xaa55);
  EXPECT_EQ(get<std::uint32_t>(page, setup::kHeader), setup::kHdrS);
  EXPECT_EQ(get<std::uint8_t>(page, setup::kTypeOfLoader), 0xff);
  EXPECT_EQ(get<std::uint8_t>(page, zero_page::kE820Entries), 0);
}

TEST(ZeroPage, HighInitrdUsesTheExtFields) {
  KernelImage k;
  k.format = KernelImage::Format::Elf;
  ZeroPageInputs in;
  in.initrd_gpa = 0x123456000ull;
  in.initrd_size = 0x100000000ull + 0x1000;
  const auto page = build_zero_page(k, in);
  EXPECT_EQ(get<std::uint32_t>(page, setup::kRamdiskImage), 0x23456000u);
  EXPECT_EQ(get<std::uint32_t>(page, zero_page::kExtRamdiskImage), 1u);
  EXPECT_EQ(get<std::uint32_t>(page, setup::kRamdiskSize), 0x1000u);
  EXPECT_EQ(get<std::uint32_t>(page, zero_page::kExtRamdiskSize), 1u);
}

}  // namespace
}  // namespace tailor::runner::x86
