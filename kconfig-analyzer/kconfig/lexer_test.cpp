// The tokenizer: keywords as whole words, operators, strings and escapes,
// comments, line continuations, help text indentation, assignments.
#include "kconfig-analyzer/kconfig/lexer.h"

#include <gtest/gtest.h>

namespace tailor::kconfig {
namespace {

class NoShell : public ShellRunner {
 public:
  std::string run(const std::string&) override { return {}; }
};

struct Lexed {
  std::vector<Token> tokens;
  std::vector<std::string> warnings;
};

// Tokenizes `text`; `help_after` reads help text after each `help` line.
Lexed lex(const std::string& text, Dialect d = Dialect::Classic) {
  NoShell shell;
  Preprocessor pp({{"WORLD", "earth"}}, shell);
  Diagnostics diag;
  Lexer lexer(pp, diag, d);
  lexer.push_file("Kconfig", text, 0);
  Lexed out;
  Tok prev = Tok::Eol;
  for (;;) {
    Token t = prev == Tok::Help ? Token{} : lexer.next();
    if (prev == Tok::Help) {
      t = lexer.next();  // the end of the help line
      out.tokens.push_back(t);
      t = lexer.read_help();
    }
    out.tokens.push_back(t);
    prev = t.kind;
    if (t.kind == Tok::End) break;
  }
  out.warnings = diag.warnings;
  return out;
}

std::vector<Tok> kinds(const Lexed& l) {
  std::vector<Tok> k;
  for (const auto& t : l.tokens) k.push_back(t.kind);
  return k;
}

TEST(Lexer, KeywordsAreWholeWordsOnly) {
  auto l = lex("config configure menuconfig menu_x depends on\n");
  EXPECT_EQ(kinds(l), (std::vector<Tok>{Tok::Config, Tok::Word, Tok::MenuConfig, Tok::Word, Tok::Depends, Tok::On,
                                        Tok::Eol, Tok::End}));
  EXPECT_EQ(l.tokens[1].text, "configure");
  EXPECT_EQ(l.tokens[3].text, "menu_x");
}

TEST(Lexer, OptionalIsAKeywordOnlyBefore611) {
  EXPECT_EQ(lex("optional\n").tokens[0].kind, Tok::Optional);
  EXPECT_EQ(lex("optional\n", Dialect::Modern).tokens[0].kind, Tok::Word);
}

TEST(Lexer, Operators) {
  auto l = lex("A || B && !C = D != E < F <= G > H >= I ( ) := +=\n");
  std::vector<Tok> want = {Tok::Word,  Tok::Or,        Tok::Word,    Tok::And,        Tok::Not,       Tok::Word,
                           Tok::Equal, Tok::Word,      Tok::Unequal, Tok::Word,       Tok::Less,      Tok::Word,
                           Tok::LessEqual, Tok::Word,  Tok::Greater, Tok::Word,       Tok::GreaterEqual, Tok::Word,
                           Tok::OpenParen, Tok::CloseParen, Tok::ColonEqual, Tok::PlusEqual, Tok::Eol, Tok::End};
  EXPECT_EQ(kinds(l), want);
}

TEST(Lexer, StringsUnescapeAndKeepTheOtherQuote) {
  auto l = lex("prompt \"a \\\"b\\\" 'c' \\\\d\" 'it''s'\n");
  ASSERT_GE(l.tokens.size(), 3u);
  EXPECT_EQ(l.tokens[1].kind, Tok::WordQuote);
  EXPECT_EQ(l.tokens[1].text, "a \"b\" 'c' \\d");
  EXPECT_EQ(l.tokens[2].text, "it");
  EXPECT_EQ(l.tokens[3].text, "s");
}

TEST(Lexer, UnterminatedStringEndsAtTheLineWithAWarning) {
  auto l = lex("prompt \"open\nconfig X\n");
  EXPECT_EQ(l.tokens[1].kind, Tok::WordQuote);
  EXPECT_EQ(l.tokens[1].text, "open");
  EXPECT_EQ(l.tokens[2].kind, Tok::Eol);
  ASSERT_EQ(l.warnings.size(), 1u);
  EXPECT_NE(l.warnings[0].find("multi-line strings not supported"), std::string::npos);
}

TEST(Lexer, CommentsAndContinuationLines) {
  auto l = lex("depends on A && \\\n\tB # a comment && C\nconfig X\n");
  EXPECT_EQ(kinds(l), (std::vector<Tok>{Tok::Depends, Tok::On, Tok::Word, Tok::And, Tok::Word, Tok::Eol, Tok::Config,
                                        Tok::Word, Tok::Eol, Tok::End}));
  EXPECT_EQ(l.tokens[4].line, 2);
}

TEST(Lexer, BlankLinesBetweenStatementsAreOneEndOfLine) {
  auto l = lex("config A\n\n\n# comment\n\nconfig B\n");
  EXPECT_EQ(kinds(l), (std::vector<Tok>{Tok::Config, Tok::Word, Tok::Eol, Tok::Config, Tok::Word, Tok::Eol,
                                        Tok::End}));
}

TEST(Lexer, WordsExpandReferences) {
  auto l = lex("config $(WORLD)_SYM x$(WORLD)y\n");
  EXPECT_EQ(l.tokens[1].text, "earth_SYM");
  EXPECT_EQ(l.tokens[2].text, "xearthy");
}

TEST(Lexer, AWordThatExpandsToNothingDisappears) {
  auto l = lex("depends on $(NOTHING) A\n");
  EXPECT_EQ(kinds(l), (std::vector<Tok>{Tok::Depends, Tok::On, Tok::Word, Tok::Eol, Tok::End}));
  EXPECT_EQ(l.tokens[2].text, "A");
}

TEST(Lexer, StringsExpandReferencesButNotTheResult) {
  auto l = lex("prompt \"hello $(WORLD) \\$(WORLD) $x\"\n");
  EXPECT_EQ(l.tokens[1].text, "hello earth $(WORLD) $x");
}

TEST(Lexer, AssignmentValuesAreRawToTheEndOfTheLine) {
  auto l = lex("X := a  # not a comment $(y)\nY =\n");
  EXPECT_EQ(kinds(l), (std::vector<Tok>{Tok::Word, Tok::ColonEqual, Tok::AssignVal, Tok::Eol, Tok::Word, Tok::Equal,
                                        Tok::Eol, Tok::End}));
  EXPECT_EQ(l.tokens[2].text, "a  # not a comment $(y)");
}

TEST(Lexer, HelpTextKeepsRelativeIndentationAndEndsAtLessIndentation) {
  auto l = lex(
      "help\n"
      "\t  First line.\n"
      "\t    indented by two\n"
      "\n"
      "\t  After a blank line.   \n"
      "config NEXT\n");
  ASSERT_GE(l.tokens.size(), 4u);
  EXPECT_EQ(l.tokens[2].kind, Tok::HelpText);
  EXPECT_EQ(l.tokens[2].text, "First line.\n  indented by two\n\nAfter a blank line.");
  EXPECT_EQ(l.tokens[3].kind, Tok::Config);
}

TEST(Lexer, HelpTextEndsAtALessIndentedLine) {
  auto l = lex("help\n    deep\n  shallow\n");
  EXPECT_EQ(l.tokens[2].text, "deep\n");
  EXPECT_EQ(l.tokens[3].kind, Tok::Word);
  EXPECT_EQ(l.tokens[3].text, "shallow");
}

TEST(Lexer, UnsupportedCharactersAreIgnoredWithAWarning) {
  auto l = lex("config A ; B\n");
  EXPECT_EQ(kinds(l), (std::vector<Tok>{Tok::Config, Tok::Word, Tok::Word, Tok::Eol, Tok::End}));
  ASSERT_EQ(l.warnings.size(), 1u);
  EXPECT_EQ(l.warnings[0], "Kconfig:1:warning: ignoring unsupported character ';'");
}

TEST(Lexer, MissingNewlineAtEndOfFileIsAWarning) {
  auto l = lex("config A");
  ASSERT_EQ(l.warnings.size(), 1u);
  EXPECT_EQ(l.warnings[0], "Kconfig:1:warning: no new line at end of file");
}

}  // namespace
}  // namespace tailor::kconfig
