// Decoding and judging one function for the syscall site rewriter (see site_function.h).
#include "image-builder/syscall_sites/site_function.h"

#include <algorithm>

namespace tailor::syscall_sites {
namespace {

using x86::Effect;
using x86::Flow;
using x86::Insn;

constexpr uint16_t bit(x86::Reg r) { return uint16_t(1u << r); }
bool has(uint16_t set, x86::Reg r) { return r != x86::kNoReg && (set & bit(r)); }

}  // namespace

const Insn* SiteFunction::insn_at(uint64_t address) const {
  auto it = std::lower_bound(insns.begin(), insns.end(), address,
                             [](const Insn& insn, uint64_t a) { return insn.address < a; });
  return it != insns.end() && it->address == address ? &*it : nullptr;
}

SiteFunction decode_function(x86::X86Decoder& decoder, CodeRange range, std::string_view code) {
  SiteFunction f;
  f.range = range;
  uint64_t offset = 0;
  while (offset < code.size()) {
    auto insn = decoder.decode(code.substr(offset), range.begin + offset);
    if (!insn || insn->size == 0 || insn->size > code.size() - offset) {
      f.insns.clear();
      return f;
    }
    if (insn->flow == Flow::IndirectJump) f.indirect_jump = true;
    offset += insn->size;
    f.insns.push_back(*insn);
  }
  f.decoded = true;
  // A linear sweep that started off the grid (an FDE may begin inside
  // padding, as glibc's __restore_rt's does on purpose) usually falls back
  // into step; the branches it decoded on the way rarely land on its grid.
  for (const auto& insn : f.insns) {
    const bool direct = insn.flow == Flow::Jump || insn.flow == Flow::CondJump || insn.flow == Flow::Call;
    if (direct && range.contains(insn.target, 1) && !f.insn_at(insn.target)) {
      f.decoded = false;
      f.insns.clear();
      return f;
    }
  }
  // Debian's stripped files do not say which functions are noreturn
  // (abort, __libc_fatal, __stack_chk_fail); without that, the code after
  // such a call looks like a path on which the pushed arguments stay pushed.
  f.never_returns = !f.insns.empty();
  for (const auto& insn : f.insns) {
    const bool leaves = (insn.flow == Flow::Jump || insn.flow == Flow::CondJump) && !range.contains(insn.target, 1);
    if (insn.flow == Flow::Return || insn.flow == Flow::IndirectJump || leaves) f.never_returns = false;
  }
  if (!f.insns.empty() && (f.insns.back().flow == Flow::Next || f.insns.back().flow == Flow::CondJump))
    f.never_returns = false;  // it would run on into whatever follows
  return f;
}

std::optional<int64_t> rax_constant_at(const SiteFunction& function, size_t index,
                                       const std::vector<uint64_t>& branch_targets) {
  if (function.indirect_jump) return std::nullopt;  // a jump table may land anywhere in between
  const auto& insns = function.insns;
  // The register whose value reaches RAX: `mov $60,%edx; ...; mov %edx,%eax`
  // is common in glibc, so copies are followed back to their source.
  x86::Reg wanted = x86::RAX;
  for (size_t j = index; j-- > 0;) {
    // Code reached by a jump as well as by falling through may see another RAX.
    if (std::binary_search(branch_targets.begin(), branch_targets.end(), insns[j + 1].address)) return std::nullopt;
    const Insn& insn = insns[j];
    switch (insn.flow) {
      case Flow::Next:
      case Flow::CondJump:
        break;
      default:
        // Calls and system calls return a value in RAX; jumps, returns and
        // stops mean the code after them is not reached by falling through.
        return std::nullopt;
    }
    if (insn.effect == Effect::SetConst && insn.dst == wanted) {
      // A copy may be a narrowing movzx/movsx (the decoder calls those copies
      // too): only values that every such copy keeps are trusted through one.
      if (wanted != x86::RAX && (insn.imm < 0 || insn.imm >= 0x80)) return std::nullopt;
      return insn.imm;
    }
    if (insn.effect == Effect::Copy && insn.dst == wanted) {
      wanted = insn.src;
      continue;
    }
    if (insn.dst == wanted || has(insn.clobbers, wanted)) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace tailor::syscall_sites
