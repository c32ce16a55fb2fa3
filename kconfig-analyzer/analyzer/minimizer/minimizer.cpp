// The config minimizer (see minimizer.h).
#include "kconfig-analyzer/analyzer/minimizer/minimizer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "common/error.h"
#include "kconfig-analyzer/kconfig/explain.h"

namespace tailor::minimizer {

using kconfig::Config;
using kconfig::SymbolId;
using kconfig::Tri;
using knowledge::Conjunction;
using knowledge::Literal;

std::string chain_text(const std::vector<std::string>& chain) {
  std::string s;
  for (const auto& c : chain) s += (s.empty() ? "" : " <- ") + c;
  return s;
}

namespace {

class Minimizer {
 public:
  Minimizer(std::shared_ptr<const kconfig::Tree> tree, const std::vector<Requirement>& reqs, const MinimizeOptions& o)
      : tree_(std::move(tree)), reqs_(reqs), opts_(o) {}

  MinimizeResult run() {
    Config cfg = allnoconfig();
    chosen_.assign(reqs_.size(), std::nullopt);
    // Two passes: the canonical allnoconfig run can undo a choice made on the
    // working copy (a choice member, a symbol whose prompt vanished).
    for (int pass = 0; pass < 3; ++pass) {
      bool added = false;
      for (size_t i = 0; i < reqs_.size(); ++i) {
        // Unmet ones are tried again: a later requirement may have opened the way.
        unmet_.erase(i);
        if (auto c = holding(cfg, reqs_[i])) {
          chosen_[i] = *c;
          continue;
        }
        added |= satisfy(cfg, i);
      }
      cfg = allnoconfig();
      if (!added && all_hold(cfg)) break;
    }
    for (size_t i = 0; i < reqs_.size(); ++i)
      if (!unmet_.count(i) && !holding(cfg, reqs_[i])) record_unmet(cfg, i, "it does not hold after configuration");
    if (opts_.drop) cfg = drop_phase(cfg);
    return result(cfg);
  }

 private:
  std::string fragment_text() const {
    std::string t;
    for (const auto& l : opts_.base) t += l + "\n";
    for (auto s : order_) t += "CONFIG_" + name(s) + "=y\n";
    return t;
  }

  Config allnoconfig() {
    ++evaluations_;
    return Config::run(tree_, kconfig::Mode::AllNoConfig, kconfig::ConfigText{"tailor-fragment", fragment_text()});
  }

  std::string name(SymbolId s) const { return tree_->model().sym(s).name; }

  // A literal's truth in `cfg`; symbols the tree does not define are n.
  bool literal_holds(Config& cfg, const Literal& l) {
    auto id = tree_->find(l.symbol);
    Tri t = id ? cfg.tri(*id) : Tri::No;
    return l.positive ? t == Tri::Yes : t == Tri::No;
  }
  bool conjunction_holds(Config& cfg, const Conjunction& c) {
    return std::all_of(c.begin(), c.end(), [&](const Literal& l) { return literal_holds(cfg, l); });
  }
  std::optional<size_t> holding(Config& cfg, const Requirement& r) {
    for (size_t k = 0; k < r.condition.size(); ++k)
      if (conjunction_holds(cfg, r.condition[k])) return k;
    return std::nullopt;
  }
  bool all_hold(Config& cfg) {
    for (size_t i = 0; i < reqs_.size(); ++i)
      if (!unmet_.count(i) && !holding(cfg, reqs_[i])) return false;
    return true;
  }

