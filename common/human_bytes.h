// A byte count for people: "512 B", "4.0 KiB", "1.5 MiB", "2.3 GiB" (one
// decimal, binary units). The CLI's one spelling of sizes (kernel cache
// listings, build summaries, `image ls`).
#pragma once

#include <cstdint>
#include <string>

namespace tailor {

std::string human_bytes(std::uintmax_t bytes);

}  // namespace tailor
