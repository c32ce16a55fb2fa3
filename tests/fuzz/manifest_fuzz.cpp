// libFuzzer target: the manifest parser (image-builder/manifest.h) on any
// text, and the config-symbol normalizer its [kernel] extra lines go through.
#include <cstdint>
#include <string>

#include "image-builder/manifest.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tailor::fuzz::expect_clean_errors([&] { tailor::image::parse_manifest(text, "/fuzz/manifest.toml"); });
  tailor::fuzz::expect_clean_errors([&] { tailor::image::normalize_config_symbol(text); });
  return 0;
}
