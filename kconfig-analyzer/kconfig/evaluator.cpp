// Symbol evaluation with conf's semantics (see evaluator.h and
// kconfig-language.rst: "Menu attributes", "Menu dependencies", choices).
#include "kconfig-analyzer/kconfig/evaluator.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tailor::kconfig {

Evaluator::Evaluator(std::shared_ptr<const Model> model) : m_(std::move(model)) {
  st_.resize(m_->symbols.size());
  prop_vis_.assign(m_->props.size(), Tri::No);
  unmet_seen_.assign(m_->symbols.size(), 0);
  for (SymbolId s : {kSymNo, kSymMod, kSymYes}) {
    st_[s].flags = kValid;
    st_[s].curr_tri = static_cast<Tri>(s == kSymNo ? 0 : s == kSymMod ? 1 : 2);
    st_[s].curr_val = m_->symbols[s].name_str;
  }
  expr_epoch_.assign(m_->exprs.size(), 0);
  expr_val_.assign(m_->exprs.size(), Tri::No);
  choice_index_.assign(m_->symbols.size(), kNone);
  if (m_->dialect == Dialect::Modern) {
    for (SymbolId s = 0; s < m_->symbols.size(); ++s) {
      if (!m_->is_choice(s)) continue;
      choice_index_[s] = static_cast<uint32_t>(choice_orders_.size());
      choice_orders_.push_back(m_->symbols[s].members);
    }
  }
}

StrId Evaluator::intern(std::string_view s) {
  auto text = [this](uint32_t i) { return std::string_view(local_strings_[i]); };
  uint32_t i = local_ids_.find(s, text);
  if (i == kNone) {
    i = static_cast<uint32_t>(local_strings_.size());
    local_strings_.emplace_back(s);
    local_ids_.insert(i, s, text);
  }
  return static_cast<StrId>(i) | kLocalStringBit;
}

std::vector<SymbolId>& Evaluator::choice_order(SymbolId choice) { return choice_orders_[choice_index_[choice]]; }

SymbolType Evaluator::effective_type(SymbolId s) const {
  const Symbol& sym = m_->symbols[s];
  if (sym.type != SymbolType::Tristate) return sym.type;
  if (m_->dialect == Dialect::Classic && m_->is_choice_value(s) && st_[s].visible == Tri::Yes) return SymbolType::Bool;
  if (modules_val_ == Tri::No) return SymbolType::Bool;
  return SymbolType::Tristate;
}

bool Evaluator::is_changeable(SymbolId s) const {
  if (m_->dialect == Dialect::Modern && m_->is_choice(s)) return false;
  return st_[s].visible > st_[s].rev_dep;
}

std::string_view Evaluator::string_value(SymbolId s) const {
  const Symbol& sym = m_->symbols[s];
  if (sym.type == SymbolType::Bool || sym.type == SymbolType::Tristate) {
    switch (st_[s].curr_tri) {
      case Tri::No: return "n";
      case Tri::Mod: return "m";
      case Tri::Yes: return "y";
    }
  }
  return str(st_[s].curr_val);
}

void Evaluator::note_unmet(SymbolId s) {
  if (unmet_seen_[s]) return;
  unmet_seen_[s] = 1;
  unmet.push_back(s);
}

PropId Evaluator::default_prop(SymbolId s) {
  for (PropId p : m_->symbols[s].defaults) {
    prop_vis_[p] = expr_value(m_->props[p].visible);
    if (prop_vis_[p] != Tri::No) return p;
  }
  return kNone;
}

PropId Evaluator::range_prop(SymbolId s) {
  for (PropId p : m_->symbols[s].ranges) {
    prop_vis_[p] = expr_value(m_->props[p].visible);
    if (prop_vis_[p] != Tri::No) return p;
  }
  return kNone;
}

long long Evaluator::range_value(SymbolId s, int base) {
  calc(s);
  SymbolType t = m_->symbols[s].type;
  if (t == SymbolType::Int) base = 10;
  if (t == SymbolType::Hex) base = 16;
  std::string v(str(st_[s].curr_val));
  return std::strtoll(v.c_str(), nullptr, base);
}

void Evaluator::validate_range(SymbolId s) {
  SymbolType t = m_->symbols[s].type;
  int base;
  if (t == SymbolType::Int)
    base = 10;
  else if (t == SymbolType::Hex)
    base = 16;
  else
    return;
  PropId p = range_prop(s);
  if (p == kNone) return;
  std::string v(str(st_[s].curr_val));
  long long val = std::strtoll(v.c_str(), nullptr, base);
  const ExprNode& range = m_->exprs[m_->props[p].expr];
  SymbolId bound = range.left;
  if (val >= range_value(bound, base)) {
    bound = range.right;
    if (val <= range_value(bound, base)) return;
  }
  st_[s].curr_val = st_[bound].curr_val;
}

