// The syscall analysis reasons in the decoder's vocabulary (registers,
// instructions, control flow): these names, unqualified, inside
// tailor::syscalls.
#pragma once

#include "common/x86/x86_decoder.h"

namespace tailor::syscalls {

using enum x86::Reg;
using x86::Effect;
using x86::Flow;
using x86::Insn;
using x86::kRegCount;
using x86::Reg;
using x86::reg_name;
using x86::X86Decoder;

}  // namespace tailor::syscalls
