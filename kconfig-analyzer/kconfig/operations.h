// conf's configuration modes, step for step: olddefconfig, allnoconfig,
// allyesconfig, allmodconfig, alldefconfig, defconfig and savedefconfig, with
// KCONFIG_ALLCONFIG-style fragments, plus merge_config.sh's text merge that
// `make tinyconfig` uses.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kconfig-analyzer/kconfig/evaluator.h"

namespace tailor::kconfig {

enum class Mode { OldDefConfig, AllNoConfig, AllYesConfig, AllModConfig, AllDefConfig, DefConfig, SaveDefConfig };

// Parses "olddefconfig", "allnoconfig", ...; nullopt for other names.
std::optional<Mode> mode_from_name(std::string_view name);
std::string_view mode_name(Mode m);

// A configuration file given to a mode: its text and the name used in warnings.
struct ConfigText {
  std::string name;
  std::string text;
};

struct ModeResult {
  std::string output;                 // the .config (or the minimal config for savedefconfig)
  std::vector<std::string> warnings;  // conf's warnings, in order
  Evaluator state;                    // the evaluation the output came from
};

// Runs `mode` on a fresh evaluation of `model`. `input` is the .config
// (olddefconfig, savedefconfig), the defconfig file (defconfig) or the
// KCONFIG_ALLCONFIG fragment (all*config, optional).
ModeResult run_mode(const std::shared_ptr<const Model>& model, Mode mode, const std::optional<ConfigText>& input);

// conf_set_all_new_symbols for the non-random modes.
void set_all_new_symbols(Evaluator& ev, Mode mode);

// merge_config.sh -m: later fragments replace earlier lines for the same symbol.
std::string merge_config_fragments(std::string base, const std::vector<ConfigText>& fragments);

}  // namespace tailor::kconfig
