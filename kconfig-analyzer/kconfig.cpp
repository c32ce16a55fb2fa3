// Loading trees and evaluating configurations (see kconfig.h).
#include "kconfig-analyzer/kconfig.h"

#include "common/error.h"
#include "kconfig-analyzer/config_io.h"
#include "kconfig-analyzer/diagnostics.h"
#include "kconfig-analyzer/finalize.h"
#include "kconfig-analyzer/parser.h"
#include "kconfig-analyzer/shell.h"

namespace tailor::kconfig {

namespace {

// $(shell,...) without a shell: every command expands to nothing.
class NoShell : public ShellRunner {
 public:
  std::string run(const std::string&) override { return {}; }
};

}  // namespace

std::shared_ptr<const Tree> Tree::load(const TreeOptions& opts) {
  auto tree = std::make_shared<Tree>();
  EnvOptions eo;
  eo.srctree = opts.srctree;
  eo.arch = opts.arch;
  eo.make_vars = opts.make_vars;
  tree->env_ = kbuild_environment(eo);
  if (opts.dialect) tree->env_.dialect = *opts.dialect;

  ProcessShell proc(tree->env_.vars);
  std::unique_ptr<ShellMemo> memo;
  if (opts.shell_cache_dir) memo = std::make_unique<ShellMemo>(proc, *opts.shell_cache_dir, tree->env_.vars);
  ShellRunner& shell = memo ? static_cast<ShellRunner&>(*memo) : proc;
  add_computed_variables(tree->env_, shell);
  proc.set_environment(tree->env_.vars);

  auto model = std::make_shared<Model>();
  model->dialect = tree->env_.dialect;
  Diagnostics diag;
  Preprocessor pp(tree->env_.vars, shell);
  pp.on_warning = [&](const std::string& w) { diag.warn(w); };
  DiskFiles files(tree->env_.srctree);
  Parser parser(*model, files, pp, diag);
  parser.parse(tree->env_.kconfig);
  finalize(*model, diag);
  if (memo) memo->save();

  tree->warnings_ = std::move(diag.warnings);
  tree->stats_.shell_runs = proc.runs();
  tree->stats_.shell_cached = memo ? memo->hits() : 0;
  tree->stats_.files = model->files.size();
  tree->stats_.symbols = model->symbols.size();
  tree->model_ = std::move(model);
  return tree;
}

std::shared_ptr<const Tree> Tree::parse(FileSource& files, const std::string& top, Dialect dialect,
                                        std::map<std::string, std::string> env, ShellRunner* shell) {
  auto tree = std::make_shared<Tree>();
  NoShell none;
  ShellRunner& runner = shell ? *shell : none;
  auto model = std::make_shared<Model>();
  model->dialect = dialect;
  tree->env_.dialect = dialect;
  tree->env_.vars = env;
  Diagnostics diag;
  Preprocessor pp(std::move(env), runner);
  pp.on_warning = [&](const std::string& w) { diag.warn(w); };
  pp.on_info = [&](const std::string& w) { diag.warn(w); };
  Parser parser(*model, files, pp, diag);
  parser.parse(top);
  finalize(*model, diag);
  tree->warnings_ = std::move(diag.warnings);
  tree->stats_.files = model->files.size();
  tree->stats_.symbols = model->symbols.size();
  tree->model_ = std::move(model);
  return tree;
}

std::optional<SymbolId> Tree::find(std::string_view name) const {
  SymbolId s = model_->find(name);
  if (s == kNoSymbol || s <= kSymYes) return std::nullopt;
  return s;
}

SymbolId require_symbol(const Tree& tree, std::string_view name) {
  if (name.substr(0, 7) == "CONFIG_") name.remove_prefix(7);
  auto s = tree.find(name);
  if (!s) throw Error("no symbol " + std::string(name) + " in this tree's Kconfig");
  return *s;
}

Config::Config(std::shared_ptr<const Tree> tree) : tree_(std::move(tree)), ev_(tree_->model_ptr()) {
  ev_.clear_all_valid();  // MODULES first, as conf always computes it before anything else
}

Config Config::run(std::shared_ptr<const Tree> tree, Mode mode, const std::optional<ConfigText>& input) {
  ModeResult r = run_mode(tree->model_ptr(), mode, input);
  Config c(std::move(tree), std::move(r.state));
  c.warnings_ = std::move(r.warnings);
  return c;
}

void Config::read(std::string_view text, const std::string& name) { read_config(ev_, text, name, warnings_); }

bool Config::set(SymbolId s, std::string_view value) {
  const Model& m = ev_.model();
  SymState& st = ev_.state(s);
  SymbolType t = m.sym(s).type;
  std::string v(value);
  switch (t) {
    case SymbolType::Bool:
    case SymbolType::Tristate:
      if (v == "y") st.def_tri = Tri::Yes;
      else if (v == "n") st.def_tri = Tri::No;
      else if (v == "m" && t == SymbolType::Tristate) st.def_tri = Tri::Mod;
      else return false;
      break;
    case SymbolType::Int:
    case SymbolType::Hex:
    case SymbolType::String:
      if (!Evaluator::string_valid(t, v)) return false;
      st.def_val = ev_.intern(v);
      break;
    default: return false;
  }
  st.flags |= kDefUser;
  if (m.dialect == Dialect::Classic && m.is_choice_value(s) && st.def_tri == Tri::Yes) {
    SymState& cst = ev_.state(m.sym(s).choice);
    cst.def_choice = s;
    cst.def_tri = Tri::Yes;
    cst.flags |= kDefUser;
  } else if (m.dialect == Dialect::Modern && m.sym(s).choice_menu != kNone) {
    std::vector<SymbolId>& order = ev_.choice_order(m.sym(s).choice);
    for (size_t i = 0; i < order.size(); ++i)
      if (order[i] == s) {
        order.erase(order.begin() + static_cast<long>(i));
        order.insert(order.begin(), s);
        break;
      }
  }
  ev_.clear_all_valid();
  return true;
}

bool Config::set(std::string_view name, std::string_view value) { return set(require_symbol(*tree_, name), value); }

void Config::unset(SymbolId s) {
  ev_.state(s).flags &= ~kDefUser;
  ev_.clear_all_valid();
}

std::string Config::value(SymbolId s) {
  ev_.calc(s);
  return std::string(ev_.string_value(s));
}

std::string Config::value(std::string_view name) { return value(require_symbol(*tree_, name)); }

Tri Config::tri(SymbolId s) {
  ev_.calc(s);
  return ev_.state(s).curr_tri;
}

Tri Config::visibility(SymbolId s) {
  ev_.calc(s);
  return ev_.state(s).visible;
}

bool Config::has_user_value(SymbolId s) const { return ev_.has_value(s); }

bool Config::written(SymbolId s) {
  ev_.calc(s);
  return ev_.state(s).flags & kWrite;
}

Tri Config::eval(ExprId e) { return ev_.expr_value(e); }

std::string Config::dotconfig() { return write_config(ev_); }

std::string Config::savedefconfig() { return write_defconfig(ev_); }

}  // namespace tailor::kconfig
