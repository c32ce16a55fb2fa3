// One configuration for several apps (see union_analysis.h).
#include "kconfig-analyzer/analyzer/app/union_analysis.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "common/error.h"

namespace tailor::app {

std::vector<minimizer::Requirement> union_requirements(const std::vector<AnalyzeResult>& apps) {
  std::vector<minimizer::Requirement> out;
  for (const auto& a : apps)
    for (auto req : a.analysis.requirements) {
      // Manifest facts already end with the app's name ("<- hello"); the
      // rest end with a program or "boot (...)", which several apps share.
      if (req.reason.empty() || req.reason.back() != a.app) req.reason.push_back(a.app);
      out.push_back(std::move(req));
    }
  return out;
}

void attribute_union(UnionResult& r) {
  // symbol -> (app, its own reason), apps in r.apps' order.
  std::map<std::string, std::vector<AppReason>> own;
  for (const auto& a : r.apps)
    for (const auto& o : a.config.options)
      if (o.value != "n") own[o.symbol].push_back({a.app, o.kind, o.chain});

  r.options.clear();
  std::set<std::string> in_union;
  for (const auto& o : r.config.options) {
    if (o.value == "n") continue;
    in_union.insert(o.symbol);
    UnionOption u;
    u.symbol = o.symbol;
    u.value = o.value;
    u.kind = o.kind;
    u.chain = o.chain;
    if (auto it = own.find(o.symbol); it != own.end()) u.apps = it->second;
    r.options.push_back(std::move(u));
  }
  std::sort(r.options.begin(), r.options.end(), [](const auto& a, const auto& b) { return a.symbol < b.symbol; });

  r.costs.clear();
  for (const auto& a : r.apps) {
    UnionCost c;
    c.app = a.app;
    c.union_on = int(in_union.size());
    std::set<std::string> mine;
    for (const auto& o : a.config.options)
      if (o.value != "n") mine.insert(o.symbol);
    c.own_on = int(mine.size());
    std::set_difference(in_union.begin(), in_union.end(), mine.begin(), mine.end(), std::back_inserter(c.extra));
    std::set_difference(mine.begin(), mine.end(), in_union.begin(), in_union.end(), std::back_inserter(c.missing));
    r.costs.push_back(std::move(c));
  }
}

UnionResult analyze_union(std::vector<AppInput> inputs, const AnalyzeOptions& options, Progress& progress) {
  auto t0 = std::chrono::steady_clock::now();
  if (inputs.size() < 2) throw Error("--union: give at least two manifests (one app's kernel is `tailor analyze M`)");
  // Sorted by name: the minimizer is greedy, so the order of requirements
  // decides ties; the command line's order must not.
  std::stable_sort(inputs.begin(), inputs.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i].name == inputs[i - 1].name)
      throw Error(fmt::format("--union: two manifests name the app '{}'; each app of a union needs its own name",
                              inputs[i].name));

  UnionResult r;
  AnalyzeOptions own = options;
  own.against.reset();  // a reference compares with the union, not with each app
  for (const auto& in : inputs) {
    progress.update("analyze", -1, in.name);
    r.apps.push_back(analyze(in, own, progress));
  }
  r.kernel_version = r.apps.front().kernel_version;

  progress.update("minimize", -1, "the union of " + std::to_string(inputs.size()) + " apps");
  auto requirements = union_requirements(r.apps);
  r.config = minimizer::minimize(kconfig_tree(options), requirements);
  progress.clear();
  attribute_union(r);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace tailor::app
