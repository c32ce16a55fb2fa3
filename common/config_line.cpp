// .config lines (see config_line.h).
#include "common/config_line.h"

namespace tailor {
namespace {

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// The length of the symbol name at the start of `s`.
size_t name_length(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_name_char(s[n])) ++n;
  return n;
}

}  // namespace

std::optional<ConfigLine> parse_config_line(std::string_view line) {
  constexpr std::string_view kSet = "CONFIG_", kUnset = "# CONFIG_", kNotSet = " is not set";
  if (line.starts_with(kSet)) {
    std::string_view rest = line.substr(kSet.size());
    size_t n = name_length(rest);
    if (n == 0 || n == rest.size() || rest[n] != '=') return std::nullopt;
    return ConfigLine{std::string(rest.substr(0, n)), std::string(rest.substr(n + 1))};
  }
  if (line.starts_with(kUnset)) {
    std::string_view rest = line.substr(kUnset.size());
    size_t n = name_length(rest);
    if (n == 0 || rest.substr(n) != kNotSet) return std::nullopt;
    return ConfigLine{std::string(rest.substr(0, n)), "n"};
  }
  return std::nullopt;
}

}  // namespace tailor
