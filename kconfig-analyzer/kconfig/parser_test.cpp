// Parsing: what each construct builds, and every error path with its
// file:line message.
#include <gtest/gtest.h>

#include "kconfig-analyzer/kconfig/expr_rewrite.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

using testing::error_of;
using testing::tree_of;

const Symbol& sym(const Tree& t, const char* name) { return t.model().sym(*t.find(name)); }

TEST(Parser, ConfigWithTypePromptDefaultsAndHelp) {
  auto t = tree_of(
      "config FOO\n"
      "\tbool \"Foo support\" if BAR\n"
      "\tdefault y if BAZ\n"
      "\tdefault n\n"
      "\thelp\n"
      "\t  Some help.\n"
      "\n"
      "config BAR\n"
      "\tdef_bool y\n");
  const Model& m = t->model();
  const Symbol& foo = sym(*t, "FOO");
  EXPECT_EQ(foo.type, SymbolType::Bool);
  ASSERT_EQ(foo.prompts.size(), 1u);
  EXPECT_EQ(m.props[foo.prompts[0]].text, "Foo support");
  EXPECT_EQ(format_expr(m, m.props[foo.prompts[0]].visible), "BAR");
  ASSERT_EQ(foo.defaults.size(), 2u);
  EXPECT_EQ(m.where(m.props[foo.defaults[0]].loc), "Kconfig:3");
  EXPECT_EQ(format_expr(m, m.props[foo.defaults[0]].visible), "BAZ");
  ASSERT_EQ(foo.menus.size(), 1u);
  EXPECT_EQ(m.menus[foo.menus[0]].help, "Some help.\n");
  EXPECT_EQ(m.where(m.menus[foo.menus[0]].loc), "Kconfig:1");
  EXPECT_EQ(sym(*t, "BAR").type, SymbolType::Bool);
}

TEST(Parser, MenuDependenciesReachEntriesAndPrompts) {
  auto t = tree_of(
      "menu \"M\"\n"
      "\tdepends on A\n"
      "\tvisible if B\n"
      "config X\n"
      "\tbool \"x\"\n"
      "\tdepends on C\n"
      "endmenu\n"
      "config A\n\tbool \"a\"\n"
      "config B\n\tbool \"b\"\n"
      "config C\n\tbool \"c\"\n");
  const Model& m = t->model();
  const Symbol& x = sym(*t, "X");
  EXPECT_EQ(format_expr(m, x.dir_dep), "A && C");
  EXPECT_EQ(format_expr(m, m.props[x.prompts[0]].visible), "A && C && B");
}

TEST(Parser, IfBlocksAddDependenciesAndDisappearFromTheMenuTree) {
  auto t = tree_of("if A\nconfig X\n\tbool \"x\"\nendif\nconfig A\n\tbool \"a\"\n");
  const Model& m = t->model();
  EXPECT_EQ(format_expr(m, sym(*t, "X").dir_dep), "A");
  // root -> [if, X, A]: the if entry stays, its child is lifted next to it.
  MenuId first = m.menus[Model::kRootMenu].list;
  EXPECT_EQ(m.menus[first].sym, kNoSymbol);
  EXPECT_EQ(m.menus[first].list, kNone);
  EXPECT_EQ(m.menus[m.menus[first].next].sym, *t->find("X"));
}

TEST(Parser, SelectAndImplyBuildReverseDependencies) {
  auto t = tree_of(
      "config A\n\tbool \"a\"\n\tselect T if C\n\timply U\n"
      "config T\n\tbool\n"
      "config U\n\ttristate \"u\"\n"
      "config C\n\tbool \"c\"\n");
  const Model& m = t->model();
  EXPECT_EQ(format_expr(m, sym(*t, "T").rev_dep), "A && C");
  EXPECT_EQ(format_expr(m, sym(*t, "U").implied), "A");
}

TEST(Parser, ChoicesCollectTheirMembers) {
  for (Dialect d : {Dialect::Classic, Dialect::Modern}) {
    auto t = tree_of("choice\n\tprompt \"pick\"\nconfig A\n\tbool \"a\"\nconfig B\n\tbool \"b\"\nendchoice\n", d);
    const Model& m = t->model();
    SymbolId a = *t->find("A");
    EXPECT_TRUE(m.is_choice_value(a));
    SymbolId c = m.sym(a).choice;
    ASSERT_NE(c, kNoSymbol);
    EXPECT_TRUE(m.is_choice(c));
    EXPECT_EQ(m.sym(c).members, (std::vector<SymbolId>{a, *t->find("B")}));
  }
}

