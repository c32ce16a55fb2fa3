// Tokenizer for Kconfig files. One token stream over a stack of files (the
// parser pushes a file for each `source`). Words containing "$(...)" and
// references inside strings are expanded on the fly by the preprocessor, as
// the reference lexer does; help text is read in a separate mode that the
// parser switches on after `help`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/kconfig/diagnostics.h"
#include "kconfig-analyzer/kconfig/preprocessor.h"
#include "kconfig-analyzer/kconfig/types.h"

namespace tailor::kconfig {

enum class Tok : uint8_t {
  End,  // no more input
  Eol,
  HelpText,
  Word,
  WordQuote,
  AssignVal,
  // keywords
  Bool, Choice, Comment, Config, DefBool, DefTristate, Default, Depends, EndChoice, EndIf, EndMenu, Help,
  Hex, If, Imply, Int, MainMenu, Menu, MenuConfig, Modules, On, Optional, Prompt, Range, Select, Source,
  String, Tristate, Visible,
  // operators
  Or, And, Equal, Unequal, Less, LessEqual, Greater, GreaterEqual, Not, OpenParen, CloseParen,
  ColonEqual, PlusEqual,
};

// How a token is named in "expected ..." messages.
std::string_view tok_name(Tok t);

struct Token {
  Tok kind = Tok::End;
  std::string text;
  int line = 0;  // line where the token starts
};

class Lexer {
 public:
  Lexer(Preprocessor& pp, Diagnostics& diag, Dialect dialect) : pp_(pp), diag_(diag), dialect_(dialect) {}

  // Starts reading `content` as file `name`; tokens continue with the
  // including file when it ends.
  void push_file(std::string name, std::string content, FileId id);
  bool in_file(std::string_view name) const;  // is `name` open (recursive source)?
  // The chain of open files, innermost first, as "name:line".
  std::vector<std::string> include_chain() const;

  Token next();
  // Reads a help text block; call right after the Eol that follows `help`.
  Token read_help();

  // File and line of the first token of the current statement.
  FileId stmt_file() const { return stmt_file_; }
  int stmt_line() const { return stmt_line_; }
  const std::string& stmt_file_name() const { return stmt_file_name_; }
  // The file being read now (innermost) and its current line.
  const std::string& current_file_name() const;
  int current_line() const;

 private:
  struct Frame {
    std::string name;
    FileId id = kNone;
    std::string content;
    size_t pos = 0;
    int line = 1;
    std::string pushback;  // text given back after an expansion, read before `content`
    size_t pb = 0;
  };

  Token next_raw();
  Token scan_string(char quote);
  Token scan_word();
  int at(size_t k) const;  // char at offset k from the read position, -1 at end of file
  void skip(size_t n);
  std::string take_line();  // the rest of the line, without the newline
  void unput(std::string s);
  void sync_context();
  Token make(Tok k, std::string text = {}) const;

  Preprocessor& pp_;
  Diagnostics& diag_;
  Dialect dialect_;
  std::vector<Frame> frames_;
  bool assign_mode_ = false;
  Tok prev_ = Tok::Eol, prev_prev_ = Tok::Eol;
  FileId stmt_file_ = kNone;
  int stmt_line_ = 0;
  std::string stmt_file_name_;
  int tok_line_ = 0;  // where the token being scanned starts
};

}  // namespace tailor::kconfig
