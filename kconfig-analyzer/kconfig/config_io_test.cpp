// .config files: the lines conf accepts, its warnings (classic and modern
// wording), string escapes, and the layout of what it writes.
#include "kconfig-analyzer/kconfig/config_io.h"

#include <gtest/gtest.h>

#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

using testing::body;
using testing::run;
using testing::tree_of;

const char* kTree =
    "config B\n\tbool \"b\"\n"
    "config T\n\ttristate \"t\"\n"
    "config I\n\tint \"i\"\n\tdefault 1\n"
    "config S\n\tstring \"s\"\n\tdefault \"x\"\n";

std::vector<std::string> warnings_for(Dialect d, const std::string& text) {
  auto t = tree_of(kTree, d);
  Evaluator ev(t->model_ptr());
  std::vector<std::string> w;
  read_config(ev, text, "my.config", w);
  return w;
}

TEST(ReadConfig, BadValuesAreReportedWithFileAndLine) {
  auto w = warnings_for(Dialect::Classic, "CONFIG_B=maybe\nCONFIG_I=0x10\nCONFIG_S=\"open\n");
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0], "my.config:1:warning: symbol value 'maybe' invalid for B");
  EXPECT_EQ(w[1], "my.config:2:warning: symbol value '0x10' invalid for I");
  EXPECT_EQ(w[2], "my.config:3:warning: invalid string found");
}

TEST(ReadConfig, OverridesAndUnexpectedLines) {
  auto w = warnings_for(Dialect::Classic, "CONFIG_B=y\nCONFIG_B=n\ngarbage here\n\n# comments are fine\n");
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], "my.config:2:warning: override: reassigning to symbol B");
  EXPECT_EQ(w[1], "my.config:3:warning: unexpected data: garbage here");
}

TEST(ReadConfig, ModernAlsoRejectsConfigLinesWithoutValue) {
  auto w = warnings_for(Dialect::Modern, "CONFIG_B\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0], "my.config:1:warning: unexpected data: CONFIG_B");
  EXPECT_TRUE(warnings_for(Dialect::Classic, "CONFIG_B\n").empty());
}

TEST(ReadConfig, IsNotSetAndCarriageReturns) {
  auto t = tree_of(kTree);
  Evaluator ev(t->model_ptr());
  std::vector<std::string> w;
  read_config(ev, "CONFIG_B=y\r\n# CONFIG_T is not set\nCONFIG_S=\"a \\\"q\\\" \\\\ b\"\n", "c", w);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(ev.string_value(*t->find("B")), "y");
  EXPECT_TRUE(ev.has_value(*t->find("T")));
  EXPECT_EQ(ev.str(ev.state(*t->find("S")).def_val), "a \"q\" \\ b");
}

TEST(WriteConfig, HeaderMenusAndEndOfMenuLines) {
  auto t = tree_of(
      "mainmenu \"Demo\"\n"
      "config A\n\tbool \"a\"\n\tdefault y\n"
      "menu \"Outer\"\n"
      "config B\n\tbool \"b\"\n"
      "comment \"a comment\"\n"
      "menu \"Hidden\"\n\tdepends on B\nconfig C\n\tbool \"c\"\nendmenu\n"
      "endmenu\n"
      "config D\n\tstring \"d\"\n\tdefault \"q\\\"uote\"\n");
  std::string out = run(t, Mode::AllDefConfig);
  EXPECT_EQ(out,
            "#\n# Automatically generated file; DO NOT EDIT.\n# Demo\n#\n"
            "CONFIG_A=y\n"
            "\n#\n# Outer\n#\n"
            "# CONFIG_B is not set\n"
            "\n#\n# a comment\n#\n"
            "# end of Outer\n"
            "\n"
            "CONFIG_D=\"q\\\"uote\"\n");
}

TEST(WriteConfig, SymbolsDefinedTwiceAreWrittenOnce) {
  auto t = tree_of("config A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\nconfig A\n\tbool\n");
  EXPECT_EQ(body(run(t, Mode::AllNoConfig)), "# CONFIG_A is not set\n# CONFIG_B is not set\n");
}

TEST(SaveDefconfig, OnlyValuesThatDifferFromTheirDefaults) {
  auto t = tree_of(
      "config A\n\tbool \"a\"\n\tdefault y\n"
      "config B\n\tbool \"b\"\n"
      "config I\n\tint \"i\"\n\tdefault 4\n"
      "config HIDDEN\n\tbool\n\tdefault y\n");
  EXPECT_EQ(run(t, Mode::SaveDefConfig, "CONFIG_A=y\nCONFIG_B=y\nCONFIG_I=4\n"), "CONFIG_B=y\n");
  EXPECT_EQ(run(t, Mode::SaveDefConfig, "# CONFIG_A is not set\nCONFIG_I=5\n"), "# CONFIG_A is not set\nCONFIG_I=5\n");
}

}  // namespace
}  // namespace tailor::kconfig
