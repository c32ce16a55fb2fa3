// Why a symbol has its value, and what it would take to make it y.
//
// explain() reports, for the current configuration: the symbol's value and
// user value, each definition (file:line) with its dependencies and whether
// they hold, its defaults and which one applies, the symbols that select or
// imply it (and with what value), what it selects and implies, and a plan:
// the fewest symbols to set to y so that it becomes y, checked by applying
// the plan to a copy of the configuration -- or the requirement that makes
// it impossible (e.g. "needs !X, but X=y").
#pragma once

#include <string>
#include <vector>

#include "kconfig-analyzer/kconfig/kconfig.h"

namespace tailor::kconfig {

struct ExprStatus {
  std::string text;  // "A && (B || C)", with values: "A [=y] && ..."
  Tri value = Tri::No;
};

struct EnablePlan {
  bool possible = false;
  bool verified = false;          // applying set_y made the symbol y
  std::vector<SymbolId> set_y;    // user values to set, dependencies first
  std::string blocker;            // when impossible: the requirement that fails
};

struct Explanation {
  SymbolId sym = kNoSymbol;
  std::string name, type, value;
  bool has_user_value = false;
  std::string user_value;
  Tri visible = Tri::No, dir_dep = Tri::Yes, rev_dep = Tri::No, implied = Tri::No;

  struct Definition {
    std::string location;  // file:line
    std::string prompt;    // empty without one
    ExprStatus depends;    // the entry's dependencies (with enclosing menus and ifs)
    ExprStatus prompt_if;  // when the prompt is shown
  };
  std::vector<Definition> definitions;

  struct Default {
    std::string location;
    ExprStatus value;
    ExprStatus condition;
    bool applies = false;  // the first default whose condition holds
  };
  std::vector<Default> defaults;

  std::vector<ExprStatus> selected_by, implied_by;  // one term per select/imply
  std::vector<std::string> selects, implies;        // what this symbol selects/implies
  std::vector<std::string> reasons;                 // the value in words
  EnablePlan plan;
};

Explanation explain(Config& cfg, SymbolId s);
std::string explanation_text(Config& cfg, const Explanation& e);
std::string explanation_json(Config& cfg, const Explanation& e);

// The fewest symbols to set to y, starting from `cfg`, so that `s` becomes y
// (greedy over alternatives, then verified on a copy of cfg).
EnablePlan plan_enable(Config& cfg, SymbolId s);

// Splits an || chain (select/imply terms) into its operands.
std::vector<ExprId> or_terms(const Model& m, ExprId e);

}  // namespace tailor::kconfig