void Evaluator::calc_visibility(SymbolId s) {
  const Symbol& sym = m_->symbols[s];
  bool classic = m_->dialect == Dialect::Classic;
  SymbolId choice = classic && m_->is_choice_value(s) ? sym.choice : kNoSymbol;
  Tri tri = Tri::No;
  for (PropId p : sym.prompts) {
    Tri pv = expr_value(m_->props[p].visible);
    // Classic: a tristate member visible as m is hidden when its choice is y.
    if (choice != kNoSymbol && sym.type == SymbolType::Tristate && pv == Tri::Mod && st_[choice].curr_tri == Tri::Yes)
      pv = Tri::No;
    prop_vis_[p] = pv;
    tri = tri_or(tri, pv);
  }
  if (tri == Tri::Mod && (sym.type != SymbolType::Tristate || modules_val_ == Tri::No)) tri = Tri::Yes;
  SymState& st = st_[s];
  st.visible = tri;
  if (m_->is_choice_value(s)) return;
  auto bounded = [&](ExprId e, Tri if_none) {
    Tri t = e == kNoExpr ? if_none : expr_value(e);
    if (t == Tri::Mod && effective_type(s) == SymbolType::Bool) t = Tri::Yes;
    return t;
  };
  st.dir_dep = bounded(sym.dir_dep, Tri::Yes);
  st.rev_dep = bounded(sym.rev_dep, Tri::No);
  st.implied = bounded(sym.implied, Tri::No);
}

SymbolId Evaluator::choice_default(SymbolId choice) {
  const Symbol& c = m_->symbols[choice];
  for (PropId p : c.defaults) {
    prop_vis_[p] = expr_value(m_->props[p].visible);
    if (prop_vis_[p] == Tri::No) continue;
    SymbolId d = m_->exprs[m_->props[p].expr].left;
    if (st_[d].visible != Tri::No) return d;
  }
  const std::vector<SymbolId>& candidates = m_->dialect == Dialect::Classic ? c.members : c.subtree;
  for (SymbolId mbr : candidates)
    if (st_[mbr].visible != Tri::No) return mbr;
  return kNoSymbol;
}

SymbolId Evaluator::calc_choice_classic(SymbolId choice) {
  const Symbol& c = m_->symbols[choice];
  uint32_t flags = st_[choice].flags;
  for (SymbolId mbr : c.members) {
    calc_visibility(mbr);
    if (st_[mbr].visible != Tri::No) flags &= st_[mbr].flags;
  }
  // The choice keeps its user value only while every visible member has one.
  st_[choice].flags &= flags | ~kDefUser;
  SymbolId picked = st_[choice].def_choice;
  if (picked != kNoSymbol && st_[picked].visible != Tri::No) return picked;
  picked = choice_default(choice);
  if (picked == kNoSymbol) st_[choice].curr_tri = Tri::No;
  return picked;
}

void Evaluator::set_all_choice_values(SymbolId choice) {
  for (SymbolId mbr : m_->symbols[choice].members)
    if (!has_value(mbr)) st_[mbr].def_tri = Tri::No;
  st_[choice].flags |= kDefUser;
  st_[choice].flags &= ~(kValid | kNeedSetChoiceValues);
  invalidate_exprs();
}

SymbolId Evaluator::calc_choice_modern(SymbolId choice) {
  const Symbol& c = m_->symbols[choice];
  std::vector<SymbolId>& order = choice_order(choice);
  SymbolId res = kNoSymbol;
  // The member the user said y to, highest priority first. Visibility is only
  // refreshed up to that member, as conf does.
  for (SymbolId mbr : order) {
    calc_visibility(mbr);
    if (st_[mbr].visible == Tri::No) continue;
    if (has_value(mbr) && st_[mbr].def_tri == Tri::Yes) {
      res = mbr;
      break;
    }
  }
  if (res == kNoSymbol) {
    res = choice_default(choice);
    if (res != kNoSymbol && has_value(res) && st_[res].def_tri == Tri::No) res = kNoSymbol;
  }
  if (res == kNoSymbol)
    for (SymbolId mbr : c.subtree)
      if (st_[mbr].visible != Tri::No && !has_value(mbr)) {
        res = mbr;
        break;
      }
  if (res == kNoSymbol)
    for (auto it = order.rbegin(); it != order.rend(); ++it)
      if (st_[*it].visible != Tri::No) {
        res = *it;
        break;
      }
  for (SymbolId mbr : c.subtree) {
    if (st_[mbr].visible == Tri::No) continue;
    st_[mbr].curr_tri = mbr == res ? Tri::Yes : Tri::No;
    st_[mbr].flags |= kValid | kWrite;
  }
  return res;
}

