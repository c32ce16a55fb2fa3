// Decodes x86-64 machine code (through Capstone) into the few facts the
// syscall analysis needs per instruction: control flow, memory/address
// references, and a small register effect for constant propagation.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace tailor::x86 {

// General-purpose registers by their hardware number.
enum Reg : uint8_t { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15, kNoReg = 0xff };
constexpr int kRegCount = 16;
const char* reg_name(Reg r);

enum class Flow : uint8_t {
  Next,          // falls through only
  Call,          // direct call (target)
  IndirectCall,  // call through register or memory (mem_ref when rip-relative)
  Jump,          // direct unconditional jump (target)
  IndirectJump,  // jump through register or memory (mem_ref when rip-relative)
  CondJump,      // conditional jump (target) or fall through
  Return,        // ret / iret
  Stop,          // hlt, ud2, int3: execution does not continue here
  Syscall,       // the `syscall` instruction
  Int80,         // legacy 32-bit system call entry (int 0x80)
};

// What the instruction does to registers, as far as constant propagation cares.
enum class Effect : uint8_t {
  None,      // writes only the registers in `clobbers`
  SetConst,  // dst = imm (and the clobbers)
  Copy,      // dst = src
  Push,      // pushes imm (src == kNoReg) or src
  Pop,       // dst = popped value
};

// An explicit memory operand (lea's address included): which registers form
// the address and the displacement added to them. The rewriter of syscall
// sites needs this to see stack accesses below RSP (the red zone).
struct MemOperand {
  Reg base = kNoReg;   // kNoReg for RIP-relative and absolute addresses
  Reg index = kNoReg;
  int64_t disp = 0;
};

struct Insn {
  uint64_t address = 0;
  uint8_t size = 0;
  Flow flow = Flow::Next;
  Effect effect = Effect::None;
  Reg dst = kNoReg;
  Reg src = kNoReg;
  int64_t imm = 0;
  uint64_t target = 0;    // direct branch/call target
  uint64_t mem_ref = 0;   // absolute address the instruction references (rip-relative or absolute), 0 if none
  bool mem_is_load = false;  // the reference is read as memory (not just an address computed by lea)
  uint64_t imm_ref = 0;   // an immediate operand that may be an absolute address (non-PIE code)
  uint16_t clobbers = 0;  // bitmask of registers written (besides dst for SetConst/Copy/Pop)
  uint16_t reads = 0;     // bitmask of registers read as explicit register operands (not address parts)
  bool is_lea = false;    // lea: computes the address of mems[0] into a register without accessing memory
  uint8_t mem_count = 0;  // explicit memory operands in `mems` (x86 has at most two: movs, cmps)
  std::array<MemOperand, 2> mems{};
  // Pointer arithmetic, for tracking where RSP-derived pointers point:
  Reg lea_dst = kNoReg;    // a 64-bit lea's destination (lea_dst = address of mems[0])
  Reg add_reg = kNoReg;    // a 64-bit add/sub of an immediate: add_reg += add_imm
  int64_t add_imm = 0;
  int8_t push_bytes = 0;   // push*: bytes pushed (RSP -= push_bytes); pop*: minus the bytes popped
  uint8_t src_bytes = 0;   // Copy: how many bytes of src are read (movzx/movsx/movsxd/cdqe read fewer than they write)
};

// A Capstone handle configured for x86-64 with details; one per analysis
// thread (not shareable).
class X86Decoder {
 public:
  X86Decoder();
  ~X86Decoder();
  X86Decoder(const X86Decoder&) = delete;
  X86Decoder& operator=(const X86Decoder&) = delete;

  // Decodes one instruction at `address` from `code` (bytes starting there);
  // nullopt when the bytes are not a valid instruction.
  std::optional<Insn> decode(std::string_view code, uint64_t address);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tailor::x86