  // Turns on one alternative of requirement i; false when none can be met.
  bool satisfy(Config& cfg, size_t i) {
    const auto& req = reqs_[i];
    // Alternatives whose "must be off" literals already hold, fewest options first.
    std::vector<size_t> order;
    for (size_t k = 0; k < req.condition.size(); ++k) order.push_back(k);
    auto positives = [&](size_t k) {
      return std::count_if(req.condition[k].begin(), req.condition[k].end(), [](const Literal& l) { return l.positive; });
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return positives(a) < positives(b); });
    std::string first_blocker, blocking_symbol;
    for (size_t k : order) {
      const auto& conj = req.condition[k];
      Config trial = cfg;
      std::vector<std::pair<SymbolId, std::string>> set;  // symbol, the literal it serves
      std::string blocker;
      for (const auto& lit : conj) {
        if (literal_holds(trial, lit)) continue;
        if (!lit.positive) {
          blocker = lit.symbol + " must be off but is on";
          break;
        }
        auto id = tree_->find(lit.symbol);
        if (!id) {
          blocker = lit.symbol + " is not defined in this kernel tree";
          break;
        }
        auto plan = kconfig::plan_enable(trial, *id);
        ++evaluations_;
        if (!plan.possible) {
          blocker = lit.symbol + ": " + plan.blocker;
          blocking_symbol = lit.symbol;
          break;
        }
        for (SymbolId s : plan.set_y) {
          trial.set(s, "y");
          set.push_back({s, lit.symbol});
        }
        // A plan that counts on a default can be undone by the "n" that
        // allnoconfig gave the symbol while its prompt was hidden: answer y.
        if (!literal_holds(trial, lit) && trial.visibility(*id) != Tri::No) {
          trial.set(*id, "y");
          set.push_back({*id, lit.symbol});
        }
      }
      if (blocker.empty() && conjunction_holds(trial, conj)) {
        cfg = trial;
        chosen_[i] = k;
        for (auto& [s, served] : set) {
          if (std::find(order_.begin(), order_.end(), s) == order_.end()) order_.push_back(s);
          if (!why_.count(s)) why_[s] = {i, served};
        }
        return true;
      }
      if (first_blocker.empty()) {
        first_blocker = blocker.empty() ? "the engine's plan for " + knowledge::to_string(conj) + " did not make it hold"
                                        : blocker;
        if (blocking_symbol.empty() && !conj.empty()) blocking_symbol = conj.front().symbol;
      }
    }
    record_unmet(cfg, i, first_blocker, blocking_symbol);
    return false;
  }

  void record_unmet(Config& cfg, size_t i, const std::string& summary, const std::string& symbol = {}) {
    Unmet u;
    u.requirement = reqs_[i];
    u.summary = summary;
    std::string sym = symbol;
    if (sym.empty())
      for (const auto& c : reqs_[i].condition)
        for (const auto& l : c)
          if (sym.empty() && !literal_holds(cfg, l)) sym = l.symbol;
    if (auto id = sym.empty() ? std::nullopt : tree_->find(sym)) {
      auto e = kconfig::explain(cfg, *id);
      u.explanation = kconfig::explanation_text(cfg, e);
    }
    unmet_[i] = std::move(u);
  }

  // The symbols named by the chosen alternatives (never dropped).
  std::set<std::string> required_names() const {
    std::set<std::string> out;
    for (size_t i = 0; i < reqs_.size(); ++i)
      if (chosen_[i])
        for (const auto& l : reqs_[i].condition[*chosen_[i]])
          if (l.positive) out.insert(l.symbol);
    return out;
  }

  Config drop_phase(Config cfg) {
    auto required = required_names();
    // Our own choices first (latest first: later plans often cover earlier
    // dependencies), then any other visible option that is on.
    std::vector<SymbolId> candidates(order_.rbegin(), order_.rend());
    for (SymbolId s : tree_->model().walk_order) {
      const auto& sym = tree_->model().sym(s);
      if (sym.name.empty() || tree_->model().is_choice(s) || tree_->model().is_choice_value(s)) continue;
      if (sym.type != kconfig::SymbolType::Bool && sym.type != kconfig::SymbolType::Tristate) continue;
      if (cfg.visibility(s) == Tri::No || cfg.tri(s) == Tri::No) continue;
      if (std::find(order_.begin(), order_.end(), s) != order_.end()) continue;
      candidates.push_back(s);
    }
    for (SymbolId s : candidates) {
      if (required.count(name(s))) continue;
      if (std::find(opts_.base.begin(), opts_.base.end(), "CONFIG_" + name(s) + "=y") != opts_.base.end()) continue;
      Config trial = cfg;
      ++evaluations_;
      if (!trial.set(s, "n") || trial.tri(s) != Tri::No || !all_hold(trial)) continue;
      cfg = trial;
      dropped_.push_back(name(s));
      std::erase(order_, s);
    }
    if (dropped_.empty()) return cfg;
    // The canonical configuration for the smaller fragment must still meet everything.
    Config canonical = allnoconfig();
    if (all_hold(canonical)) return canonical;
    // Dropping interacted with allnoconfig's answers: keep what conf gives for
    // the fragment before dropping (always valid: verified above).
    return cfg;
  }

