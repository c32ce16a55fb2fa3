// Hostile nesting (issue 13): deep blocks, long '!' and '(' runs, long
// operand chains, dependency chains that finalize nests, symbols selected
// from very many places. Past the limits (parser.h, model.h, expr.h) each is
// an error naming the file and line; up to them the tree parses, finalizes
// and evaluates without exhausting the stack. Inputs are generated here.
#include <gtest/gtest.h>

#include "kconfig-analyzer/kconfig/parser.h"
#include "kconfig-analyzer/kconfig/preprocessor.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

using testing::error_of;
using testing::tree_of;

std::string repeat(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Parses, then computes and writes a configuration.
std::string evaluate(const std::string& kconfig) {
  auto t = tree_of(kconfig);
  return Config::run(t, Mode::AllDefConfig).dotconfig();
}

const std::string kAB = "config A\n\tbool \"a\"\n\tdefault y\nconfig B\n\tbool \"b\"\n\tdefault y\n";

TEST(ParserLimits, HundredThousandNestedIfsAreAnError) {
  std::string k = kAB + repeat("if A\n", 100000) + "config X\n\tbool \"x\"\n" + repeat("endif\n", 100000);
  // The 1001st `if` is on line 7 + 1000.
  EXPECT_EQ(error_of([&] { tree_of(k); }), "Kconfig:1007: blocks nested more than 1000 deep (if)");
}

TEST(ParserLimits, HundredThousandNestedMenusAreAnError) {
  std::string k = repeat("menu \"m\"\n", 100000) + kAB + repeat("endmenu\n", 100000);
  EXPECT_EQ(error_of([&] { tree_of(k); }), "Kconfig:1001: blocks nested more than 1000 deep (menu)");
}

TEST(ParserLimits, NestingUpToTheLimitWorks) {
  std::string ifs = kAB + repeat("if A\n", kMaxBlockNesting) + "config X\n\tbool \"x\"\n\tdefault y\n" +
                    repeat("endif\n", kMaxBlockNesting);
  EXPECT_NE(evaluate(ifs).find("CONFIG_X=y"), std::string::npos);
  std::string menus = repeat("menu \"m\"\n", kMaxBlockNesting) + kAB + repeat("endmenu\n", kMaxBlockNesting);
  EXPECT_NE(evaluate(menus).find("CONFIG_B=y"), std::string::npos);
}

TEST(ParserLimits, LongNotAndParenthesisRunsAreAnError) {
  std::string nots = kAB + "config X\n\tbool \"x\"\n\tdepends on " + repeat("!", 200000) + "B\n";
  EXPECT_EQ(error_of([&] { tree_of(nots); }), "Kconfig:9: expression nested more than 1000 deep ('!' and '(')");
  std::string parens = kAB + "config X\n\tbool \"x\"\n\tdepends on " + repeat("(", 200000) + "B" +
                       repeat(")", 200000) + "\n";
  EXPECT_EQ(error_of([&] { tree_of(parens); }), "Kconfig:9: expression nested more than 1000 deep ('!' and '(')");
  std::string mixed = kAB + "config X\n\tbool \"x\"\n\tdefault " + repeat("!(", 100000) + "B" + repeat(")", 100000) + "\n";
  EXPECT_EQ(error_of([&] { tree_of(mixed); }), "Kconfig:9: expression nested more than 1000 deep ('!' and '(')");
}

TEST(ParserLimits, NotAndParenthesisRunsUpToTheLimitWork) {
  // An even number of '!': X is B.
  std::string nots = kAB + "config X\n\tbool \"x\"\n\tdefault y\n\tdepends on " + repeat("!", kMaxExprNesting) + "B\n";
  EXPECT_NE(evaluate(nots).find("CONFIG_X=y"), std::string::npos);
  std::string parens = kAB + "config X\n\tbool \"x\"\n\tdefault y\n\tdepends on " + repeat("(", kMaxExprNesting) +
                       "B" + repeat(")", kMaxExprNesting) + "\n";
  EXPECT_NE(evaluate(parens).find("CONFIG_X=y"), std::string::npos);
}

TEST(ParserLimits, LongOperandChainsAreAnError) {
  for (const char* op : {" && ", " || "}) {
    SCOPED_TRACE(op);
    std::string k = kAB + "config X\n\tbool \"x\"\n\tdepends on B" + repeat(std::string(op) + "B", 199999) + "\n";
    EXPECT_EQ(error_of([&] { tree_of(k); }), "Kconfig:9: expression has more than 1000 operands");
  }
  // `depends on` lines add up.
  std::string lines = kAB + "config X\n\tbool \"x\"\n" + repeat("\tdepends on B\n", 1001);
  EXPECT_EQ(error_of([&] { tree_of(lines); }),
            "Kconfig:1009: the entry's 'depends on' taken together has more than 1000 operands");
}

TEST(ParserLimits, OperandChainsUpToTheLimitWork) {
  std::string syms;
  std::string chain;
  for (uint32_t i = 0; i < kMaxExprOperands; ++i) {
    syms += "config S" + std::to_string(i) + "\n\tbool \"s\"\n\tdefault y\n";
    chain += (i ? " && S" : "S") + std::to_string(i);
  }
  std::string k = syms + "config X\n\tbool \"x\"\n\tdefault y\n\tdepends on " + chain + "\n";
  EXPECT_NE(evaluate(k).find("CONFIG_X=y"), std::string::npos);
}

// Each entry depends on the one before it, so finalize() nests each under
// the previous one (conf's automatic submenus).
std::string dependency_chain(int n) {
  std::string k = "config C0\n\tbool \"c\"\n\tdefault y\n";
  for (int i = 1; i < n; ++i)
    k += "config C" + std::to_string(i) + "\n\tbool \"c\"\n\tdefault y\n\tdepends on C" + std::to_string(i - 1) + "\n";
  return k;
}

TEST(ParserLimits, DeepAutomaticSubmenusAreAnError) {
  std::string e = error_of([] { tree_of(dependency_chain(kMaxMenuDepth + 100)); });
  EXPECT_NE(e.find("menu entries nested more than 2000 deep"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("Kconfig:", 0), 0u) << e;
  std::string ok = evaluate(dependency_chain(kMaxMenuDepth - 10));
  EXPECT_NE(ok.find("CONFIG_C1989=y"), std::string::npos);
}

std::string selected_from(int n) {
  std::string k = "config T\n\tbool\n";
  for (int i = 0; i < n; ++i) k += "config S" + std::to_string(i) + "\n\tdef_bool y\n\tselect T\n";
  return k;
}

TEST(ParserLimits, ASymbolSelectedFromTooManyPlacesIsAnError) {
  std::string e = error_of([] { tree_of(selected_from(static_cast<int>(kMaxExprDepth) + 1)); });
  EXPECT_EQ(e, "Kconfig:1: T: its selects taken together are nested more than 10000 deep");
  // Just below: its reverse dependency, one || per select, evaluates.
  auto t = tree_of(selected_from(static_cast<int>(kMaxExprDepth) - 10));
  Config c = Config::run(t, Mode::AllNoConfig);
  EXPECT_EQ(c.value("T"), "y");
}

// Each symbol depends on the next one, defined after it: no automatic
// submenus, but evaluating the first computes all the others first.
std::string forward_chain(int n) {
  std::string k;
  for (int i = 0; i < n; ++i) {
    k += "config C" + std::to_string(i) + "\n\tbool \"c\"\n\tdefault y\n";
    if (i + 1 < n) k += "\tdepends on C" + std::to_string(i + 1) + "\n";
  }
  return k;
}

TEST(ParserLimits, LongDependencyChainsAreAnError) {
  std::string e = error_of([] { tree_of(forward_chain(100000)); });
  EXPECT_NE(e.find(": its value depends on a chain of symbols and expressions more than 12000 deep"), std::string::npos)
      << e;
  EXPECT_EQ(e.rfind("Kconfig:", 0), 0u) << e;
  // Each link counts kEvalLinkWeight + 1 (its expressions are one level deep).
  auto t = tree_of(forward_chain(static_cast<int>(kMaxEvalDepth / (kEvalLinkWeight + 1)) - 10));
  EXPECT_LE(evaluation_depth(t->model()).depth, kMaxEvalDepth);
  Config c = Config::run(t, Mode::AllDefConfig);
  EXPECT_EQ(c.value("C0"), "y");
  EXPECT_NE(c.dotconfig().find("CONFIG_C2000=y"), std::string::npos);
}

TEST(ParserLimits, ChainsThroughDeepExpressionsUpToTheLimitWork) {
  // C0 <- C1 <- ... <- C11 by select, each select first among 1000, so that
  // evaluating C(i) reaches C(i+1) at the bottom of a 1000-deep || chain:
  // 11 * (4 + 1000) levels and C11.
  std::string k;
  for (int i = 11; i >= 0; --i) {
    k += "config C" + std::to_string(i) + "\n\tdef_bool y\n";
    if (i == 0) continue;
    k += "\tselect C" + std::to_string(i - 1) + "\n";
    for (int j = 1; j < 1000; ++j)
      k += "config S" + std::to_string(i) + "_" + std::to_string(j) + "\n\tbool\n\tselect C" + std::to_string(i - 1) + "\n";
  }
  auto t = tree_of(k);
  uint32_t depth = evaluation_depth(t->model()).depth;
  EXPECT_GT(depth, 11000u);
  EXPECT_LE(depth, kMaxEvalDepth);
  EXPECT_EQ(Config::run(t, Mode::AllNoConfig).value("C0"), "y");
}

TEST(ParserLimits, DeeplyNestedMacroReferencesAreAnError) {
  std::string refs = "config A\n\tstring\n\tdefault \"" + repeat("$(a", 200000) + repeat(")", 200000) + "\"\n";
  EXPECT_EQ(error_of([&] { tree_of(refs); }), "Kconfig:3: macro references nested more than 2000 deep");
  std::string assignment = "X := " + repeat("$(a", 200000) + repeat(")", 200000) + "\nconfig A\n\tbool\n";
  // An assignment is expanded once its line has ended (conf's line, too).
  EXPECT_EQ(error_of([&] { tree_of(assignment); }), "Kconfig:2: macro references nested more than 2000 deep");
  // A function that calls itself for ever stops where conf stops it.
  std::string recursive = "f = $(f,$(1))\nX := $(f,x)\n";
  EXPECT_EQ(error_of([&] { tree_of(recursive); }), "Kconfig:3: Too deep recursive expansion");
}

TEST(ParserLimits, MacroNestingUpToTheLimitWorks) {
  // An undefined name expands to nothing, at every level.
  std::string k = "config A\n\tstring\n\tdefault \"x" + repeat("$(a", kMaxMacroNesting) + repeat(")", kMaxMacroNesting) +
                  "\"\n";
  EXPECT_NE(evaluate(k).find("CONFIG_A=\"x\""), std::string::npos);
}

}  // namespace
}  // namespace tailor::kconfig
