// Kconfig expressions: trees of &&, ||, !, comparisons and symbol references,
// stored in one pool and addressed by id. Nodes are mutable while a tree is
// being finalized (the simplifications rewrite subtrees in place, exactly as
// the reference implementation does) and read-only afterwards.
#pragma once

#include <deque>
#include <vector>

#include "kconfig-analyzer/kconfig/types.h"

namespace tailor::kconfig {

enum class ExprKind : uint8_t {
  None,
  Or,
  And,
  Not,
  Equal,
  Unequal,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  Symbol,
  Range,
};

// The deepest expression the engine accepts. Walks over expressions (the
// rewrites, evaluation, printing) recurse once per level, so this bounds
// their stack use; the parser and finalize() stop with a file:line error
// before a tree gets deeper (see parser.h for the limits of the syntax).
inline constexpr uint32_t kMaxExprDepth = 10000;

inline bool is_comparison(ExprKind k) { return k >= ExprKind::Equal && k <= ExprKind::GreaterEqual; }

// Symbol: left = symbol. Comparisons and Range: left, right = symbols.
// Not: left = operand. And/Or: left, right = operands.
struct ExprNode {
  ExprKind kind = ExprKind::None;
  uint32_t left = kNone;
  uint32_t right = kNone;
};

// Owns every expression node of a tree. While a tree is built, std::deque
// keeps references to nodes valid as new ones are appended, which the
// in-place rewrites rely on; finalize() then replaces it with a final pool.
class ExprPool {
 public:
  ExprId symbol(SymbolId s) { return add({ExprKind::Symbol, s, kNone}); }
  ExprId unary(ExprKind k, ExprId operand) { return add({k, operand, kNone}); }
  ExprId binary(ExprKind k, ExprId l, ExprId r) { return add({k, l, r}); }
  ExprId compare(ExprKind k, SymbolId l, SymbolId r) { return add({k, l, r}); }
  // a && b, where kNoExpr stands for "no condition" (always true).
  ExprId make_and(ExprId a, ExprId b) {
    if (a == kNoExpr) return b;
    return b == kNoExpr ? a : binary(ExprKind::And, a, b);
  }
  ExprId make_or(ExprId a, ExprId b) {
    if (a == kNoExpr) return b;
    return b == kNoExpr ? a : binary(ExprKind::Or, a, b);
  }
  // Deep copy of a tree (symbols are shared, nodes are not).
  ExprId copy(ExprId e);

  ExprNode& operator[](ExprId e) { return nodes_[e]; }
  // Read access; a final pool reads from one contiguous array (evaluation
  // is mostly walking expressions).
  const ExprNode& operator[](ExprId e) const { return frozen_.empty() ? nodes_[e] : frozen_[e]; }
  size_t size() const { return frozen_.empty() ? nodes_.size() : frozen_.size(); }
  // A final pool of the given nodes (finalize's shared pool, the tree
  // cache's); read-only: nothing may be added or changed afterwards.
  static ExprPool frozen_from(std::vector<ExprNode> nodes) {
    ExprPool p;
    p.frozen_ = std::move(nodes);
    return p;
  }

 private:
  ExprId add(ExprNode n) {
    nodes_.push_back(n);
    return static_cast<ExprId>(nodes_.size() - 1);
  }
  std::deque<ExprNode> nodes_;
  std::vector<ExprNode> frozen_;
};

// Depth (1 for a leaf) and number of leaves (symbols and comparisons) of
// an expression, counted without recursion; {0, 0} for kNoExpr.
struct ExprSize {
  uint32_t depth = 0;
  uint32_t leaves = 0;
};
ExprSize expr_size(const ExprPool& pool, ExprId e);

}  // namespace tailor::kconfig
