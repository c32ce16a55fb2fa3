// The CPUID a vCPU presents: KVM_GET_SUPPORTED_CPUID, with the per-vCPU
// identity (APIC ids) and the package topology made to match --cpus, and the
// hypervisor bit set. Pure, for tests.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace tailor::runner::x86 {

struct CpuidOptions {
  int vcpu = 0;                  // this vCPU's index (= its APIC id)
  int vcpus = 1;                 // vCPUs in the VM, one core each
  bool tsc_deadline = false;     // KVM_CAP_TSC_DEADLINE_TIMER: advertise the TSC-deadline LAPIC timer
};

std::vector<kvm_cpuid_entry2> guest_cpuid(const std::vector<kvm_cpuid_entry2>& supported, const CpuidOptions& options);

// The XCR0 a vCPU starts with: the user state Linux enables whenever `cpuid`
// offers it (x87, SSE, AVX, AVX-512). A guest's XSETBV normally exits and KVM
// records the value; QEMU TCG's nested SVM (this machine's test harness) runs
// it without an exit, so KVM would restore its own XCR0 at every VM entry and
// the guest would lose its SSE/AVX state on each context switch.
std::uint64_t boot_xcr0(const std::vector<kvm_cpuid_entry2>& cpuid);

}  // namespace tailor::runner::x86
