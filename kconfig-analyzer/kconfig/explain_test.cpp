// explain and plan_enable: why a symbol has its value and what to turn on.
#include "kconfig-analyzer/kconfig/explain.h"

#include <gtest/gtest.h>

#include "kconfig-analyzer/kconfig/operations.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

using testing::tree_of;

const char* kTree =
    "config NET\n\tbool \"net\"\n"
    "config INET\n\tbool \"inet\"\n\tdepends on NET\n"
    "config HIDDEN_LIB\n\tbool\n"
    "config USES_LIB\n\tbool \"uses lib\"\n\tselect HIDDEN_LIB\n"
    "config SAFE\n\tbool \"safe\"\n\tdepends on !UNSAFE\n"
    "config UNSAFE\n\tbool \"unsafe\"\n\tdefault y\n"
    "config EITHER\n\tbool \"either\"\n\tdepends on INET || BIG\n"
    "config BIG\n\tbool \"big\"\n\tdepends on NET && INET && USES_LIB\n";

std::vector<std::string> names(const Model& m, const std::vector<SymbolId>& v) {
  std::vector<std::string> out;
  for (SymbolId s : v) out.push_back(m.sym(s).name);
  return out;
}

TEST(PlanEnable, TurnsOnDependenciesFirst) {
  auto t = tree_of(kTree);
  Config c = Config::run(t, Mode::AllNoConfig);
  EnablePlan p = plan_enable(c, *t->find("INET"));
  ASSERT_TRUE(p.possible);
  EXPECT_TRUE(p.verified);
  EXPECT_EQ(names(t->model(), p.set_y), (std::vector<std::string>{"NET", "INET"}));
}

TEST(PlanEnable, UsesASelectForPromptlessSymbols) {
  auto t = tree_of(kTree);
  Config c = Config::run(t, Mode::AllNoConfig);
  EnablePlan p = plan_enable(c, *t->find("HIDDEN_LIB"));
  ASSERT_TRUE(p.possible);
  EXPECT_EQ(names(t->model(), p.set_y), std::vector<std::string>{"USES_LIB"});
  EXPECT_TRUE(p.verified);
}

TEST(PlanEnable, PicksTheCheaperAlternative) {
  auto t = tree_of(kTree);
  Config c = Config::run(t, Mode::AllNoConfig);
  EnablePlan p = plan_enable(c, *t->find("EITHER"));
  ASSERT_TRUE(p.possible);
  EXPECT_EQ(names(t->model(), p.set_y), (std::vector<std::string>{"NET", "INET", "EITHER"}));
}

TEST(PlanEnable, SaysWhyWhenOnlyTurningSomethingOffWouldHelp) {
  auto t = tree_of(kTree);
  Config c = Config::run(t, Mode::AllDefConfig);
  EnablePlan p = plan_enable(c, *t->find("SAFE"));
  EXPECT_FALSE(p.possible);
  EXPECT_EQ(p.blocker, "needs !UNSAFE [=y], which only turning symbols off could satisfy");
}

TEST(Explain, ReportsDependenciesSelectsAndThePlan) {
  auto t = tree_of(kTree);
  Config c = Config::run(t, Mode::AllNoConfig);
  Explanation e = explain(c, *t->find("INET"));
  EXPECT_EQ(e.value, "n");
  ASSERT_EQ(e.definitions.size(), 1u);
  EXPECT_EQ(e.definitions[0].location, "Kconfig:3");
  EXPECT_EQ(e.definitions[0].depends.text, "NET [=n]");
  EXPECT_EQ(e.definitions[0].depends.value, Tri::No);
  std::string text = explanation_text(c, e);
  EXPECT_NE(text.find("To make INET=y, set: NET=y INET=y"), std::string::npos) << text;

  Explanation lib = explain(c, *t->find("HIDDEN_LIB"));
  ASSERT_EQ(lib.selected_by.size(), 1u);
  EXPECT_EQ(lib.selected_by[0].text, "USES_LIB [=n]");
  std::string json = explanation_json(c, lib);
  EXPECT_NE(json.find("\"set_y\": [\n      \"USES_LIB\"\n    ]"), std::string::npos) << json;
}

TEST(Explain, ExplainsDefaults) {
  auto t = tree_of(kTree);
  Config c = Config::run(t, Mode::AllDefConfig);
  Explanation e = explain(c, *t->find("UNSAFE"));
  ASSERT_EQ(e.defaults.size(), 1u);
  EXPECT_TRUE(e.defaults[0].applies);
  EXPECT_EQ(e.value, "y");
}

}  // namespace
}  // namespace tailor::kconfig
