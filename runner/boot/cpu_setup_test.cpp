// Identity page tables, the boot GDT and the long-mode register state.
#include "runner/boot/cpu_setup.h"

#include <gtest/gtest.h>

#include <cstring>

#include "runner/boot/layout.h"

namespace tailor::runner::x86 {
namespace {

std::uint64_t entry(const std::vector<std::uint8_t>& t, std::uint64_t gpa, std::uint64_t index) {
  std::uint64_t v;
  std::memcpy(&v, t.data() + (gpa - layout::kPml4) + index * 8, 8);
  return v;
}

// Walks the tables the way the MMU does for a 2 MiB mapping.
std::uint64_t walk(const std::vector<std::uint8_t>& t, std::uint64_t linear) {
  const std::uint64_t pml4e = entry(t, layout::kPml4, (linear >> 39) & 0x1ff);
  EXPECT_TRUE(pml4e & 1);
  const std::uint64_t pdpte = entry(t, pml4e & ~0xfffull, (linear >> 30) & 0x1ff);
  EXPECT_TRUE(pdpte & 1);
  const std::uint64_t pde = entry(t, pdpte & ~0xfffull, (linear >> 21) & 0x1ff);
  EXPECT_TRUE(pde & 1);
  EXPECT_TRUE(pde & 0x80) << "2 MiB page";
  return (pde & ~0x1fffffull) | (linear & 0x1fffff);
}

TEST(PageTables, MapTheLowFourGiBOneToOne) {
  const auto t = identity_page_tables();
  ASSERT_EQ(t.size(), 6u * 4096);
  for (std::uint64_t a : {0x0ull, 0x7000ull, 0x1000200ull, 0x3fffffffull, 0x40000000ull, 0xc0001234ull,
                          0xfffff000ull})
    EXPECT_EQ(walk(t, a), a) << std::hex << a;
  EXPECT_EQ(entry(t, layout::kPml4, 1), 0u) << "nothing mapped above 512 GiB";
  EXPECT_EQ(entry(t, layout::kPdpt, 4), 0u) << "nothing mapped above 4 GiB";
}

TEST(Gdt, SelectorsOfTheBootProtocol) {
  const auto gdt = boot_gdt();
  const kvm_segment cs = segment_from_descriptor(gdt[layout::kBootCs >> 3], layout::kBootCs);
  EXPECT_EQ(cs.l, 1);
  EXPECT_EQ(cs.db, 0);
  EXPECT_EQ(cs.type, 0xb);  // execute/read, accessed
  EXPECT_EQ(cs.present, 1);
  EXPECT_EQ(cs.s, 1);
  EXPECT_EQ(cs.base, 0u);
  EXPECT_EQ(cs.limit, 0xffffffffu);  // 4 GiB flat (granular)
  const kvm_segment ds = segment_from_descriptor(gdt[layout::kBootDs >> 3], layout::kBootDs);
  EXPECT_EQ(ds.type, 0x3);  // read/write, accessed
  EXPECT_EQ(ds.db, 1);
  EXPECT_EQ(ds.limit, 0xffffffffu);
  const kvm_segment tr = segment_from_descriptor(gdt[layout::kBootTss >> 3], layout::kBootTss);
  EXPECT_EQ(tr.type, 0xb);  // busy 64-bit TSS
  EXPECT_EQ(tr.s, 0);
}

TEST(LongMode, ControlRegistersAndSegments) {
  kvm_sregs reset{};
  reset.apic_base = 0xfee00900;
  const kvm_sregs s = long_mode_sregs(reset);
  EXPECT_EQ(s.cr0 & (kCr0Pe | kCr0Pg), kCr0Pe | kCr0Pg);
  EXPECT_EQ(s.cr0 & (3ull << 29), 0u) << "caches on (CD/NW clear)";
  EXPECT_EQ(s.cr3, layout::kPml4);
  EXPECT_TRUE(s.cr4 & kCr4Pae);
  EXPECT_EQ(s.efer, kEferLme | kEferLma);
  EXPECT_EQ(s.cs.selector, layout::kBootCs);
  EXPECT_EQ(s.ds.selector, layout::kBootDs);
  EXPECT_EQ(s.ss.selector, layout::kBootDs);
  EXPECT_EQ(s.gdt.base, layout::kGdt);
  EXPECT_EQ(s.apic_base, 0xfee00900u) << "reset state kept";
}

TEST(LongMode, EntryRegisters) {
  const kvm_regs r = entry_regs(0x1000200, layout::kZeroPage);
  EXPECT_EQ(r.rip, 0x1000200u);
  EXPECT_EQ(r.rsi, layout::kZeroPage);
  EXPECT_EQ(r.rflags & (1 << 9), 0u) << "interrupts disabled";
}

TEST(BootMsrs, EnableMtrrsWithWriteBackDefault) {
  bool found = false;
  for (const auto& m : boot_msrs())
    if (m.index == 0x2ff) {
      EXPECT_EQ(m.data, (1u << 11) | 6u);
      found = true;
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace tailor::runner::x86
