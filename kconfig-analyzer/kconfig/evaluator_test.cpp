// Evaluation semantics, one feature per test: tristate logic, visibility,
// defaults, select and imply, ranges, choices, modules, comparisons, and the
// Config API the analyzer builds on.
#include <gtest/gtest.h>

#include <sstream>

#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

using testing::body;
using testing::run;
using testing::tree_of;

const char* kModules = "config MODULES\n\tbool \"modules\"\n\tmodules\n\tdefault y\n";

TEST(Evaluate, TristateLogicInDependencies) {
  auto t = tree_of(std::string(kModules) +
                   "config A\n\ttristate \"a\"\n\tdefault m\n"
                   "config B\n\ttristate \"b\"\n\tdefault y\n"
                   "config AND\n\ttristate\n\tdefault A && B\n"
                   "config OR\n\ttristate\n\tdefault A || B\n"
                   "config NOT\n\ttristate\n\tdefault !A\n");
  Config c = Config::run(t, Mode::AllDefConfig);
  EXPECT_EQ(c.value("AND"), "m");
  EXPECT_EQ(c.value("OR"), "y");
  EXPECT_EQ(c.value("NOT"), "m");  // !m = m
}

TEST(Evaluate, DependenciesLimitUserValues) {
  auto t = tree_of(std::string(kModules) + "config DEP\n\ttristate \"dep\"\nconfig X\n\ttristate \"x\"\n\tdepends on DEP\n");
  Config c(t);
  c.set("DEP", "m");
  c.set("X", "y");
  EXPECT_EQ(c.value("X"), "m");  // visibility m caps y
  EXPECT_EQ(c.visibility(*t->find("X")), Tri::Mod);
  c.set("DEP", "n");
  EXPECT_EQ(c.value("X"), "n");
}

TEST(Evaluate, FirstVisibleDefaultWins) {
  auto t = tree_of("config C\n\tbool \"c\"\nconfig X\n\tint\n\tdefault 1 if C\n\tdefault 2\n\tdefault 3\n");
  Config c(t);
  EXPECT_EQ(c.value("X"), "2");
  c.set("C", "y");
  EXPECT_EQ(c.value("X"), "1");
}

TEST(Evaluate, SelectForcesAValueAndReportsUnmetDependencies) {
  auto t = tree_of(
      "config OFF\n\tbool \"off\"\n"
      "config LIB\n\tbool \"lib\"\n\tdepends on OFF\n"
      "config USER\n\tbool \"user\"\n\tselect LIB\n");
  Config c(t);
  c.set("USER", "y");
  EXPECT_EQ(c.value("LIB"), "y");
  Evaluator& ev = c.evaluator();
  ASSERT_EQ(ev.unmet.size(), 1u);
  EXPECT_EQ(t->model().sym(ev.unmet[0]).name, "LIB");
}

TEST(Evaluate, ImplyIsAWeakSelect) {
  auto t = tree_of(
      "config ON\n\tbool \"on\"\n\tdefault y\n"
      "config SOFT\n\tbool \"soft\"\n"
      "config SOFT_DEP\n\tbool \"soft dep\"\n\tdepends on ON && !ON\n"
      "config IMPLIER\n\tbool \"implier\"\n\timply SOFT\n\timply SOFT_DEP\n");
  Config c(t);
  c.set("IMPLIER", "y");
  EXPECT_EQ(c.value("SOFT"), "y");      // implied
  EXPECT_EQ(c.value("SOFT_DEP"), "n");  // its dependencies still rule
  c.set("SOFT", "n");
  EXPECT_EQ(c.value("SOFT"), "n");  // the user can say no
}

TEST(Evaluate, RangesClampValues) {
  auto t = tree_of("config N\n\tint \"n\"\n\trange 1 10\n\tdefault 50\n");
  Config c(t);
  EXPECT_EQ(c.value("N"), "10");
  c.set("N", "0");
  EXPECT_EQ(c.value("N"), "1");
}

TEST(Evaluate, UndefinedSymbolsAreNAndTheirNameAsText) {
  auto t = tree_of("config X\n\tdef_bool NOPE = \"NOPE\"\nconfig Y\n\tdef_bool NOPE\n");
  Config c(t);
  EXPECT_EQ(c.value("X"), "y");
  EXPECT_EQ(c.value("Y"), "n");
}

TEST(Evaluate, NumbersCompareAsNumbersOfTheirType) {
  auto t = tree_of(
      "config H\n\thex \"h\"\n\tdefault 0x10\n"
      "config I\n\tint \"i\"\n\tdefault 9\n"
      "config HEX_GT\n\tdef_bool H > 15\n"
      "config INT_LT\n\tdef_bool I < 10\n"
      "config STR_CMP\n\tdef_bool \"abc\" < \"abd\"\n");
  Config c(t);
  EXPECT_EQ(c.value("HEX_GT"), "y");
  EXPECT_EQ(c.value("INT_LT"), "y");
  EXPECT_EQ(c.value("STR_CMP"), "y");
}

TEST(Evaluate, WithoutModulesTristatesAreBool) {
  auto t = tree_of(std::string(kModules) + "config T\n\ttristate \"t\"\n\tdefault m\n");
  Config c(t);
  EXPECT_EQ(c.value("T"), "m");
  c.set("MODULES", "n");
  EXPECT_EQ(c.value("T"), "y");
}

