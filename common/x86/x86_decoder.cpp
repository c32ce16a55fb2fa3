// Capstone-backed instruction decoding for the syscall analysis (see x86_decoder.h).
#include "common/x86/x86_decoder.h"

#include <capstone/capstone.h>

#include "common/error.h"

namespace tailor::x86 {

const char* reg_name(Reg r) {
  static const char* names[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  return r < kRegCount ? names[r] : "?";
}

namespace {

struct RegInfo {
  Reg reg = kNoReg;
  int width = 0;  // bytes
};

// Maps Capstone's register ids (all aliases) to the 64-bit register and access width.
RegInfo reg_info(unsigned r) {
  switch (r) {
#define R4(q, d, w, b, id) \
  case X86_REG_##q: return {id, 8}; \
  case X86_REG_##d: return {id, 4}; \
  case X86_REG_##w: return {id, 2}; \
  case X86_REG_##b: return {id, 1};
    R4(RAX, EAX, AX, AL, RAX)
    R4(RCX, ECX, CX, CL, RCX)
    R4(RDX, EDX, DX, DL, RDX)
    R4(RBX, EBX, BX, BL, RBX)
    R4(RSP, ESP, SP, SPL, RSP)
    R4(RBP, EBP, BP, BPL, RBP)
    R4(RSI, ESI, SI, SIL, RSI)
    R4(RDI, EDI, DI, DIL, RDI)
    R4(R8, R8D, R8W, R8B, R8)
    R4(R9, R9D, R9W, R9B, R9)
    R4(R10, R10D, R10W, R10B, R10)
    R4(R11, R11D, R11W, R11B, R11)
    R4(R12, R12D, R12W, R12B, R12)
    R4(R13, R13D, R13W, R13B, R13)
    R4(R14, R14D, R14W, R14B, R14)
    R4(R15, R15D, R15W, R15B, R15)
#undef R4
    case X86_REG_AH: return {RAX, 1};
    case X86_REG_CH: return {RCX, 1};
    case X86_REG_DH: return {RDX, 1};
    case X86_REG_BH: return {RBX, 1};
    default: return {};
  }
}

bool is_group(const cs_detail& d, uint8_t group) {
  for (uint8_t i = 0; i < d.groups_count; ++i)
    if (d.groups[i] == group) return true;
  return false;
}

}  // namespace

struct X86Decoder::Impl {
  csh handle = 0;
  cs_insn* insn = nullptr;
};

X86Decoder::X86Decoder() : impl_(std::make_unique<Impl>()) {
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &impl_->handle) != CS_ERR_OK) throw Error("capstone: cannot open an x86-64 disassembler");
  cs_option(impl_->handle, CS_OPT_DETAIL, CS_OPT_ON);
  impl_->insn = cs_malloc(impl_->handle);
}

X86Decoder::~X86Decoder() {
  if (impl_->insn) cs_free(impl_->insn, 1);
  if (impl_->handle) cs_close(&impl_->handle);
}

