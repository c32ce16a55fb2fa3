// The register value lattice of the syscall analysis (see value.h).
#include "kconfig-analyzer/analyzer/syscalls/value.h"

#include <algorithm>

namespace tailor::syscalls {

int arg_index(Reg r) {
  for (size_t i = 0; i < kArgRegs.size(); ++i)
    if (kArgRegs[i] == r) return int(i);
  return -1;
}

bool Value::may_be(int64_t c) const {
  if (kind_ != Kind::Consts) return kind_ != Kind::Undef;
  return std::find(consts_.begin(), consts_.begin() + count_, c) != consts_.begin() + count_;
}

Value Value::merge(const Value& o) const {
  if (kind_ == Kind::Undef) return o;
  if (o.kind_ == Kind::Undef) return *this;
  if (kind_ == Kind::Unknown || o.kind_ == Kind::Unknown) return unknown();
  if (kind_ != o.kind_) return unknown();
  if (kind_ == Kind::Param) return param_ == o.param_ ? *this : unknown();
  Value out = *this;
  for (int i = 0; i < o.count_; ++i) {
    if (out.may_be(o.consts_[i])) continue;
    if (out.count_ == kMaxConsts) return unknown();
    // Insert in order (kept sorted so equal sets compare equal).
    int pos = out.count_++;
    while (pos > 0 && out.consts_[pos - 1] > o.consts_[i]) {
      out.consts_[pos] = out.consts_[pos - 1];
      --pos;
    }
    out.consts_[pos] = o.consts_[i];
  }
  return out;
}

bool Value::operator==(const Value& o) const {
  if (kind_ != o.kind_) return false;
  if (kind_ == Kind::Param) return param_ == o.param_;
  if (kind_ == Kind::Consts)
    return count_ == o.count_ && std::equal(consts_.begin(), consts_.begin() + count_, o.consts_.begin());
  return true;
}

std::string Value::to_string() const {
  switch (kind_) {
    case Kind::Undef: return "undef";
    case Kind::Unknown: return "?";
    case Kind::Param: return std::string("param(") + reg_name(param_) + ")";
    case Kind::Consts: {
      std::string s = "{";
      for (int i = 0; i < count_; ++i) s += (i ? "," : "") + std::to_string(consts_[i]);
      return s + "}";
    }
  }
  return "?";
}

}  // namespace tailor::syscalls
