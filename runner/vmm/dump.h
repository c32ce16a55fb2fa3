// The post-mortem of a vCPU that stopped unexpectedly: registers, control
// registers, segments, and the code at RIP (disassembled) — what one needs to
// debug a boot that died in its first instructions.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace tailor::runner::vmm {

// Reads guest-physical memory; returns false when [gpa, gpa+out.size()) is not RAM.
using PhysicalReader = std::function<bool(std::uint64_t gpa, std::span<std::uint8_t> out)>;

// Translates a linear address through the guest's page tables (CR3, 4-level
// long-mode paging or none). nullopt when unmapped or unreadable.
std::optional<std::uint64_t> translate(const kvm_sregs& sregs, std::uint64_t linear, const PhysicalReader& read);

// Multi-line text: GPRs, RIP/RFLAGS, CR0/2/3/4, EFER, CS/SS/DS, GDT/IDT, and
// up to 8 instructions at RIP (at the x86 reset state, a note saying so).
std::string dump_vcpu(int index, const kvm_regs& regs, const kvm_sregs& sregs, const PhysicalReader& read);

}  // namespace tailor::runner::vmm
