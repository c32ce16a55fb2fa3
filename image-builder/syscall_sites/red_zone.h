// Whether a `call` at some instruction of a function may overwrite data the
// function still needs: the call stores its return address at [RSP - 8, RSP),
// which is the x86-64 red zone when the function keeps data below RSP.
//
// Precise mode: a forward data-flow pass over the function's control flow
// graph follows RSP and every register derived from it as a range of
// offsets from RSP at the function's entry. A call at instruction i is safe
// when RSP's offset there is known and no stack access or stack address
// computed on a path into or out of i lies below it. Registers saved to
// memory and loaded back are not followed (compilers keep frame pointers and
// stack addresses in registers, not in memory, across the code that
// matters); a stack address of unknown offset counts only when a negative
// displacement is added to it.
//
// Fallback mode, when the graph is not complete (an indirect jump):
// flow-insensitive, a function is refused when any memory operand or lea has
// a negative displacement from RSP or from a register that ever holds an
// RSP-derived value.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/x86/x86_decoder.h"
#include "image-builder/syscall_sites/code_graph.h"

namespace tailor::syscall_sites {

class StackUse {
 public:
  // `insns`: the function's instructions in address order, decoded from its
  // first byte to its last (no gaps); `graph`: their control flow. Paths
  // from the graph's foreign entries (other functions jump into the middle)
  // start with RSP unknown.
  StackUse(const std::vector<x86::Insn>& insns, const CodeGraph& graph);

  // The first instruction that stops a call at `index` from being safe (the
  // access below RSP, or the call itself when RSP is unknown there or the
  // function has used up its work budget); nullopt when the call is safe.
  std::optional<uint64_t> call_conflict(size_t index);

  // Whether the function may keep live data below RSP anywhere: what a
  // function that jumps into another one hands over with its frame.
  std::optional<uint64_t> below_rsp() const { return below_rsp_; }

  bool precise() const { return precise_; }

 private:
  // Instructions on some path into or out of `index` (itself included).
  std::vector<bool> on_paths_through(size_t index) const;

  // Each call_conflict walks the graph twice; a hostile function made of
  // nothing but system calls would make that quadratic. Real functions use
  // a tiny part of this; past it, calls count as unsafe.
  static constexpr uint64_t kWorkBudget = uint64_t(1) << 26;

  std::vector<uint64_t> address_;                 // of each instruction
  bool precise_ = false;
  std::vector<std::vector<size_t>> succ_, pred_;  // control flow graph (precise mode)
  uint64_t work_left_ = 0;                        // graph walks one function may still do
  std::vector<std::optional<int64_t>> rsp_high_;  // the highest RSP offset from entry at each instruction
  std::vector<std::optional<int64_t>> lowest_;    // the lowest stack offset each instruction touches
  std::vector<bool> unbounded_;                   // a negative displacement from a stack address of unknown offset
  std::optional<uint64_t> fallback_at_;           // fallback mode: the first negative displacement
  std::optional<uint64_t> below_rsp_;
};

}  // namespace tailor::syscall_sites
