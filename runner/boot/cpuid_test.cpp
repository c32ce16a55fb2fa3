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

// XCR0 at reset: what Linux will enable, bounded by what leaf 0xd offers.
std::vector<kvm_cpuid_entry2> xsave_cpuid(std::uint32_t leaf1_ecx, std::uint32_t leaf7_ebx, std::uint32_t offered) {
  auto l1 = leaf(1), l7 = leaf(7), ld = leaf(0xd);
  l1.ecx = leaf1_ecx;
  l7.ebx = leaf7_ebx;
  ld.eax = offered;
  return {l1, l7, ld};
}
constexpr std::uint32_t kXsave = 1u << 26, kAvx = 1u << 28, kAvx512f = 1u << 16;

TEST(Cpuid, BootXcr0EnablesTheStateLinuxWillEnable) {
  EXPECT_EQ(boot_xcr0(xsave_cpuid(kXsave | kAvx, 0, 0x7)), 0x7u) << "x87, SSE, AVX";
  EXPECT_EQ(boot_xcr0(xsave_cpuid(kXsave | kAvx, kAvx512f, 0xe7)), 0xe7u) << "and AVX-512's three components";
  EXPECT_EQ(boot_xcr0(xsave_cpuid(kXsave | kAvx, 0, 0x207)), 0x7u) << "PKRU depends on the guest's config: left to it";
}

TEST(Cpuid, BootXcr0FollowsTheFeatureFlagsNotJustLeaf0xd) {
  EXPECT_EQ(boot_xcr0(xsave_cpuid(0, 0, 0x7)), 0x1u) << "no XSAVE: XCR0 keeps its reset value";
  EXPECT_EQ(boot_xcr0(xsave_cpuid(kXsave, 0, 0x7)), 0x3u) << "AVX state offered but AVX not advertised";
  EXPECT_EQ(boot_xcr0(xsave_cpuid(kXsave | kAvx, kAvx512f, 0x67)), 0x7u) << "AVX-512 is all three components or none";
  EXPECT_EQ(boot_xcr0(xsave_cpuid(kXsave | kAvx, 0, 0x5)), 0x1u) << "AVX state needs SSE state";
}

}  // namespace
}  // namespace tailor::runner::x86
