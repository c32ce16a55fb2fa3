// Which registers hold a known constant at each instruction of a function:
// a forward data-flow pass over its control flow graph. The syscall site
// rewriter asks it for RAX, the system call number, at each site; glibc
// often sets the number in another register before a loop and copies it
// into EAX inside (futex waits and wakes), which a walk back along straight
// code cannot see through.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/x86/x86_decoder.h"
#include "image-builder/syscall_sites/code_graph.h"

namespace tailor::syscall_sites {

class RegisterConstants {
 public:
  // Needs a complete graph (no indirect jump); otherwise nothing is known.
  // The function's entry and its foreign entries start with every register
  // unknown.
  RegisterConstants(const std::vector<x86::Insn>& insns, const CodeGraph& graph);

  // The value `reg` holds when the instruction at `index` starts, when the
  // same constant on every path that reaches it.
  std::optional<int64_t> at(size_t index, x86::Reg reg) const;

 private:
  using State = std::array<std::optional<int64_t>, x86::kRegCount>;
  std::vector<std::optional<State>> in_;  // nullopt: not reached
};

}  // namespace tailor::syscall_sites
