// The expression simplifications conf applies while finalizing the menu tree.
// They never change an expression's value, but they decide which expressions
// count as "depending on" a symbol, and so the shape of the menu tree (which
// symbol nests under which, and therefore which symbols are choice members).
// They are reproduced step by step, rewriting trees in place as the reference
// does, so that tree shapes come out the same.
#pragma once

#include <functional>
#include <string>

#include "kconfig-analyzer/kconfig/model.h"

namespace tailor::kconfig {

class ExprRewriter {
 public:
  explicit ExprRewriter(Model& model) : m_(model), p_(model.exprs) {}

  // 'm' -> 'm && MODULES', so that a bare m means n without modules.
  ExprId rewrite_m(ExprId e);
  // Boolean comparisons to plain tests, De Morgan, double negation, !y/!m/!n.
  ExprId transform(ExprId e);
  // Joins duplicate and redundant operands (A || B || A -> A || B).
  ExprId eliminate_dups(ExprId e);
  // Removes operands common to a and b (A && B vs A && B && C -> y vs C).
  void eliminate_eq(ExprId& a, ExprId& b);
  // Structural equality up to operand order of && and ||.
  bool equal(ExprId a, ExprId b);
  // Inserts explicit comparisons: A -> A!=n, !A -> A=n, A && B -> !(A=n || B=n).
  ExprId trans_compare(ExprId e, ExprKind type, SymbolId sym);
  bool contains_symbol(ExprId e, SymbolId s) const;
  // True when e can only be true if s is (e is s, s=y, s=m, s!=n, or an && of such).
  bool depends_symbol(ExprId e, SymbolId s) const;

  bool is_yes(ExprId e) const { return e == kNoExpr || (p_[e].kind == ExprKind::Symbol && p_[e].left == kSymYes); }
  bool is_no(ExprId e) const { return e != kNoExpr && p_[e].kind == ExprKind::Symbol && p_[e].left == kSymNo; }

  // Called for "boolean symbol X tested for 'm'" notes.
  std::function<void(const std::string&)> on_note;

 private:
  ExprId eliminate_yn(ExprId e);
  void eliminate_eq_leaves(ExprKind type, ExprId& a, ExprId& b);
  void eliminate_dups_leaves(ExprKind type, ExprId& a, ExprId& b);
  SymbolId joined_symbol(ExprId a, ExprId b) const;
  ExprId join_or(ExprId a, ExprId b);
  ExprId join_and(ExprId a, ExprId b);
  SymbolType type_of(SymbolId s) const { return m_.symbols[s].type; }
  bool is_const(SymbolId s) const { return m_.symbols[s].flags & kSymConst; }

  Model& m_;
  ExprPool& p_;
  int trans_count_ = 0;
};

// Renders an expression the way conf's menus and warnings print it
// ("A && (B || !C)", "FOO=y"). `annotate`, when given, is appended after each
// non-constant symbol name (e.g. " [=y]").
std::string format_expr(const Model& m, ExprId e,
                        const std::function<std::string(SymbolId)>& annotate = nullptr);

}  // namespace tailor::kconfig
