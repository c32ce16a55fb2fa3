// `tailor kconfig ...`: conf's configuration modes and `explain`, on top of
// the Kconfig engine (kconfig-analyzer/kconfig/kconfig.h).
#include <fmt/core.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/progress.h"
#include "kconfig-analyzer/kconfig/explain.h"
#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/kconfig/tinyconfig.h"

namespace tailor::cli {
namespace {

namespace kc = tailor::kconfig;
namespace stdfs = std::filesystem;

// Options every kconfig subcommand takes.
struct TreeArgs {
  std::string srctree;
  std::string arch;
  std::vector<std::string> make_vars;
  bool no_shell_cache = false;
  bool no_tree_cache = false;
  bool quiet = false;
  bool stats = false;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--srctree,-s", srctree, "Top of the kernel source tree (read-only)")->required();
    cmd.add_option("--arch", arch, "ARCH as given to make (default: $ARCH, else the host's, e.g. x86)");
    cmd.add_option("--make-var", make_vars, "A variable as on make's command line, e.g. CC=clang (repeatable)");
    cmd.add_flag("--no-shell-cache", no_shell_cache,
                 "Run every $(shell,...) instead of using the memo (and parse: no parsed-tree cache)");
    cmd.add_flag("--no-tree-cache", no_tree_cache, "Parse the Kconfig files instead of loading the parsed-tree cache");
    cmd.add_flag("--quiet,-q", quiet, "Do not print conf's warnings");
    cmd.add_flag("--stats", stats, "Print parse statistics (files, symbols, shell commands run/cached, time) to stderr");
  }

  std::shared_ptr<const kc::Tree> load(const GlobalOptions& global) const {
    kc::TreeOptions o;
    o.srctree = srctree;
    o.arch = arch;
    for (const std::string& mv : make_vars) {
      size_t eq = mv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw Error("--make-var '" + mv + "': expected NAME=VALUE, e.g. --make-var CC=clang");
      o.make_vars.emplace_back(mv.substr(0, eq), mv.substr(eq + 1));
    }
    if (!no_shell_cache) o.shell_cache_dir = global.cache() / "kconfig-shell";
    if (!no_shell_cache && !no_tree_cache) o.tree_cache_dir = global.cache() / "kconfig-tree";
    Progress progress;
    o.progress = &progress;
    auto t0 = std::chrono::steady_clock::now();
    auto tree = kc::Tree::load(o);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!quiet)
      for (const std::string& w : tree->warnings()) fmt::print(stderr, "{}\n", w);
    if (stats && tree->stats().from_tree_cache)
      fmt::print(stderr, "tailor: {} symbols of {} files from the parsed-tree cache in {:.3f} s\n",
                 tree->stats().symbols, tree->stats().files, secs);
    else if (stats)
      fmt::print(stderr, "tailor: parsed {} files, {} symbols in {:.3f} s; $(shell): {} run, {} from the memo\n",
                 tree->stats().files, tree->stats().symbols, secs, tree->stats().shell_runs,
                 tree->stats().shell_cached);
    return tree;
  }
};

kc::ConfigText read_input(const std::string& path, const kc::Tree& tree) {
  // Like conf: the name as given, else relative to the source tree.
  stdfs::path p = path;
  std::error_code ec;
  if (!stdfs::exists(p, ec) && p.is_relative() && stdfs::exists(tree.env().srctree / p, ec)) p = tree.env().srctree / p;
  if (!stdfs::is_regular_file(p, ec)) throw Error(path + ": no such configuration file");
  return kc::ConfigText{path, read_file(p)};
}

void print_warnings(const std::vector<std::string>& warnings, bool quiet) {
  if (quiet) return;
  for (const std::string& w : warnings) fmt::print(stderr, "{}\n", w);
}

void print_unmet(kc::Evaluator& ev, bool quiet) {
  if (quiet) return;
  for (kc::SymbolId s : ev.unmet)
    fmt::print(stderr, "WARNING: unmet direct dependencies detected for {}\n", ev.model().sym(s).name);
}

