// MP table: signatures, checksums, entry counts, bounds.
#include "runner/boot/mptable.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::x86 {
namespace {

std::uint8_t sum(const std::uint8_t* p, std::size_t n) {
  return static_cast<std::uint8_t>(std::accumulate(p, p + n, 0u));
}

MpTableInputs inputs(int cpus) { return {0xf0000, 0x10000, cpus, 0x00800f12, 0x178bfbff}; }

TEST(MpTable, FloatingPointerPointsAtAValidTable) {
  const auto t = build_mp_table(inputs(2));
  ASSERT_GE(t.size(), mp::kFloatingPointerSize + mp::kHeaderSize);
  EXPECT_EQ(std::string(t.begin(), t.begin() + 4), "_MP_");
  EXPECT_EQ(sum(t.data(), 16), 0) << "floating pointer checksum";
  std::uint32_t table;
  std::memcpy(&table, t.data() + 4, 4);
  EXPECT_EQ(table, 0xf0010u);
  EXPECT_EQ(t[8], 1) << "length in paragraphs";
  EXPECT_EQ(t[9], 4) << "spec 1.4";

  const std::uint8_t* h = t.data() + 16;
  EXPECT_EQ(std::string(h, h + 4), "PCMP");
  std::uint16_t length, count;
  std::memcpy(&length, h + 4, 2);
  std::memcpy(&count, h + 34, 2);
  EXPECT_EQ(length, t.size() - 16);
  EXPECT_EQ(sum(h, length), 0) << "configuration table checksum";
  EXPECT_EQ(count, 2 + 1 + 1 + 16 + 2);  // CPUs, bus, IOAPIC, ISA IRQs, LINT0/1
}

TEST(MpTable, OneProcessorEntryPerVcpuAndTheBootProcessorFirst) {
  const int cpus = 4;
  const auto t = build_mp_table(inputs(cpus));
  const std::uint8_t* e = t.data() + 16 + mp::kHeaderSize;
  for (int i = 0; i < cpus; ++i, e += mp::kProcessorEntrySize) {
    EXPECT_EQ(e[0], mp::kProcessor);
    EXPECT_EQ(e[1], i) << "APIC id";
    EXPECT_EQ(e[3], i == 0 ? 3 : 1) << "enabled, BSP flag on CPU 0 only";
  }
  EXPECT_EQ(e[0], mp::kBus);
  EXPECT_EQ(std::string(e + 2, e + 8), "ISA   ");
  e += 8;
  EXPECT_EQ(e[0], mp::kIoApic);
  EXPECT_EQ(e[1], cpus) << "IOAPIC id after the CPUs'";
  std::uint32_t addr;
  std::memcpy(&addr, e + 4, 4);
  EXPECT_EQ(addr, mp::kIoApicAddress);
  e += 8;
  for (int irq = 0; irq < 16; ++irq, e += 8) {
    EXPECT_EQ(e[0], mp::kIoInterrupt);
    EXPECT_EQ(e[5], irq);
    EXPECT_EQ(e[7], irq) << "ISA IRQ n on IOAPIC pin n";
  }
}

TEST(MpTable, RefusesTooManyCpusForTheSpaceOrTheIds) {
  MpTableInputs small = inputs(8);
  small.max_bytes = 200;
  EXPECT_THROW(build_mp_table(small), Error);
  EXPECT_THROW(build_mp_table(inputs(255)), Error);
  EXPECT_THROW(build_mp_table(inputs(0)), Error);
  EXPECT_NO_THROW(build_mp_table(inputs(254)));
}

}  // namespace
}  // namespace tailor::runner::x86
