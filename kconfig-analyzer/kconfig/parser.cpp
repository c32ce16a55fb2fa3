// Kconfig parser (see parser.h). Grammar: kconfig-language.rst; each
// statement kind has its own method, and the menu tree is built the way the
// reference does it (an entry per definition site, blocks as children).
#include "kconfig-analyzer/kconfig/parser.h"

#include <cctype>

#include "kconfig-analyzer/kconfig/nesting_guard.h"

namespace tailor::kconfig {

namespace {

// Thrown after a syntax error has been recorded, to get back to the start of
// the next statement.
struct SyntaxAbort {};

constexpr size_t kMaxErrors = 30;

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

}  // namespace

Parser::Parser(Model& model, FileSource& files, Preprocessor& pp, Diagnostics& diag)
    : m_(model), files_(files), pp_(pp), diag_(diag), lex_(pp, diag, model.dialect) {}

// ---------------------------------------------------------------- tokens

const Token& Parser::peek() {
  if (!la_) la_ = lex_.next();
  return *la_;
}

Token Parser::take() {
  peek();
  Token t = std::move(*la_);
  la_.reset();
  return t;
}

bool Parser::accept(Tok k) {
  if (peek().kind != k) return false;
  take();
  return true;
}

std::string Parser::where() const { return lex_.stmt_file_name() + ":" + std::to_string(lex_.stmt_line()); }

void Parser::warn(const std::string& message) { diag_.warn(where() + ":warning: " + message); }

void Parser::limit_error(const std::string& message) { throw KconfigError(where() + ": " + message); }

void Parser::check_operands(ExprId e, const char* what) {
  if (expr_size(m_.exprs, e).leaves > kMaxExprOperands)
    limit_error(std::string(what) + " has more than " + std::to_string(kMaxExprOperands) + " operands");
}

void Parser::syntax_error(const std::string& message) {
  diag_.error(lex_.current_file_name() + ":" + std::to_string(peek().line) + ": " + message);
  if (diag_.errors.size() >= kMaxErrors) throw KconfigError(diag_.errors.front() + "\n(too many errors)");
  throw SyntaxAbort{};
}

Token Parser::expect(Tok k, const char* what) {
  if (peek().kind != k) {
    const Token& t = peek();
    std::string found = std::string(tok_name(t.kind));
    if ((t.kind == Tok::Word || t.kind == Tok::WordQuote) && !t.text.empty()) found += " \"" + t.text + "\"";
    syntax_error(std::string("syntax error: expected ") + what + ", found " + found);
  }
  return take();
}

void Parser::expect_eol(const char* after) {
  if (peek().kind == Tok::Eol) {
    take();
    return;
  }
  if (peek().kind == Tok::End) return;  // the file ended without a newline
  const Token& t = peek();
  std::string found = std::string(tok_name(t.kind));
  if ((t.kind == Tok::Word || t.kind == Tok::WordQuote) && !t.text.empty()) found += " \"" + t.text + "\"";
  syntax_error(std::string("syntax error: expected end of line after ") + after + ", found " + found);
}

void Parser::skip_to_eol() {
  for (;;) {
    Tok k = peek().kind;
    if (k == Tok::End) return;
    take();
    if (k == Tok::Eol) return;
  }
}

// ---------------------------------------------------------------- menu building

FileId Parser::file_id(const std::string& name) {
  auto it = file_ids_.find(name);
  if (it != file_ids_.end()) return it->second;
  FileId id = static_cast<FileId>(m_.files.size());
  m_.files.push_back(name);
  file_ids_.emplace(name, id);
  return id;
}

void Parser::add_entry(SymbolId sym) {
  MenuNode node;
  node.sym = sym;
  node.parent = current_menu_;
  node.loc = {lex_.stmt_file(), lex_.stmt_line()};
  MenuId id = static_cast<MenuId>(m_.menus.size());
  m_.menus.push_back(std::move(node));
  if (slot_is_list_)
    m_.menus[slot_owner_].list = id;
  else
    m_.menus[slot_owner_].next = id;
  slot_owner_ = id;
  slot_is_list_ = false;
  current_entry_ = id;
  if (sym != kNoSymbol) m_.sym(sym).menus.push_back(id);
}

void Parser::open_block() {
  slot_owner_ = current_entry_;
  slot_is_list_ = true;
  current_menu_ = current_entry_;
}

void Parser::close_block() {
  slot_owner_ = current_menu_;
  slot_is_list_ = false;
  current_menu_ = m_.menus[current_menu_].parent;
}

PropId Parser::add_prop(PropKind kind, ExprId expr, ExprId dep) {
  Property p;
  p.kind = kind;
  p.expr = expr;
  p.visible = dep;
  p.menu = current_entry_;
  p.loc = {lex_.stmt_file(), lex_.stmt_line()};
  PropId id = static_cast<PropId>(m_.props.size());
  m_.props.push_back(std::move(p));
  SymbolId sym = m_.menus[current_entry_].sym;
  if (sym != kNoSymbol) m_.sym(sym).props.push_back(id);
  return id;
}

PropId Parser::add_prompt(PropKind kind, std::string text, ExprId dep) {
  PropId id = add_prop(kind, kNoExpr, dep);
  if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) {
    warn("leading whitespace ignored");
    size_t i = 0;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    text.erase(0, i);
  }
  if (m_.menus[current_entry_].prompt != kNone) warn("prompt redefined");
  if (kind == PropKind::Prompt) {
    // A prompt is only visible where every enclosing menu's `visible if` holds.
    for (MenuId up = m_.menus[current_entry_].parent; up != kNone; up = m_.menus[up].parent) {
      ExprId vis = m_.menus[up].visibility;
      if (vis == kNoExpr) continue;
      ExprId copy = m_.exprs.copy(vis);
      m_.props[id].visible = m_.exprs.make_and(m_.props[id].visible, copy);
      check_operands(m_.props[id].visible, "the prompt's condition with the menus' 'visible if'");
    }
  }
  m_.menus[current_entry_].prompt = id;
  m_.props[id].text = std::move(text);
  return id;
}

