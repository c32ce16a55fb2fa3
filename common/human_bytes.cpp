// Byte counts for people (see human_bytes.h).
#include "common/human_bytes.h"

#include <cstdio>

namespace tailor {

std::string human_bytes(std::uintmax_t b) {
  constexpr std::uintmax_t kKiB = 1u << 10, kMiB = 1u << 20, kGiB = 1u << 30;
  const auto scaled = [](std::uintmax_t bytes, std::uintmax_t unit, const char* name) {
    char text[48];
    std::snprintf(text, sizeof text, "%.1f %s", static_cast<double>(bytes) / static_cast<double>(unit), name);
    return std::string(text);
  };
  if (b >= kGiB) return scaled(b, kGiB, "GiB");
  if (b >= kMiB) return scaled(b, kMiB, "MiB");
  if (b >= kKiB) return scaled(b, kKiB, "KiB");
  return std::to_string(b) + " B";
}

}  // namespace tailor
