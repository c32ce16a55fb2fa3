// Loading trees and evaluating configurations (see kconfig.h).
#include "kconfig-analyzer/kconfig/kconfig.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "common/error.h"
#include "common/progress.h"
#include "kconfig-analyzer/kconfig/config_io.h"
#include "kconfig-analyzer/kconfig/diagnostics.h"
#include "kconfig-analyzer/kconfig/finalize.h"
#include "kconfig-analyzer/kconfig/parser.h"
#include "kconfig-analyzer/kconfig/shell.h"
#include "kconfig-analyzer/kconfig/tree_cache.h"

namespace tailor::kconfig {

namespace {

// $(shell,...) without a shell: every command expands to nothing.
class NoShell : public ShellRunner {
 public:
  std::string run(const std::string&) override { return {}; }
};

}  // namespace

int TreeOptions::default_prefetch_jobs() {
  unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n == 0 ? 2u : n + 1, 2u, 16u));
}

namespace {

// Passes commands to the memo and notes each one (the tree cache records them).
class RecordingShell : public ShellRunner {
 public:
  explicit RecordingShell(ShellRunner& inner) : inner_(inner) {}
  std::string run(const std::string& command) override {
    commands.push_back(command);
    return inner_.run(command);
  }
  std::vector<std::string> commands;

 private:
  ShellRunner& inner_;
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

  // A parsed-tree cache entry answers for the whole parse. It needs the
  // persistent memo: without it, every command is meant to run.
  std::optional<TreeCache> cache;
  if (opts.tree_cache_dir && opts.shell_cache_dir) {
    cache.emplace(*opts.tree_cache_dir, tree->env_);
    if (std::optional<CachedTree> hit = cache->load()) {
      for (auto& [k, v] : hit->computed_vars) tree->env_.vars[k] = v;
      for (const std::string& info : hit->infos) std::fprintf(stdout, "%s\n", info.c_str());
      tree->warnings_ = std::move(hit->warnings);
      tree->stats_.from_tree_cache = true;
      tree->stats_.files = hit->model->files.size();
      tree->stats_.symbols = hit->model->symbols.size();
      tree->model_ = std::move(hit->model);
      return tree;
    }
  }

  ProcessShell proc(tree->env_.vars);
  // Without a persistent memo, results are still shared within this run.
  ShellMemo memo(proc, opts.shell_cache_dir.value_or(std::filesystem::path()), tree->env_.vars);
  RecordingShell recorded(memo);
  KbuildEnv plain_env = tree->env_;
  add_computed_variables(tree->env_, recorded);
  proc.set_environment(tree->env_.vars);

  // Cold: a speculative pass starts every $(shell,...) in parallel.
  if (memo.loaded_entries() == 0 && opts.prefetch_jobs > 0) {
    ShellPrefetch prefetch(memo, proc, opts.prefetch_jobs);
    try {
      Model scratch;
      scratch.dialect = tree->env_.dialect;
      Diagnostics quiet;
      Preprocessor pp(tree->env_.vars, memo);
      pp.on_info = pp.on_warning = [](const std::string&) {};
      pp.set_async(&prefetch);
      DiskFiles files(tree->env_.srctree);
      Parser(scratch, files, pp, quiet).parse(tree->env_.kconfig);
    } catch (const std::exception&) {
      // The real pass below reports whatever went wrong.
    }
    prefetch.finish([&](int done, int total) {
      if (opts.progress)
        opts.progress->update("kconfig", total ? done * 100 / total : -1,
                              "$(shell,...) " + std::to_string(done) + "/" + std::to_string(total));
    });
    if (opts.progress) opts.progress->clear();
  }

  auto model = std::make_shared<Model>();
  model->dialect = tree->env_.dialect;
  Diagnostics diag;
  Preprocessor pp(tree->env_.vars, recorded);
  pp.on_warning = [&](const std::string& w) { diag.warn(w); };
  std::vector<std::string> infos;
  pp.on_info = [&](const std::string& s) {
    std::fprintf(stdout, "%s\n", s.c_str());
    infos.push_back(s);
  };
  DiskFiles files(tree->env_.srctree);
  Parser parser(*model, files, pp, diag);
  parser.parse(tree->env_.kconfig);
  finalize(*model, diag);
  memo.save();

  tree->warnings_ = std::move(diag.warnings);
  tree->stats_.shell_runs = proc.runs();
  tree->stats_.shell_cached = memo.disk_hits();
  tree->stats_.files = model->files.size();
  tree->stats_.symbols = model->symbols.size();
  tree->model_ = std::move(model);

  if (cache) {
    CachedTree entry;
    for (const auto& [k, v] : tree->env_.vars)
      if (!plain_env.vars.count(k) || plain_env.vars.at(k) != v) entry.computed_vars[k] = v;
    entry.warnings = tree->warnings_;
    entry.infos = std::move(infos);
    entry.model = tree->model_;
    TreeInputs inputs{files.seen(), std::move(recorded.commands), pp.env_used(), pp.env_unset()};
    try {
      cache->store(entry, inputs);
    } catch (const std::exception&) {
      // Only a cache: the next run parses again.
    }
  }
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

int Config::options_on() {
  int n = 0;
  const Model& m = tree_->model();
  for (SymbolId s : m.walk_order) {
    const Symbol& sym = m.symbols[s];
    if (sym.name.empty() || (sym.type != SymbolType::Bool && sym.type != SymbolType::Tristate)) continue;
    if (written(s) && tri(s) != Tri::No) ++n;
  }
  return n;
}

}  // namespace tailor::kconfig
