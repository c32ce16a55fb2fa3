// libFuzzer target: Debian packages (image-builder/deb_package.h). The input
// is a .deb file, read and cached like `deb = ["./x.deb"]`; its bytes also go
// through the control-stanza parser that `apt-cache show` output uses.
#include <cstdint>
#include <string>

#include "image-builder/deb_package.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tailor::fuzz::watch_unpack_budget();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tailor::fuzz::Scratch scratch("deb");
  scratch.run_on_file("package.deb", data, size, [&](const auto& file) {
    tailor::image::unpack_deb(file, scratch.path() / "cache", tailor::fuzz::kUnpackBudget);
  });
  tailor::fuzz::expect_clean_errors(
      [&] { tailor::image::parse_control(std::string(reinterpret_cast<const char*>(data), size)); });
  return 0;
}
