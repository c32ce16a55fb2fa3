// X86Decoder: the instruction facts the analysis relies on, from known encodings.
#include "common/x86/x86_decoder.h"

#include <gtest/gtest.h>

namespace tailor::x86 {
namespace {

// Machine code as a string literal (which may hold NUL bytes).
template <size_t N>
Insn decode(const char (&literal)[N], uint64_t at = 0x1000) {
  std::string_view bytes(literal, N - 1);
  X86Decoder d;
  auto insn = d.decode(bytes, at);
  EXPECT_TRUE(insn);
  return insn.value_or(Insn{});
}

TEST(X86Decoder, MovImmediateToEaxIsAConstantThatZeroExtends) {
  auto i = decode("\xb8\xe8\x00\x00\x00");  // mov eax, 232
  EXPECT_EQ(i.effect, Effect::SetConst);
  EXPECT_EQ(i.dst, RAX);
  EXPECT_EQ(i.imm, 232);
  EXPECT_EQ(i.size, 5);
}

TEST(X86Decoder, XorSelfIsZero) {
  auto i = decode("\x31\xc0");  // xor eax, eax
  EXPECT_EQ(i.effect, Effect::SetConst);
  EXPECT_EQ(i.dst, RAX);
  EXPECT_EQ(i.imm, 0);
}

TEST(X86Decoder, RegisterCopyAndWidening) {
  auto mov = decode("\x48\x89\xf8");  // mov rax, rdi
  EXPECT_EQ(mov.effect, Effect::Copy);
  EXPECT_EQ(mov.dst, RAX);
  EXPECT_EQ(mov.src, RDI);
  EXPECT_EQ(mov.src_bytes, 8);
  auto movsxd = decode("\x48\x63\xff");  // movsxd rdi, edi
  EXPECT_EQ(movsxd.effect, Effect::Copy);
  EXPECT_EQ(movsxd.dst, RDI);
  EXPECT_EQ(movsxd.src, RDI);
  EXPECT_EQ(movsxd.src_bytes, 4);
  auto movzx = decode("\x0f\xb6\xc2");  // movzx eax, dl
  EXPECT_EQ(movzx.effect, Effect::Copy);
  EXPECT_EQ(movzx.src, RDX);
  EXPECT_EQ(movzx.src_bytes, 1);
}

TEST(X86Decoder, PushImmediateThenPop) {
  auto push = decode("\x6a\x29");  // push 41
  EXPECT_EQ(push.effect, Effect::Push);
  EXPECT_EQ(push.src, kNoReg);
  EXPECT_EQ(push.imm, 41);
  auto pop = decode("\x58");  // pop rax
  EXPECT_EQ(pop.effect, Effect::Pop);
  EXPECT_EQ(pop.dst, RAX);
}

TEST(X86Decoder, SyscallAndLegacyEntry) {
  EXPECT_EQ(decode("\x0f\x05").flow, Flow::Syscall);
  EXPECT_EQ(decode("\xcd\x80").flow, Flow::Int80);
}

TEST(X86Decoder, BranchesAndTheirTargets) {
  auto call = decode("\xe8\x10\x00\x00\x00", 0x1000);  // call 0x1015
  EXPECT_EQ(call.flow, Flow::Call);
  EXPECT_EQ(call.target, 0x1015u);
  auto jmp = decode("\xeb\xfe", 0x2000);  // jmp 0x2000
  EXPECT_EQ(jmp.flow, Flow::Jump);
  EXPECT_EQ(jmp.target, 0x2000u);
  auto jne = decode("\x75\x02", 0x3000);
  EXPECT_EQ(jne.flow, Flow::CondJump);
  EXPECT_EQ(jne.target, 0x3004u);
  EXPECT_EQ(decode("\xc3").flow, Flow::Return);
  EXPECT_EQ(decode("\x0f\x0b").flow, Flow::Stop);  // ud2
  EXPECT_EQ(decode("\xff\xd0").flow, Flow::IndirectCall);  // call rax
}

TEST(X86Decoder, RipRelativeReferences) {
  // jmp qword ptr [rip + 0x2fe2] at 0x1030: a PLT stub's slot at 0x1030 + 6 + 0x2fe2.
  auto plt = decode("\xff\x25\xe2\x2f\x00\x00", 0x1030);
  EXPECT_EQ(plt.flow, Flow::IndirectJump);
  EXPECT_EQ(plt.mem_ref, 0x1030u + 6 + 0x2fe2);
  EXPECT_TRUE(plt.mem_is_load);
  // lea rdi, [rip + 0x100] at 0x4000: an address taken, not a load.
  auto lea = decode("\x48\x8d\x3d\x00\x01\x00\x00", 0x4000);
  EXPECT_EQ(lea.mem_ref, 0x4000u + 7 + 0x100);
  EXPECT_FALSE(lea.mem_is_load);
}

TEST(X86Decoder, ArithmeticClobbersItsDestination) {
  auto add = decode("\x48\x83\xc7\x08");  // add rdi, 8
  EXPECT_EQ(add.effect, Effect::None);
  EXPECT_TRUE(add.clobbers & (1u << RDI));
  auto mov8 = decode("\xb0\x01");  // mov al, 1: a partial write is not a known value
  EXPECT_EQ(mov8.effect, Effect::None);
  EXPECT_TRUE(mov8.clobbers & (1u << RAX));
}

TEST(X86Decoder, MemoryOperandsNameTheirRegistersAndDisplacement) {
  auto store = decode("\x48\x89\x7c\x24\xf8");  // mov [rsp - 8], rdi: a red-zone store
  ASSERT_EQ(store.mem_count, 1);
  EXPECT_EQ(store.mems[0].base, RSP);
  EXPECT_EQ(store.mems[0].index, kNoReg);
  EXPECT_EQ(store.mems[0].disp, -8);
  EXPECT_TRUE(store.reads & (1u << RDI));
  EXPECT_FALSE(store.reads & (1u << RSP));  // an address part, not a register operand
  EXPECT_FALSE(store.is_lea);
  auto lea = decode("\x48\x8d\x7c\x24\x10");  // lea rdi, [rsp + 0x10]
  EXPECT_TRUE(lea.is_lea);
  ASSERT_EQ(lea.mem_count, 1);
  EXPECT_EQ(lea.mems[0].base, RSP);
  EXPECT_EQ(lea.mems[0].disp, 0x10);
  EXPECT_TRUE(lea.clobbers & (1u << RDI));
  auto indexed = decode("\x8b\x44\x8d\xf0");  // mov eax, [rbp + rcx*4 - 0x10]
  ASSERT_EQ(indexed.mem_count, 1);
  EXPECT_EQ(indexed.mems[0].base, RBP);
  EXPECT_EQ(indexed.mems[0].index, RCX);
  EXPECT_EQ(indexed.mems[0].disp, -0x10);
  auto rip = decode("\x48\x8b\x05\x00\x01\x00\x00", 0x4000);  // mov rax, [rip + 0x100]
  ASSERT_EQ(rip.mem_count, 1);
  EXPECT_EQ(rip.mems[0].base, kNoReg);
  auto frame = decode("\x48\x89\xe5");  // mov rbp, rsp: RSP read as a register operand
  EXPECT_TRUE(frame.reads & (1u << RSP));
  EXPECT_EQ(decode("\x31\xc0").mem_count, 0);  // xor eax, eax
}

TEST(X86Decoder, PointerArithmeticAndStackMoves) {
  auto lea = decode("\x48\x8d\x7c\x24\x10");  // lea rdi, [rsp + 0x10]
  EXPECT_EQ(lea.lea_dst, RDI);
  EXPECT_EQ(decode("\x8d\x50\xfe").lea_dst, kNoReg);  // lea edx, [rax - 2]: 32 bits, no pointer
  auto sub = decode("\x48\x81\xec\x28\x08\x00\x00");  // sub rsp, 0x828
  EXPECT_EQ(sub.add_reg, RSP);
  EXPECT_EQ(sub.add_imm, -0x828);
  auto add = decode("\x48\x83\xc0\x08");  // add rax, 8
  EXPECT_EQ(add.add_reg, RAX);
  EXPECT_EQ(add.add_imm, 8);
  EXPECT_EQ(decode("\x83\xc0\x08").add_reg, kNoReg);  // add eax, 8
  EXPECT_EQ(decode("\x55").push_bytes, 8);              // push rbp
  EXPECT_EQ(decode("\xff\x74\x24\x08").push_bytes, 8);  // push qword ptr [rsp + 8]
  EXPECT_EQ(decode("\x5d").push_bytes, -8);             // pop rbp
  EXPECT_EQ(decode("\x9c").push_bytes, 8);              // pushfq
  EXPECT_EQ(decode("\x31\xc0").push_bytes, 0);
}

TEST(X86Decoder, InvalidBytesAreNotAnInstruction) {
  X86Decoder d;
  EXPECT_FALSE(d.decode("\x0f", 0x1000));  // a truncated two-byte opcode
}

}  // namespace
}  // namespace tailor::x86
