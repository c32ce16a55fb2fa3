// The control flow graph of one function, by instruction index, for the
// data-flow passes of the syscall site rewriter (red_zone.h,
// register_constants.h).
#pragma once

#include <cstdint>
#include <vector>

#include "common/x86/x86_decoder.h"

namespace tailor::syscall_sites {

struct CodeGraph {
  std::vector<std::vector<size_t>> succ, pred;  // by instruction index
  std::vector<size_t> foreign;  // instructions other functions jump or call to (not the first one)
  // False when an indirect jump leaves some successors unknown: data-flow
  // results over an incomplete graph prove nothing.
  bool complete = true;
};

// `insns`: one function in address order, decoded from its first byte to its
// last. `noreturn`: sorted addresses of functions that never return (no
// path continues after a call to one). `foreign_entries`: addresses inside
// the function that code elsewhere branches to. A branch out of the function
// (a tail call) has no successor here.
CodeGraph build_code_graph(const std::vector<x86::Insn>& insns, const std::vector<uint64_t>& noreturn,
                           const std::vector<uint64_t>& foreign_entries);

}  // namespace tailor::syscall_sites
