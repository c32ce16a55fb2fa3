// Explanations of symbol values and plans to enable symbols (see explain.h).
#include "kconfig-analyzer/kconfig/explain.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "kconfig-analyzer/kconfig/expr_rewrite.h"

namespace tailor::kconfig {

std::vector<ExprId> or_terms(const Model& m, ExprId e) {
  std::vector<ExprId> out;
  if (e == kNoExpr) return out;
  std::vector<ExprId> stack{e};
  while (!stack.empty()) {
    ExprId cur = stack.back();
    stack.pop_back();
    if (m.exprs[cur].kind == ExprKind::Or) {
      stack.push_back(m.exprs[cur].right);
      stack.push_back(m.exprs[cur].left);
    } else {
      out.push_back(cur);
    }
  }
  return out;
}

namespace {

std::string sym_name(const Model& m, SymbolId s) {
  const Symbol& sym = m.sym(s);
  return sym.name.empty() ? "<choice>" : sym.name;
}

// Builds the smallest set of symbols to set to y that makes a symbol y.
class Planner {
 public:
  explicit Planner(Config& cfg) : ev_(cfg.evaluator()), m_(ev_.model()) {}

  struct Need {
    bool ok = true;
    std::vector<SymbolId> set;  // dependencies first
    std::string why;            // when !ok
  };

  Need symbol_on(SymbolId s) {
    if (m_.sym(s).flags & kSymConst) return s == kSymYes ? Need{} : fail("needs the constant " + m_.sym(s).name + " to be y");
    ev_.calc(s);
    if (ev_.state(s).curr_tri == Tri::Yes) return {};
    auto it = memo_.find(s);
    if (it != memo_.end()) return it->second;
    if (std::find(active_.begin(), active_.end(), s) != active_.end())
      return fail("circular requirement on " + sym_name(m_, s));
    active_.push_back(s);
    Need best = fail("");
    bool have = false;
    auto consider = [&](Need n) {
      if (n.ok && (!have || !best.ok || n.set.size() < best.set.size())) {
        best = std::move(n);
        have = true;
      } else if (!have && best.why.empty()) {
        best = std::move(n);
      }
    };
    const Symbol& sym = m_.sym(s);
    if (sym.type == SymbolType::Unknown) {
      consider(fail(sym_name(m_, s) + " is not defined in this tree"));
    } else {
      // By prompt: make a prompt visible, then answer y.
      if (!sym.prompts.empty()) {
        Tri need_vis = sym.type == SymbolType::Tristate ? Tri::Yes : Tri::Mod;
        Need n = fail("");
        for (PropId p : sym.prompts) {
          Need v = at_least(m_.props[p].visible, need_vis);
          if (v.ok && (!n.ok || v.set.size() < n.set.size())) n = std::move(v);
          else if (!n.ok && n.why.empty()) n = std::move(v);
        }
        if (n.ok && !m_.is_choice(s)) add(n.set, s);
        consider(std::move(n));
      }
      // By a select.
      for (ExprId term : or_terms(m_, sym.rev_dep)) consider(at_least(term, Tri::Yes));
      // By a default, when no user answer overrides it.
      const SymState& st = ev_.state(s);
      bool user_overrides = st.visible != Tri::No && (st.flags & kDefUser);
      if (!user_overrides && !m_.is_choice(s)) {
        for (PropId p : sym.defaults) {
          const Property& d = m_.props[p];
          bool holds = ev_.expr_value(d.visible) != Tri::No;
          Need n = at_least(d.visible, Tri::Mod);
          Need v = at_least(d.expr, Tri::Yes);
          merge(n, v);
          consider(std::move(n));
          if (holds) break;  // later defaults never apply
        }
        for (ExprId term : or_terms(m_, sym.implied)) {
          Need n = at_least(term, Tri::Yes);
          Need dd = at_least(sym.dir_dep, Tri::Yes);
          merge(n, dd);
          consider(std::move(n));
        }
      }
    }
    active_.pop_back();
    if (!best.ok && best.why.empty()) best.why = sym_name(m_, s) + " has no prompt, select or default that can make it y";
    memo_[s] = best;
    return best;
  }

