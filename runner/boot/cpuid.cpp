// CPUID fix-ups (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 appendix E).
#include "runner/boot/cpuid.h"

#include <algorithm>
#include <bit>
#include <cstdint>

namespace tailor::runner::x86 {
namespace {

constexpr std::uint32_t kLeaf1EcxTscDeadline = 1u << 24;
constexpr std::uint32_t kLeaf1EcxHypervisor = 1u << 31;
constexpr std::uint32_t kLeaf1EdxHtt = 1u << 28;

// Bits needed to number `n` things (the APIC-id field widths of leaf 0xb).
std::uint32_t id_bits(int n) { return n <= 1 ? 0 : static_cast<std::uint32_t>(std::bit_width(unsigned(n - 1))); }

}  // namespace

std::vector<kvm_cpuid_entry2> guest_cpuid(const std::vector<kvm_cpuid_entry2>& supported, const CpuidOptions& o) {
  std::vector<kvm_cpuid_entry2> out = supported;
  const std::uint32_t apic_id = static_cast<std::uint32_t>(o.vcpu);
  const std::uint32_t count = static_cast<std::uint32_t>(std::max(o.vcpus, 1));
  for (auto& e : out) {
    switch (e.function) {
      case 0x1:
        // EBX[31:24] initial APIC id; [23:16] logical processors per package.
        e.ebx = (e.ebx & 0x0000ffff) | (apic_id << 24) | (std::min(count, 255u) << 16);
        e.ecx |= kLeaf1EcxHypervisor;
        if (o.tsc_deadline) e.ecx |= kLeaf1EcxTscDeadline;
        if (count > 1)
          e.edx |= kLeaf1EdxHtt;
        else
          e.edx &= ~kLeaf1EdxHtt;
        break;
      case 0x4:
        // Intel deterministic cache parameters: EAX[31:26] cores per package - 1.
        if (e.eax & 0x1f) e.eax = (e.eax & 0x03ffffff) | ((std::min(count, 64u) - 1) << 26);
        break;
      case 0xb:
      case 0x1f:
        // Extended topology: level 0 = SMT (one thread per core), level 1 =
        // core (all vCPUs in one package); EDX = x2APIC id on every level.
        if (e.index == 0) {
          e.eax = 0;
          e.ebx = 1;
          e.ecx = (1u << 8) | 0;
        } else if (e.index == 1) {
          e.eax = id_bits(o.vcpus);
          e.ebx = count;
          e.ecx = (2u << 8) | 1;
        } else {
          e.eax = e.ebx = 0;
          e.ecx = e.index;  // level type 0: invalid, ends the enumeration
        }
        e.edx = apic_id;
        break;
      case 0x80000008:
        // AMD: ECX[7:0] cores per package - 1, [15:12] APIC-id bits for cores.
        e.ecx = (e.ecx & ~0xf0ffu) | (std::max<std::uint32_t>(id_bits(o.vcpus), 0) << 12) | (count - 1);
        break;
      default:
        break;
    }
  }
  return out;
}

std::uint64_t boot_xcr0(const std::vector<kvm_cpuid_entry2>& cpuid) {
  auto reg = [&](std::uint32_t function, std::uint32_t kvm_cpuid_entry2::*r) -> std::uint32_t {
    for (const auto& e : cpuid)
      if (e.function == function && e.index == 0) return e.*r;
    return 0;
  };
  constexpr std::uint64_t kX87 = 1, kSse = 2, kYmm = 4, kAvx512 = 0xe0;  // OPMASK, ZMM_Hi256, Hi16_ZMM
  if (!(reg(1, &kvm_cpuid_entry2::ecx) & (1u << 26))) return kX87;     // no XSAVE
  const std::uint64_t offered =
      reg(0xd, &kvm_cpuid_entry2::eax) | std::uint64_t{reg(0xd, &kvm_cpuid_entry2::edx)} << 32;
  std::uint64_t xcr0 = kX87 | (offered & kSse);
  if ((xcr0 & kSse) && (offered & kYmm) && (reg(1, &kvm_cpuid_entry2::ecx) & (1u << 28))) xcr0 |= kYmm;
  if ((xcr0 & kYmm) && (offered & kAvx512) == kAvx512 && (reg(7, &kvm_cpuid_entry2::ebx) & (1u << 16))) xcr0 |= kAvx512;
  return xcr0;
}

}  // namespace tailor::runner::x86
