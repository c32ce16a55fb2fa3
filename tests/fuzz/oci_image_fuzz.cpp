// libFuzzer target: container images (image-builder/oci_image.h). The input
// is the archive a user passes as `oci = "..."`: a docker-save or OCI image
// archive, unpacked with its layers into a scratch cache.
#include <cstdint>

#include "image-builder/oci_image.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tailor::fuzz::watch_unpack_budget();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tailor::fuzz::Scratch scratch("oci");
  scratch.run_on_file("image.tar", data, size, [&](const auto& file) {
    tailor::image::unpack_oci(file, "", scratch.path() / "cache", tailor::fuzz::kUnpackBudget);
  });
  return 0;
}
