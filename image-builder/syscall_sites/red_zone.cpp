// The stack analysis behind the red-zone verdict (see red_zone.h).
#include "image-builder/syscall_sites/red_zone.h"

#include <algorithm>
#include <array>
#include <deque>

namespace tailor::syscall_sites {
namespace {

using x86::Effect;
using x86::Flow;
using x86::Insn;
using x86::Reg;

constexpr uint16_t bit(Reg r) { return uint16_t(1u << r); }
bool has(uint16_t set, Reg r) { return r != x86::kNoReg && (set & bit(r)); }

// What a register holds, as far as the stack is concerned. Paths that
// disagree (a call that does not return but seems to fall through, a push
// before it) give a range of offsets rather than none; a pointer that a
// loop moves up the frame keeps its lowest offset and loses its highest.
struct Value {
  enum Kind : uint8_t { Plain, Stack, StackSomewhere } kind = Plain;  // Plain: not derived from RSP
  int64_t low = 0, high = 0;  // Stack: entry RSP + some offset in [low, high]

  static Value stack(int64_t offset) { return {Stack, offset, offset}; }
  static Value somewhere() { return {StackSomewhere, 0, 0}; }
  bool derived() const { return kind != Plain; }
  bool operator==(const Value&) const = default;
};

// Offsets beyond this are not a frame any more; as `high`, it means "no bound".
constexpr int64_t kFar = int64_t(1) << 40;

Value join(Value a, Value b) {
  if (a == b) return a;
  if (!a.derived() && !b.derived()) return a;
  if (a.kind != Value::Stack || b.kind != Value::Stack) return Value::somewhere();
  return {Value::Stack, std::min(a.low, b.low), std::max(a.high, b.high)};
}

// A value that keeps changing around a loop: a falling low end makes it
// unknown, a rising high end unbounded.
Value widen(Value old, Value now) {
  if (now.kind != Value::Stack || old.kind != Value::Stack || now.low < old.low) return Value::somewhere();
  if (now.high > old.high) now.high = kFar;
  return now;
}

Value shifted(Value v, int64_t by) {
  if (v.kind != Value::Stack) return v;
  if (by >= kFar || by <= -kFar || v.low + by <= -kFar || v.low + by >= kFar) return Value::somewhere();
  return {Value::Stack, v.low + by, v.high >= kFar ? kFar : std::max(v.low + by, std::min(v.high + by, kFar))};
}

using State = std::array<Value, x86::kRegCount>;

uint16_t derived_set(const State& s) {
  uint16_t out = 0;
  for (int r = 0; r < x86::kRegCount; ++r)
    if (s[r].derived()) out |= uint16_t(1u << r);
  return out;
}

// The address a memory operand (or lea) computes.
Value address(const x86::MemOperand& m, const State& s) {
  const Value base = m.base == x86::kNoReg ? Value{} : s[m.base];
  const Value index = m.index == x86::kNoReg ? Value{} : s[m.index];
  if (!base.derived() && !index.derived()) return {};
  if (base.kind == Value::Stack && m.index == x86::kNoReg) return shifted(base, m.disp);
  return Value::somewhere();
}

constexpr uint16_t kCallerSaved = bit(x86::RAX) | bit(x86::RCX) | bit(x86::RDX) | bit(x86::RSI) | bit(x86::RDI) |
                                  bit(x86::R8) | bit(x86::R9) | bit(x86::R10) | bit(x86::R11);
constexpr uint16_t kArguments = bit(x86::RDI) | bit(x86::RSI) | bit(x86::RDX) | bit(x86::RCX) | bit(x86::R8) |
                                bit(x86::R9);

State transfer(const Insn& insn, const State& in) {
  State out = in;
  const uint16_t derived = derived_set(in);
  if (insn.flow == Flow::Call || insn.flow == Flow::IndirectCall) {
    // The callee returns with RSP where it was; a function handed a stack
    // address may return it (memcpy returns its destination).
    for (int r = 0; r < x86::kRegCount; ++r)
      if (kCallerSaved & (1u << r)) out[r] = Value{};
    if (derived & kArguments) out[x86::RAX] = Value::somewhere();
    return out;
  }
  if (insn.flow == Flow::Syscall) {
    out[x86::RAX] = out[x86::RCX] = out[x86::R11] = Value{};
    return out;
  }
  uint16_t handled = 0;
  auto set = [&](Reg r, Value v) {
    out[r] = v;
    handled |= bit(r);
  };
  if (insn.effect == Effect::SetConst) set(insn.dst, Value{});
  else if (insn.effect == Effect::Copy) set(insn.dst, in[insn.src]);
  else if (insn.effect == Effect::Pop) set(insn.dst, insn.dst == x86::RSP ? Value::somewhere() : Value{});
  if (insn.lea_dst != x86::kNoReg && insn.mem_count) set(insn.lea_dst, address(insn.mems[0], in));
  if (insn.add_reg != x86::kNoReg) set(insn.add_reg, shifted(in[insn.add_reg], insn.add_imm));
  if (insn.push_bytes && !has(handled, x86::RSP)) set(x86::RSP, shifted(in[x86::RSP], -insn.push_bytes));
  // Anything else written: derived from the stack when it read a derived register.
  uint16_t written = insn.clobbers;
  if (insn.dst != x86::kNoReg) written |= bit(insn.dst);
  for (int r = 0; r < x86::kRegCount; ++r) {
    if (!(written & (1u << r)) || (handled & (1u << r))) continue;
    out[r] = (r == x86::RSP || (insn.reads & derived)) ? Value::somewhere() : Value{};
  }
  return out;
}

}  // namespace

StackUse::StackUse(const std::vector<Insn>& insns, const CodeGraph& graph) : succ_(graph.succ), pred_(graph.pred) {
  for (const auto& insn : insns) address_.push_back(insn.address);
  if (insns.empty()) return;

  // Precise mode: states at each instruction's start, to a fixed point. A
  // state that keeps changing (a loop moving a pointer) is widened.
  constexpr int kUpdatesBeforeWidening = 16;
  std::vector<std::optional<State>> in(insns.size());
  std::vector<int> updates(insns.size(), 0);
  if (graph.complete) {
    State entry{};
    entry[x86::RSP] = Value::stack(0);
    in[0] = entry;
    std::deque<size_t> work{0};
    // Where other functions jump in, RSP relates to nothing we know.
    State foreign{};
    foreign[x86::RSP] = Value::somewhere();
    for (size_t i : graph.foreign) {
      in[i] = foreign;
      work.push_back(i);
    }
    while (!work.empty()) {
      const size_t i = work.front();
      work.pop_front();
      const State out = transfer(insns[i], *in[i]);
      for (size_t n : succ_[i]) {
        if (!in[n]) {
          in[n] = out;
        } else {
          State joined = *in[n];
          for (int r = 0; r < x86::kRegCount; ++r) {
            joined[r] = join(joined[r], out[r]);
            if (updates[n] >= kUpdatesBeforeWidening && joined[r] != (*in[n])[r])
              joined[r] = widen((*in[n])[r], joined[r]);
          }
          if (joined == *in[n]) continue;
          in[n] = joined;
          ++updates[n];
        }
        work.push_back(n);
      }
    }
  }
  work_left_ = kWorkBudget;
  // Code the entry does not reach without an indirect jump is dead here
  // (alignment padding after a jump).
  precise_ = graph.complete;

  if (precise_) {
    rsp_high_.resize(insns.size());
    lowest_.resize(insns.size());
    unbounded_.resize(insns.size(), false);
    for (size_t i = 0; i < insns.size(); ++i) {
      if (!in[i]) continue;
      const State& s = *in[i];
      const Value rsp = s[x86::RSP];
      if (rsp.kind == Value::Stack) rsp_high_[i] = rsp.high;
      // A 32-bit lea is arithmetic: its result cannot address the stack.
      const bool arithmetic = insns[i].is_lea && insns[i].lea_dst == x86::kNoReg;
      for (uint8_t m = 0; m < insns[i].mem_count && !arithmetic; ++m) {
        const Value a = address(insns[i].mems[m], s);
        if (a.kind == Value::Stack) {
          if (!lowest_[i] || a.low < *lowest_[i]) lowest_[i] = a.low;
          if (!below_rsp_ && (rsp.kind != Value::Stack || a.low < rsp.high)) below_rsp_ = insns[i].address;
        } else if (a.kind == Value::StackSomewhere && insns[i].mems[m].disp < 0) {
          // A stack address of unknown offset: only a negative displacement
          // from it is taken to reach below RSP (the fallback's rule).
          unbounded_[i] = true;
          if (!below_rsp_) below_rsp_ = insns[i].address;
        }
      }
    }
    return;
  }

  // Fallback: which registers ever hold an RSP-derived value, flow-insensitively.
  uint16_t derived = bit(x86::RSP);
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& insn : insns) {
      uint16_t written = insn.clobbers;
      if (insn.dst != x86::kNoReg) written |= bit(insn.dst);
      bool from_stack = (insn.reads & derived) != 0;
      if (insn.effect == Effect::Copy && has(derived, insn.src)) from_stack = true;
      if (insn.is_lea && insn.mem_count && (has(derived, insn.mems[0].base) || has(derived, insn.mems[0].index)))
        from_stack = true;
      if (from_stack && (written & ~derived)) {
        derived |= written;
        changed = true;
      }
    }
  }
  for (const auto& insn : insns)
    for (uint8_t i = 0; i < insn.mem_count && !fallback_at_; ++i) {
      const auto& m = insn.mems[i];
      if (m.disp < 0 && (has(derived, m.base) || has(derived, m.index))) fallback_at_ = insn.address;
    }
  below_rsp_ = fallback_at_;
}

