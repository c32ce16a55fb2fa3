// Constant propagation over one function's graph (see register_constants.h).
#include "image-builder/syscall_sites/register_constants.h"

#include <deque>

namespace tailor::syscall_sites {
namespace {

using x86::Effect;
using x86::Flow;
using x86::Insn;

constexpr uint16_t kCallerSaved = (1u << x86::RAX) | (1u << x86::RCX) | (1u << x86::RDX) | (1u << x86::RSI) |
                                  (1u << x86::RDI) | (1u << x86::R8) | (1u << x86::R9) | (1u << x86::R10) |
                                  (1u << x86::R11);

// A constant survives a copy that reads `bytes` of it when it is the same
// number whether the copy zero- or sign-extends that many bytes.
bool survives_copy(int64_t value, uint8_t bytes) {
  return bytes >= 1 && bytes <= 8 && value >= 0 && (bytes == 8 || value < (int64_t(1) << (8 * bytes - 1)));
}

template <typename State>
State transfer(const Insn& insn, const State& in) {
  State out = in;
  auto forget = [&](uint16_t regs) {
    for (int r = 0; r < x86::kRegCount; ++r)
      if (regs & (1u << r)) out[r].reset();
  };
  if (insn.flow == Flow::Call || insn.flow == Flow::IndirectCall) {
    forget(kCallerSaved);  // the callee's return value and scratch registers
    return out;
  }
  if (insn.flow == Flow::Syscall) {
    forget((1u << x86::RAX) | (1u << x86::RCX) | (1u << x86::R11));
    return out;
  }
  forget(insn.clobbers);
  if (insn.dst == x86::kNoReg) return out;
  if (insn.effect == Effect::SetConst) {
    out[insn.dst] = insn.imm;
  } else if (insn.effect == Effect::Copy && insn.src != x86::kNoReg && in[insn.src] &&
             survives_copy(*in[insn.src], insn.src_bytes)) {
    out[insn.dst] = in[insn.src];
  } else {
    out[insn.dst].reset();
  }
  return out;
}

}  // namespace

RegisterConstants::RegisterConstants(const std::vector<Insn>& insns, const CodeGraph& graph) : in_(insns.size()) {
  if (insns.empty() || !graph.complete) {
    in_.assign(insns.size(), std::nullopt);
    return;
  }
  std::deque<size_t> work{0};
  in_[0] = State{};
  for (size_t i : graph.foreign) {
    in_[i] = State{};
    work.push_back(i);
  }
  // Each register only ever goes from a constant to unknown: this ends.
  while (!work.empty()) {
    const size_t i = work.front();
    work.pop_front();
    const State out = transfer(insns[i], *in_[i]);
    for (size_t n : graph.succ[i]) {
      if (!in_[n]) {
        in_[n] = out;
      } else {
        State joined = *in_[n];
        for (int r = 0; r < x86::kRegCount; ++r)
          if (joined[r] != out[r]) joined[r].reset();
        if (joined == *in_[n]) continue;
        in_[n] = joined;
      }
      work.push_back(n);
    }
  }
}

std::optional<int64_t> RegisterConstants::at(size_t index, x86::Reg reg) const {
  if (index >= in_.size() || !in_[index] || reg >= x86::kRegCount) return std::nullopt;
  return (*in_[index])[reg];
}

}  // namespace tailor::syscall_sites
