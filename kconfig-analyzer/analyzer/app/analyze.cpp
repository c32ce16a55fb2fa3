// The analysis pipeline (see analyze.h).
#include "kconfig-analyzer/analyzer/app/analyze.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "common/config_line.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/kernel_version.h"
#include "kconfig-analyzer/kconfig/kconfig.h"

namespace tailor::app {

std::vector<std::string> options_on(const std::string& dotconfig) {
  std::vector<std::string> out;
  std::istringstream in(dotconfig);
  std::string line;
  while (std::getline(in, line))
    if (auto c = parse_config_line(line); c && c->enabled()) out.push_back(c->name);
  std::sort(out.begin(), out.end());
  return out;
}

ConfigDiff diff_configs(const std::string& ours, const std::string& reference, const std::string& name) {
  ConfigDiff d;
  d.reference = name;
  auto a = options_on(ours), b = options_on(reference);
  d.ours_on = int(a.size());
  d.reference_on = int(b.size());
  std::vector<std::string> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  d.both_on = int(both.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(d.only_ours));
  std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(d.only_reference));
  return d;
}

std::shared_ptr<const kconfig::Tree> kconfig_tree(const AnalyzeOptions& options) {
  kconfig::TreeOptions to;
  to.srctree = options.kernel_tree;
  to.arch = "x86_64";
  to.shell_cache_dir = options.cache / "kconfig-shell";
  to.tree_cache_dir = options.cache / "kconfig-tree";
  return kconfig::Tree::load(to);
}

AnalyzeResult analyze(const AppInput& input, const AnalyzeOptions& options, Progress& progress) {
  auto t0 = std::chrono::steady_clock::now();
  AnalyzeResult r;
  r.app = input.name;
  r.kernel_tree = options.kernel_tree;
  r.kernel_version = kernel_version_from_makefile(read_file(options.kernel_tree / "Makefile"),
                                                  (options.kernel_tree / "Makefile").string());
  // Read the reference first: a bad path should fail before the long work.
  std::optional<std::string> reference;
  if (options.against) reference = read_file(*options.against);

  r.knowledge = std::make_shared<const knowledge::SyscallKnowledge>(
      knowledge::SyscallKnowledge::load_or_derive(options.kernel_tree, options.cache, &progress));
  auto rules = options.rules ? knowledge::RuleSet::load(options.rules->string()) : knowledge::RuleSet::builtin();
  r.analysis = analyze_app(input, *r.knowledge, rules, &progress);

  progress.update("minimize", -1, "reading Kconfig");
  auto tree = kconfig_tree(options);
  progress.update("minimize", -1, std::to_string(r.analysis.requirements.size()) + " requirements");
  r.config = minimizer::minimize(tree, r.analysis.requirements);
  progress.clear();
  for (const auto& cost : rules.boot_costs())
    if (std::any_of(r.config.options.begin(), r.config.options.end(),
                    [&](const minimizer::OptionReason& o) { return o.symbol == cost.option && o.value != "n"; }))
      r.boot_costs.push_back(cost);

  if (reference) r.against = diff_configs(r.config.dotconfig, *reference, options.against->string());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace tailor::app
