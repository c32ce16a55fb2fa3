// One function as the syscall site rewriter sees it (syscall_sites.h): its
// instructions decoded linearly from its first byte to its last, and the
// facts that decide whether a `syscall` in it may become `call *%rax`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/x86/x86_decoder.h"
#include "image-builder/syscall_sites/eh_frame.h"

namespace tailor::syscall_sites {

struct SiteFunction {
  CodeRange range;
  bool decoded = false;        // every byte of the range decodes into whole instructions
  std::vector<x86::Insn> insns;  // in address order (when decoded)
  bool never_returns = false;  // no ret, no jump out of it or through a register: calls to it end a path
  bool indirect_jump = false;  // a jump through a register or table: targets inside are unknown

  // The instruction that starts at `address`, if any.
  const x86::Insn* insn_at(uint64_t address) const;
};

// Decodes `code` (the bytes of `range`) linearly. A byte that does not decode,
// a last instruction that runs past the end, or a direct branch to a place
// inside the range that is not an instruction start leaves `decoded` false:
// a linear sweep that loses the instruction grid once cannot be trusted after.
SiteFunction decode_function(x86::X86Decoder& decoder, CodeRange range, std::string_view code);

// The constant in RAX when the instruction at `index` runs, found by walking
// back along straight-line code (through register copies); nullopt when a
// call, another system call, an unknown write, a jump into the walked code
// (a `branch_targets` member) or the function's start intervenes.
// `branch_targets` must be sorted. For functions whose control flow graph is
// incomplete (register_constants.h needs a complete one).
std::optional<int64_t> rax_constant_at(const SiteFunction& function, size_t index,
                                       const std::vector<uint64_t>& branch_targets);

}  // namespace tailor::syscall_sites
