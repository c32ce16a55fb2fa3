// Expression simplifications used by finalize (see expr_rewrite.h), and the
// expression printer.
#include "kconfig-analyzer/kconfig/expr_rewrite.h"

namespace tailor::kconfig {

namespace {
bool is_and_or(ExprKind k) { return k == ExprKind::And || k == ExprKind::Or; }
}  // namespace

ExprId ExprRewriter::rewrite_m(ExprId e) {
  if (e == kNoExpr) return e;
  switch (p_[e].kind) {
    case ExprKind::Not: {
      ExprId l = rewrite_m(p_[e].left);
      p_[e].left = l;
      break;
    }
    case ExprKind::And:
    case ExprKind::Or: {
      ExprId l = rewrite_m(p_[e].left);
      p_[e].left = l;
      ExprId r = rewrite_m(p_[e].right);
      p_[e].right = r;
      break;
    }
    case ExprKind::Symbol:
      if (p_[e].left == kSymMod) return p_.make_and(e, p_.symbol(m_.modules_sym));
      break;
    default: break;
  }
  return e;
}

// Leaves of the `type` chains on both sides are compared pairwise; equal pairs
// become the neutral element (n for ||, y for &&) on both sides.
void ExprRewriter::eliminate_eq_leaves(ExprKind type, ExprId& a, ExprId& b) {
  if (p_[a].kind == type) {
    eliminate_eq_leaves(type, p_[a].left, b);
    eliminate_eq_leaves(type, p_[a].right, b);
    return;
  }
  if (p_[b].kind == type) {
    eliminate_eq_leaves(type, a, p_[b].left);
    eliminate_eq_leaves(type, a, p_[b].right);
    return;
  }
  if (p_[a].kind == ExprKind::Symbol && p_[b].kind == ExprKind::Symbol && p_[a].left == p_[b].left &&
      (p_[a].left == kSymYes || p_[a].left == kSymNo))
    return;
  if (!equal(a, b)) return;
  ++trans_count_;
  SymbolId neutral = type == ExprKind::Or ? kSymNo : kSymYes;
  ExprId na = p_.symbol(neutral);
  ExprId nb = p_.symbol(neutral);
  a = na;
  b = nb;
}

void ExprRewriter::eliminate_eq(ExprId& a, ExprId& b) {
  if (a == kNoExpr || b == kNoExpr) return;
  if (is_and_or(p_[a].kind)) eliminate_eq_leaves(p_[a].kind, a, b);
  if (p_[a].kind != p_[b].kind && is_and_or(p_[b].kind)) eliminate_eq_leaves(p_[b].kind, a, b);
  a = eliminate_yn(a);
  b = eliminate_yn(b);
}

bool ExprRewriter::equal(ExprId a, ExprId b) {
  if (a == kNoExpr || b == kNoExpr) return is_yes(a) && is_yes(b);
  const ExprNode na = p_[a], nb = p_[b];
  if (na.kind != nb.kind) return false;
  switch (na.kind) {
    case ExprKind::Equal:
    case ExprKind::Unequal:
    case ExprKind::Less:
    case ExprKind::LessEqual:
    case ExprKind::Greater:
    case ExprKind::GreaterEqual: return na.left == nb.left && na.right == nb.right;
    case ExprKind::Symbol: return na.left == nb.left;
    case ExprKind::Not: return equal(na.left, nb.left);
    case ExprKind::And:
    case ExprKind::Or: {
      ExprId ca = p_.copy(a), cb = p_.copy(b);
      int saved = trans_count_;
      eliminate_eq(ca, cb);
      bool res = p_[ca].kind == ExprKind::Symbol && p_[cb].kind == ExprKind::Symbol && p_[ca].left == p_[cb].left;
      trans_count_ = saved;
      return res;
    }
    default: return false;
  }
}

// expr && n -> n, expr && y -> expr, expr || n -> expr, expr || y -> y.
ExprId ExprRewriter::eliminate_yn(ExprId e) {
  if (e == kNoExpr) return e;
  ExprKind k = p_[e].kind;
  if (!is_and_or(k)) return e;
  ExprId l = eliminate_yn(p_[e].left);
  p_[e].left = l;
  ExprId r = eliminate_yn(p_[e].right);
  p_[e].right = r;
  SymbolId absorbing = k == ExprKind::And ? kSymNo : kSymYes;
  SymbolId neutral = k == ExprKind::And ? kSymYes : kSymNo;
  auto become = [&](SymbolId s) {
    p_[e] = ExprNode{ExprKind::Symbol, s, kNone};
    return e;
  };
  if (p_[l].kind == ExprKind::Symbol) {
    if (p_[l].left == absorbing) return become(absorbing);
    if (p_[l].left == neutral) return r;
  }
  if (p_[r].kind == ExprKind::Symbol) {
    if (p_[r].left == absorbing) return become(absorbing);
    if (p_[r].left == neutral) return l;
  }
  return e;
}

// The symbol both sides of a join test, when each is a simple test of the same
// bool or tristate symbol (s, s=c, s!=c, !s; a may also be !(s=c) or !(s!=c)),
// as conf's expr_join_or/expr_join_and require; kNone otherwise.
SymbolId ExprRewriter::joined_symbol(ExprId a, ExprId b) const {
  auto simple = [&](ExprKind k) {
    return k == ExprKind::Equal || k == ExprKind::Unequal || k == ExprKind::Symbol || k == ExprKind::Not;
  };
  const ExprNode& na = p_[a];
  const ExprNode& nb = p_[b];
  if (!simple(na.kind) || !simple(nb.kind)) return kNone;
  SymbolId s1 = na.left;
  if (na.kind == ExprKind::Not) {
    ExprKind inner = p_[na.left].kind;
    if (inner != ExprKind::Equal && inner != ExprKind::Unequal && inner != ExprKind::Symbol) return kNone;
    s1 = p_[na.left].left;
  }
  SymbolId s2 = nb.left;
  if (nb.kind == ExprKind::Not) {
    if (p_[nb.left].kind != ExprKind::Symbol) return kNone;
    s2 = p_[nb.left].left;
  }
  if (s1 != s2) return kNone;
  SymbolType t = type_of(s1);
  return t == SymbolType::Bool || t == SymbolType::Tristate ? s1 : kNone;
}

// a || b -> a simpler equivalent, or kNoExpr.
ExprId ExprRewriter::join_or(ExprId a, ExprId b) {
  if (equal(a, b)) return p_.copy(a);
  const SymbolId s1 = joined_symbol(a, b);
  if (s1 == kNone) return kNoExpr;
  const ExprNode na = p_[a], nb = p_[b];
  const SymbolType t = type_of(s1);
  if (t == SymbolType::Tristate && na.kind == ExprKind::Equal && nb.kind == ExprKind::Equal) {
    auto pair = [&](SymbolId x, SymbolId y) {
      return (na.right == x && nb.right == y) || (na.right == y && nb.right == x);
    };
    if (pair(kSymYes, kSymMod)) return p_.compare(ExprKind::Unequal, s1, kSymNo);
    if (pair(kSymYes, kSymNo)) return p_.compare(ExprKind::Unequal, s1, kSymMod);
    if (pair(kSymMod, kSymNo)) return p_.compare(ExprKind::Unequal, s1, kSymYes);
  }
  if (t == SymbolType::Bool) {
    bool a_not_sym = na.kind == ExprKind::Not && p_[na.left].kind == ExprKind::Symbol;
    bool b_not_sym = nb.kind == ExprKind::Not && p_[nb.left].kind == ExprKind::Symbol;
    if ((a_not_sym && nb.kind == ExprKind::Symbol) || (b_not_sym && na.kind == ExprKind::Symbol))
      return p_.symbol(kSymYes);  // A || !A
  }
  return kNoExpr;
}

// a && b -> a simpler equivalent, or kNoExpr.
ExprId ExprRewriter::join_and(ExprId a, ExprId b) {
  if (equal(a, b)) return p_.copy(a);
  const SymbolId s1 = joined_symbol(a, b);
  if (s1 == kNone) return kNoExpr;
  const ExprNode na = p_[a], nb = p_[b];
  const SymbolType t = type_of(s1);
  // One side the bare symbol, the other a comparison of it with `c`.
  auto sym_and_cmp = [&](ExprKind cmp, SymbolId c) {
    return (na.kind == ExprKind::Symbol && nb.kind == cmp && nb.right == c) ||
           (nb.kind == ExprKind::Symbol && na.kind == cmp && na.right == c);
  };
  if (sym_and_cmp(ExprKind::Equal, kSymYes)) return p_.compare(ExprKind::Equal, s1, kSymYes);
  if (sym_and_cmp(ExprKind::Unequal, kSymNo)) return p_.symbol(s1);
  if (sym_and_cmp(ExprKind::Unequal, kSymMod)) return p_.compare(ExprKind::Equal, s1, kSymYes);
  if (t == SymbolType::Tristate) {
    // (a='b') && (a!='c') -> 'b'='c' ? n : a='b'
    if (na.kind == ExprKind::Equal && nb.kind == ExprKind::Unequal && is_const(nb.right) && is_const(na.right))
      return na.right != nb.right ? p_.compare(ExprKind::Equal, s1, na.right) : p_.symbol(kSymNo);
    if (na.kind == ExprKind::Unequal && nb.kind == ExprKind::Equal && is_const(na.right) && is_const(nb.right))
      return nb.right != na.right ? p_.compare(ExprKind::Equal, s1, nb.right) : p_.symbol(kSymNo);
    if (na.kind == ExprKind::Unequal && nb.kind == ExprKind::Unequal) {
      auto pair = [&](SymbolId x, SymbolId y) {
        return (na.right == x && nb.right == y) || (na.right == y && nb.right == x);
      };
      if (pair(kSymYes, kSymNo)) return p_.compare(ExprKind::Equal, s1, kSymMod);
      if (pair(kSymYes, kSymMod)) return p_.compare(ExprKind::Equal, s1, kSymNo);
      if (pair(kSymMod, kSymNo)) return p_.compare(ExprKind::Equal, s1, kSymYes);
    }
  }
  return kNoExpr;
}

void ExprRewriter::eliminate_dups_leaves(ExprKind type, ExprId& a, ExprId& b) {
  if (p_[a].kind == type) {
    eliminate_dups_leaves(type, p_[a].left, b);
    eliminate_dups_leaves(type, p_[a].right, b);
    return;
  }
  if (p_[b].kind == type) {
    eliminate_dups_leaves(type, a, p_[b].left);
    eliminate_dups_leaves(type, a, p_[b].right);
    return;
  }
  if (a == b) return;
  if (is_and_or(p_[a].kind)) eliminate_dups_leaves(p_[a].kind, a, a);
  ExprId joined = type == ExprKind::Or ? join_or(a, b) : type == ExprKind::And ? join_and(a, b) : kNoExpr;
  if (joined == kNoExpr) return;
  ExprId neutral = p_.symbol(type == ExprKind::Or ? kSymNo : kSymYes);
  a = neutral;
  b = joined;
  ++trans_count_;
}

ExprId ExprRewriter::eliminate_dups(ExprId e) {
  if (e == kNoExpr) return e;
  int saved = trans_count_;
  for (;;) {
    trans_count_ = 0;
    if (is_and_or(p_[e].kind)) eliminate_dups_leaves(p_[e].kind, e, e);
    if (trans_count_ == 0) break;
    e = eliminate_yn(e);
  }
  trans_count_ = saved;
  return e;
}

ExprId ExprRewriter::transform(ExprId e) {
  if (e == kNoExpr) return e;
  ExprKind k = p_[e].kind;
  if (k == ExprKind::And || k == ExprKind::Or || k == ExprKind::Not) {
    ExprId l = transform(p_[e].left);
    p_[e].left = l;
    if (k != ExprKind::Not) {
      ExprId r = transform(p_[e].right);
      p_[e].right = r;
    }
  }
  ExprNode& n = p_[e];
  switch (n.kind) {
    case ExprKind::Equal:
    case ExprKind::Unequal: {
      if (type_of(n.left) != SymbolType::Bool) break;
      bool eq = n.kind == ExprKind::Equal;
      SymbolId s = n.left;
      if (n.right == kSymNo) {  // A=n -> !A, A!=n -> A
        if (eq) {
          ExprId operand = p_.symbol(s);
          p_[e] = ExprNode{ExprKind::Not, operand, kNone};
        } else {
          p_[e] = ExprNode{ExprKind::Symbol, s, kNone};
        }
      } else if (n.right == kSymMod) {  // a bool is never m
        if (on_note)
          on_note("boolean symbol " + m_.symbols[s].name + " tested for 'm'? test forced to '" +
                  (eq ? "n" : "y") + "'");
        p_[e] = ExprNode{ExprKind::Symbol, eq ? kSymNo : kSymYes, kNone};
      } else if (n.right == kSymYes) {  // A=y -> A, A!=y -> !A
        if (eq) {
          p_[e] = ExprNode{ExprKind::Symbol, s, kNone};
        } else {
          ExprId operand = p_.symbol(s);
          p_[e] = ExprNode{ExprKind::Not, operand, kNone};
        }
      }
      break;
    }
    case ExprKind::Not: {
      ExprId child = n.left;
      ExprNode& c = p_[child];
      switch (c.kind) {
        case ExprKind::Not: return transform(c.left);  // !!A -> A
        case ExprKind::Equal: c.kind = ExprKind::Unequal; return child;
        case ExprKind::Unequal: c.kind = ExprKind::Equal; return child;
        case ExprKind::LessEqual: c.kind = ExprKind::Greater; return child;
        case ExprKind::GreaterEqual: c.kind = ExprKind::Less; return child;
        case ExprKind::Less: c.kind = ExprKind::GreaterEqual; return child;
        case ExprKind::Greater: c.kind = ExprKind::LessEqual; return child;
        case ExprKind::Or:
        case ExprKind::And: {
          // !(A || B) -> !A && !B, !(A && B) -> !A || !B; the child node becomes !A.
          ExprKind flipped = c.kind == ExprKind::Or ? ExprKind::And : ExprKind::Or;
          ExprId b = c.right;
          ExprId not_b = p_.unary(ExprKind::Not, b);
          p_[child].kind = ExprKind::Not;
          p_[child].right = kNone;
          p_[e] = ExprNode{flipped, child, not_b};
          return transform(e);
        }
        case ExprKind::Symbol:
          if (c.left == kSymYes) { c.left = kSymNo; return child; }
          if (c.left == kSymMod) return child;
          if (c.left == kSymNo) { c.left = kSymYes; return child; }
          break;
        default: break;
      }
      break;
    }
    default: break;
  }
  return e;
}

bool ExprRewriter::contains_symbol(ExprId e, SymbolId s) const {
  if (e == kNoExpr) return false;
  const ExprNode& n = p_[e];
  switch (n.kind) {
    case ExprKind::And:
    case ExprKind::Or: return contains_symbol(n.left, s) || contains_symbol(n.right, s);
    case ExprKind::Symbol: return n.left == s;
    case ExprKind::Not: return contains_symbol(n.left, s);
    default:
      if (is_comparison(n.kind)) return n.left == s || n.right == s;
      return false;
  }
}

bool ExprRewriter::depends_symbol(ExprId e, SymbolId s) const {
  if (e == kNoExpr) return false;
  const ExprNode& n = p_[e];
  switch (n.kind) {
    case ExprKind::And: return depends_symbol(n.left, s) || depends_symbol(n.right, s);
    case ExprKind::Symbol: return n.left == s;
    case ExprKind::Equal: return n.left == s && (n.right == kSymYes || n.right == kSymMod);
    case ExprKind::Unequal: return n.left == s && n.right == kSymNo;
    default: return false;
  }
}

ExprId ExprRewriter::trans_compare(ExprId e, ExprKind type, SymbolId sym) {
  if (e == kNoExpr) {
    ExprId s = p_.symbol(sym);
    return type == ExprKind::Unequal ? p_.unary(ExprKind::Not, s) : s;
  }
  const ExprNode n = p_[e];
  switch (n.kind) {
    case ExprKind::And:
    case ExprKind::Or: {
      ExprId a = trans_compare(n.left, ExprKind::Equal, sym);
      ExprId b = trans_compare(n.right, ExprKind::Equal, sym);
      ExprKind same = n.kind, other = n.kind == ExprKind::And ? ExprKind::Or : ExprKind::And;
      ExprId out = e;
      if (sym == kSymYes) out = p_.binary(same, a, b);
      if (sym == kSymNo) out = p_.binary(other, a, b);
      if (type == ExprKind::Unequal) out = p_.unary(ExprKind::Not, out);
      return out;
    }
    case ExprKind::Not:
      return trans_compare(n.left, type == ExprKind::Equal ? ExprKind::Unequal : ExprKind::Equal, sym);
    case ExprKind::Symbol: return p_.compare(type, n.left, sym);
    default:
      if (!is_comparison(n.kind)) return kNoExpr;
      if (type == ExprKind::Equal) {
        if (sym == kSymYes) return p_.copy(e);
        if (sym == kSymMod) return p_.symbol(kSymNo);
        if (sym == kSymNo) return p_.unary(ExprKind::Not, p_.copy(e));
      } else {
        if (sym == kSymYes) return p_.unary(ExprKind::Not, p_.copy(e));
        if (sym == kSymMod) return p_.symbol(kSymYes);
        if (sym == kSymNo) return p_.copy(e);
      }
      return kNoExpr;
  }
}

namespace {

void format_into(const Model& m, ExprId e, ExprKind parent, std::string& out,
                 const std::function<std::string(SymbolId)>& annotate) {
  if (e == kNoExpr) {
    out += "y";
    return;
  }
  const ExprNode& n = m.exprs[e];
  bool paren = (n.kind == ExprKind::Or && (parent == ExprKind::And || parent == ExprKind::Not)) ||
               (n.kind == ExprKind::And && parent == ExprKind::Not);
  auto sym_text = [&](SymbolId s) {
    const Symbol& sym = m.symbols[s];
    out += (sym.name.empty() && (sym.flags & kSymChoice)) ? "<choice>" : sym.name;
    if (annotate && !(sym.flags & kSymConst)) out += annotate(s);
  };
  if (paren) out += '(';
  switch (n.kind) {
    case ExprKind::Symbol: sym_text(n.left); break;
    case ExprKind::Not:
      out += '!';
      format_into(m, n.left, ExprKind::Not, out, annotate);
      break;
    case ExprKind::And:
    case ExprKind::Or:
      format_into(m, n.left, n.kind, out, annotate);
      out += n.kind == ExprKind::And ? " && " : " || ";
      format_into(m, n.right, n.kind, out, annotate);
      break;
    case ExprKind::Range:
      out += '[';
      sym_text(n.left);
      out += ' ';
      sym_text(n.right);
      out += ']';
      break;
    default: {
      static constexpr const char* ops[] = {"", "", "", "", "=", "!=", "<", "<=", ">", ">="};
      sym_text(n.left);
      out += ops[static_cast<int>(n.kind)];
      sym_text(n.right);
      break;
    }
  }
  if (paren) out += ')';
}

}  // namespace

std::string format_expr(const Model& m, ExprId e, const std::function<std::string(SymbolId)>& annotate) {
  std::string out;
  format_into(m, e, ExprKind::None, out, annotate);
  return out;
}

}  // namespace tailor::kconfig
