// CPUID fix-ups: APIC ids per vCPU, topology, hypervisor bit.
#include "runner/boot/cpuid.h"

#include <gtest/gtest.h>

namespace tailor::runner::x86 {
namespace {

kvm_cpuid_entry2 leaf(std::uint32_t function, std::uint32_t index = 0) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.index = index;
  return e;
}

const kvm_cpuid_entry2& find(const std::vector<kvm_cpuid_entry2>& v, std::uint32_t f, std::uint32_t i = 0) {
  for (const auto& e : v)
    if (e.function == f && e.index == i) return e;
  throw std::runtime_error("leaf missing");
}

TEST(Cpuid, Leaf1CarriesTheApicIdAndHypervisorBit) {
  auto supported = std::vector{leaf(1)};
  supported[0].ebx = 0x00000800;  // CLFLUSH size, kept
  const auto out = guest_cpuid(supported, {3, 4, true});
  const auto& e = find(out, 1);
  EXPECT_EQ(e.ebx >> 24, 3u);
  EXPECT_EQ((e.ebx >> 16) & 0xff, 4u);
  EXPECT_EQ(e.ebx & 0xffff, 0x800u);
  EXPECT_TRUE(e.ecx & (1u << 31));
  EXPECT_TRUE(e.ecx & (1u << 24)) << "TSC deadline";
  EXPECT_TRUE(e.edx & (1u << 28)) << "HTT: more than one logical CPU";
}

TEST(Cpuid, ExtendedTopologyNamesEveryVcpuAsACore) {
  const auto out = guest_cpuid({leaf(0xb, 0), leaf(0xb, 1), leaf(0xb, 2)}, {1, 2, false});
  EXPECT_EQ(find(out, 0xb, 0).edx, 1u) << "x2APIC id";
  EXPECT_EQ(find(out, 0xb, 0).ebx, 1u) << "one thread per core";
  EXPECT_EQ(find(out, 0xb, 1).ebx, 2u) << "two cores";
  EXPECT_EQ(find(out, 0xb, 1).eax, 1u) << "one APIC-id bit for the cores";
  EXPECT_EQ((find(out, 0xb, 2).ecx >> 8) & 0xff, 0u) << "level 2 is invalid";
}

TEST(Cpuid, SingleVcpuHasNoHtt) {
  auto supported = std::vector{leaf(1)};
  supported[0].edx = 1u << 28;
  EXPECT_FALSE(find(guest_cpuid(supported, {0, 1, false}), 1).edx & (1u << 28));
}

TEST(Cpuid, OtherLeavesPassThrough) {
  auto supported = std::vector{leaf(0x80000001)};
  supported[0].ecx = 0x12345678;
  EXPECT_EQ(find(guest_cpuid(supported, {0, 1, false}), 0x80000001).ecx, 0x12345678u);
}

}  // namespace
}  // namespace tailor::runner::x86
