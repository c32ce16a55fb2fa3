// Register and code dump, with capstone for the disassembly.
#include "runner/vmm/dump.h"

#include <capstone/capstone.h>

#include <fmt/core.h>
#include <vector>

namespace tailor::runner::vmm {

std::optional<std::uint64_t> translate(const kvm_sregs& s, std::uint64_t linear, const PhysicalReader& read) {
  if (!(s.cr0 & (1ull << 31))) return linear;  // paging off: linear = physical
  if (!(s.efer & (1ull << 10))) return std::nullopt;  // 32-bit paging: not needed for our guests
  std::uint64_t table = s.cr3 & 0x000ffffffffff000ull;
  for (int level = 3; level >= 0; --level) {
    const std::uint64_t index = (linear >> (12 + 9 * level)) & 0x1ff;
    std::uint64_t entry = 0;
    if (!read(table + index * 8, std::span(reinterpret_cast<std::uint8_t*>(&entry), 8))) return std::nullopt;
    if (!(entry & 1)) return std::nullopt;
    const std::uint64_t frame = entry & 0x000ffffffffff000ull;
    if ((level == 1 || level == 2) && (entry & (1ull << 7))) {  // 2 MiB or 1 GiB page
      const std::uint64_t page_mask = (1ull << (12 + 9 * level)) - 1;
      return (frame & ~page_mask) | (linear & page_mask);
    }
    if (level == 0) return frame | (linear & 0xfff);
    table = frame;
  }
  return std::nullopt;
}

namespace {

std::string segment(const char* name, const kvm_segment& s) {
  return fmt::format("{:<3} sel={:#06x} base={:#018x} limit={:#010x} type={:#x} dpl={} p={} l={} db={}\n", name,
                     s.selector, s.base, s.limit, s.type, s.dpl, s.present, s.l, s.db);
}

std::string disassemble(const kvm_regs& regs, const kvm_sregs& sregs, const PhysicalReader& read) {
  std::vector<std::uint8_t> code;
  const std::uint64_t rip = sregs.cs.base + regs.rip;
  for (std::uint64_t addr = rip; addr < rip + 48; ++addr) {  // byte by byte: may cross a page
    auto phys = translate(sregs, addr, read);
    std::uint8_t b;
    if (!phys || !read(*phys, std::span(&b, 1))) break;
    code.push_back(b);
  }
  if (code.empty()) return fmt::format("code at {:#x}: not readable (unmapped or outside RAM)\n", rip);
  std::string out = "code at RIP:";
  for (std::size_t i = 0; i < std::min<std::size_t>(code.size(), 16); ++i) out += fmt::format(" {:02x}", code[i]);
  out += "\n";
  const cs_mode mode = sregs.cs.l ? CS_MODE_64 : sregs.cs.db ? CS_MODE_32 : CS_MODE_16;
  csh handle;
  if (cs_open(CS_ARCH_X86, mode, &handle) != CS_ERR_OK) return out;
  cs_insn* insn = nullptr;
  const std::size_t n = cs_disasm(handle, code.data(), code.size(), rip, 8, &insn);
  for (std::size_t i = 0; i < n; ++i)
    out +=
        fmt::format("  {}{:#018x}  {} {}\n", i == 0 ? "=>" : "  ", insn[i].address, insn[i].mnemonic, insn[i].op_str);
  if (n == 0) out += "  (not a valid instruction)\n";
  cs_free(insn, n);
  cs_close(&handle);
  return out;
}

// The x86 power-on/INIT state (real mode, CS 0xf000, RIP 0xfff0).
bool is_reset_state(const kvm_regs& r, const kvm_sregs& s) {
  return r.rip == 0xfff0 && s.cs.selector == 0xf000 && s.cs.base == 0xffff0000 && (s.cr0 & 1) == 0;
}

}  // namespace

std::string dump_vcpu(int index, const kvm_regs& r, const kvm_sregs& s, const PhysicalReader& read) {
  std::string out = fmt::format("vCPU {} state:\n", index);
  out += fmt::format("rax={:#018x} rbx={:#018x} rcx={:#018x} rdx={:#018x}\n", r.rax, r.rbx, r.rcx, r.rdx);
  out += fmt::format("rsi={:#018x} rdi={:#018x} rsp={:#018x} rbp={:#018x}\n", r.rsi, r.rdi, r.rsp, r.rbp);
  out += fmt::format("r8 ={:#018x} r9 ={:#018x} r10={:#018x} r11={:#018x}\n", r.r8, r.r9, r.r10, r.r11);
  out += fmt::format("r12={:#018x} r13={:#018x} r14={:#018x} r15={:#018x}\n", r.r12, r.r13, r.r14, r.r15);
  out += fmt::format("rip={:#018x} rflags={:#010x}\n", r.rip, r.rflags);
  out += fmt::format("cr0={:#010x} cr2={:#018x} cr3={:#018x} cr4={:#010x} efer={:#x}\n", s.cr0, s.cr2, s.cr3, s.cr4,
                     s.efer);
  out += segment("cs", s.cs) + segment("ss", s.ss) + segment("ds", s.ds) + segment("tr", s.tr);
  out += fmt::format("gdt base={:#x} limit={:#x}  idt base={:#x} limit={:#x}\n", s.gdt.base, s.gdt.limit, s.idt.base,
                     s.idt.limit);
  // KVM on AMD resets the vCPU at a shutdown intercept: the faulting state is gone.
  if (is_reset_state(r, s))
    return out + "this is the x86 reset state: the hypervisor reset the vCPU, so the fault cannot be shown\n";
  return out + disassemble(r, s, read);
}

}  // namespace tailor::runner::vmm
