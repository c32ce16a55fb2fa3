// The parsed Kconfig tree: symbols, their properties, the menu tree and the
// expression pool, each element carrying the file and line it came from.
// Built by the parser and finalize(); read-only afterwards, so any number of
// evaluations (kconfig-analyzer/kconfig/evaluator.h) can share one Model.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/kconfig/expr.h"
#include "kconfig-analyzer/kconfig/name_index.h"
#include "kconfig-analyzer/kconfig/types.h"

namespace tailor::kconfig {

// Symbol flags fixed by parsing and finalizing.
enum SymbolFlag : uint32_t {
  kSymConst = 1u << 0,      // a literal: y/m/n or a quoted string or number
  kSymChoice = 1u << 1,     // the symbol that stands for a choice block
  kSymChoiceVal = 1u << 2,  // Classic: a member of a choice (set by finalize)
  kSymOptional = 1u << 3,   // Classic: a config symbol, or an `optional` choice
  kSymNoWrite = 1u << 4,    // Classic: choices are never written
  kSymWarned = 1u << 5,     // finalize already checked this symbol's properties
};

// How deep the finished menu tree may nest: the source's blocks (at most
// kMaxBlockNesting, parser.h) plus the automatic submenus finalize() makes of
// entries that depend on the entry before them. Walks over menus recurse
// once per level.
inline constexpr int kMaxMenuDepth = 2000;

// How deep evaluating one symbol may recurse: conf's evaluation, which the
// engine follows step by step, computes a symbol's dependencies from within
// its own computation, so the stack grows along the longest chain of symbols
// whose values need each other. Each symbol on the chain counts
// kEvalLinkWeight (its computation takes about four frames, an expression
// level about one) plus the depth of its deepest expression. Linux 6.1 and
// 6.12 need 3,530 and 3,888 (long `select` chains); at the limit the unit
// tests pass under ASan with an 8 MiB stack.
inline constexpr uint32_t kMaxEvalDepth = 12000;
inline constexpr uint32_t kEvalLinkWeight = 4;

enum class PropKind : uint8_t { Prompt, Comment, Menu, Default, Choice, Select, Imply, Range };

struct Location {
  FileId file = kNone;
  int line = 0;
};

struct Property {
  PropKind kind = PropKind::Prompt;
  std::string text;          // prompt/menu/comment text
  ExprId visible = kNoExpr;  // the condition (`if ...`), with the menu's dependencies after finalize
  ExprId expr = kNoExpr;     // default value, select/imply target, range (Range node)
  MenuId menu = kNone;       // the definition site it belongs to
  Location loc;
};

struct MenuNode {
  MenuId parent = kNone;
  MenuId next = kNone;
  MenuId list = kNone;  // first child
  SymbolId sym = kNoSymbol;
  PropId prompt = kNone;
  ExprId visibility = kNoExpr;  // `visible if`
  ExprId dep = kNoExpr;         // `depends on` (with the parents' after finalize)
  std::string help;
  bool has_help = false;
  Location loc;
  // Modern: for a choice's menu node, its members in definition order.
  std::vector<SymbolId> choice_members;
};

struct Symbol {
  std::string name;  // empty for unnamed choices
  SymbolType type = SymbolType::Unknown;
  uint32_t flags = 0;
  std::vector<PropId> props;  // every property, in definition order
  std::vector<MenuId> menus;  // definition sites, in order
  ExprId dir_dep = kNoExpr;   // OR of the dependencies of each definition
  ExprId rev_dep = kNoExpr;   // selects pointing here
  ExprId implied = kNoExpr;   // implies pointing here
  // Derived after finalize for quick access by the evaluator.
  std::vector<PropId> prompts, defaults, ranges;
  SymbolId choice = kNoSymbol;    // for members: their choice
  MenuId choice_menu = kNone;     // Modern: for members, the choice's menu node
  bool in_choice_list = false;    // Modern: listed as a member of a choice block
  std::vector<SymbolId> members;  // for choices: members (Classic: E_LIST order)
  // Modern, for choices: the symbols of every entry under the choice, in menu order.
  std::vector<SymbolId> subtree;
  StrId name_str = 0;             // the name as a value (unknown symbols evaluate to their name)
  uint32_t seq = 0;               // creation order, for conf's symbol-table walk order
};

class Model;

// The deepest evaluation a model can ask for (see kMaxEvalDepth), and the
// symbol it starts from. Edges that close a cycle are not followed (finalize
// reports cycles); computed without recursion.
struct EvalDepth {
  uint32_t depth = 0;
  SymbolId from = kNoSymbol;
};
EvalDepth evaluation_depth(const Model& m);

class Model {
 public:
  Model();

