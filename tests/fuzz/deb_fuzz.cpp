// libFuzzer target: Debian packages (image-builder/deb_package.h). The input
// is a .deb file, read and cached like `deb = ["./x.deb"]`; its bytes also go
// through the control-stanza parser that `apt-cache show` output uses.
#include <cstdint>
#include <string>

#include "image-builder/deb_package.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
// A small unpack budget keeps each input cheap; the limit's own value is the
// unit tests' business.
constexpr std::uint64_t kBudget = 32 << 20;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tailor::fuzz::crash_on_files_larger_than(2 * kBudget);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tailor::fuzz::Scratch scratch("deb");
  const auto deb = scratch.write("package.deb", data, size);
  tailor::fuzz::expect_clean_errors([&] { tailor::unpack_deb(deb, scratch.path() / "cache", kBudget); });
  scratch.clear();
  tailor::fuzz::expect_clean_errors(
      [&] { tailor::parse_control(std::string(reinterpret_cast<const char*>(data), size)); });
  return 0;
}