TEST(Evaluate, BareMMeansNWithoutModules) {
  auto t = tree_of(std::string(kModules) + "config M_ONLY\n\ttristate \"x\"\n\tdepends on m\n\tdefault y\n");
  Config c(t);
  EXPECT_EQ(c.value("M_ONLY"), "m");
  c.set("MODULES", "n");
  EXPECT_EQ(c.value("M_ONLY"), "n");
}

TEST(Evaluate, ChoicePicksTheUserValueElseTheDefaultElseTheFirstVisible) {
  for (Dialect d : {Dialect::Classic, Dialect::Modern}) {
    auto t = tree_of(
        "config EXTRA\n\tbool \"extra\"\n"
        "choice\n\tprompt \"c\"\n\tdefault B if EXTRA\n"
        "config A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\nconfig C\n\tbool \"c\"\nendchoice\n",
        d);
    Config c = Config::run(t, Mode::OldDefConfig, ConfigText{".config", ""});
    EXPECT_EQ(c.value("A"), "y");
    c.read("CONFIG_EXTRA=y\n");
    EXPECT_EQ(c.value("B"), "y");
    EXPECT_EQ(c.value("A"), "n");
    c.read("CONFIG_C=y\n");
    EXPECT_EQ(c.value("C"), "y");
  }
}

TEST(Evaluate, VisibleIfHidesPromptsButNotDefaults) {
  auto t = tree_of("menu \"m\"\n\tvisible if SHOW\nconfig X\n\tbool \"x\"\n\tdefault y\nendmenu\nconfig SHOW\n\tbool \"show\"\n");
  Config c = Config::run(t, Mode::AllNoConfig);
  EXPECT_EQ(c.value("X"), "y");  // no visible prompt: allnoconfig cannot say no
  EXPECT_EQ(c.visibility(*t->find("X")), Tri::No);
}

TEST(Evaluate, MultipleDefinitionsOrTheirDependencies) {
  auto t = tree_of(
      "config A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\n"
      "config X\n\tbool \"x\"\n\tdepends on A\n"
      "config X\n\tbool\n\tdepends on B\n");
  const Model& m = t->model();
  EXPECT_EQ(m.sym(*t->find("X")).menus.size(), 2u);
  Config c(t);
  c.set("B", "y");
  Evaluator& ev = c.evaluator();
  ev.calc(*t->find("X"));
  EXPECT_EQ(ev.state(*t->find("X")).dir_dep, Tri::Yes);
  EXPECT_EQ(ev.state(*t->find("X")).visible, Tri::No);  // only the first definition has a prompt
}

TEST(ConfigApi, CopiesAreIndependent) {
  auto t = tree_of("config A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\n\tdepends on A\n\tdefault y\n");
  Config base = Config::run(t, Mode::AllNoConfig);
  Config variant = base;
  variant.set("A", "y");
  variant.unset(*t->find("B"));
  EXPECT_EQ(variant.value("B"), "y");
  EXPECT_EQ(base.value("A"), "n");
  EXPECT_EQ(base.value("B"), "n");
}

TEST(ConfigApi, RejectsValuesOfTheWrongType) {
  auto t = tree_of("config B\n\tbool \"b\"\nconfig I\n\tint \"i\"\nconfig H\n\thex \"h\"\n");
  Config c(t);
  EXPECT_FALSE(c.set("B", "m"));
  EXPECT_FALSE(c.set("I", "0x10"));
  EXPECT_TRUE(c.set("H", "10"));
  EXPECT_TRUE(c.set("I", "-3"));
  EXPECT_EQ(c.value("I"), "-3");
  EXPECT_THROW(c.set("NOPE", "y"), tailor::Error);
}

TEST(ConfigApi, UnknownSymbolsInAConfigAreWarnedAboutNotFatal) {
  auto t = tree_of("config A\n\tbool \"a\"\n");
  Config c = Config::run(t, Mode::OldDefConfig, ConfigText{"in.config", "CONFIG_GONE=y\nCONFIG_A=y\n"});
  ASSERT_EQ(c.warnings().size(), 1u);
  EXPECT_EQ(c.warnings()[0], "in.config:1:warning: unknown symbol: GONE");
  EXPECT_EQ(c.value("A"), "y");
}

// Options on are what .config says is y or m: not the choice itself, not
// ints or strings, not a symbol .config does not write (no prompt, no
// default), and a module counts.
TEST(ConfigApi, OptionsOnCountsWhatDotconfigWritesAsYOrM) {
  auto t = tree_of(std::string(kModules) +
                   "choice\n\tprompt \"pick\"\nconfig P1\n\tbool \"p1\"\nconfig P2\n\tbool \"p2\"\nendchoice\n"
                   "config MOD\n\ttristate \"mod\"\n\tdefault m\n"
                   "config OFF\n\tbool \"off\"\n"
                   "config HIDDEN\n\tbool\n"
                   "config N\n\tint \"n\"\n\tdefault 3\n"
                   "config S\n\tstring \"s\"\n\tdefault \"y\"\n");
  Config c = Config::run(t, Mode::AllDefConfig);
  const std::string dot = c.dotconfig();
  int grep = 0;  // lines CONFIG_X=y or CONFIG_X=m
  std::istringstream in(dot);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("CONFIG_") && (line.ends_with("=y") || line.ends_with("=m"))) ++grep;
  EXPECT_EQ(c.options_on(), 3) << dot;  // MODULES, P1 (the choice's default), MOD
  EXPECT_EQ(c.options_on(), grep) << dot;
}

}  // namespace
}  // namespace tailor::kconfig