  Dialect dialect = Dialect::Classic;
  std::vector<Symbol> symbols;
  std::vector<Property> props;
  std::vector<MenuNode> menus;  // menus[0] is the root menu
  // After finalize: each distinct expression once, operands before the
  // expressions that use them (an operand's id is smaller), read-only.
  ExprPool exprs;
  std::vector<std::string> files;
  SymbolId modules_sym = kSymNo;
  // Symbols in the order conf's for_all_symbols() visits them (its hash table
  // walk), constants excluded. Computed by finalize.
  std::vector<SymbolId> walk_order;

  static constexpr MenuId kRootMenu = 0;

  // conf's sym_lookup: finds or creates a symbol. `is_const` for quoted
  // literals. One-letter y/m/n are the builtin constants.
  SymbolId lookup(std::string_view name, bool is_const);
  // A new choice symbol (Classic named choices merge with an existing one).
  SymbolId lookup_choice(std::string_view name);
  // conf's sym_find: an existing non-constant symbol, or kNoSymbol.
  SymbolId find(std::string_view name) const;

  const Symbol& sym(SymbolId s) const { return symbols[s]; }
  Symbol& sym(SymbolId s) { return symbols[s]; }
  bool is_choice(SymbolId s) const { return symbols[s].flags & kSymChoice; }
  // Classic: flag set by finalize. Modern: member of a choice block.
  bool is_choice_value(SymbolId s) const {
    return dialect == Dialect::Classic ? (symbols[s].flags & kSymChoiceVal) != 0 : symbols[s].in_choice_list;
  }
  const std::string& file_name(FileId f) const { return files[f]; }
  std::string where(const Location& l) const;  // "file:line"

  // Model strings used as values: the common values below, then each
  // distinct symbol name (unknown symbols evaluate to their name).
  std::string_view str(StrId id) const {
    return id < kCommonStrings ? kCommon[id] : std::string_view(symbols[string_owner_[id - kCommonStrings]].name);
  }
  size_t string_count() const { return kCommonStrings + string_owner_.size(); }

  // After `symbols` were filled from elsewhere (the tree cache): rebuilds the
  // interned strings and the name tables, as the lookups that created the
  // symbols would have. False when the symbols cannot come from a parse (a
  // name twice in one table, a name_str that is not the name's id, the
  // constants missing).
  bool restore_indexes();

  // Common values.
  static constexpr StrId kStrEmpty = 0, kStrN = 1, kStrM = 2, kStrY = 3, kStr0 = 4, kStr0x0 = 5;
  static constexpr StrId kCommonStrings = 6;
  static constexpr std::string_view kCommon[kCommonStrings] = {"", "n", "m", "y", "0", "0x0"};

  // The menu walk used by conf: depth-first, children before siblings.
  MenuId menu_next(MenuId m, MenuId root) const;

  // Prompt text of a menu node, or the symbol's name without one.
  std::string_view menu_prompt_text(MenuId m) const;
  const std::string& main_menu_text() const { return props[menus[kRootMenu].prompt].text; }

 private:
  // For each interned name, the symbol that has it (its first one), so that
  // names are not stored twice.
  std::vector<SymbolId> string_owner_;
  NameIndex string_ids_;      // StrIds by text
  NameIndex by_name_;         // non-constant, non-choice symbols
  NameIndex const_by_name_;   // constants
  NameIndex choice_by_name_;  // Classic named choices
  uint32_t next_seq_ = 0;
  SymbolId add_symbol(std::string_view name, uint32_t flags);
  void index_common_strings();
  // The id of a new symbol's name; `owner` is the symbol being created.
  StrId intern_name(std::string_view name, SymbolId owner);
  std::string_view symbol_name(SymbolId s) const { return symbols[s].name; }
};

}  // namespace tailor::kconfig
