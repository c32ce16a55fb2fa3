// Long-mode entry state for the boot vCPU (boot.rst, "64-bit Boot Protocol").
#include "runner/boot/cpu_setup.h"

#include <cstring>

#include "runner/boot/layout.h"

namespace tailor::runner::x86 {
namespace {

// Page-table entry bits.
constexpr std::uint64_t kPresent = 1 << 0;
constexpr std::uint64_t kWritable = 1 << 1;
constexpr std::uint64_t kLargePage = 1 << 7;  // PS: a 2 MiB page in a page directory

// A GDT descriptor from its parts (Intel SDM vol. 3, 3.4.5).
constexpr std::uint64_t descriptor(std::uint64_t flags, std::uint64_t base, std::uint64_t limit) {
  return ((base & 0xff000000ull) << 32) | ((flags & 0xf0ffull) << 40) | ((limit & 0xf0000ull) << 32) |
         ((base & 0x00ffffffull) << 16) | (limit & 0x0ffffull);
}

void put64(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// MSR numbers (Intel SDM vol. 4).
constexpr std::uint32_t kMsrSysenterCs = 0x174, kMsrSysenterEsp = 0x175, kMsrSysenterEip = 0x176;
constexpr std::uint32_t kMsrStar = 0xc0000081, kMsrLstar = 0xc0000082, kMsrCstar = 0xc0000083;
constexpr std::uint32_t kMsrSyscallMask = 0xc0000084, kMsrKernelGsBase = 0xc0000102;
constexpr std::uint32_t kMsrTsc = 0x10, kMsrMiscEnable = 0x1a0, kMsrMtrrDefType = 0x2ff;
constexpr std::uint64_t kMiscEnableFastString = 1;
constexpr std::uint64_t kMtrrEnable = 1 << 11, kMtrrTypeWriteBack = 6;

}  // namespace

std::vector<std::uint8_t> identity_page_tables() {
  constexpr std::size_t kPage = 4096;
  std::vector<std::uint8_t> t((2 + layout::kPageDirectoryCount) * kPage, 0);
  // PML4[0] -> PDPT
  put64(t, 0, layout::kPdpt | kPresent | kWritable);
  for (int d = 0; d < layout::kPageDirectoryCount; ++d) {
    const std::uint64_t pd = layout::kPageDirectories + d * kPage;
    put64(t, kPage + d * 8, pd | kPresent | kWritable);  // PDPT[d] -> PD d (GiB d)
    for (std::uint64_t i = 0; i < 512; ++i) {
      const std::uint64_t phys = (std::uint64_t(d) << 30) | (i << 21);
      put64(t, (2 + d) * kPage + i * 8, phys | kPresent | kWritable | kLargePage);
    }
  }
  return t;
}

std::array<std::uint64_t, 5> boot_gdt() {
  return {
      0,                                    // null
      0,                                    // unused (the protocol fixes CS at 0x10)
      descriptor(0xa09b, 0, 0xfffff),       // 0x10: code, 64-bit (L), present, exec/read, accessed, 4 KiB granular
      descriptor(0xc093, 0, 0xfffff),       // 0x18: data, 32-bit (D/B), present, read/write, accessed
      descriptor(0x808b, 0, 0xfffff),       // 0x20: TSS (busy, 64-bit): KVM requires a usable TR in long mode
  };
}

kvm_segment segment_from_descriptor(std::uint64_t d, std::uint16_t selector) {
  kvm_segment s{};
  s.base = static_cast<std::uint64_t>(((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24));
  std::uint32_t limit = static_cast<std::uint32_t>((d & 0xffff) | (((d >> 48) & 0xf) << 16));
  s.g = (d >> 55) & 1;
  s.limit = s.g ? (limit << 12) | 0xfff : limit;
  s.selector = selector;
  s.type = (d >> 40) & 0xf;
  s.s = (d >> 44) & 1;
  s.dpl = (d >> 45) & 3;
  s.present = (d >> 47) & 1;
  s.avl = (d >> 52) & 1;
  s.l = (d >> 53) & 1;
  s.db = (d >> 54) & 1;
  s.unusable = s.present ? 0 : 1;
  return s;
}

kvm_sregs long_mode_sregs(const kvm_sregs& base) {
  kvm_sregs s = base;
  const auto gdt = boot_gdt();
  s.gdt.base = layout::kGdt;
  s.gdt.limit = static_cast<std::uint16_t>(sizeof(std::uint64_t) * gdt.size() - 1);
  s.idt.base = layout::kIdt;
  s.idt.limit = 7;  // one empty gate: interrupts stay off until the kernel loads its IDT
  s.cs = segment_from_descriptor(gdt[layout::kBootCs >> 3], layout::kBootCs);
  const kvm_segment data = segment_from_descriptor(gdt[layout::kBootDs >> 3], layout::kBootDs);
  s.ds = s.es = s.fs = s.gs = s.ss = data;
  s.tr = segment_from_descriptor(gdt[layout::kBootTss >> 3], layout::kBootTss);
  s.ldt = {};
  s.ldt.type = 2;  // LDT, present but empty
  s.ldt.present = 1;
  s.cr0 = kCr0Pe | kCr0Et | kCr0Ne | kCr0Pg;
  s.cr3 = layout::kPml4;
  s.cr4 = kCr4Pae;
  s.efer = kEferLme | kEferLma;
  return s;
}

kvm_regs entry_regs(std::uint64_t entry, std::uint64_t zero_page) {
  kvm_regs r{};
  r.rflags = 0x2;  // bit 1 is reserved-one; IF clear
  r.rip = entry;
  r.rsi = zero_page;
  r.rsp = layout::kBootStack;
  r.rbp = layout::kBootStack;
  return r;
}

std::vector<kvm_msr_entry> boot_msrs() {
  auto msr = [](std::uint32_t index, std::uint64_t value) {
    kvm_msr_entry e{};
    e.index = index;
    e.data = value;
    return e;
  };
  return {msr(kMsrSysenterCs, 0),   msr(kMsrSysenterEsp, 0), msr(kMsrSysenterEip, 0),
          msr(kMsrStar, 0),         msr(kMsrLstar, 0),       msr(kMsrCstar, 0),
          msr(kMsrSyscallMask, 0),  msr(kMsrKernelGsBase, 0), msr(kMsrTsc, 0),
          msr(kMsrMiscEnable, kMiscEnableFastString),
          msr(kMsrMtrrDefType, kMtrrEnable | kMtrrTypeWriteBack)};
}

kvm_fpu boot_fpu() {
  kvm_fpu f{};
  f.fcw = 0x37f;     // x87: all exceptions masked, 64-bit precision
  f.mxcsr = 0x1f80;  // SSE: all exceptions masked
  return f;
}

}  // namespace tailor::runner::x86
