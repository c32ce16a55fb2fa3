// The macro language: variable flavors, user functions, built-ins, the
// environment, and each error.
#include "kconfig-analyzer/kconfig/preprocessor.h"

#include <gtest/gtest.h>

#include "kconfig-analyzer/kconfig/diagnostics.h"

namespace tailor::kconfig {
namespace {

// Records commands and answers from a table.
class FakeShell : public ShellRunner {
 public:
  std::map<std::string, std::string> answers;
  std::vector<std::string> commands;
  std::string run(const std::string& c) override {
    commands.push_back(c);
    return answers.count(c) ? answers[c] : "";
  }
};

struct Fixture : ::testing::Test {
  FakeShell shell;
  Preprocessor pp{{{"ARCH", "x86"}, {"EMPTY", ""}}, shell};
  std::vector<std::string> infos, warnings;
  Fixture() {
    pp.on_info = [this](const std::string& s) { infos.push_back(s); };
    pp.on_warning = [this](const std::string& s) { warnings.push_back(s); };
    pp.set_context({"arch/Kconfig", 7});
  }
  std::string error_of(const std::string& in) {
    try {
      pp.expand_string(in);
    } catch (const KconfigError& e) {
      return e.what();
    }
    return "";
  }
};

using Macros = Fixture;

TEST_F(Macros, RecursiveVariablesExpandWhenUsed) {
  pp.add_variable("a", "$(b)", VarFlavor::Recursive);
  pp.add_variable("b", "late", VarFlavor::Recursive);
  EXPECT_EQ(pp.expand_string("[$(a)]"), "[late]");
}

TEST_F(Macros, SimpleVariablesExpandWhenDefined) {
  pp.add_variable("b", "early", VarFlavor::Recursive);
  pp.add_variable("a", "$(b)", VarFlavor::Simple);
  pp.add_variable("b", "late", VarFlavor::Recursive);
  EXPECT_EQ(pp.expand_string("$(a)"), "early");
}

TEST_F(Macros, AppendKeepsTheFlavorAndAddsASpace) {
  pp.add_variable("x", "1", VarFlavor::Simple);
  pp.add_variable("x", "$(ARCH)", VarFlavor::Append);
  EXPECT_EQ(pp.expand_string("$(x)"), "1 x86");
  pp.add_variable("new", "a", VarFlavor::Append);  // undefined: becomes recursive
  EXPECT_EQ(pp.expand_string("$(new)"), "a");
}

TEST_F(Macros, UserFunctionsTakeArguments) {
  pp.add_variable("pair", "<$(1),$(2)>", VarFlavor::Recursive);
  pp.add_variable("twice", "$(pair,$(1),$(1))", VarFlavor::Recursive);
  EXPECT_EQ(pp.expand_string("$(twice,x)"), "<x,x>");
  EXPECT_EQ(pp.expand_string("$(pair,a)"), "<a,>");
}

TEST_F(Macros, NestedParenthesesProtectCommas) {
  pp.add_variable("first", "$(1)", VarFlavor::Recursive);
  EXPECT_EQ(pp.expand_string("$(first,(a,b),c)"), "(a,b)");
}

TEST_F(Macros, EnvironmentIsTheLastResortAndIsRecorded) {
  EXPECT_EQ(pp.expand_string("$(ARCH)-$(UNSET)"), "x86-");
  ASSERT_EQ(pp.env_used().size(), 1u);
  EXPECT_EQ(pp.env_used()[0].first, "ARCH");
  pp.add_variable("ARCH", "shadowed", VarFlavor::Simple);
  EXPECT_EQ(pp.expand_string("$(ARCH)"), "shadowed");
}

TEST_F(Macros, ShellOutputLosesTrailingNewlinesAndJoinsLines) {
  shell.answers["echo"] = "one\ntwo\n\n";
  EXPECT_EQ(pp.expand_string("[$(shell,echo)]"), "[one two]");
  EXPECT_EQ(normalize_shell_output(std::string(5000, 'x')).size(), 4095u);
}

TEST_F(Macros, ShellCommandsAreExpandedFirst) {
  pp.add_variable("cc", "gcc", VarFlavor::Simple);
  pp.expand_string("$(shell,$(cc) --version)");
  ASSERT_EQ(shell.commands.size(), 1u);
  EXPECT_EQ(shell.commands[0], "gcc --version");
}

TEST_F(Macros, FilenameLinenoInfoAndWarningIf) {
  EXPECT_EQ(pp.expand_string("$(filename):$(lineno)"), "arch/Kconfig:7");
  EXPECT_EQ(pp.expand_string("$(info,hello)"), "");
  EXPECT_EQ(infos, std::vector<std::string>{"hello"});
  pp.expand_string("$(warning-if,y,careful)$(warning-if,n,silent)");
  EXPECT_EQ(warnings, std::vector<std::string>{"arch/Kconfig:7: careful"});
}

TEST_F(Macros, DollarWithoutParenthesisIsLiteral) { EXPECT_EQ(pp.expand_string("$5 $ x"), "$5 $ x"); }

TEST_F(Macros, ErrorIfStopsWithTheLocation) {
  EXPECT_EQ(error_of("$(error-if,y,Sorry$(comma) no)"), "arch/Kconfig:7: Sorry no");
  EXPECT_EQ(error_of("$(error-if,n,fine)"), "");
}

TEST_F(Macros, UnterminatedReference) {
  EXPECT_EQ(error_of("$(ARCH"), "arch/Kconfig:7: unterminated reference to 'ARCH': missing ')'");
}

TEST_F(Macros, WrongNumberOfArguments) {
  EXPECT_EQ(error_of("$(info)"), "arch/Kconfig:7: too few function arguments passed to 'info'");
  EXPECT_EQ(error_of("$(shell,a,b)"), "arch/Kconfig:7: too many function arguments passed to 'shell'");
  EXPECT_EQ(error_of("$(x,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16)"), "arch/Kconfig:7: too many function arguments");
}

TEST_F(Macros, SelfReferenceIsAnError) {
  pp.add_variable("loop", "$(loop)", VarFlavor::Recursive);
  EXPECT_EQ(error_of("$(loop)"), "arch/Kconfig:7: Recursive variable 'loop' references itself (eventually)");
}

TEST_F(Macros, OneTokenStopsAtTheFirstNonWordCharacter) {
  std::string_view rest = "ab$(ARCH)-c d e";
  EXPECT_EQ(pp.expand_one_token(rest), "abx86-c");
  EXPECT_EQ(rest, " d e");
}

}  // namespace
}  // namespace tailor::kconfig
