// Value: the join of the constant-propagation lattice.
#include "kconfig-analyzer/analyzer/syscalls/value.h"

#include <gtest/gtest.h>

namespace tailor::syscalls {
namespace {

TEST(Value, JoinOfConstantsIsTheirSet) {
  auto v = Value::constant(3).merge(Value::constant(1)).merge(Value::constant(3));
  ASSERT_TRUE(v.is_consts());
  EXPECT_EQ(v.to_string(), "{1,3}");
  EXPECT_TRUE(v.may_be(1));
  EXPECT_FALSE(v.may_be(2));
}

TEST(Value, TooManyAlternativesBecomeUnknown) {
  Value v = Value::constant(0);
  for (int i = 1; i < Value::kMaxConsts; ++i) v = v.merge(Value::constant(i));
  EXPECT_TRUE(v.is_consts());
  EXPECT_TRUE(v.merge(Value::constant(99)).is_unknown());
}

TEST(Value, UndefIsTheIdentityAndUnknownAbsorbs) {
  EXPECT_EQ(Value().merge(Value::constant(7)), Value::constant(7));
  EXPECT_TRUE(Value::unknown().merge(Value::constant(7)).is_unknown());
  EXPECT_EQ(Value::param(RDI).merge(Value::param(RDI)), Value::param(RDI));
  EXPECT_TRUE(Value::param(RDI).merge(Value::param(RSI)).is_unknown());
  EXPECT_TRUE(Value::param(RDI).merge(Value::constant(1)).is_unknown());
}

TEST(Value, SetsCompareRegardlessOfJoinOrder) {
  auto a = Value::constant(5).merge(Value::constant(2));
  auto b = Value::constant(2).merge(Value::constant(5));
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace tailor::syscalls
