// tailor's Kconfig engine: the public interface.
//
//   auto tree = kconfig::Tree::load({.srctree = "/usr/src/linux", .arch = "x86_64",
//                                    .shell_cache_dir = cache / "kconfig-shell", .tree_cache_dir = cache / "kconfig-tree"});
//   kconfig::Config cfg = kconfig::Config::run(tree, kconfig::Mode::AllNoConfig);
//   cfg.set("EXPERT", "y");                      // a user value, as if read from a .config
//   cfg.value("EXPERT");                         // "y"
//   std::string dotconfig = cfg.dotconfig();     // byte-identical to conf's
//
// A Tree is parsed once and shared read-only; a Config is one evaluation of
// it (user values + computed values) and is cheap to copy, so a search can
// try thousands of variants: copy, set, read, discard.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kconfig-analyzer/kconfig/environment.h"
#include "kconfig-analyzer/kconfig/evaluator.h"
#include "kconfig-analyzer/kconfig/model.h"
#include "kconfig-analyzer/kconfig/operations.h"
#include "kconfig-analyzer/kconfig/source_files.h"

namespace tailor {
class Progress;
}

namespace tailor::kconfig {

struct TreeOptions {
  std::filesystem::path srctree;
  std::string arch;  // ARCH; empty: $ARCH or the host's
  std::vector<std::pair<std::string, std::string>> make_vars;  // e.g. {"CC", "clang"}
  // Directory of the persistent $(shell,...) memo; nullopt runs every command.
  std::optional<std::filesystem::path> shell_cache_dir;
  // Directory of the parsed-tree cache (tree_cache.h); used only together
  // with shell_cache_dir. nullopt: always parse.
  std::optional<std::filesystem::path> tree_cache_dir;
  std::optional<Dialect> dialect;  // default: from the tree's version
  // Cold runs start $(shell,...) commands on this many workers at once
  // (0: one after the other, like conf).
  int prefetch_jobs = default_prefetch_jobs();
  static int default_prefetch_jobs();
  // Shows how many $(shell,...) commands of a cold run are done.
  Progress* progress = nullptr;
};

struct LoadStats {
  bool from_tree_cache = false;  // loaded from the parsed-tree cache, not parsed
  int shell_runs = 0;     // processes started
  int shell_cached = 0;   // answered by the persistent memo
  size_t files = 0;       // Kconfig files read
  size_t symbols = 0;
};

class Tree {
 public:
  // Reads a kernel tree's Kconfig in kbuild's environment. Throws
  // KconfigError (file:line: ...) on syntax errors, missing source files and
  // recursive dependencies; tailor::Error for an unusable --srctree.
  static std::shared_ptr<const Tree> load(const TreeOptions& opts);
  // For tests and tools: Kconfig files from any FileSource, a given
  // environment, and a shell runner (nullptr: $(shell) expands to nothing).
  static std::shared_ptr<const Tree> parse(FileSource& files, const std::string& top, Dialect dialect,
                                           std::map<std::string, std::string> env = {}, ShellRunner* shell = nullptr);

  const Model& model() const { return *model_; }
  const std::shared_ptr<const Model>& model_ptr() const { return model_; }
  const KbuildEnv& env() const { return env_; }
  Dialect dialect() const { return model_->dialect; }
  // Warnings printed while parsing (type redefinitions, $(warning-if), ...).
  const std::vector<std::string>& warnings() const { return warnings_; }
  const LoadStats& stats() const { return stats_; }
  // A symbol by name (without CONFIG_); nullopt if the tree has none.
  std::optional<SymbolId> find(std::string_view name) const;

 private:
  std::shared_ptr<const Model> model_;
  KbuildEnv env_;
  std::vector<std::string> warnings_;
  LoadStats stats_;
};

class Config {
 public:
  // No user values yet (like conf right after parsing).
  explicit Config(std::shared_ptr<const Tree> tree);
  // One of conf's modes; `input` as for run_mode (operations.h).
  static Config run(std::shared_ptr<const Tree> tree, Mode mode, const std::optional<ConfigText>& input = {});

  const Tree& tree() const { return *tree_; }
  const std::shared_ptr<const Tree>& tree_ptr() const { return tree_; }

  // Replaces all user values with those of a .config (conf_read).
  void read(std::string_view text, const std::string& name = ".config");
  // Sets a user value as a .config line would ("y", "m", "n", "0x1000", raw
  // string text without quotes). False when the value is invalid for the
  // type (nothing changes then). Values are recomputed lazily.
  bool set(SymbolId s, std::string_view value);
  bool set(std::string_view name, std::string_view value);
  // Forgets a user value.
  void unset(SymbolId s);

  // Computed results.
  std::string value(SymbolId s);
  std::string value(std::string_view name);
  Tri tri(SymbolId s);
  Tri visibility(SymbolId s);
  bool has_user_value(SymbolId s) const;
  // The symbol would be written to .config (it is visible or has a default).
  bool written(SymbolId s);
  // Whether an expression of the tree holds now.
  Tri eval(ExprId e);

  std::string dotconfig();
  std::string savedefconfig();
  // Options on: named bool and tristate symbols that dotconfig() writes as y
  // or m (what `grep -c '=[ym]$'` counts in conf's .config, from the
  // evaluation itself).
  int options_on();

  // Warnings from reads (conf's "name:line:warning: ...").
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The evaluation itself, for engine-level work (explain, minimizer).
  Evaluator& evaluator() { return ev_; }

 private:
  Config(std::shared_ptr<const Tree> tree, Evaluator ev) : tree_(std::move(tree)), ev_(std::move(ev)) {}
  std::shared_ptr<const Tree> tree_;
  Evaluator ev_;
  std::vector<std::string> warnings_;
};

// The symbol named `name` or a tailor::Error saying it does not exist.
SymbolId require_symbol(const Tree& tree, std::string_view name);

}  // namespace tailor::kconfig
