#include "common/config_line.h"

#include <gtest/gtest.h>

namespace tailor {
namespace {

TEST(ConfigLine, ReadsAnAssignmentWithItsValueAsWritten) {
  auto c = parse_config_line("CONFIG_INITRAMFS_SOURCE=\"/a b\"");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "INITRAMFS_SOURCE");
  EXPECT_EQ(c->value, "\"/a b\"");
  EXPECT_EQ(c->symbol(), "CONFIG_INITRAMFS_SOURCE");
  EXPECT_FALSE(c->enabled());
  EXPECT_TRUE(parse_config_line("CONFIG_SMP=y")->enabled());
  EXPECT_TRUE(parse_config_line("CONFIG_E1000=m")->enabled());
  EXPECT_EQ(parse_config_line("CONFIG_NR_CPUS=")->value, "");
}

TEST(ConfigLine, ReadsIsNotSetAsN) {
  auto c = parse_config_line("# CONFIG_SMP is not set");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "SMP");
  EXPECT_EQ(c->value, "n");
  EXPECT_FALSE(c->enabled());
}

TEST(ConfigLine, AnythingElseIsNoAssignment) {
  for (const char* line : {"", "#", "# Kernel Configuration", "CONFIG_SMP", "CONFIG_=y", "CONFIG_A B=y",
                           " CONFIG_SMP=y", "# CONFIG_SMP", "# CONFIG_SMP is not set ", "# CONFIG_SMP=y",
                           "SMP=y"})
    EXPECT_FALSE(parse_config_line(line)) << line;
}

}  // namespace
}  // namespace tailor
