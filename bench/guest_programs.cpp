#include "bench/guest_programs.h"

#include <cstddef>
#include <string>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"

#define TAILOR_BENCH_EMBEDDED(name)                    \
  extern "C" const char tailor_embed_##name##_begin[]; \
  extern "C" const char tailor_embed_##name##_end[];

TAILOR_BENCH_EMBEDDED(smpbench)
TAILOR_BENCH_EMBEDDED(kml_nullsys)

namespace tailor::bench {

std::filesystem::path guest_program(const std::filesystem::path& cache, std::string_view name) {
  std::string_view bytes;
  if (name == "smpbench")
    bytes = {tailor_embed_smpbench_begin, static_cast<std::size_t>(tailor_embed_smpbench_end - tailor_embed_smpbench_begin)};
  else if (name == "kml-nullsys")
    bytes = {tailor_embed_kml_nullsys_begin,
             static_cast<std::size_t>(tailor_embed_kml_nullsys_end - tailor_embed_kml_nullsys_begin)};
  else
    throw Error("internal: no guest program named " + std::string(name));
  const auto path = cache / "bench" / "guest" / sha256_hex(bytes).substr(0, 16) / std::string(name);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(path.parent_path());
    write_file_atomic(path, bytes, std::filesystem::perms(0755));
  }
  return path;
}

}  // namespace tailor::bench