TEST(Parser, MainMenuTitleAndDefault) {
  EXPECT_EQ(tree_of("mainmenu \"Title\"\n")->model().main_menu_text(), "Title");
  EXPECT_EQ(tree_of("config A\n\tbool\n")->model().main_menu_text(), "Main menu");
}

TEST(Parser, SourcedFilesAreReadFromTheTreeRoot) {
  auto t = tree_of(std::map<std::string, std::string>{{"Kconfig", "source \"sub/Kconfig\"\n"},
                                                      {"sub/Kconfig", "config IN_SUB\n\tbool \"x\"\n"}});
  ASSERT_TRUE(t->find("IN_SUB"));
  EXPECT_EQ(t->model().where(t->model().menus[sym(*t, "IN_SUB").menus[0]].loc), "sub/Kconfig:1");
}

TEST(Parser, KconfiglibSourceVariants) {
  auto t = tree_of(std::map<std::string, std::string>{
      {"Kconfig", "source \"sub/Kconfig\"\nosource \"missing/Kconfig\"\nsource \"drivers/*/Kconfig\"\n"},
      {"sub/Kconfig", "rsource \"near.Kconfig\"\norsource \"absent.Kconfig\"\n"},
      {"sub/near.Kconfig", "config NEAR\n\tbool \"near\"\n"},
      {"drivers/a/Kconfig", "config DRV_A\n\tbool \"a\"\n"},
      {"drivers/b/Kconfig", "config DRV_B\n\tbool \"b\"\n"}});
  EXPECT_TRUE(t->find("NEAR"));
  EXPECT_TRUE(t->find("DRV_A"));
  EXPECT_TRUE(t->find("DRV_B"));
  EXPECT_LT(*t->find("DRV_A"), *t->find("DRV_B"));  // glob matches are read in sorted order
}

TEST(Parser, MenuconfigPromptsAreMenus) {
  auto t = tree_of("menuconfig M\n\tbool \"m\"\n");
  const Model& m = t->model();
  EXPECT_EQ(m.props[sym(*t, "M").prompts[0]].kind, PropKind::Menu);
}

TEST(Parser, WarningsForRedefinitions) {
  auto t = tree_of("config A\n\tbool \"a\"\n\tprompt \"again\"\n\tint\nconfig B\n");
  std::string all;
  for (const auto& w : t->warnings()) all += w + "\n";
  EXPECT_NE(all.find("Kconfig:3:warning: prompt redefined"), std::string::npos) << all;
  EXPECT_NE(all.find("ignoring type redefinition of 'A' from 'bool' to 'integer'"), std::string::npos) << all;
  EXPECT_NE(all.find("Kconfig:5:warning: config symbol defined without type"), std::string::npos) << all;
}

// ------------------------------------------------------------------ errors

TEST(ParserErrors, SyntaxErrorNamesFileLineAndWhatWasExpected) {
  std::string e = error_of([] { tree_of("config A\n\tbool \"a\"\n\tdepends on\n"); });
  EXPECT_EQ(e, "Kconfig:3: syntax error: expected a symbol or a quoted value, found end of line");
}

TEST(ParserErrors, ErrorsInSourcedFilesNameThatFile) {
  std::string e = error_of([] {
    tree_of(std::map<std::string, std::string>{{"Kconfig", "source \"arch/Kconfig\"\n"},
                                               {"arch/Kconfig", "\nconfig A\n\tdefault (B\n"}});
  });
  EXPECT_EQ(e, "arch/Kconfig:3: syntax error: expected ')', found end of line");
}

TEST(ParserErrors, UnknownStatement) {
  EXPECT_EQ(error_of([] { tree_of("frobnicate A\n"); }), "Kconfig:1: unknown statement \"frobnicate\"");
}

TEST(ParserErrors, InvalidStatementInAChoice) {
  std::string e = error_of([] { tree_of("choice\n\tprompt \"c\"\nmenu \"m\"\nendmenu\nendchoice\n"); });
  EXPECT_NE(e.find("Kconfig:3: invalid statement in a choice block"), std::string::npos) << e;
}