std::optional<Insn> X86Decoder::decode(std::string_view code, uint64_t address) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(code.data());
  size_t size = code.size();
  uint64_t addr = address;
  cs_insn* ci = impl_->insn;
  if (!cs_disasm_iter(impl_->handle, &bytes, &size, &addr, ci)) return std::nullopt;
  const cs_detail& d = *ci->detail;
  const cs_x86& x = d.x86;

  Insn out;
  out.address = ci->address;
  out.size = static_cast<uint8_t>(ci->size);
  const uint64_t next = ci->address + ci->size;

  // Memory and immediate references (for address-taken code and data reachability).
  out.is_lea = ci->id == X86_INS_LEA;
  for (uint8_t i = 0; i < x.op_count; ++i) {
    const auto& op = x.operands[i];
    if (op.type == X86_OP_MEM && out.mem_count < out.mems.size())
      out.mems[out.mem_count++] = {reg_info(op.mem.base).reg, reg_info(op.mem.index).reg, op.mem.disp};
    if (op.type == X86_OP_REG && (op.access & CS_AC_READ)) {
      auto info = reg_info(op.reg);
      if (info.reg != kNoReg) out.reads |= uint16_t(1u << info.reg);
    }
    if (op.type == X86_OP_MEM) {
      if (op.mem.base == X86_REG_RIP && op.mem.index == X86_REG_INVALID) {
        out.mem_ref = next + op.mem.disp;
        out.mem_is_load = ci->id != X86_INS_LEA;
      } else if (op.mem.base == X86_REG_INVALID && op.mem.disp > 0) {
        out.mem_ref = static_cast<uint64_t>(op.mem.disp);  // absolute (non-PIE) or table base
        out.mem_is_load = ci->id != X86_INS_LEA;
      }
    } else if (op.type == X86_OP_IMM && op.imm > 0x1000) {
      out.imm_ref = static_cast<uint64_t>(op.imm);
    }
  }

  // Control flow.
  const bool has_imm_target = x.op_count == 1 && x.operands[0].type == X86_OP_IMM;
  if (ci->id == X86_INS_SYSCALL) {
    out.flow = Flow::Syscall;
  } else if (ci->id == X86_INS_INT && x.op_count == 1 && x.operands[0].imm == 0x80) {
    out.flow = Flow::Int80;
  } else if (is_group(d, CS_GRP_CALL)) {
    out.flow = has_imm_target ? Flow::Call : Flow::IndirectCall;
    if (has_imm_target) out.target = x.operands[0].imm, out.imm_ref = 0;
  } else if (is_group(d, CS_GRP_RET) || is_group(d, CS_GRP_IRET)) {
    out.flow = Flow::Return;
  } else if (ci->id == X86_INS_JMP || ci->id == X86_INS_LJMP) {
    out.flow = has_imm_target ? Flow::Jump : Flow::IndirectJump;
    if (has_imm_target) out.target = x.operands[0].imm, out.imm_ref = 0;
  } else if (is_group(d, CS_GRP_JUMP)) {
    out.flow = Flow::CondJump;  // jcc, jrcxz, loop*
    if (has_imm_target) out.target = x.operands[0].imm, out.imm_ref = 0;
  } else if (ci->id == X86_INS_HLT || ci->id == X86_INS_UD2 || ci->id == X86_INS_INT3 || ci->id == X86_INS_UD0) {
    out.flow = Flow::Stop;
  }

  // Registers written (implicit and explicit).
  cs_regs read{}, written{};
  uint8_t nread = 0, nwritten = 0;
  if (cs_regs_access(impl_->handle, ci, read, &nread, written, &nwritten) == CS_ERR_OK) {
    for (uint8_t i = 0; i < nwritten; ++i) {
      auto info = reg_info(written[i]);
      if (info.reg != kNoReg) out.clobbers |= uint16_t(1u << info.reg);
    }
  }

  // The register effects constant propagation models exactly.
  auto op_reg = [&](int i) { return reg_info(x.operands[i].reg); };
  if (ci->id == X86_INS_MOV && x.op_count == 2 && x.operands[0].type == X86_OP_REG) {
    auto dst = op_reg(0);
    if (dst.reg != kNoReg && dst.width >= 4) {
      if (x.operands[1].type == X86_OP_IMM) {
        out.effect = Effect::SetConst;
        out.dst = dst.reg;
        out.imm = dst.width == 4 ? int64_t(uint32_t(x.operands[1].imm)) : x.operands[1].imm;
      } else if (x.operands[1].type == X86_OP_REG) {
        auto src = op_reg(1);
        if (src.reg != kNoReg && src.width == dst.width) {
          out.effect = Effect::Copy;
          out.dst = dst.reg;
          out.src = src.reg;
          out.src_bytes = uint8_t(src.width);
        }
      }
    }
  } else if ((ci->id == X86_INS_MOVSXD || ci->id == X86_INS_MOVSX || ci->id == X86_INS_MOVZX) && x.op_count == 2 &&
             x.operands[0].type == X86_OP_REG && x.operands[1].type == X86_OP_REG) {
    // Widening an int argument (movslq %edi,%rdi) keeps the value for our purposes.
    auto dst = op_reg(0), src = op_reg(1);
    if (dst.reg != kNoReg && src.reg != kNoReg && dst.width >= 4) {
      out.effect = Effect::Copy;
      out.dst = dst.reg;
      out.src = src.reg;
      out.src_bytes = uint8_t(src.width);
    }
  } else if (ci->id == X86_INS_CDQE) {
    out.effect = Effect::Copy;
    out.dst = RAX;
    out.src = RAX;
    out.src_bytes = 4;
  } else if ((ci->id == X86_INS_XOR || ci->id == X86_INS_SUB) && x.op_count == 2 &&
             x.operands[0].type == X86_OP_REG && x.operands[1].type == X86_OP_REG &&
             x.operands[0].reg == x.operands[1].reg) {
    auto dst = op_reg(0);
    if (dst.reg != kNoReg && dst.width >= 4) {
      out.effect = Effect::SetConst;
      out.dst = dst.reg;
      out.imm = 0;
    }
  } else if (ci->id == X86_INS_OR && x.op_count == 2 && x.operands[0].type == X86_OP_REG &&
             x.operands[1].type == X86_OP_IMM && x.operands[1].imm == -1) {
    auto dst = op_reg(0);
    if (dst.reg != kNoReg && dst.width >= 4) {
      out.effect = Effect::SetConst;
      out.dst = dst.reg;
      out.imm = dst.width == 4 ? int64_t(0xffffffff) : -1;
    }
  } else if (ci->id == X86_INS_PUSH && x.op_count == 1) {
    out.effect = Effect::Push;
    if (x.operands[0].type == X86_OP_IMM) {
      out.imm = x.operands[0].imm;
    } else if (x.operands[0].type == X86_OP_REG) {
      auto src = op_reg(0);
      if (src.reg != kNoReg && src.width == 8) out.src = src.reg;
      else out.effect = Effect::None;
    } else {
      out.effect = Effect::None;
    }
  } else if (ci->id == X86_INS_POP && x.op_count == 1 && x.operands[0].type == X86_OP_REG) {
    auto dst = op_reg(0);
    if (dst.reg != kNoReg && dst.width == 8) {
      out.effect = Effect::Pop;
      out.dst = dst.reg;
    }
  }
  // Pointer arithmetic (the syscall site rewriter follows RSP-derived pointers).
  if (ci->id == X86_INS_LEA && x.op_count == 2 && x.operands[0].type == X86_OP_REG) {
    auto dst = op_reg(0);
    if (dst.width == 8) out.lea_dst = dst.reg;
  } else if ((ci->id == X86_INS_ADD || ci->id == X86_INS_SUB) && x.op_count == 2 &&
             x.operands[0].type == X86_OP_REG && x.operands[1].type == X86_OP_IMM) {
    auto dst = op_reg(0);
    if (dst.width == 8) {
      out.add_reg = dst.reg;
      out.add_imm = ci->id == X86_INS_ADD ? x.operands[1].imm : -x.operands[1].imm;
    }
  }
  if (ci->id == X86_INS_PUSH && x.op_count == 1) out.push_bytes = int8_t(x.operands[0].size);
  else if (ci->id == X86_INS_POP && x.op_count == 1) out.push_bytes = int8_t(-int(x.operands[0].size));
  else if (ci->id == X86_INS_PUSHFQ) out.push_bytes = 8;
  else if (ci->id == X86_INS_POPFQ) out.push_bytes = -8;
  if (out.effect == Effect::SetConst || out.effect == Effect::Copy || out.effect == Effect::Pop)
    out.clobbers &= uint16_t(~(1u << out.dst));
  return out;
}

}  // namespace tailor::x86
