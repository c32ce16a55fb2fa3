// .eh_frame FDE ranges: they match the functions of the site fixture, and a
// damaged section is an error, not an overread.
#include "image-builder/syscall_sites/eh_frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "common/fs.h"
#include "common/test_support.h"

namespace tailor::syscall_sites {
namespace {

TEST(EhFrame, EveryFunctionWithUnwindInfoHasItsExactRange) {
  const auto bytes = read_file(TAILOR_SITES_FIXTURE);
  const auto file = elf::ElfFile::parse(bytes, "sites.so");
  const auto ranges = eh_frame_ranges(file, bytes).all;
  EXPECT_EQ(ranges.size(), 21u);  // the 20 functions with .cfi_startproc in sites.S, and the linker's .plt
  for (const char* name : {"safe_getpid", "red_zone_rbp", "cold_part", "relocated_site"}) {
    const auto sym = *file.find_exports(name).front();
    const CodeRange expected{sym.value, sym.value + sym.size};
    EXPECT_TRUE(std::binary_search(ranges.begin(), ranges.end(), expected)) << name;
  }
}

TEST(EhFrame, SignalFramesAreNamed) {
  const auto bytes = read_file(TAILOR_SITES_FIXTURE);
  const auto file = elf::ElfFile::parse(bytes, "sites.so");
  const auto sym = *file.find_exports("signal_trampoline").front();
  const std::vector<CodeRange> expected{{sym.value, sym.value + sym.size}};
  EXPECT_EQ(eh_frame_ranges(file, bytes).signal_frames, expected);
}

TEST(EhFrame, ALengthPastTheSectionIsAnError) {
  auto bytes = read_file(TAILOR_SITES_FIXTURE);
  const auto original = elf::ElfFile::parse(bytes, "sites.so");
  const auto* section = original.section(".eh_frame");
  ASSERT_TRUE(section);
  const uint32_t huge = 0xfffffff0;
  std::memcpy(bytes.data() + section->offset, &huge, 4);
  const auto file = elf::ElfFile::parse(bytes, "sites.so");
  const auto message = testing_support::error_message([&] { eh_frame_ranges(file, bytes); });
  EXPECT_NE(message.find("sites.so: malformed .eh_frame"), std::string::npos) << message;
}

TEST(EhFrame, NoSectionNoRanges) {
  // A file whose .eh_frame is renamed has no ranges (its sites fall back to symbols).
  auto bytes = read_file(TAILOR_SITES_FIXTURE);
  const auto at = bytes.find(std::string(".eh_frame\0", 10));  // not .eh_frame_hdr
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = 'x';
  const auto file = elf::ElfFile::parse(bytes, "sites.so");
  EXPECT_TRUE(eh_frame_ranges(file, bytes).all.empty());
}

}  // namespace
}  // namespace tailor::syscall_sites
