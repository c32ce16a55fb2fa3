// Reading and writing .config files with conf's exact rules: which lines
// count, how values are unescaped and checked, the warnings it prints, and
// the byte layout of the files it writes (menu headers, "# end of" lines,
// "# CONFIG_X is not set").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kconfig-analyzer/kconfig/evaluator.h"

namespace tailor::kconfig {

struct ReadOptions {
  // conf only reports unknown symbols with KCONFIG_WARN_UNKNOWN_SYMBOLS set;
  // tailor reports them by default.
  bool warn_unknown = true;
};

// conf_read_simple: replaces all user values with those in `text` (a
// .config or a fragment). `name` is used in warnings ("name:line:warning:").
// Returns the number of warnings.
int read_config_simple(Evaluator& ev, std::string_view text, const std::string& name, std::vector<std::string>& warnings,
                       const ReadOptions& opts = {});

// conf_read: read_config_simple plus conf's consistency pass (which decides
// whether the configuration counts as changed, and drops user values that
// are out of range).
void read_config(Evaluator& ev, std::string_view text, const std::string& name, std::vector<std::string>& warnings,
                 const ReadOptions& opts = {});

// conf_write: the full .config.
std::string write_config(Evaluator& ev);
// conf_write_defconfig: the minimal config savedefconfig writes.
std::string write_defconfig(Evaluator& ev);

// One symbol as a .config line ("CONFIG_X=y", "# CONFIG_X is not set",
// CONFIG_S="quoted \"text\""); empty for symbols of unknown type.
std::string config_line(Evaluator& ev, SymbolId s);

}  // namespace tailor::kconfig
