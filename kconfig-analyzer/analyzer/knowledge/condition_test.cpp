// Condition: building conditions and reading them as DNF requirements.
#include "kconfig-analyzer/analyzer/knowledge/condition.h"

#include <gtest/gtest.h>

namespace tailor::knowledge {
namespace {

Condition sym(const char* s) { return Condition::symbol(s); }

TEST(Condition, TrueAndFalseAbsorb) {
  EXPECT_EQ(Condition::both(Condition::always(), sym("A")).to_string(), "A");
  EXPECT_EQ(Condition::both(Condition::never(), sym("A")).to_string(), "n");
  EXPECT_EQ(Condition::either(Condition::always(), sym("A")).to_string(), "y");
  EXPECT_EQ(Condition::either(Condition::never(), sym("A")).to_string(), "A");
}

TEST(Condition, AndDistributesOverOr) {
  auto c = Condition::both(Condition::either(sym("A"), sym("B")), sym("C"));
  EXPECT_EQ(c.to_string(), "(A && C) || (B && C)");
}

TEST(Condition, NegationFollowsDeMorgan) {
  auto c = Condition::negate(Condition::both(sym("A"), sym("B")));
  EXPECT_EQ(c.to_string(), "!A || !B");
  EXPECT_EQ(Condition::negate(Condition::negate(sym("A"))).to_string(), "A");
}

TEST(Condition, ContradictionsAndDuplicatesDisappear) {
  auto c = Condition::both(sym("A"), Condition::negate(sym("A")));
  EXPECT_EQ(c.to_string(), "n");
  EXPECT_EQ(Condition::either(sym("A"), Condition::both(sym("A"), sym("B"))).to_string(), "A");
  EXPECT_EQ(Condition::either(sym("A"), Condition::negate(sym("A"))).to_string(), "y");
  // (X && A) || (X && !A) is X.
  EXPECT_EQ(Condition::either(Condition::both(sym("X"), sym("A")), Condition::both(sym("X"), Condition::negate(sym("A"))))
                .to_string(),
            "X");
}

TEST(Condition, HugeProductsGiveUpAsNoRequirement) {
  Condition c = Condition::always();
  for (int i = 0; i < 10; ++i)
    c = Condition::both(c, Condition::either(Condition::symbol("A" + std::to_string(i)),
                                            Condition::symbol("B" + std::to_string(i))));
  bool truncated = false;
  auto d = c.to_dnf(64, &truncated);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(to_string(d), "y");
}

}  // namespace
}  // namespace tailor::knowledge
