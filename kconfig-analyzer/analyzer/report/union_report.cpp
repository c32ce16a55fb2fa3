// Text and JSON renderings of a union configuration (see union_report.h).
#include "kconfig-analyzer/analyzer/report/union_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "kconfig-analyzer/analyzer/report/report_parts.h"

namespace tailor::report {

using minimizer::OptionReason;
using json = nlohmann::ordered_json;

namespace {

std::string words(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s.empty() ? std::string("(none)") : s;
}

// An option some app's own kernel chose (required or a dependency of one),
// as opposed to one that Kconfig turns on by itself everywhere.
bool chosen_by_an_app(const app::UnionOption& o) {
  return std::any_of(o.apps.begin(), o.apps.end(),
                     [](const app::AppReason& a) { return a.kind != OptionReason::Kind::Kconfig; });
}

}  // namespace

std::string union_report_text(const app::UnionResult& r) {
  std::string o;
  std::vector<std::string> names;
  for (const auto& a : r.apps) names.push_back(a.app);
  o += fmt::format("tailor analyze --union: {}\n", words(names));
  o += fmt::format("  kernel: Linux {}, base: allnoconfig + EXPERT\n", r.kernel_version);
  o += fmt::format("  options on: {} in the union\n", r.options.size());
  o += "\nWhat the union costs each app (options on):\n";
  for (const auto& c : r.costs) {
    o += fmt::format("  {:<12} own kernel {:>4}, union {:>4}: +{} for the other apps", c.app, c.own_on, c.union_on,
                     c.extra.size());
    if (!c.missing.empty()) o += fmt::format(", -{} met another way in the union", c.missing.size());
    o += "\n";
  }

  o += "\nOptions chosen for the apps, with each app's reason:\n";
  for (const auto& opt : r.options) {
    if (!chosen_by_an_app(opt)) continue;
    o += "  " + opt.symbol + (opt.value == "y" ? "" : "=" + opt.value) + "\n";
    for (const auto& a : opt.apps) {
      if (a.kind == OptionReason::Kind::Kconfig) continue;
      // The chain starts with the option itself; the report says it once.
      std::vector<std::string> rest(a.chain.begin() + (a.chain.empty() ? 0 : 1), a.chain.end());
      o += fmt::format("    {:<10} {}\n", a.app, minimizer::chain_text(rest));
    }
  }
  o += "\nOn only because of the combination (no app's own kernel has them):\n";
  int combination = 0;
  for (const auto& opt : r.options)
    if (opt.apps.empty()) {
      o += "  " + minimizer::chain_text(opt.chain) + "\n";
      ++combination;
    }
  if (combination == 0) o += "  (none)\n";

  o += "\nUnmet requirements:";
  o += r.config.unmet.empty() ? " none\n" : "\n";
  for (const auto& u : r.config.unmet)
    o += fmt::format("  {}  <- {}\n    {}\n", knowledge::to_string(u.requirement.condition),
                     minimizer::chain_text(u.requirement.reason), u.summary);
  for (const auto& c : r.costs)
    if (!c.missing.empty())
      o += fmt::format("\n{}: on in its own kernel, off in the union (its requirements hold without them): {}\n",
                       c.app, words(c.missing));
  o += "\nEvery option's reasons per app, and the options Kconfig turns on by itself, are in report.json.\n";
  return o;
}

std::string union_report_json(const app::UnionResult& r) {
  json j;
  json apps = json::array();
  for (const auto& a : r.apps) apps.push_back(a.app);
  j["apps"] = apps;
  j["kernel"] = {{"version", r.kernel_version}, {"base", "allnoconfig + EXPERT"}};
  json costs = json::array();
  for (const auto& c : r.costs)
    costs.push_back({{"app", c.app},
                     {"own_options_on", c.own_on},
                     {"union_options_on", c.union_on},
                     {"extra", c.extra},
                     {"missing", c.missing}});
  j["costs"] = costs;
  json options = json::array();
  for (const auto& opt : r.options) {
    json per_app = json::object();
    for (const auto& a : opt.apps)
      per_app[a.app] = {{"kind", kind_name(a.kind)}, {"reason", minimizer::chain_text(a.chain)}};
    options.push_back({{"name", opt.symbol},
                       {"value", opt.value},
                       {"kind", kind_name(opt.kind)},
                       {"reason", minimizer::chain_text(opt.chain)},
                       {"apps", per_app}});
  }
  j["options"] = options;
  j["unmet"] = unmet_json(r.config.unmet);
  j["fragment"] = r.config.fragment;
  j["dropped"] = r.config.dropped;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace tailor::report
