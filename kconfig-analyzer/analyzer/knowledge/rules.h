// The analyzer's rule file: kernel options that system calls do not reveal
// (socket families, file systems, paths, boot needs), each with its reason.
// The shipped file (rules.toml, documented at its top) is built into tailor;
// another file can be given instead.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace tailor::knowledge {

struct Rule {
  std::string when;               // the trigger ("boot", "socket:AF_INET", "path:/proc/", ...)
  std::vector<std::string> need;  // option names without CONFIG_
  std::string why;
  std::string where;              // "rules.toml:42"
};

// An option known to cost boot time when it is on, and what it costs (from
// `tailor run --profile` under the deterministic yardstick). The report names
// those an app's configuration has, so that a user sees the price of a need.
struct BootCost {
  std::string option;  // without CONFIG_
  std::string cost;    // "inet6_init: ~0.6 ms of virtual boot"
  std::string where;   // "rules.toml:42"
};

class RuleSet {
 public:
  // Parses rule-file text; `name` is used in errors ("name:line:column: ...").
  static RuleSet parse(const std::string& text, const std::string& name);
  static RuleSet load(const std::string& path);
  // The rules shipped with tailor (kconfig-analyzer/analyzer/knowledge/rules.toml).
  static const RuleSet& builtin();

  const std::vector<Rule>& rules() const { return rules_; }
  // The rules a trigger fires, in file order. "path:" rules match by prefix.
  std::vector<const Rule*> matching(const std::string& trigger) const;

  // Library functions whose socket use fails softly, and the syscalls that
  // may then be incidental (see rules.toml).
  const std::set<std::string>& soft_functions() const { return soft_functions_; }
  const std::set<std::string>& soft_syscalls() const { return soft_syscalls_; }
  const std::vector<BootCost>& boot_costs() const { return boot_costs_; }

  // Identifies the rules' content (for cache keys).
  std::string fingerprint() const;

 private:
  std::vector<Rule> rules_;
  std::set<std::string> soft_functions_, soft_syscalls_;
  std::vector<BootCost> boot_costs_;
};

// The trigger kinds a rule may use (for validation and documentation).
const std::vector<std::string>& rule_trigger_kinds();

}  // namespace tailor::knowledge