void Evaluator::calc(SymbolId s) {
  if (s == kNoSymbol) return;
  SymState& st = st_[s];
  if (st.flags & kValid) return;
  const Symbol& sym = m_->symbols[s];
  const bool classic = m_->dialect == Dialect::Classic;

  if (classic && (sym.flags & kSymChoiceVal) && (st.flags & kNeedSetChoiceValues)) {
    st.flags &= ~kNeedSetChoiceValues;
    calc(sym.choice);
  }
  st.flags |= kValid;

  StrId new_val;
  Tri new_tri = Tri::No;
  switch (sym.type) {
    case SymbolType::Int: new_val = classic ? Model::kStrEmpty : Model::kStr0; break;
    case SymbolType::Hex: new_val = classic ? Model::kStrEmpty : Model::kStr0x0; break;
    case SymbolType::String: new_val = Model::kStrEmpty; break;
    case SymbolType::Bool:
    case SymbolType::Tristate: new_val = Model::kStrN; break;
    default:
      st.curr_val = sym.name_str;
      st.curr_tri = Tri::No;
      return;
  }
  st.flags &= ~kWrite;
  calc_visibility(s);
  if (st.visible != Tri::No) st.flags |= kWrite;
  // What a recursive reference to this symbol sees until it is done.
  st.curr_val = new_val;
  st.curr_tri = new_tri;
  st.curr_choice = kNoSymbol;

  SymbolType et = effective_type(s);
  if (et == SymbolType::Bool || et == SymbolType::Tristate) {
    bool from_choice = false;
    if (classic) {
      if (m_->is_choice_value(s) && st.visible == Tri::Yes) {
        new_tri = st_[sym.choice].curr_choice == s ? Tri::Yes : Tri::No;
        from_choice = true;
      }
    } else if (sym.choice_menu != kNone) {
      calc_choice_modern(sym.choice);
      new_tri = st.curr_tri;
      from_choice = true;
    }
    if (!from_choice) {
      bool user = st.visible != Tri::No && has_value(s);
      if (user) {
        new_tri = tri_and(st.def_tri, st.visible);
      } else {
        if (st.rev_dep != Tri::No) st.flags |= kWrite;
        if (!m_->is_choice(s)) {
          PropId p = default_prop(s);
          if (p != kNone) {
            new_tri = tri_and(expr_value(m_->props[p].expr), prop_vis_[p]);
            if (new_tri != Tri::No) st.flags |= kWrite;
          }
          if (st.implied != Tri::No) {
            st.flags |= kWrite;
            new_tri = tri_or(new_tri, st.implied);
            new_tri = tri_and(new_tri, st.dir_dep);
          }
        }
      }
      if (st.dir_dep < st.rev_dep) note_unmet(s);
      new_tri = tri_or(new_tri, st.rev_dep);
    }
    if (new_tri == Tri::Mod && effective_type(s) == SymbolType::Bool) new_tri = Tri::Yes;
  } else {
    if (st.visible != Tri::No && has_value(s)) {
      new_val = st.def_val;
    } else {
      PropId p = default_prop(s);
      if (p != kNone) {
        const ExprNode& e = m_->exprs[m_->props[p].expr];
        if (e.kind == ExprKind::Symbol) {
          st.flags |= kWrite;
          calc(e.left);
          new_val = st_[e.left].curr_val;
        }
      }
    }
  }

  st.curr_val = new_val;
  st.curr_tri = new_tri;
  st.curr_choice = kNoSymbol;
  if (classic && m_->is_choice(s) && new_tri == Tri::Yes) st.curr_choice = calc_choice_classic(s);
  validate_range(s);
  if (s == m_->modules_sym) modules_val_ = st.curr_tri;

  if (classic) {
    if (m_->is_choice(s))
      for (SymbolId mbr : sym.members)
        if ((st.flags & kWrite) && st_[mbr].visible != Tri::No) st_[mbr].flags |= kWrite;
    if (sym.flags & kSymNoWrite) st.flags &= ~kWrite;
    if (st.flags & kNeedSetChoiceValues) set_all_choice_values(s);
  } else if (m_->is_choice(s)) {
    st.flags &= ~kWrite;
  }
}