void write_output(const std::string& out, const std::string& text) {
  if (out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  write_file_atomic(out, text);
}

void add_mode(CLI::App& kconfig, const GlobalOptions& global, kc::Mode mode, const std::string& help) {
  std::string name(kc::mode_name(mode));
  auto* cmd = kconfig.add_subcommand(name, help);
  auto args = std::make_shared<TreeArgs>();
  args->add_to(*cmd);
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  bool needs_input = mode == kc::Mode::OldDefConfig || mode == kc::Mode::SaveDefConfig;
  bool is_all = mode != kc::Mode::OldDefConfig && mode != kc::Mode::SaveDefConfig && mode != kc::Mode::DefConfig;
  if (needs_input) {
    cmd->add_option("--in,-i", *in, "The .config to read")->required();
  } else if (mode == kc::Mode::DefConfig) {
    cmd->add_option("--in,-i", *in, "The defconfig file (default: arch/$SRCARCH/configs/$KBUILD_DEFCONFIG)");
  } else {
    cmd->add_option("--in,--allconfig,-i", *in,
                    "A KCONFIG_ALLCONFIG fragment: these values are kept, everything else is set by the mode");
  }
  cmd->add_option("--out,-o", *out, "Where to write the result ('-': standard output)")->required();
  cmd->callback([=, &global] {
    auto tree = args->load(global);
    std::optional<kc::ConfigText> input;
    if (!in->empty()) {
      input = read_input(*in, *tree);
    } else if (mode == kc::Mode::DefConfig) {
      input = read_input("arch/" + tree->env().srcarch + "/configs/" + tree->env().defconfig, *tree);
    }
    (void)is_all;
    kc::ModeResult r = kc::run_mode(tree->model_ptr(), mode, input);
    print_warnings(r.warnings, args->quiet);
    print_unmet(r.state, args->quiet);
    write_output(*out, r.output);
  });
}

void add_tinyconfig(CLI::App& kconfig, const GlobalOptions& global) {
  auto* cmd = kconfig.add_subcommand("tinyconfig",
                                     "make tinyconfig: allnoconfig with kernel/configs/tiny-base.config, then the "
                                     "tiny.config fragments merged in and olddefconfig");
  auto args = std::make_shared<TreeArgs>();
  args->add_to(*cmd);
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out,-o", *out, "Where to write the result ('-': standard output)")->required();
  cmd->callback([=, &global] {
    auto tree = args->load(global);
    kc::ModeResult r = kc::tinyconfig(*tree);
    print_warnings(r.warnings, args->quiet);
    print_unmet(r.state, args->quiet);
    write_output(*out, r.output);
  });
}

void add_explain(CLI::App& kconfig, const GlobalOptions& global) {
  auto* cmd = kconfig.add_subcommand("explain",
                                     "Why a symbol has its value: dependencies, defaults, selects and implies, and the "
                                     "fewest symbols to turn on to make it y");
  auto args = std::make_shared<TreeArgs>();
  args->add_to(*cmd);
  auto symbol = std::make_shared<std::string>();
  auto config = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("SYMBOL", *symbol, "The symbol, with or without CONFIG_")->required();
  cmd->add_option("--config,-c", *config, "The .config to explain (default: allnoconfig)");
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=, &global] {
    auto tree = args->load(global);
    kc::Config cfg = config->empty() ? kc::Config::run(tree, kc::Mode::AllNoConfig)
                                     : kc::Config::run(tree, kc::Mode::OldDefConfig, read_input(*config, *tree));
    print_warnings(cfg.warnings(), args->quiet);
    kc::SymbolId s = kc::require_symbol(*tree, *symbol);
    kc::Explanation e = kc::explain(cfg, s);
    std::string text = *json ? kc::explanation_json(cfg, e) : kc::explanation_text(cfg, e);
    std::fwrite(text.data(), 1, text.size(), stdout);
  });
}

}  // namespace

void add_kconfig_command(CLI::App& app, const GlobalOptions& global) {
  auto* kconfig = app.add_subcommand("kconfig", "Kconfig engine: conf's configuration modes and explain");
  kconfig->require_subcommand(1);
  kconfig->footer(
      "Output is byte-identical to the kernel's own conf for the same tree, input and\n"
      "environment (kbuild's: ARCH, SRCARCH, CC=gcc, LD=ld, ..., CC_VERSION_TEXT).\n"
      "$(shell,...) results are memoized in <cache>/kconfig-shell, keyed by the command,\n"
      "the environment and the toolchain's identity; a warm run starts no process.\n"
      "Parsed trees are kept in <cache>/kconfig-tree and reused while every Kconfig file\n"
      "read (path, size, mtime, inode), the environment and tailor itself are unchanged.");
  add_mode(*kconfig, global, kc::Mode::OldDefConfig, "Update a .config: new symbols get their defaults (make olddefconfig)");
  add_mode(*kconfig, global, kc::Mode::AllNoConfig, "New config, every prompt answered no (make allnoconfig)");
  add_mode(*kconfig, global, kc::Mode::AllYesConfig, "New config, every prompt answered yes (make allyesconfig)");
  add_mode(*kconfig, global, kc::Mode::AllModConfig, "New config, modules where possible (make allmodconfig)");
  add_mode(*kconfig, global, kc::Mode::AllDefConfig, "New config, every symbol at its default (make alldefconfig)");
  add_mode(*kconfig, global, kc::Mode::DefConfig, "New config from a defconfig file (make defconfig)");
  add_mode(*kconfig, global, kc::Mode::SaveDefConfig, "Minimal config that reproduces a .config (make savedefconfig)");
  add_tinyconfig(*kconfig, global);
  add_explain(*kconfig, global);
}

}  // namespace tailor::cli
