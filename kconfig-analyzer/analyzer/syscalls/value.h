// The abstract value of a register in the syscall analysis' constant
// propagation: not yet seen, one of a few constants, the value a parameter
// register had at function entry, or unknown.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "kconfig-analyzer/analyzer/syscalls/x86_vocabulary.h"

namespace tailor::syscalls {

class Value {
 public:
  enum class Kind : uint8_t { Undef, Consts, Param, Unknown };
  static constexpr int kMaxConsts = 6;  // more alternatives than this: unknown

  Value() = default;
  static Value unknown() { Value v; v.kind_ = Kind::Unknown; return v; }
  static Value constant(int64_t c) { Value v; v.kind_ = Kind::Consts; v.count_ = 1; v.consts_[0] = c; return v; }
  static Value param(Reg r) { Value v; v.kind_ = Kind::Param; v.param_ = r; return v; }

  Kind kind() const { return kind_; }
  bool is_unknown() const { return kind_ == Kind::Unknown; }
  bool is_param() const { return kind_ == Kind::Param; }
  bool is_consts() const { return kind_ == Kind::Consts; }
  Reg param_reg() const { return param_; }
  int const_count() const { return count_; }
  int64_t const_at(int i) const { return consts_[i]; }
  bool may_be(int64_t c) const;

  // The least value that covers both (the join of the lattice).
  Value merge(const Value& other) const;
  bool operator==(const Value& other) const;

  std::string to_string() const;  // "{1,2}", "param(rdi)", "?"

 private:
  Kind kind_ = Kind::Undef;
  uint8_t count_ = 0;
  Reg param_ = kNoReg;
  std::array<int64_t, kMaxConsts> consts_{};  // sorted, count_ used
};

// The six integer argument registers of the System V x86-64 calling convention, in order.
constexpr std::array<Reg, 6> kArgRegs = {RDI, RSI, RDX, RCX, R8, R9};
// Index of `r` in kArgRegs, or -1.
int arg_index(Reg r);

}  // namespace tailor::syscalls