void Evaluator::clear_all_valid() {
  for (SymbolId s : m_->walk_order) st_[s].flags &= ~kValid;
  invalidate_exprs();
  changed = true;
  calc(m_->modules_sym);
}

namespace {

enum class NumKind { String, Signed, Unsigned };

// How conf compares two values: as numbers when both parse as numbers of
// their symbols' types, as strings otherwise.
NumKind parse_number(const std::string& s, SymbolType type, long long& sv, unsigned long long& uv) {
  const char* str = s.c_str();
  char* tail = nullptr;
  NumKind kind;
  errno = 0;
  switch (type) {
    case SymbolType::Bool:
    case SymbolType::Tristate:
      sv = s == "n" ? 0 : s == "m" ? 1 : s == "y" ? 2 : -1;
      uv = static_cast<unsigned long long>(sv);
      return NumKind::Signed;
    case SymbolType::Int:
      sv = std::strtoll(str, &tail, 10);
      uv = static_cast<unsigned long long>(sv);
      kind = NumKind::Signed;
      break;
    case SymbolType::Hex:
      uv = std::strtoull(str, &tail, 16);
      sv = static_cast<long long>(uv);
      kind = NumKind::Unsigned;
      break;
    default:
      sv = std::strtoll(str, &tail, 0);
      uv = static_cast<unsigned long long>(sv);
      kind = NumKind::Signed;
      break;
  }
  bool ok = errno == 0 && *tail == '\0' && tail > str && std::isxdigit(static_cast<unsigned char>(tail[-1]));
  return ok ? kind : NumKind::String;
}

}  // namespace

Tri Evaluator::compare(const ExprNode& n) {
  calc(n.left);
  calc(n.right);
  std::string a(string_value(n.left)), b(string_value(n.right));
  SymbolType ta = m_->symbols[n.left].type, tb = m_->symbols[n.right].type;
  NumKind ka = NumKind::String, kb = NumKind::String;
  long long sa = 0, sb = 0;
  unsigned long long ua = 0, ub = 0;
  if (ta != SymbolType::String || tb != SymbolType::String) {
    ka = parse_number(a, ta, sa, ua);
    kb = parse_number(b, tb, sb, ub);
  }
  int res;
  if (ka == NumKind::String || kb == NumKind::String) {
    int c = std::strcmp(a.c_str(), b.c_str());
    res = (c > 0) - (c < 0);
  } else if (ka == NumKind::Unsigned || kb == NumKind::Unsigned) {
    res = (ua > ub) - (ua < ub);
  } else {
    res = (sa > sb) - (sa < sb);
  }
  bool r;
  switch (n.kind) {
    case ExprKind::Equal: r = res == 0; break;
    case ExprKind::Unequal: r = res != 0; break;
    case ExprKind::Less: r = res < 0; break;
    case ExprKind::LessEqual: r = res <= 0; break;
    case ExprKind::Greater: r = res > 0; break;
    case ExprKind::GreaterEqual: r = res >= 0; break;
    default: r = false; break;
  }
  return r ? Tri::Yes : Tri::No;
}

Tri Evaluator::expr_value(ExprId e) {
  if (e == kNoExpr) return Tri::Yes;
  // Values are memoized per expression (the final pool holds each distinct
  // one once) while no symbol gets invalidated: evaluation is free of cycles,
  // so a value cannot change within an epoch.
  if (expr_epoch_[e] == epoch_) return expr_val_[e];
  uint32_t started = epoch_;
  Tri v = compute_expr(e);
  if (epoch_ == started) {
    expr_epoch_[e] = epoch_;
    expr_val_[e] = v;
  }
  return v;
}

Tri Evaluator::compute_expr(ExprId e) {
  const ExprNode& n = m_->exprs[e];
  switch (n.kind) {
    case ExprKind::Symbol:
      calc(n.left);
      return st_[n.left].curr_tri;
    case ExprKind::And: {
      // Both sides are always evaluated, left first: evaluation has effects.
      Tri a = expr_value(n.left);
      Tri b = expr_value(n.right);
      return tri_and(a, b);
    }
    case ExprKind::Or: {
      Tri a = expr_value(n.left);
      Tri b = expr_value(n.right);
      return tri_or(a, b);
    }
    case ExprKind::Not: return tri_not(expr_value(n.left));
    default:
      if (is_comparison(n.kind)) return compare(n);
      return Tri::No;
  }
}

