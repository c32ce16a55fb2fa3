// conf's modes and merge_config.sh's text merge.
#include "kconfig-analyzer/kconfig/operations.h"

#include <gtest/gtest.h>

#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

using testing::body;
using testing::run;
using testing::tree_of;

TEST(Modes, NamesRoundTrip) {
  for (const char* n : {"olddefconfig", "allnoconfig", "allyesconfig", "allmodconfig", "alldefconfig", "defconfig",
                        "savedefconfig"})
    EXPECT_EQ(mode_name(*mode_from_name(n)), n);
  EXPECT_FALSE(mode_from_name("menuconfig"));
}

TEST(Modes, AllConfigFragmentsKeepTheirValues) {
  auto t = tree_of("config A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\n\tdefault y\n");
  std::optional<ConfigText> frag = ConfigText{"frag", "CONFIG_A=y\n"};
  EXPECT_EQ(body(run_mode(t->model_ptr(), Mode::AllNoConfig, frag).output), "CONFIG_A=y\n# CONFIG_B is not set\n");
  EXPECT_EQ(body(run_mode(t->model_ptr(), Mode::AllDefConfig, frag).output), "CONFIG_A=y\nCONFIG_B=y\n");
  EXPECT_EQ(body(run(t, Mode::AllYesConfig)), "CONFIG_A=y\nCONFIG_B=y\n");
}

TEST(Modes, InputIsRequiredWhereConfReadsOne) {
  auto t = tree_of("config A\n\tbool \"a\"\n");
  EXPECT_NE(testing::error_of([&] { run_mode(t->model_ptr(), Mode::OldDefConfig, std::nullopt); }).find("needs an input"),
            std::string::npos);
}

TEST(MergeConfig, LaterFragmentsReplaceLinesForTheSameSymbol) {
  std::string base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_AB=y\nCONFIG_C=1\n";
  std::string merged = merge_config_fragments(base, {{"f1", "CONFIG_B=y\n# CONFIG_A is not set\n"}, {"f2", "CONFIG_C=2\n"}});
  EXPECT_EQ(merged, "CONFIG_AB=y\n\nCONFIG_B=y\n# CONFIG_A is not set\n\nCONFIG_C=2\n");
}

TEST(MergeConfig, SymbolsNotInTheBaseAreJustAppended) {
  EXPECT_EQ(merge_config_fragments("CONFIG_A=y\n", {{"f", "CONFIG_NEW=y\n"}}), "CONFIG_A=y\n\nCONFIG_NEW=y\n");
}

}  // namespace
}  // namespace tailor::kconfig