TEST(ParserErrors, MissingSourceFileNamesTheIncludingLine) {
  std::string e = error_of([] { tree_of("config A\n\tbool\n\nsource \"missing/Kconfig\"\n"); });
  EXPECT_EQ(e, "Kconfig:4: can't open file \"missing/Kconfig\" (sourced here)");
}

TEST(ParserErrors, MissingTopFile) {
  MemoryFiles none;
  EXPECT_EQ(error_of([&] { Tree::parse(none, "Kconfig", Dialect::Classic); }), "can't find file Kconfig");
}

TEST(ParserErrors, RecursiveSource) {
  std::string e = error_of([] {
    tree_of(std::map<std::string, std::string>{{"Kconfig", "source \"a/Kconfig\"\n"},
                                               {"a/Kconfig", "\nsource \"Kconfig\"\n"}});
  });
  EXPECT_NE(e.find("Recursive inclusion detected."), std::string::npos) << e;
  EXPECT_NE(e.find("included from: a/Kconfig"), std::string::npos) << e;
}

TEST(ParserErrors, MismatchedAndMissingEnd) {
  EXPECT_NE(error_of([] { tree_of("menu \"m\"\nendif\n"); }).find("Kconfig:2: unexpected 'endif' within menu block"),
            std::string::npos);
  EXPECT_NE(error_of([] { tree_of("\nif A\nconfig B\n\tbool\n"); }).find("Kconfig:2: missing end statement for this entry"),
            std::string::npos);
  EXPECT_NE(error_of([] { tree_of("endmenu\n"); }).find("Kconfig:1: syntax error: unexpected 'endmenu'"),
            std::string::npos);
}

TEST(ParserErrors, EndInAnotherFile) {
  std::string e = error_of([] {
    tree_of(std::map<std::string, std::string>{{"Kconfig", "menu \"m\"\nsource \"b\"\n"}, {"b", "endmenu\n"}});
  });
  EXPECT_NE(e.find("b:1: 'endmenu' in different file than 'menu'"), std::string::npos) << e;
}

TEST(ParserErrors, RecursiveDependency) {
  std::string e = error_of([] { tree_of("config A\n\tbool \"a\"\n\tdepends on B\nconfig B\n\tbool \"b\"\n\tdepends on A\n"); });
  EXPECT_NE(e.find("recursive dependency detected!"), std::string::npos) << e;
  EXPECT_NE(e.find("symbol A depends on B"), std::string::npos) << e;
  EXPECT_NE(e.find("symbol B depends on A"), std::string::npos) << e;
}

TEST(ParserErrors, SelectLoopIsARecursiveDependency) {
  std::string e =
      error_of([] { tree_of("config A\n\tbool \"a\"\n\tdepends on B\n\tselect B\nconfig B\n\tbool \"b\"\n"); });
  EXPECT_NE(e.find("is selected by"), std::string::npos) << e;
}

TEST(ParserErrors, TwoModulesOptions) {
  std::string e = error_of([] { tree_of("config M1\n\tbool\n\tmodules\nconfig M2\n\tbool\n\tmodules\n"); });
  EXPECT_NE(e.find("symbol 'M2' redefines option 'modules' already defined by symbol 'M1'"), std::string::npos) << e;
}

TEST(ParserErrors, ModernChoiceRules) {
  EXPECT_NE(error_of([] { tree_of("choice\nconfig A\n\tbool \"a\"\nendchoice\n", Dialect::Modern); })
                .find("Kconfig:1: error: choice must have a prompt"),
            std::string::npos);
  EXPECT_NE(error_of([] { tree_of("choice\n\tprompt \"c\"\nconfig A\n\ttristate \"a\"\nendchoice\n", Dialect::Modern); })
                .find("Kconfig:3: error: choice member must be bool"),
            std::string::npos);
  EXPECT_NE(error_of([] { tree_of("choice\n\tprompt \"c\"\nconfig A\n\tbool\nendchoice\n", Dialect::Modern); })
                .find("Kconfig:3: error: choice member must have a prompt"),
            std::string::npos);
  EXPECT_NE(error_of([] { tree_of("choice\n\tprompt \"c\"\n\toptional\nconfig A\n\tbool \"a\"\nendchoice\n", Dialect::Modern); }),
            "");
}

TEST(ParserErrors, PreprocessorErrorsStopParsing) {
  EXPECT_EQ(error_of([] { tree_of("\n$(error-if,y,no way)\n"); }), "Kconfig:2: no way");
}

}  // namespace
}  // namespace tailor::kconfig
