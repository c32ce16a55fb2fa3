// Every fixed guest-physical address tailor-vmm uses, each with why it is
// there. The guest sees: low RAM, a reserved MP-table area, RAM from 1 MiB up
// to the 32-bit MMIO hole, then RAM again above 4 GiB for large guests.
#pragma once

#include <cstdint>

namespace tailor::runner::x86::layout {

// The GDT and an empty IDT for the 64-bit entry; the kernel replaces both
// within its first instructions. Low memory below 0x1000 is not used by
// Linux before it sets up its own tables.
inline constexpr std::uint64_t kGdt = 0x500;
inline constexpr std::uint64_t kIdt = 0x520;

// The boot stack pointer: the kernel switches to its own stack at once, but
// the 64-bit entry may push before that.
inline constexpr std::uint64_t kBootStack = 0x8ff0;

// struct boot_params (the "zero page"), 4 KiB: %rsi at entry.
inline constexpr std::uint64_t kZeroPage = 0x7000;

// Identity page tables for the 64-bit entry (boot.rst: the kernel, the zero
// page and the command line must be identity-mapped): one PML4, one PDPT
// and four page directories of 2 MiB pages map the low 4 GiB.
inline constexpr std::uint64_t kPml4 = 0x9000;
inline constexpr std::uint64_t kPdpt = 0xa000;
inline constexpr std::uint64_t kPageDirectories = 0xb000;  // 4 pages: 0xb000..0xefff
inline constexpr int kPageDirectoryCount = 4;

// The kernel command line (cmd_line_ptr), up to kCmdlineMax bytes + NUL.
inline constexpr std::uint64_t kCmdline = 0x20000;
inline constexpr std::uint64_t kCmdlineMax = 0x10000 - 1;

// Top of the low RAM range in e820. The last KiB below 640 KiB is where a
// BIOS keeps its EBDA; reporting it reserved matches what Linux expects.
inline constexpr std::uint64_t kLowRamEnd = 0x9fc00;

// The MP floating pointer and configuration table live in the BIOS area
// 0xf0000-0xfffff, which Linux scans for "_MP_" (and which e820 reports as
// reserved). 64 KiB is room for far more vCPUs than we allow.
inline constexpr std::uint64_t kMpTable = 0xf0000;
inline constexpr std::uint64_t kMpTableMax = 0x10000;

// RAM resumes at 1 MiB (the classic ISA hole in between is not RAM).
inline constexpr std::uint64_t kHighRamStart = 0x100000;

// Start of the 32-bit MMIO hole: RAM beyond this is mapped above 4 GiB.
inline constexpr std::uint64_t kMmioHoleStart = 0xc0000000;
// virtio-mmio devices, one 4 KiB window each, inside the hole.
inline constexpr std::uint64_t kVirtioMmioBase = 0xd0000000;
inline constexpr std::uint64_t kVirtioMmioSize = 0x1000;
// KVM's private pages for VMX real-mode emulation: the identity-map page
// table (1 page) and the TSS (3 pages), inside the hole, clear of the
// IOAPIC (0xfec00000) and local APIC (0xfee00000) windows.
inline constexpr std::uint64_t kIdentityMap = 0xfeffc000;
inline constexpr std::uint64_t kTss = 0xfeffd000;
inline constexpr std::uint64_t kIoApic = 0xfec00000;
inline constexpr std::uint64_t kLocalApic = 0xfee00000;

// ISA interrupt lines of our devices (the in-kernel PIC/IOAPIC pins).
inline constexpr std::uint32_t kIrqCom1 = 4;
inline constexpr std::uint32_t kIrqFirstVirtio = 5;  // virtio devices take 5, 6, 7, ... (skipping 8)

// GDT selectors required by the 64-bit boot protocol.
inline constexpr std::uint16_t kBootCs = 0x10;
inline constexpr std::uint16_t kBootDs = 0x18;
inline constexpr std::uint16_t kBootTss = 0x20;

}  // namespace tailor::runner::x86::layout
