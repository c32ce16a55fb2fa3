// The boot vCPU's state for the 64-bit entry, as data: identity page tables,
// the GDT, segment/control registers, general registers, MSRs and FPU.
// Pure functions (KVM structs in, KVM structs out) so tests need no VM.
#pragma once

#include <linux/kvm.h>

#include <array>
#include <cstdint>
#include <vector>

namespace tailor::runner::x86 {

// The page-table pages to write at layout::kPml4 (PML4, PDPT, then the page
// directories), mapping [0, 4 GiB) 1:1 with 2 MiB pages. One vector of
// (1 + 1 + kPageDirectoryCount) * 4096 bytes, contiguous from kPml4.
std::vector<std::uint8_t> identity_page_tables();

// GDT at layout::kGdt: null, null, code64 (__BOOT_CS 0x10), data (__BOOT_DS
// 0x18), TSS (0x20): flat 4 GiB segments as boot.rst requires.
std::array<std::uint64_t, 5> boot_gdt();

// A KVM segment register from a GDT descriptor and its selector.
kvm_segment segment_from_descriptor(std::uint64_t descriptor, std::uint16_t selector);

// Long mode with paging: CR0.PE|PG, CR4.PAE, EFER.LME|LMA, CR3 = PML4, the
// GDT/IDT registers and the boot segments. `base` is the vCPU's reset state
// (its APIC base and other fields are kept).
kvm_sregs long_mode_sregs(const kvm_sregs& base);

// RIP = entry, RSI = zero page, interrupts off, a small boot stack.
kvm_regs entry_regs(std::uint64_t entry, std::uint64_t zero_page);

// MSRs a BIOS would leave initialized: SYSENTER/SYSCALL targets cleared,
// fast strings on, MTRRs enabled with write-back default.
std::vector<kvm_msr_entry> boot_msrs();

// x87 control word and MXCSR at their architectural reset values.
kvm_fpu boot_fpu();

// Control-register bits used above (Intel SDM vol. 3, 2.5).
inline constexpr std::uint64_t kCr0Pe = 1ull << 0;
inline constexpr std::uint64_t kCr0Et = 1ull << 4;
inline constexpr std::uint64_t kCr0Ne = 1ull << 5;
inline constexpr std::uint64_t kCr0Pg = 1ull << 31;
inline constexpr std::uint64_t kCr4Pae = 1ull << 5;
inline constexpr std::uint64_t kEferLme = 1ull << 8;
inline constexpr std::uint64_t kEferLma = 1ull << 10;

}  // namespace tailor::runner::x86