  // Requirements for expression e to evaluate to at least `min`.
  Need at_least(ExprId e, Tri min) {
    if (ev_.expr_value(e) >= min) return {};
    const ExprNode& n = m_.exprs[e];
    switch (n.kind) {
      case ExprKind::Symbol: return symbol_on(n.left);
      case ExprKind::And: {
        Need a = at_least(n.left, min);
        if (!a.ok) return a;
        Need b = at_least(n.right, min);
        merge(a, b);
        return a;
      }
      case ExprKind::Or: {
        Need a = at_least(n.left, min);
        Need b = at_least(n.right, min);
        if (a.ok && (!b.ok || a.set.size() <= b.set.size())) return a;
        if (b.ok) return b;
        return a;
      }
      case ExprKind::Equal:
        if ((n.right == kSymYes || n.right == kSymMod) && !(m_.sym(n.left).flags & kSymConst)) return symbol_on(n.left);
        break;
      case ExprKind::Unequal:
        if (n.right == kSymNo && !(m_.sym(n.left).flags & kSymConst)) return symbol_on(n.left);
        break;
      default: break;
    }
    return fail("needs " + format_expr(m_, e, [&](SymbolId s) { return " [=" + std::string(ev_.string_value(s)) + "]"; }) +
                ", which only turning symbols off could satisfy");
  }

 private:
  static Need fail(std::string why) {
    Need n;
    n.ok = false;
    n.why = std::move(why);
    return n;
  }
  static void add(std::vector<SymbolId>& set, SymbolId s) {
    if (std::find(set.begin(), set.end(), s) == set.end()) set.push_back(s);
  }
  static void merge(Need& a, const Need& b) {
    if (!b.ok) {
      if (a.ok) a = b;
      return;
    }
    if (!a.ok) return;
    for (SymbolId s : b.set) add(a.set, s);
  }

