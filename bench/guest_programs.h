// The guest programs tailor carries inside its binary (bench/guest/smpbench.c,
// the plan runner and workloads; tests/kml/guest/nullsys.c, the null-syscall
// loop), written once into the cache so that images can take them as files.
#pragma once

#include <filesystem>
#include <string_view>

namespace tailor::bench {

// "smpbench" or "kml-nullsys": <cache>/bench/guest/<digest>/<name>, mode 0755.
std::filesystem::path guest_program(const std::filesystem::path& cache, std::string_view name);

}  // namespace tailor::bench
