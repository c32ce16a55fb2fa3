#include "common/human_bytes.h"

#include <gtest/gtest.h>

namespace tailor {
namespace {

TEST(HumanBytes, OneDecimalInTheLargestBinaryUnitThatFits) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1024), "1.0 KiB");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes((1u << 20) - 1), "1024.0 KiB");
  EXPECT_EQ(human_bytes(5u << 20), "5.0 MiB");
  // Sizes past 1 GiB (large payloads, a full kernel cache) in GiB, not thousands of MiB.
  EXPECT_EQ(human_bytes(3ull << 29), "1.5 GiB");
  EXPECT_EQ(human_bytes(40ull << 30), "40.0 GiB");
}

}  // namespace
}  // namespace tailor