std::string Evaluator::string_default(SymbolId s) {
  calc_visibility(s);
  calc(m_->modules_sym);
  const Symbol& sym = m_->symbols[s];
  Tri val = Tri::No;
  std::string str_val;
  PropId p = default_prop(s);
  if (p != kNone) {
    if (sym.type == SymbolType::Bool || sym.type == SymbolType::Tristate) {
      val = tri_and(expr_value(m_->props[p].expr), prop_vis_[p]);
    } else {
      const ExprNode& e = m_->exprs[m_->props[p].expr];
      if (e.kind == ExprKind::Symbol) {
        calc(e.left);
        str_val = std::string(str(st_[e.left].curr_val));
      }
    }
  }
  val = tri_or(val, st_[s].rev_dep);
  if (val == Tri::Mod && !m_->is_choice_value(s) && st_[m_->modules_sym].curr_tri == Tri::No) val = Tri::Yes;
  if (sym.type == SymbolType::Bool && val == Tri::Mod) val = Tri::Yes;
  if (val < st_[s].implied) val = st_[s].implied;
  switch (sym.type) {
    case SymbolType::Bool:
    case SymbolType::Tristate: return std::string(1, tri_char(val));
    case SymbolType::Int:
      if (m_->dialect == Dialect::Modern && str_val.empty()) return "0";
      return str_val;
    case SymbolType::Hex:
      if (m_->dialect == Dialect::Modern && str_val.empty()) return "0x0";
      return str_val;
    case SymbolType::String: return str_val;
    default: return "";
  }
}

bool Evaluator::string_valid(SymbolType type, std::string_view value) {
  std::string v(value);
  const char* p = v.c_str();
  switch (type) {
    case SymbolType::String: return true;
    case SymbolType::Int:
      if (*p == '-') ++p;
      if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
      if (*p == '0' && p[1] != 0) return false;
      for (++p; *p; ++p)
        if (!std::isdigit(static_cast<unsigned char>(*p))) return false;
      return true;
    case SymbolType::Hex:
      if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
      do {
        if (!std::isxdigit(static_cast<unsigned char>(*p))) return false;
      } while (*++p);
      return true;
    case SymbolType::Bool:
    case SymbolType::Tristate:
      return *p == 'y' || *p == 'Y' || *p == 'm' || *p == 'M' || *p == 'n' || *p == 'N';
    default: return false;
  }
}

bool Evaluator::string_within_range(SymbolId s, std::string_view value) {
  SymbolType t = m_->symbols[s].type;
  switch (t) {
    case SymbolType::String: return true;
    case SymbolType::Int:
    case SymbolType::Hex: {
      if (!string_valid(t, value)) return false;
      PropId p = range_prop(s);
      if (p == kNone) return true;
      int base = t == SymbolType::Int ? 10 : 16;
      std::string v(value);
      long long val = std::strtoll(v.c_str(), nullptr, base);
      const ExprNode& range = m_->exprs[m_->props[p].expr];
      return val >= range_value(range.left, base) && val <= range_value(range.right, base);
    }
    case SymbolType::Bool:
    case SymbolType::Tristate: {
      Tri want = (value[0] == 'y' || value[0] == 'Y') ? Tri::Yes : (value[0] == 'm' || value[0] == 'M') ? Tri::Mod : Tri::No;
      SymbolType et = effective_type(s);
      const SymState& st = st_[s];
      if (st.visible == Tri::No) return false;
      if (et == SymbolType::Bool && want == Tri::Mod) return false;
      if (st.visible <= st.rev_dep) return false;
      if (m_->dialect == Dialect::Classic && m_->is_choice_value(s) && st.visible == Tri::Yes) return want == Tri::Yes;
      return want >= st.rev_dep && want <= st.visible;
    }
    default: return false;
  }
}

bool Evaluator::menu_is_visible(MenuId id) {
  const MenuNode& n = m_->menus[id];
  if (n.prompt == kNone) return false;
  if (n.visibility != kNoExpr && expr_value(n.visibility) == Tri::No) return false;
  Tri visible;
  if (n.sym != kNoSymbol) {
    calc(n.sym);
    visible = prop_vis_[n.prompt];
  } else {
    visible = prop_vis_[n.prompt] = expr_value(m_->props[n.prompt].visible);
  }
  if (visible != Tri::No) return true;
  if (n.sym == kNoSymbol || st_[n.sym].curr_tri == Tri::No) return false;
  for (MenuId c = n.list; c != kNone; c = m_->menus[c].next) {
    if (menu_is_visible(c)) {
      // Classic conf marks such a symbol as user-set here.
      if (m_->dialect == Dialect::Classic) st_[n.sym].flags |= kDefUser;
      return true;
    }
  }
  return false;
}

}  // namespace tailor::kconfig
