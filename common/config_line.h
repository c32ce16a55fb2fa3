// One line of a kernel .config or config fragment, the way conf and
// merge_config.sh read it: "CONFIG_X=value" or "# CONFIG_X is not set".
// The one parser of such lines outside the Kconfig engine (whose config_io
// also reads values by symbol type); the image builder, the kernel cache and
// the analyzer use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tailor {

struct ConfigLine {
  std::string name;   // the symbol without CONFIG_: "SMP"
  std::string value;  // as written: "y", "m", "\"text\"", "0x10"; "n" for "is not set"

  std::string symbol() const { return "CONFIG_" + name; }
  bool enabled() const { return value == "y" || value == "m"; }
};

// A name is letters, digits and '_' (merge_config.sh's [a-zA-Z0-9_]). Any
// other line (comments, blank lines, "CONFIG_X" without '=') gives nullopt;
// nothing is trimmed.
std::optional<ConfigLine> parse_config_line(std::string_view line);

}  // namespace tailor
