// Text and JSON renderings of the analyzer's result (see report.h).
#include "kconfig-analyzer/analyzer/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "kconfig-analyzer/analyzer/app/app_analysis.h"
#include "kconfig-analyzer/analyzer/report/report_parts.h"

namespace tailor::report {

using minimizer::OptionReason;
using json = nlohmann::ordered_json;

namespace {

std::string name_of(const app::AnalyzeResult& r, int nr) {
  return r.knowledge ? r.knowledge->name_of(nr) : "syscall_" + std::to_string(nr);
}

// Syscall numbers seen statically (all programs) and by the trace.
struct SyscallSets {
  std::set<int> static_app, static_all, traced;
};

SyscallSets syscall_sets(const app::AnalyzeResult& r) {
  SyscallSets s;
  for (const auto& p : r.analysis.programs) {
    for (const auto& [nr, e] : p.analysis.syscalls) {
      s.static_all.insert(nr);
      if (p.role == "app") s.static_app.insert(nr);
    }
  }
  for (const auto& f : r.analysis.findings)
    if (f.source == "trace" && f.trigger.rfind("syscall:", 0) == 0 && r.knowledge)
      if (const auto* k = r.knowledge->by_name(f.trigger.substr(8))) s.traced.insert(k->nr);
  return s;
}

std::string names(const app::AnalyzeResult& r, const std::set<int>& nrs, size_t limit = 0) {
  std::string out;
  size_t n = 0;
  for (int nr : nrs) {
    if (limit && n++ == limit) {
      out += fmt::format(" ... ({} more)", nrs.size() - limit);
      break;
    }
    out += (out.empty() ? "" : " ") + name_of(r, nr);
  }
  return out.empty() ? "(none)" : out;
}

int count_kind(const std::vector<OptionReason>& o, OptionReason::Kind k) {
  return int(std::count_if(o.begin(), o.end(), [&](const OptionReason& x) { return x.kind == k; }));
}

}  // namespace

std::string report_text(const app::AnalyzeResult& r) {
  std::string o;
  const auto& opts = r.config.options;
  o += fmt::format("tailor analyze: {}\n", r.app);
  o += fmt::format("  kernel: Linux {} ({}), base: allnoconfig + EXPERT\n", r.kernel_version, r.kernel_tree.string());
  for (const auto& p : r.analysis.programs)
    o += fmt::format("  {:<7} {} ({} modules, {} functions, {} syscalls)\n", p.role, p.program,
                     p.analysis.modules.size(), p.analysis.functions, p.analysis.syscalls.size());
  o += fmt::format("  options on: {} — {} chosen for the app, {} their dependencies, {} follow from Kconfig\n",
                   opts.size(), count_kind(opts, OptionReason::Kind::Required),
                   count_kind(opts, OptionReason::Kind::Dependency), count_kind(opts, OptionReason::Kind::Kconfig));

  for (auto kind : {OptionReason::Kind::Required, OptionReason::Kind::Dependency}) {
    o += kind == OptionReason::Kind::Required ? "\nOptions chosen for the app:\n" : "\nWhat they depend on:\n";
    for (const auto& opt : opts)
      if (opt.kind == kind) o += "  " + minimizer::chain_text(opt.chain) + "\n";
  }

  o += "\nUnmet requirements:";
  if (r.config.unmet.empty()) o += " none\n";
  else o += "\n";
  for (const auto& u : r.config.unmet) {
    o += fmt::format("  {}  <- {}\n    {}\n", knowledge::to_string(u.requirement.condition),
                     minimizer::chain_text(u.requirement.reason), u.summary);
    if (!u.explanation.empty()) {
      std::string indented;
      for (char c : u.explanation) indented += c == '\n' ? std::string("\n      ") : std::string(1, c);
      o += "      " + indented + "\n";
    }
  }

  auto sets = syscall_sets(r);
  o += fmt::format("\nSystem calls: {} found statically in the app, {} in all programs", sets.static_app.size(),
                   sets.static_all.size());
  if (!sets.traced.empty() || std::any_of(r.analysis.findings.begin(), r.analysis.findings.end(),
                                          [](const app::Finding& f) { return f.source == "trace"; })) {
    std::set<int> both, only_static, only_traced;
    for (int nr : sets.static_all) (sets.traced.count(nr) ? both : only_static).insert(nr);
    for (int nr : sets.traced)
      if (!sets.static_all.count(nr)) only_traced.insert(nr);
    o += fmt::format(", {} traced\n", sets.traced.size());
    o += fmt::format("  static and traced ({}): {}\n", both.size(), names(r, both));
    o += fmt::format("  static only ({}): {}\n", only_static.size(), names(r, only_static));
    o += fmt::format("  traced only ({}, missed by the static analysis): {}\n", only_traced.size(),
                     names(r, only_traced));
  } else {
    o += "\n  app: " + names(r, sets.static_app) + "\n";
  }

  std::map<std::string, std::set<std::string>> families;
  for (const auto& f : r.analysis.findings)
    if (f.trigger.rfind("socket:", 0) == 0) families[f.trigger.substr(7)].insert(f.source);
  if (!families.empty()) {
    o += "Socket families:";
    for (const auto& [fam, src] : families) {
      std::string s;
      for (const auto& x : src) s += (s.empty() ? "" : ", ") + x;
      o += fmt::format(" {} ({})", fam, s);
    }
    o += "\n";
  }

  if (r.against) {
    const auto& d = *r.against;
    o += fmt::format("\nAgainst {}: {} options on there, {} here, {} in both\n", d.reference, d.reference_on,
                     d.ours_on, d.both_on);
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
      return s.empty() ? std::string("(none)") : s;
    };
    o += fmt::format("  only here ({}): {}\n", d.only_ours.size(), list(d.only_ours));
    o += fmt::format("  only there ({}): {}\n", d.only_reference.size(), list(d.only_reference));
  }

