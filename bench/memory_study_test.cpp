// The memory study's search: few boots, the exact threshold, and a clear
// "no" when the app fails even at its manifest's size.
#include "bench/memory_study.h"

#include <gtest/gtest.h>

#include <vector>

namespace tailor::bench {
namespace {

TEST(SmallestPassing, FindsTheThresholdWithLogarithmicallyManyBoots) {
  for (std::uint32_t threshold : {16u, 17u, 37u, 64u, 127u, 128u}) {
    std::vector<std::uint32_t> tried;
    auto passes = [&](std::uint32_t mib) {
      tried.push_back(mib);
      return mib >= threshold;
    };
    EXPECT_EQ(smallest_passing(16, 128, passes), threshold);
    EXPECT_EQ(tried.front(), 128u) << "the ceiling is proven first";
    EXPECT_LE(tried.size(), 1u + 7u) << "1 + ceil(log2(113)) boots for threshold " << threshold;
  }
}

TEST(SmallestPassing, NothingWhenEvenTheCeilingFails) {
  int boots = 0;
  EXPECT_EQ(smallest_passing(16, 128, [&](std::uint32_t) { return ++boots, false; }), std::nullopt);
  EXPECT_EQ(boots, 1) << "no search below a ceiling that fails";
  EXPECT_EQ(smallest_passing(64, 32, [](std::uint32_t) { return true; }), std::nullopt) << "an empty range";
}

}  // namespace
}  // namespace tailor::bench
