// One function of one module, analysed on its own: its body (recursive
// descent from the entry), constant propagation over its registers, and what
// it does that matters to the program-wide analysis: syscall instructions with
// their number (and first argument), calls with their argument values, and the
// code and data whose addresses it takes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kconfig-analyzer/analyzer/syscalls/module_code.h"
#include "kconfig-analyzer/analyzer/syscalls/value.h"

namespace tailor::syscalls {

struct SyscallSite {
  uint64_t address = 0;
  Value nr;    // rax at the instruction
  Value arg0;  // rdi at the instruction (socket family for socket/socketpair)
};

struct CallSite {
  enum class Kind : uint8_t { Local, Import };
  uint64_t address = 0;
  Kind kind = Kind::Local;
  uint64_t target = 0;     // Local: the callee's entry in this module
  std::string import;      // Import: the symbol name, resolved program-wide
  std::array<Value, 6> args;  // values of kArgRegs at the call
};

struct FunctionInfo {
  uint64_t entry = 0;
  size_t instructions = 0;
  std::vector<SyscallSite> syscalls;
  std::vector<CallSite> calls;
  std::vector<uint64_t> code_refs;     // functions whose address is taken here
  std::vector<uint64_t> data_refs;     // data addresses referenced here
  std::vector<std::string> import_refs;  // imported symbols whose address is loaded here (GOT)
  int unresolved_indirect_jumps = 0;   // switch tables etc.: the whole function range was included
  int int80_sites = 0;                 // legacy 32-bit system calls (not analysed further)
};

// True for functions that never return (exit, abort, __stack_chk_fail, ...),
// after which code is not the caller's continuation.
bool is_noreturn_name(const std::string& name);

// Analyses the function at `entry` in `code`.
FunctionInfo analyze_function(ModuleCode& code, uint64_t entry);

}  // namespace tailor::syscalls
