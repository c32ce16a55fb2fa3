// libFuzzer target: container images (image-builder/oci_image.h). The input
// is the archive a user passes as `oci = "..."`: a docker-save or OCI image
// archive, unpacked with its layers into a scratch cache.
#include <cstdint>

#include "image-builder/oci_image.h"
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
  static const tailor::fuzz::Scratch scratch("oci");
  const auto archive = scratch.write("image.tar", data, size);
  tailor::fuzz::expect_clean_errors([&] { tailor::unpack_oci(archive, "", scratch.path() / "cache", kBudget); });
  scratch.clear();
  return 0;
}