std::optional<uint64_t> StackUse::call_conflict(size_t index) {
  if (!precise_) return fallback_at_;
  if (index >= rsp_high_.size() || !rsp_high_[index]) return address_.at(index);
  const uint64_t cost = 2 * (address_.size() + succ_.size());
  if (cost > work_left_) return address_[index];
  work_left_ -= cost;
  // Data live at the call was stored on a path to it and is read on a path
  // from it: only instructions on such paths matter (a slow path that
  // never meets the call may use a deeper frame).
  const auto relevant = on_paths_through(index);
  std::optional<uint64_t> lowest_at;
  int64_t lowest = 0;
  for (size_t i = 0; i < relevant.size(); ++i) {
    if (!relevant[i]) continue;
    if (unbounded_[i]) return address_[i];
    if (lowest_[i] && (!lowest_at || *lowest_[i] < lowest)) lowest = *lowest_[i], lowest_at = address_[i];
  }
  // The call writes [rsp - 8, rsp): nothing touched there may lie below rsp.
  if (lowest_at && lowest < *rsp_high_[index]) return lowest_at;
  return std::nullopt;
}

std::vector<bool> StackUse::on_paths_through(size_t index) const {
  const size_t n = succ_.size();
  auto walk = [&](const std::vector<std::vector<size_t>>& edges) {
    std::vector<bool> seen(n, false);
    std::vector<size_t> stack{index};
    seen[index] = true;
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      for (size_t j : edges[i])
        if (!seen[j]) seen[j] = true, stack.push_back(j);
    }
    return seen;
  };
  auto out = walk(succ_);
  const auto before = walk(pred_);
  for (size_t i = 0; i < n; ++i) out[i] = out[i] || before[i];
  return out;
}

}  // namespace tailor::syscall_sites
