// The CPUID a vCPU presents: KVM_GET_SUPPORTED_CPUID, with the per-vCPU
// identity (APIC ids) and the package topology made to match --cpus, and the
// hypervisor bit set. Pure, for tests.
#pragma once

#include <linux/kvm.h>

#include <vector>

namespace tailor::runner::x86 {

struct CpuidOptions {
  int vcpu = 0;                  // this vCPU's index (= its APIC id)
  int vcpus = 1;                 // vCPUs in the VM, one core each
  bool tsc_deadline = false;     // KVM_CAP_TSC_DEADLINE_TIMER: advertise the TSC-deadline LAPIC timer
};

std::vector<kvm_cpuid_entry2> guest_cpuid(const std::vector<kvm_cpuid_entry2>& supported, const CpuidOptions& options);

}  // namespace tailor::runner::x86