  Evaluator& ev_;
  const Model& m_;
  std::unordered_map<SymbolId, Need> memo_;
  std::vector<SymbolId> active_;
};

ExprStatus status(Evaluator& ev, ExprId e) {
  ExprStatus st;
  st.value = ev.expr_value(e);
  st.text = format_expr(ev.model(), e, [&](SymbolId s) {
    ev.calc(s);
    return " [=" + std::string(ev.string_value(s)) + "]";
  });
  return st;
}

std::string tri_text(Tri t) { return std::string(1, tri_char(t)); }

}  // namespace

EnablePlan plan_enable(Config& cfg, SymbolId s) {
  EnablePlan plan;
  Planner planner(cfg);
  Planner::Need need = planner.symbol_on(s);
  plan.possible = need.ok;
  if (!need.ok) {
    plan.blocker = need.why;
    return plan;
  }
  plan.set_y = need.set;
  Config trial = cfg;
  for (SymbolId x : plan.set_y) trial.set(x, "y");
  plan.verified = trial.tri(s) == Tri::Yes;
  return plan;
}

Explanation explain(Config& cfg, SymbolId s) {
  Evaluator& ev = cfg.evaluator();
  const Model& m = ev.model();
  const Symbol& sym = m.sym(s);
  Explanation e;
  e.sym = s;
  e.name = sym_name(m, s);
  e.type = std::string(type_name(sym.type));
  ev.calc(s);
  e.value = std::string(ev.string_value(s));
  const SymState& st = ev.state(s);
  e.has_user_value = st.flags & kDefUser;
  if (e.has_user_value)
    e.user_value = (sym.type == SymbolType::Bool || sym.type == SymbolType::Tristate) ? tri_text(st.def_tri)
                                                                                      : std::string(ev.str(st.def_val));
  e.visible = st.visible;
  e.dir_dep = st.dir_dep;
  e.rev_dep = st.rev_dep;
  e.implied = st.implied;

  for (MenuId mid : sym.menus) {
    const MenuNode& n = m.menus[mid];
    Explanation::Definition d;
    d.location = m.where(n.loc);
    d.depends = status(ev, n.dep);
    if (n.prompt != kNone) {
      d.prompt = m.props[n.prompt].text;
      d.prompt_if = status(ev, m.props[n.prompt].visible);
    }
    e.definitions.push_back(std::move(d));
  }
  bool applied = false;
  for (PropId p : sym.defaults) {
    Explanation::Default d;
    d.location = m.where(m.props[p].loc);
    d.value = status(ev, m.props[p].expr);
    d.condition = status(ev, m.props[p].visible);
    d.applies = !applied && d.condition.value != Tri::No;
    applied |= d.applies;
    e.defaults.push_back(std::move(d));
  }
  for (ExprId t : or_terms(m, sym.rev_dep)) e.selected_by.push_back(status(ev, t));
  for (ExprId t : or_terms(m, sym.implied)) e.implied_by.push_back(status(ev, t));
  for (PropId p : sym.props) {
    const Property& prop = m.props[p];
    if (prop.kind != PropKind::Select && prop.kind != PropKind::Imply) continue;
    std::string text = sym_name(m, m.exprs[prop.expr].left);
    if (prop.visible != kNoExpr) text += " if " + status(ev, prop.visible).text;
    (prop.kind == PropKind::Select ? e.selects : e.implies).push_back(text);
  }

  // The value in words.
  auto& r = e.reasons;
  bool logic = sym.type == SymbolType::Bool || sym.type == SymbolType::Tristate;
  if (sym.type == SymbolType::Unknown) {
    r.push_back(e.name + " is referenced but not defined for this architecture; it is always n (as a string: its own name)");
  } else if (m.is_choice_value(s) && (m.dialect == Dialect::Modern || st.visible == Tri::Yes)) {
    r.push_back("member of a choice: " + std::string(st.curr_tri == Tri::Yes ? "it is the selected member" : "another member is selected"));
  } else if (logic) {
    if (st.visible != Tri::No && e.has_user_value)
      r.push_back("user value " + e.user_value + (st.def_tri > st.visible ? ", limited to " + tri_text(st.visible) + " by its dependencies" : ""));
    else if (e.has_user_value)
      r.push_back("the user value " + e.user_value + " is ignored: no prompt is visible");
    else if (st.visible != Tri::No)
      r.push_back("no user value: the default applies");
    else
      r.push_back("no visible prompt: only defaults, selects and implies count");
    if (st.visible == Tri::No && sym.prompts.empty()) r.push_back("it has no prompt at all (set only by defaults and selects)");
    for (const auto& d : e.defaults)
      if (d.applies && !(st.visible != Tri::No && e.has_user_value))
        r.push_back("default " + d.value.text + " (=" + tri_text(d.value.value) + ") from " + d.location);
    if (st.rev_dep != Tri::No) r.push_back("selected: at least " + tri_text(st.rev_dep));
    if (st.implied != Tri::No) r.push_back("implied: " + tri_text(st.implied) + " unless answered otherwise");
    if (st.dir_dep < st.rev_dep)
      r.push_back("WARNING: selected although its dependencies are not met (unmet direct dependencies)");
    if (st.dir_dep == Tri::No && st.rev_dep == Tri::No) r.push_back("its dependencies are not met");
  } else {
    if (st.visible != Tri::No && e.has_user_value)
      r.push_back("user value " + e.user_value);
    else if (applied)
      r.push_back("default from " + std::find_if(e.defaults.begin(), e.defaults.end(), [](const auto& d) { return d.applies; })->location);
    else
      r.push_back("no user value and no default applies");
    if (!(st.flags & kWrite)) r.push_back("not written to .config (not visible and no default applies)");
  }
  if (logic) e.plan = plan_enable(cfg, s);
  return e;
}

std::string explanation_text(Config& cfg, const Explanation& e) {
  const Model& m = cfg.evaluator().model();
  std::string o;
  o += "Symbol: " + e.name + " [=" + e.value + "]\n";
  o += "Type  : " + e.type + "\n";
  o += "User value: " + (e.has_user_value ? e.user_value : std::string("(none)")) + "\n";
  o += "Visible: " + tri_text(e.visible) + "   dependencies: " + tri_text(e.dir_dep) + "   selected: " +
       tri_text(e.rev_dep) + "   implied: " + tri_text(e.implied) + "\n";
  for (const auto& d : e.definitions) {
    o += "\nDefined at " + d.location + "\n";
    if (!d.prompt.empty()) o += "  Prompt: " + d.prompt + "\n";
    o += "  Depends on: " + (d.depends.text.empty() || d.depends.text == "y" ? "(nothing)" : d.depends.text) +
         "  => " + tri_text(d.depends.value) + "\n";
    if (!d.prompt.empty() && d.prompt_if.text != d.depends.text)
      o += "  Prompt shown if: " + d.prompt_if.text + "  => " + tri_text(d.prompt_if.value) + "\n";
  }
  if (!e.defaults.empty()) {
    o += "\nDefaults (the first whose condition holds applies):\n";
    for (const auto& d : e.defaults)
      o += "  " + d.value.text + (d.condition.text == "y" ? "" : " if " + d.condition.text) + "  [" + d.location + "]" +
           (d.applies ? "  <- applies" : "") + "\n";
  }
  auto list = [&](const char* title, const std::vector<ExprStatus>& v) {
    if (v.empty()) return;
    o += std::string("\n") + title + "\n";
    for (const auto& t : v) o += "  - " + t.text + "  => " + tri_text(t.value) + "\n";
  };
  list("Selected by:", e.selected_by);
  list("Implied by:", e.implied_by);
  auto names = [&](const char* title, const std::vector<std::string>& v) {
    if (v.empty()) return;
    o += std::string("\n") + title;
    for (size_t i = 0; i < v.size(); ++i) o += (i ? ", " : " ") + v[i];
    o += "\n";
  };
  names("Selects:", e.selects);
  names("Implies:", e.implies);
  o += "\nWhy " + e.name + "=" + e.value + ":\n";
  for (const auto& r : e.reasons) o += "  " + r + "\n";
  bool logic = e.type == "bool" || e.type == "tristate";
  if (logic) {
    if (e.value == "y") {
      o += "\n" + e.name + " is already y.\n";
    } else if (!e.plan.possible) {
      o += "\nCannot be made y by turning symbols on: " + e.plan.blocker + "\n";
    } else {
      o += "\nTo make " + e.name + "=y, set:";
      for (SymbolId s : e.plan.set_y) o += " " + m.sym(s).name + "=y";
      o += e.plan.verified ? "\n  (checked: with these values " + e.name + " becomes y)\n"
                           : "\n  (warning: applying these values did not make " + e.name + " y)\n";
    }
  }
  return o;
}

std::string explanation_json(Config& cfg, const Explanation& e) {
  const Model& m = cfg.evaluator().model();
  using nlohmann::json;
  auto st = [](const ExprStatus& s) { return json{{"expr", s.text}, {"value", tri_text(s.value)}}; };
  json j;
  j["symbol"] = e.name;
  j["type"] = e.type;
  j["value"] = e.value;
  j["user_value"] = e.has_user_value ? json(e.user_value) : json(nullptr);
  j["visible"] = tri_text(e.visible);
  j["dependencies"] = tri_text(e.dir_dep);
  j["selected"] = tri_text(e.rev_dep);
  j["implied"] = tri_text(e.implied);
  j["definitions"] = json::array();
  for (const auto& d : e.definitions)
    j["definitions"].push_back({{"location", d.location}, {"prompt", d.prompt}, {"depends_on", st(d.depends)},
                                {"prompt_if", st(d.prompt_if)}});
  j["defaults"] = json::array();
  for (const auto& d : e.defaults)
    j["defaults"].push_back({{"location", d.location}, {"value", st(d.value)}, {"condition", st(d.condition)}, {"applies", d.applies}});
  j["selected_by"] = json::array();
  for (const auto& t : e.selected_by) j["selected_by"].push_back(st(t));
  j["implied_by"] = json::array();
  for (const auto& t : e.implied_by) j["implied_by"].push_back(st(t));
  j["selects"] = e.selects;
  j["implies"] = e.implies;
  j["reasons"] = e.reasons;
  json plan;
  plan["possible"] = e.plan.possible;
  plan["verified"] = e.plan.verified;
  plan["set_y"] = json::array();
  for (SymbolId s : e.plan.set_y) plan["set_y"].push_back(m.sym(s).name);
  plan["blocker"] = e.plan.blocker;
  j["enable_plan"] = plan;
  return j.dump(2) + "\n";
}

}  // namespace tailor::kconfig
