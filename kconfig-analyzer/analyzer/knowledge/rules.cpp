// Loading and matching the analyzer's rule file (see rules.h).
#include "kconfig-analyzer/analyzer/knowledge/rules.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::knowledge {

extern const char* const kBuiltinRules;  // rules.toml, embedded at build time

const std::vector<std::string>& rule_trigger_kinds() {
  static const std::vector<std::string> kinds = {"boot",   "mount",  "compression", "smp",    "script", "loopback",
                                                 "net",    "volume", "socket",      "syscall", "import", "path"};
  return kinds;
}

namespace {

std::string at(const std::string& name, const toml::source_region& r) {
  return name + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

void check_trigger(const std::string& when, const std::string& where) {
  auto kind = when.substr(0, when.find(':'));
  const auto& kinds = rule_trigger_kinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw Error(where + ": unknown trigger '" + when + "' (kinds: boot, mount:, compression:, smp, script, loopback, "
                        "net, volume, socket:, syscall:, import:, path:)");
  bool needs_arg = kind != "boot" && kind != "smp" && kind != "script" && kind != "loopback" && kind != "net" &&
                   kind != "volume";
  if (needs_arg && (when.size() <= kind.size() + 1 || when[kind.size()] != ':'))
    throw Error(where + ": trigger '" + when + "' needs a value after '" + kind + ":'");
}

void check_symbol(const std::string& s, const std::string& where) {
  bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
  if (!ok || s.rfind("CONFIG_", 0) == 0)
    throw Error(where + ": '" + s + "' is not an option name (write it without CONFIG_, e.g. \"EPOLL\")");
}

}  // namespace

RuleSet RuleSet::parse(const std::string& text, const std::string& name) {
  toml::table doc;
  try {
    doc = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw Error(at(name, e.source()) + ": " + std::string(e.description()));
  }
  RuleSet set;
  for (auto&& [key, node] : doc) {
    if (key == "soft_functions" || key == "soft_syscalls") {
      const auto* arr = node.as_array();
      if (!arr) throw Error(at(name, node.source()) + ": '" + std::string(key.str()) + "' must be an array of names");
      auto& dst = key == "soft_functions" ? set.soft_functions_ : set.soft_syscalls_;
      for (auto&& item : *arr) {
        if (!item.is_string()) throw Error(at(name, item.source()) + ": '" + std::string(key.str()) + "' must hold strings");
        dst.insert(*item.value<std::string>());
      }
      continue;
    }
    if (key != "rule" && key != "boot_cost")
      throw Error(at(name, node.source()) + ": unknown key '" + std::string(key.str()) +
                  "' ([[rule]] and [[boot_cost]] tables, soft_functions, soft_syscalls)");
  }
  if (const auto* costs = doc["boot_cost"].as_array()) {
    for (auto&& node : *costs) {
      const auto* t = node.as_table();
      const auto where = at(name, node.source());
      if (!t) throw Error(where + ": each boot cost must be a [[boot_cost]] table");
      BootCost c;
      c.where = name + ":" + std::to_string(node.source().begin.line);
      for (auto&& [key, value] : *t) {
        const auto kw = at(name, value.source());
        if (!value.is_string()) throw Error(kw + ": '" + std::string(key.str()) + "' must be a string");
        if (key == "option") c.option = *value.value<std::string>();
        else if (key == "cost") c.cost = *value.value<std::string>();
        else throw Error(kw + ": unknown key '" + std::string(key.str()) + "' in a boot cost (option, cost)");
      }
      if (c.option.empty() || c.cost.empty()) throw Error(where + ": a boot cost needs 'option' and 'cost'");
      check_symbol(c.option, where);
      set.boot_costs_.push_back(std::move(c));
    }
  }
  const auto* rules = doc["rule"].as_array();
  if (!rules) return set;
  for (auto&& node : *rules) {
    const auto* t = node.as_table();
    auto where = at(name, node.source());
    if (!t) throw Error(where + ": each rule must be a [[rule]] table");
    Rule r;
    r.where = name + ":" + std::to_string(node.source().begin.line);
    for (auto&& [key, value] : *t) {
      auto kw = at(name, value.source());
      if (key == "when") {
        if (!value.is_string()) throw Error(kw + ": 'when' must be a string");
        r.when = *value.value<std::string>();
      } else if (key == "why") {
        if (!value.is_string()) throw Error(kw + ": 'why' must be a string");
        r.why = *value.value<std::string>();
      } else if (key == "need") {
        const auto* arr = value.as_array();
        if (!arr) throw Error(kw + ": 'need' must be an array of option names");
        for (auto&& item : *arr) {
          if (!item.is_string()) throw Error(at(name, item.source()) + ": 'need' must hold strings");
          auto s = *item.value<std::string>();
          check_symbol(s, at(name, item.source()));
          r.need.push_back(s);
        }
      } else {
        throw Error(kw + ": unknown key '" + std::string(key.str()) + "' in a rule (when, need, why)");
      }
    }
    if (r.when.empty()) throw Error(where + ": rule without 'when'");
    if (r.need.empty()) throw Error(where + ": rule without 'need'");
    if (r.why.empty()) throw Error(where + ": rule without 'why'");
    check_trigger(r.when, where);
    set.rules_.push_back(std::move(r));
  }
  return set;
}

RuleSet RuleSet::load(const std::string& path) { return parse(read_file(path), path); }

const RuleSet& RuleSet::builtin() {
  static const RuleSet set = parse(kBuiltinRules, "rules.toml");
  return set;
}

std::string RuleSet::fingerprint() const {
  std::string s;
  for (const auto& r : rules_) {
    s += r.when + "\x1f" + r.why;
    for (const auto& n : r.need) s += "\x1f" + n;
    s += "\n";
  }
  for (const auto& f : soft_functions_) s += "soft " + f + "\n";
  for (const auto& f : soft_syscalls_) s += "soft_syscall " + f + "\n";
  for (const auto& c : boot_costs_) s += "boot_cost " + c.option + "\x1f" + c.cost + "\n";
  return s;
}

std::vector<const Rule*> RuleSet::matching(const std::string& trigger) const {
  std::vector<const Rule*> out;
  for (const auto& r : rules_) {
    bool hit = r.when.rfind("path:", 0) == 0 ? trigger.rfind("path:", 0) == 0 && trigger.rfind(r.when, 0) == 0
                                              : trigger == r.when;
    if (hit) out.push_back(&r);
  }
  return out;
}

}  // namespace tailor::knowledge