void Parser::set_type(SymbolType t) {
  SymbolId s = m_.menus[current_entry_].sym;
  Symbol& sym = m_.sym(s);
  if (sym.type == t) return;
  if (sym.type == SymbolType::Unknown) {
    sym.type = t;
    return;
  }
  const MenuNode& n = m_.menus[current_entry_];
  diag_.warn(m_.where(n.loc) + ":warning: ignoring type redefinition of '" +
             (sym.name.empty() ? std::string("<choice>") : sym.name) + "' from '" + std::string(type_name(sym.type)) +
             "' to '" + std::string(type_name(t)) + "'");
}

void Parser::add_dep(ExprId dep) {
  MenuNode& n = m_.menus[current_entry_];
  n.dep = m_.exprs.make_and(n.dep, dep);
  if (dep != n.dep) check_operands(n.dep, "the entry's 'depends on' taken together");
}

void Parser::open_file(const std::string& name, bool optional) {
  std::optional<std::string> content = files_.read(name);
  if (!content) {
    if (optional) return;
    if (lex_.current_file_name() == "<none>") throw KconfigError("can't find file " + name);
    throw KconfigError(where() + ": can't open file \"" + name + "\" (sourced here)");
  }
  if (lex_.in_file(name)) {
    std::string msg = "Recursive inclusion detected.\nInclusion path:\n  current file : " + name;
    for (const std::string& f : lex_.include_chain()) msg += "\n  included from: " + f;
    throw KconfigError(msg);
  }
  lex_.push_file(name, std::move(*content), file_id(name));
}

// ---------------------------------------------------------------- statements

