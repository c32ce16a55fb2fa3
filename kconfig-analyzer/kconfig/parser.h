// Recursive-descent parser for the Kconfig language: reads the top-level
// Kconfig file and everything it sources, and builds the menu tree, symbols
// and properties of a Model. finalize() (finalize.h) then completes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "kconfig-analyzer/kconfig/diagnostics.h"
#include "kconfig-analyzer/kconfig/lexer.h"
#include "kconfig-analyzer/kconfig/model.h"
#include "kconfig-analyzer/kconfig/preprocessor.h"
#include "kconfig-analyzer/kconfig/source_files.h"

namespace tailor::kconfig {

// Limits on what one Kconfig tree may nest, far above what Linux uses (its
// deepest blocks nest about 10 levels, its longest dependencies have some
// tens of operands) and low enough that every recursive walk of the tree
// stays well inside a thread's stack. Exceeding one is an error naming the
// file and line, where conf would overflow its parser stack or crash.
inline constexpr int kMaxBlockNesting = 1000;   // menu/if/choice blocks inside each other
inline constexpr int kMaxExprNesting = 1000;    // '!' and '(' inside each other in one expression
inline constexpr uint32_t kMaxExprOperands = 1000;  // operands of one expression, and of an entry's
                                                    // dependencies with those of its menus and ifs

class Parser {
 public:
  Parser(Model& model, FileSource& files, Preprocessor& pp, Diagnostics& diag);

  // Parses `top` (e.g. "Kconfig"). Syntax errors are collected in the
  // diagnostics; afterwards a KconfigError lists them. A missing top file or
  // source file, or recursive inclusion, throws at once.
  void parse(const std::string& top);

 private:
  // statements
  void parse_statements(bool in_choice, Tok terminator_hint);
  bool parse_statement(bool in_choice);
  void parse_mainmenu();
  void parse_assignment(std::string name);
  void parse_config(bool menuconfig, bool in_choice);
  void parse_config_options(bool in_choice);
  void parse_choice();
  void parse_comment();
  void parse_menu();
  void parse_if(bool in_choice);
  void parse_source(Tok kind, const std::string& keyword);
  void parse_help();
  void parse_depends();
  bool parse_end(const char* expected, MenuId block);
  // expressions
  ExprId parse_expr();
  ExprId parse_and();
  ExprId parse_unary();
  ExprId parse_if_expr();
  SymbolId parse_symbol();
  SymbolId parse_nonconst_symbol();

  // token stream
  const Token& peek();
  Token take();
  bool accept(Tok k);
  Token expect(Tok k, const char* what);
  void expect_eol(const char* after);
  void syntax_error(const std::string& message);
  void skip_to_eol();

  // the menu under construction (conf's menu_add_* helpers)
  void add_entry(SymbolId sym);
  void open_block();
  void close_block();
  PropId add_prop(PropKind kind, ExprId expr, ExprId dep);
  PropId add_prompt(PropKind kind, std::string text, ExprId dep);
  void set_type(SymbolType t);
  void add_dep(ExprId dep);
  FileId file_id(const std::string& name);
  void open_file(const std::string& name, bool optional);
  std::string where() const;
  void warn(const std::string& message);
  [[noreturn]] void limit_error(const std::string& message);
  // Checks an entry's combined dependency or prompt condition.
  void check_operands(ExprId e, const char* what);

  Model& m_;
  FileSource& files_;
  Preprocessor& pp_;
  Diagnostics& diag_;
  Lexer lex_;
  std::optional<Token> la_;
  std::unordered_map<std::string, FileId> file_ids_;
  MenuId current_menu_ = Model::kRootMenu;
  MenuId current_entry_ = Model::kRootMenu;
  // Where the next entry is linked: the `list` of a block or the `next` of
  // the last entry.
  MenuId slot_owner_ = Model::kRootMenu;
  bool slot_is_list_ = true;
  MenuId current_choice_ = kNone;  // Modern: the choice block being read
  bool modules_seen_ = false;
  int block_depth_ = 0;       // open menu/if/choice blocks
  int expr_nesting_ = 0;      // '!' and '(' being parsed
  uint32_t expr_operands_ = 0;  // operands of the expression being parsed
};

}  // namespace tailor::kconfig