  if (!r.boot_costs.empty()) {
    o += "\nBoot time: options on here that cost boot time (virtual time, `tailor run --profile`):\n";
    for (const auto& c : r.boot_costs) o += "  " + c.option + ": " + c.cost + "\n";
  }

  if (!r.analysis.notes.empty()) {
    o += "\nNotes:\n";
    for (const auto& n : r.analysis.notes) o += "  " + n + "\n";
  }
  o += fmt::format("\nThe {} options that follow from Kconfig (defaults, selects, choices) are listed with their "
                   "reasons in report.json.\n",
                   count_kind(opts, OptionReason::Kind::Kconfig));
  return o;
}

std::string report_json(const app::AnalyzeResult& r) {
  json j;
  j["app"] = r.app;
  j["kernel"] = {{"version", r.kernel_version}, {"tree", r.kernel_tree.string()}, {"base", "allnoconfig + EXPERT"}};
  json options = json::array();
  for (const auto& opt : r.config.options)
    options.push_back({{"name", opt.symbol},
                       {"value", opt.value},
                       {"kind", kind_name(opt.kind)},
                       {"reason", minimizer::chain_text(opt.chain)},
                       {"chain", opt.chain}});
  const auto& opts = r.config.options;
  j["counts"] = {{"options_on", opts.size()},
                 {"required", count_kind(opts, OptionReason::Kind::Required)},
                 {"dependencies", count_kind(opts, OptionReason::Kind::Dependency)},
                 {"kconfig", count_kind(opts, OptionReason::Kind::Kconfig)},
                 {"requirements", r.analysis.requirements.size()},
                 {"unmet", r.config.unmet.size()}};
  j["options"] = options;
  j["unmet"] = unmet_json(r.config.unmet);
  json reqs = json::array();
  for (const auto& q : r.analysis.requirements)
    reqs.push_back({{"condition", knowledge::to_string(q.condition)}, {"reason", minimizer::chain_text(q.reason)}});
  j["requirements"] = reqs;
  j["fragment"] = r.config.fragment;
  j["dropped"] = r.config.dropped;

  json programs = json::array();
  for (const auto& p : r.analysis.programs) {
    json calls = json::array();
    for (const auto& [nr, e] : p.analysis.syscalls)
      calls.push_back({{"nr", nr}, {"name", name_of(r, nr)}, {"via", e.via}, {"site", e.site}});
    json fams = json::array();
    for (const auto& [fam, e] : p.analysis.socket_families)
      fams.push_back({{"family", app::socket_family_name(fam)}, {"via", e.via}, {"site", e.site}});
    json paths = json::object();
    for (const auto& [path, module] : p.analysis.paths) paths[path] = module;
    programs.push_back({{"program", p.program},
                        {"role", p.role},
                        {"modules", p.analysis.modules},
                        {"functions", p.analysis.functions},
                        {"instructions", p.analysis.instructions},
                        {"syscalls", calls},
                        {"socket_families", fams},
                        {"unknown_socket_family", p.analysis.unknown_socket_family},
                        {"unresolved_syscall_sites", p.analysis.unresolved_sites},
                        {"imports_called", p.analysis.imports_called},
                        {"paths", paths}});
  }
  j["programs"] = programs;

  auto sets = syscall_sets(r);
  auto named = [&](const std::set<int>& s) {
    json a = json::array();
    for (int nr : s) a.push_back(name_of(r, nr));
    return a;
  };
  j["syscalls"] = {{"static_app", named(sets.static_app)}, {"static_all", named(sets.static_all)},
                   {"traced", named(sets.traced)}};
  json findings = json::array();
  for (const auto& f : r.analysis.findings)
    findings.push_back({{"trigger", f.trigger}, {"source", f.source}, {"chain", minimizer::chain_text(f.chain)}});
  j["findings"] = findings;
  if (r.against)
    j["against"] = {{"reference", r.against->reference},   {"reference_on", r.against->reference_on},
                    {"ours_on", r.against->ours_on},       {"both_on", r.against->both_on},
                    {"only_ours", r.against->only_ours},   {"only_reference", r.against->only_reference}};
  j["notes"] = r.analysis.notes;
  j["boot_costs"] = json::array();
  for (const auto& c : r.boot_costs) j["boot_costs"].push_back({{"option", c.option}, {"cost", c.cost}});
  // Paths and strings found in binaries need not be UTF-8: invalid bytes
  // become U+FFFD in the JSON (the text report keeps them as they are).
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace tailor::report
