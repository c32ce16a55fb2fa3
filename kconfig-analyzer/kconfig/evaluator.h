// Symbol values: conf's lazy evaluation (sym_calc_value and friends) over a
// shared, read-only Model. All mutable state lives here, in plain vectors, so
// an Evaluator is cheap to copy: set user values on a copy, re-evaluate, read
// the results, throw the copy away. No globals; several evaluators may share
// one model (each one used by a single thread at a time).
//
// Values are computed on demand and memoized per symbol (the kValid flag);
// clear_all_valid() forgets them. The order in which conf computes values
// matters in a few corners (stale visibility inside choices, the MODULES
// value read before it is final), so the operations in operations.h drive
// this class in exactly conf's order.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/kconfig/model.h"

namespace tailor::kconfig {

// Per-symbol evaluation flags.
enum EvalFlag : uint32_t {
  kValid = 1u << 0,                // value computed
  kWrite = 1u << 1,                // belongs in the .config
  kWritten = 1u << 2,              // already written (symbols defined twice)
  kDefUser = 1u << 3,              // has a user value
  kNeedSetChoiceValues = 1u << 4,  // Classic: choice defaults pending
};

struct SymState {
  StrId curr_val = Model::kStrEmpty;   // string/int/hex value; the name for unknown symbols
  Tri curr_tri = Tri::No;
  StrId def_val = Model::kStrEmpty;    // user value of string/int/hex symbols
  Tri def_tri = Tri::No;               // user value of bool/tristate symbols
  SymbolId def_choice = kNoSymbol;     // Classic choices: the member the user picked
  SymbolId curr_choice = kNoSymbol;    // Classic choices: the selected member
  Tri visible = Tri::No;
  Tri dir_dep = Tri::No, rev_dep = Tri::No, implied = Tri::No;
  uint32_t flags = 0;
};

class Evaluator {
 public:
  explicit Evaluator(std::shared_ptr<const Model> model);

  const Model& model() const { return *m_; }
  const std::shared_ptr<const Model>& model_ptr() const { return m_; }
  Dialect dialect() const { return m_->dialect; }

  // conf's sym_calc_value: computes the symbol's value, visibility and
  // dependency state unless already valid.
  void calc(SymbolId s);
  Tri expr_value(ExprId e);
  void calc_visibility(SymbolId s);
  // Forgets every computed value and recomputes MODULES (sym_clear_all_valid).
  void clear_all_valid();
  // Must be called whenever any symbol loses its kValid flag: memoized
  // expression values are only trusted while no symbol was invalidated.
  void invalidate_exprs() { ++epoch_; }

  // The value as conf prints it ("y", "0x10", "some text").
  std::string_view string_value(SymbolId s) const;
  // The value the symbol would have without a user value (sym_get_string_default).
  std::string string_default(SymbolId s);
  SymbolType effective_type(SymbolId s) const;  // tristate reads as bool without modules
  bool is_changeable(SymbolId s) const;
  bool has_value(SymbolId s) const { return st_[s].flags & kDefUser; }
  // A string/number value is allowed by the symbol's type and active range.
  bool string_within_range(SymbolId s, std::string_view value);
  static bool string_valid(SymbolType type, std::string_view value);

  // Choices. Classic: the default member (sym_choice_default) and the
  // selection (sym_calc_choice); Modern: the same over the choice's members.
  SymbolId choice_default(SymbolId choice);
  void set_all_choice_values(SymbolId choice);  // Classic
  SymbolId calc_choice_modern(SymbolId choice);
  // Modern: members of each choice in priority order (the last one read from
  // a .config first).
  std::vector<SymbolId>& choice_order(SymbolId choice);

  // conf's menu_is_visible.
  bool menu_is_visible(MenuId m);

  SymState& state(SymbolId s) { return st_[s]; }
  const SymState& state(SymbolId s) const { return st_[s]; }
  Tri prop_visible(PropId p) const { return prop_vis_[p]; }
  Tri modules_value() const { return modules_val_; }

  // Strings created while evaluating (user values) live here.
  StrId intern(std::string_view s);
  std::string_view str(StrId id) const {
    return id & kLocalStringBit ? std::string_view(local_strings_[id & ~kLocalStringBit]) : m_->str(id);
  }

  // conf_set_changed / conf_get_changed.
  bool changed = true;
  // "unmet direct dependencies" findings, once per symbol, in order found.
  std::vector<SymbolId> unmet;

 private:
  PropId default_prop(SymbolId s);
  PropId range_prop(SymbolId s);
  long long range_value(SymbolId s, int base);
  void validate_range(SymbolId s);
  SymbolId calc_choice_classic(SymbolId choice);
  Tri compare(const ExprNode& n);
  Tri compute_expr(ExprId e);
  void note_unmet(SymbolId s);

  std::shared_ptr<const Model> m_;
  std::vector<SymState> st_;
  std::vector<Tri> prop_vis_;
  std::vector<std::vector<SymbolId>> choice_orders_;  // Modern, indexed by choice_index_
  std::vector<uint32_t> choice_index_;
  std::vector<std::string> local_strings_;
  NameIndex local_ids_;  // into local_strings_
  std::vector<uint8_t> unmet_seen_;
  Tri modules_val_ = Tri::No;
  // Expression memo, indexed by expression id, valid for one epoch.
  std::vector<uint32_t> expr_epoch_;
  std::vector<Tri> expr_val_;
  uint32_t epoch_ = 1;
};

}  // namespace tailor::kconfig
