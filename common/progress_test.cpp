#include "common/progress.h"

#include <gtest/gtest.h>

namespace tailor {
namespace {

TEST(Progress, FormatsStagePercentAndDetail) {
  EXPECT_EQ(Progress::format("build", 42, "CC kernel/fork.o", 80), "[build]  42% CC kernel/fork.o");
  EXPECT_EQ(Progress::format("config", -1, "", 80), "[config]");
  EXPECT_EQ(Progress::format("unpack", 150, "", 80), "[unpack] 100%");
}

TEST(Progress, TruncatesToTheTerminalWidth) {
  EXPECT_EQ(Progress::format("build", 5, "a-very-long-detail", 12).size(), 11u);
}

TEST(Progress, DisabledProgressPrintsNothing) {
  testing::internal::CaptureStderr();
  {
    Progress p(false);
    p.update("build", 10, "x");
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace tailor
