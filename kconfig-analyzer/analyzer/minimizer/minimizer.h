// From requirements to the smallest configuration that meets them, with our
// Kconfig engine: start from allnoconfig (with EXPERT, so optional syscall
// groups can be off), turn on each requirement's options together with what
// they depend on (the engine's plan: prompts made visible, selects, choices),
// verify that every requirement holds in the configuration conf itself would
// produce (allnoconfig with our choices as a KCONFIG_ALLCONFIG fragment),
// then try dropping each option no requirement names. A requirement that
// cannot be met is reported with the engine's explanation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kconfig-analyzer/kconfig/kconfig.h"
#include "kconfig-analyzer/analyzer/knowledge/condition.h"

namespace tailor::minimizer {

struct Requirement {
  knowledge::Dnf condition;         // any one alternative must hold
  std::vector<std::string> reason;  // why, nearest first: {"epoll_wait", "redis-server"}
};

// Why an option is on.
struct OptionReason {
  enum class Kind { Required, Dependency, Kconfig };
  std::string symbol;
  std::string value;               // as in .config: "y", "m", "0x1000", ...
  Kind kind = Kind::Kconfig;
  std::vector<std::string> chain;  // {"NET", "dependency of INET", "socket(AF_INET)", "redis-server"}
};

struct Unmet {
  Requirement requirement;
  std::string summary;      // one line: what blocks it
  std::string explanation;  // the engine's explain output for the blocking symbol
};

struct MinimizeOptions {
  // Lines of the base fragment given to allnoconfig ("CONFIG_EXPERT=y").
  std::vector<std::string> base = {"CONFIG_EXPERT=y"};
  bool drop = true;  // try dropping options no requirement names
};

struct MinimizeResult {
  std::string dotconfig;                 // the final .config, byte-identical to conf's output
  std::vector<std::string> fragment;     // our choices: "CONFIG_X=y" lines given to allnoconfig
  std::vector<OptionReason> options;     // every option that is on (y/m, or a non-bool value that is written)
  std::vector<Unmet> unmet;
  std::vector<std::string> dropped;      // options the drop phase removed
  int evaluations = 0;                   // configurations evaluated
};

// Throws Error only for engine failures; unmet requirements are in the result.
MinimizeResult minimize(std::shared_ptr<const kconfig::Tree> tree, const std::vector<Requirement>& requirements,
                        const MinimizeOptions& options = {});

// "EPOLL <- epoll_wait <- redis-server"
std::string chain_text(const std::vector<std::string>& chain);

}  // namespace tailor::minimizer