void Parser::parse(const std::string& top) {
  open_file(top, false);
  if (peek().kind == Tok::MainMenu) {
    try {
      parse_mainmenu();
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
  for (;;) {
    parse_statements(false, Tok::End);
    Tok k = peek().kind;
    if (k == Tok::End) break;
    // An end keyword with no open block.
    try {
      syntax_error("syntax error: unexpected '" + std::string(tok_name(k)) + "'");
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
  if (!diag_.errors.empty()) {
    std::string msg;
    for (const auto& e : diag_.errors) msg += (msg.empty() ? "" : "\n") + e;
    throw KconfigError(msg);
  }
  if (!modules_seen_) m_.modules_sym = kSymNo;
  if (m_.menus[Model::kRootMenu].prompt == kNone) {
    current_entry_ = Model::kRootMenu;
    add_prompt(PropKind::Menu, "Main menu", kNoExpr);
  }
}

void Parser::parse_statements(bool in_choice, Tok) {
  for (;;) {
    Tok k = peek().kind;
    if (k == Tok::End || k == Tok::EndMenu || k == Tok::EndChoice || k == Tok::EndIf) return;
    try {
      parse_statement(in_choice);
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
}

bool Parser::parse_statement(bool in_choice) {
  const Token& t = peek();
  switch (t.kind) {
    case Tok::Config: parse_config(false, in_choice); return true;
    case Tok::Comment: parse_comment(); return true;
    case Tok::If: parse_if(in_choice); return true;
    case Tok::MenuConfig:
      if (in_choice) break;
      parse_config(true, false);
      return true;
    case Tok::Choice:
      if (in_choice) break;
      parse_choice();
      return true;
    case Tok::Menu:
      if (in_choice) break;
      parse_menu();
      return true;
    case Tok::Source:
      if (in_choice) break;
      parse_source(Tok::Source, "source");
      return true;
    case Tok::Word: {
      if (in_choice) break;
      Token name = take();
      Tok k = peek().kind;
      if (k == Tok::Equal || k == Tok::ColonEqual || k == Tok::PlusEqual) {
        parse_assignment(name.text);
        return true;
      }
      // Kconfiglib's source variants: rsource (relative to this file),
      // osource (optional), orsource.
      if ((name.text == "rsource" || name.text == "osource" || name.text == "orsource") && k == Tok::WordQuote) {
        parse_source(Tok::Word, name.text);
        return true;
      }
      syntax_error("unknown statement \"" + name.text + "\"");
      return false;
    }
    default: break;
  }
  syntax_error(in_choice ? "invalid statement in a choice block: " + std::string(tok_name(t.kind))
                         : "invalid statement: unexpected " + std::string(tok_name(t.kind)));
  return false;
}

void Parser::parse_mainmenu() {
  take();
  Token text = expect(Tok::WordQuote, "the main menu's title in quotes");
  expect_eol("mainmenu");
  add_prompt(PropKind::Menu, text.text, kNoExpr);
}

void Parser::parse_assignment(std::string name) {
  Tok op = take().kind;
  std::string value;
  if (peek().kind == Tok::AssignVal) value = take().text;
  expect_eol("an assignment");
  VarFlavor flavor = op == Tok::Equal ? VarFlavor::Recursive : op == Tok::ColonEqual ? VarFlavor::Simple : VarFlavor::Append;
  pp_.set_context({lex_.current_file_name(), lex_.current_line()});
  pp_.add_variable(pp_.resolve(name), value, flavor);
}

void Parser::parse_config(bool menuconfig, bool) {
  take();
  SymbolId sym = parse_nonconst_symbol();
  expect_eol(menuconfig ? "menuconfig NAME" : "config NAME");
  if (m_.dialect == Dialect::Classic) m_.sym(sym).flags |= kSymOptional;
  add_entry(sym);
  parse_config_options(false);
  MenuNode& entry = m_.menus[current_entry_];
  if (menuconfig) {
    if (entry.prompt != kNone)
      m_.props[entry.prompt].kind = PropKind::Menu;
    else
      diag_.warn(where() + ": warning: menuconfig statement without prompt");
  }
  if (m_.dialect == Dialect::Modern && current_choice_ != kNone) {
    Symbol& s = m_.sym(sym);
    if (entry.prompt == kNone) diag_.error(m_.where(entry.loc) + ": error: choice member must have a prompt");
    if (s.type != SymbolType::Bool) diag_.error(m_.where(entry.loc) + ": error: choice member must be bool");
    if (!s.in_choice_list) {
      s.in_choice_list = true;
      m_.menus[current_choice_].choice_members.push_back(sym);
    }
  }
}

void Parser::parse_config_options(bool) {
  for (;;) {
    try {
      switch (peek().kind) {
        case Tok::Bool:
        case Tok::Tristate:
        case Tok::Int:
        case Tok::Hex:
        case Tok::String: {
          Tok k = take().kind;
          SymbolType t = k == Tok::Bool       ? SymbolType::Bool
                         : k == Tok::Tristate ? SymbolType::Tristate
                         : k == Tok::Int      ? SymbolType::Int
                         : k == Tok::Hex      ? SymbolType::Hex
                                              : SymbolType::String;
          if (peek().kind == Tok::WordQuote) {
            std::string text = take().text;
            ExprId dep = parse_if_expr();
            add_prompt(PropKind::Prompt, std::move(text), dep);
          }
          expect_eol("the type");
          set_type(t);
          break;
        }
        case Tok::Prompt: {
          take();
          std::string text = expect(Tok::WordQuote, "the prompt text in quotes").text;
          ExprId dep = parse_if_expr();
          expect_eol("the prompt");
          add_prompt(PropKind::Prompt, std::move(text), dep);
          break;
        }
        case Tok::Default:
        case Tok::DefBool:
        case Tok::DefTristate: {
          Tok k = take().kind;
          ExprId value = parse_expr();
          ExprId dep = parse_if_expr();
          expect_eol("the default");
          add_prop(PropKind::Default, value, dep);
          if (k == Tok::DefBool) set_type(SymbolType::Bool);
          if (k == Tok::DefTristate) set_type(SymbolType::Tristate);
          break;
        }
        case Tok::Select:
        case Tok::Imply: {
          Tok k = take().kind;
          SymbolId target = parse_nonconst_symbol();
          ExprId dep = parse_if_expr();
          expect_eol(k == Tok::Select ? "select SYMBOL" : "imply SYMBOL");
          add_prop(k == Tok::Select ? PropKind::Select : PropKind::Imply, m_.exprs.symbol(target), dep);
          break;
        }
        case Tok::Range: {
          take();
          SymbolId lo = parse_symbol();
          SymbolId hi = parse_symbol();
          ExprId dep = parse_if_expr();
          expect_eol("range LOW HIGH");
          add_prop(PropKind::Range, m_.exprs.compare(ExprKind::Range, lo, hi), dep);
          break;
        }
        case Tok::Modules: {
          take();
          expect_eol("modules");
          SymbolId sym = m_.menus[current_entry_].sym;
          if (modules_seen_) {
            diag_.error(where() + ": symbol '" + m_.sym(sym).name + "' redefines option 'modules' already defined by symbol '" +
                        m_.sym(m_.modules_sym).name + "'");
          }
          modules_seen_ = true;
          m_.modules_sym = sym;
          break;
        }
        case Tok::Depends: parse_depends(); break;
        case Tok::Help: parse_help(); break;
        default: return;
      }
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
}

void Parser::parse_choice() {
  take();
  std::string name;
  if (m_.dialect == Dialect::Classic && peek().kind == Tok::Word) name = take().text;
  expect_eol("choice");
  SymbolId sym = m_.lookup_choice(name);
  MenuId block;
  if (m_.dialect == Dialect::Classic) {
    m_.sym(sym).flags |= kSymNoWrite;
    add_entry(sym);
  } else {
    add_entry(sym);
    set_type(SymbolType::Bool);
  }
  block = current_entry_;
  for (bool more = true; more;) {
    try {
      switch (peek().kind) {
        case Tok::Prompt: {
          take();
          std::string text = expect(Tok::WordQuote, "the prompt text in quotes").text;
          ExprId dep = parse_if_expr();
          expect_eol("the prompt");
          add_prompt(PropKind::Prompt, std::move(text), dep);
          break;
        }
        case Tok::Bool:
        case Tok::Tristate: {
          Tok k = take().kind;
          if (m_.dialect == Dialect::Modern) {
            if (k == Tok::Tristate) syntax_error("syntax error: a choice is bool (tristate choices were removed in Linux 6.11)");
            std::string text = expect(Tok::WordQuote, "the choice's prompt in quotes").text;
            ExprId dep = parse_if_expr();
            expect_eol("the prompt");
            add_prompt(PropKind::Prompt, std::move(text), dep);
          } else {
            if (peek().kind == Tok::WordQuote) {
              std::string text = take().text;
              ExprId dep = parse_if_expr();
              add_prompt(PropKind::Prompt, std::move(text), dep);
            }
            expect_eol("the type");
            set_type(k == Tok::Bool ? SymbolType::Bool : SymbolType::Tristate);
          }
          break;
        }
        case Tok::Optional:
          take();
          expect_eol("optional");
          m_.sym(sym).flags |= kSymOptional;
          break;
        case Tok::Default: {
          take();
          SymbolId target = parse_nonconst_symbol();
          ExprId dep = parse_if_expr();
          expect_eol("the default");
          add_prop(PropKind::Default, m_.exprs.symbol(target), dep);
          break;
        }
        case Tok::Depends: parse_depends(); break;
        case Tok::Help: parse_help(); break;
        default: more = false; break;
      }
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
  if (m_.dialect == Dialect::Modern && m_.menus[block].prompt == kNone)
    diag_.error(m_.where(m_.menus[block].loc) + ": error: choice must have a prompt");
  NestingGuard nesting(block_depth_);
  if (block_depth_ > kMaxBlockNesting)
    throw KconfigError(m_.where(m_.menus[block].loc) + ": blocks nested more than " +
                       std::to_string(kMaxBlockNesting) + " deep (choice)");
  open_block();
  MenuId saved_choice = current_choice_;
  if (m_.dialect == Dialect::Modern) current_choice_ = block;
  parse_statements(true, Tok::EndChoice);
  current_choice_ = saved_choice;
  parse_end("choice", block);
}

void Parser::parse_comment() {
  take();
  std::string text = expect(Tok::WordQuote, "the comment text in quotes").text;
  expect_eol("the comment");
  add_entry(kNoSymbol);
  add_prompt(PropKind::Comment, std::move(text), kNoExpr);
  while (peek().kind == Tok::Depends) {
    try {
      parse_depends();
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
}

void Parser::parse_menu() {
  take();
  std::string text = expect(Tok::WordQuote, "the menu title in quotes").text;
  expect_eol("the menu title");
  add_entry(kNoSymbol);
  add_prompt(PropKind::Menu, std::move(text), kNoExpr);
  MenuId block = current_entry_;
  for (bool more = true; more;) {
    try {
      switch (peek().kind) {
        case Tok::Visible: {
          take();
          ExprId dep = parse_if_expr();
          expect_eol("visible if");
          MenuNode& n = m_.menus[current_entry_];
          n.visibility = m_.exprs.make_and(n.visibility, dep);
          if (dep != n.visibility) check_operands(n.visibility, "the menu's 'visible if' taken together");
          break;
        }
        case Tok::Depends: parse_depends(); break;
        default: more = false; break;
      }
    } catch (const SyntaxAbort&) {
      skip_to_eol();
    }
  }
  NestingGuard nesting(block_depth_);
  if (block_depth_ > kMaxBlockNesting)
    throw KconfigError(m_.where(m_.menus[block].loc) + ": blocks nested more than " +
                       std::to_string(kMaxBlockNesting) + " deep (menu)");
  open_block();
  parse_statements(false, Tok::EndMenu);
  parse_end("menu", block);
}

void Parser::parse_if(bool in_choice) {
  take();
  ExprId cond = parse_expr();
  expect_eol("if EXPRESSION");
  add_entry(kNoSymbol);
  add_dep(cond);
  MenuId block = current_entry_;
  NestingGuard nesting(block_depth_);
  if (block_depth_ > kMaxBlockNesting)
    throw KconfigError(m_.where(m_.menus[block].loc) + ": blocks nested more than " +
                       std::to_string(kMaxBlockNesting) + " deep (if)");
  open_block();
  parse_statements(in_choice, Tok::EndIf);
  parse_end("if", block);
}

bool Parser::parse_end(const char* expected, MenuId block) {
  if (peek().kind == Tok::End) {
    diag_.error(m_.where(m_.menus[block].loc) + ": missing end statement for this entry");
    close_block();
    return false;
  }
  Tok k = take().kind;
  const char* got = k == Tok::EndMenu ? "menu" : k == Tok::EndChoice ? "choice" : "if";
  try {
    expect_eol(k == Tok::EndMenu ? "endmenu" : k == Tok::EndChoice ? "endchoice" : "endif");
  } catch (const SyntaxAbort&) {
    skip_to_eol();
  }
  if (std::string_view(got) != expected) {
    diag_.error(where() + ": unexpected 'end" + std::string(got) + "' within " + expected + " block");
  } else if (m_.menus[block].loc.file != lex_.stmt_file()) {
    diag_.error(where() + ": 'end" + std::string(got) + "' in different file than '" + expected + "'\n" +
                m_.where(m_.menus[block].loc) + ": location of the '" + expected + "'");
  }
  close_block();
  return true;
}

void Parser::parse_source(Tok kind, const std::string& keyword) {
  if (kind == Tok::Source) take();
  std::string path = pp_.resolve(expect(Tok::WordQuote, "the file name in quotes").text);
  expect_eol("source \"FILE\"");
  bool optional = keyword == "osource" || keyword == "orsource";
  bool relative = keyword == "rsource" || keyword == "orsource";
  if (relative && (path.empty() || path[0] != '/')) {
    const std::string& cur = lex_.current_file_name();
    size_t slash = cur.rfind('/');
    if (slash != std::string::npos) path = cur.substr(0, slash + 1) + path;
  }
  // A literal name first, as conf does; a glob pattern only when nothing has that name.
  if (has_glob_chars(path) && !files_.read(path)) {
    std::vector<std::string> matches = files_.glob(path);
    if (matches.empty() && !optional) throw KconfigError(where() + ": no file matches \"" + path + "\" (sourced here)");
    // Later files are read first from the lexer's stack, so push in reverse.
    for (auto it = matches.rbegin(); it != matches.rend(); ++it) open_file(*it, false);
    return;
  }
  open_file(path, optional);
}

void Parser::parse_help() {
  Token help = take();
  std::string loc = where();
  expect_eol("help");
  Token text = lex_.read_help();
  MenuNode& n = m_.menus[current_entry_];
  std::string name = n.sym != kNoSymbol && !m_.sym(n.sym).name.empty() ? m_.sym(n.sym).name : "<choice>";
  if (n.has_help)
    diag_.warn(loc + ": warning: '" + name + "' defined with more than one help text -- only the last one will be used");
  if (text.text.find_first_not_of(" \f\n\r\t\v") == std::string::npos)
    diag_.warn(loc + ": warning: '" + name + "' defined with blank help text");
  n.help = std::move(text.text);
  n.has_help = true;
}

void Parser::parse_depends() {
  take();
  expect(Tok::On, "'on' after 'depends'");
  ExprId e = parse_expr();
  expect_eol("depends on EXPRESSION");
  add_dep(e);
}

// ---------------------------------------------------------------- expressions

ExprId Parser::parse_if_expr() {
  if (!accept(Tok::If)) return kNoExpr;
  return parse_expr();
}

ExprId Parser::parse_expr() {
  if (expr_nesting_ == 0) expr_operands_ = 0;
  ExprId left = parse_and();
  while (accept(Tok::Or)) {
    ExprId right = parse_and();
    left = m_.exprs.binary(ExprKind::Or, left, right);
  }
  return left;
}

ExprId Parser::parse_and() {
  ExprId left = parse_unary();
  while (accept(Tok::And)) {
    ExprId right = parse_unary();
    left = m_.exprs.binary(ExprKind::And, left, right);
  }
  return left;
}

ExprId Parser::parse_unary() {
  Tok k = peek().kind;
  if (k == Tok::Not || k == Tok::OpenParen) {
    NestingGuard nesting(expr_nesting_);
    if (expr_nesting_ > kMaxExprNesting)
      limit_error("expression nested more than " + std::to_string(kMaxExprNesting) + " deep ('!' and '(')");
    take();
    if (k == Tok::Not) return m_.exprs.unary(ExprKind::Not, parse_unary());
    ExprId inner = parse_expr();
    expect(Tok::CloseParen, "')'");
    return inner;
  }
  if (++expr_operands_ > kMaxExprOperands)
    limit_error("expression has more than " + std::to_string(kMaxExprOperands) + " operands");
  SymbolId a = parse_symbol();
  ExprKind op;
  switch (peek().kind) {
    case Tok::Equal: op = ExprKind::Equal; break;
    case Tok::Unequal: op = ExprKind::Unequal; break;
    case Tok::Less: op = ExprKind::Less; break;
    case Tok::LessEqual: op = ExprKind::LessEqual; break;
    case Tok::Greater: op = ExprKind::Greater; break;
    case Tok::GreaterEqual: op = ExprKind::GreaterEqual; break;
    default: return m_.exprs.symbol(a);
  }
  take();
  SymbolId b = parse_symbol();
  return m_.exprs.compare(op, a, b);
}

SymbolId Parser::parse_symbol() {
  const Token& t = peek();
  if (t.kind == Tok::Word) return m_.lookup(take().text, false);
  if (t.kind == Tok::WordQuote) return m_.lookup(take().text, true);
  expect(Tok::Word, "a symbol or a quoted value");
  return kNoSymbol;
}

SymbolId Parser::parse_nonconst_symbol() {
  Token t = expect(Tok::Word, "a symbol name");
  return m_.lookup(t.text, false);
}

}  // namespace tailor::kconfig
