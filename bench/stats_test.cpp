#include "bench/stats.h"

#include <gtest/gtest.h>

namespace tailor::bench {
namespace {

TEST(Summarize, MedianQuartilesAndExtremesOfUnsortedSamples) {
  Summary s = summarize({5, 1, 4, 2, 3});
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.q1, 2);
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3);
}

TEST(Summarize, EvenCountsInterpolateAndEmptyIsEmpty) {
  EXPECT_DOUBLE_EQ(summarize({1, 2, 3, 4}).median, 2.5);
  EXPECT_EQ(summarize({}).n, 0u);
  EXPECT_DOUBLE_EQ(summarize({7}).q3, 7);
}

TEST(RelativeCost, PositiveMeansTheVariantIsWorseForEitherDirection) {
  Summary fast = summarize({100, 100, 100});
  Summary slow = summarize({110, 110, 110});
  EXPECT_NEAR(relative_cost(fast, slow, /*higher_is_better=*/false).percent, 10.0, 1e-9);  // time went up 10%
  EXPECT_NEAR(relative_cost(slow, fast, /*higher_is_better=*/true).percent, 10.0, 1e-9);   // throughput fell
  Change c = relative_cost(summarize({90, 100, 110}), summarize({95, 105, 115}), false);
  EXPECT_LE(c.low, c.percent);
  EXPECT_GE(c.high, c.percent);
}

}  // namespace
}  // namespace tailor::bench