  std::vector<std::string> chain_of(SymbolId s, int depth = 0) {
    auto n = name(s);
    if (auto it = why_.find(s); it != why_.end() && depth < 8) {
      auto [req, served] = it->second;
      std::vector<std::string> c{n};
      if (served != n) {
        c.push_back("dependency of " + served);
        auto id = tree_->find(served);
        auto more = id ? chain_of(*id, depth + 1) : std::vector<std::string>{served};
        c.insert(c.end(), more.begin() + 1, more.end());
        return c;
      }
      c.insert(c.end(), reqs_[req].reason.begin(), reqs_[req].reason.end());
      return c;
    }
    for (size_t i = 0; i < reqs_.size(); ++i)
      if (chosen_[i])
        for (const auto& l : reqs_[i].condition[*chosen_[i]])
          if (l.positive && l.symbol == n) {
            std::vector<std::string> c{n};
            c.insert(c.end(), reqs_[i].reason.begin(), reqs_[i].reason.end());
            return c;
          }
    return {};
  }

  MinimizeResult result(Config& cfg) {
    MinimizeResult r;
    r.dotconfig = cfg.dotconfig();
    for (auto s : order_) r.fragment.push_back("CONFIG_" + name(s) + "=y");
    r.dropped = dropped_;
    for (auto& [i, u] : unmet_) r.unmet.push_back(u);
    auto required = required_names();
    for (SymbolId s : tree_->model().walk_order) {
      const auto& sym = tree_->model().sym(s);
      if (sym.name.empty() || !cfg.written(s)) continue;
      bool logic = sym.type == kconfig::SymbolType::Bool || sym.type == kconfig::SymbolType::Tristate;
      if (logic && cfg.tri(s) == Tri::No) continue;
      if (!logic) continue;  // int/hex/string values are reported by the .config itself
      OptionReason o;
      o.symbol = sym.name;
      o.value = cfg.value(s);
      o.chain = chain_of(s);
      if (!o.chain.empty()) {
        o.kind = required.count(sym.name) ? OptionReason::Kind::Required : OptionReason::Kind::Dependency;
      } else {
        o.kind = OptionReason::Kind::Kconfig;
        o.chain = {sym.name, kconfig_reason(cfg, s)};
      }
      r.options.push_back(std::move(o));
    }
    std::sort(r.options.begin(), r.options.end(), [](auto& a, auto& b) { return a.symbol < b.symbol; });
    r.evaluations = evaluations_;
    return r;
  }

  // Why Kconfig itself turns an option on: a select, a default, a choice.
  std::string kconfig_reason(Config& cfg, SymbolId s) {
    const auto& m = tree_->model();
    const auto& sym = m.sym(s);
    if (m.is_choice_value(s)) return "the selected member of its choice";
    for (kconfig::ExprId term : kconfig::or_terms(m, sym.rev_dep)) {
      if (cfg.eval(term) == Tri::No) continue;
      // A select term is "SELECTOR && its condition": the selector is leftmost.
      kconfig::ExprId e = term;
      for (int guard = 0; guard < 16 && m.exprs[e].kind == kconfig::ExprKind::And; ++guard) e = m.exprs[e].left;
      if (m.exprs[e].kind == kconfig::ExprKind::Symbol) return "selected by " + m.sym(m.exprs[e].left).name;
      return "selected";
    }
    if (sym.prompts.empty()) return "on by default (no prompt)";
    if (cfg.visibility(s) == Tri::No) return "on by default (prompt hidden)";
    return "on by default";
  }

  std::shared_ptr<const kconfig::Tree> tree_;
  const std::vector<Requirement>& reqs_;
  MinimizeOptions opts_;
  std::vector<SymbolId> order_;                           // our choices, in the order made
  std::map<SymbolId, std::pair<size_t, std::string>> why_;  // choice -> (requirement, literal it serves)
  std::vector<std::optional<size_t>> chosen_;             // requirement -> alternative that holds
  std::map<size_t, Unmet> unmet_;
  std::vector<std::string> dropped_;
  int evaluations_ = 0;
};

}  // namespace

MinimizeResult minimize(std::shared_ptr<const kconfig::Tree> tree, const std::vector<Requirement>& requirements,
                        const MinimizeOptions& options) {
  return Minimizer(std::move(tree), requirements, options).run();
}

}  // namespace tailor::minimizer
