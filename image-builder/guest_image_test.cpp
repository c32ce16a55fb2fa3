// From a build to what the monitor boots: the one way (`tailor run`, and the
// benchmarks through runner::boot_spec_for).
#include <gtest/gtest.h>

#include "image-builder/image_build.h"

namespace tailor::image {
namespace {

Manifest manifest() {
  return parse_manifest(
      "name = \"hi\"\n[app]\nargv = [\"/bin/true\"]\n[[payload]]\nhost = [\"/bin/true\"]\n"
      "[kernel]\nsmp = 2\n[run]\nmemory_mib = 96\n",
      "/m/hi.toml");
}

TEST(GuestImage, BootsTheBootKernelWithTheInitramfsUnlessItIsBuiltIn) {
  ImageBuildResult r;
  r.boot_kernel = "/out/vmlinux";
  r.bzimage = "/out/bzImage";
  r.initramfs = "/out/initramfs.cpio";
  r.cmdline = "console=ttyS0";
  runner::BootSpec spec = runner::boot_spec_for(guest_image(r, manifest()));
  EXPECT_EQ(spec.kernel, "/out/vmlinux");
  EXPECT_EQ(spec.initrd, std::filesystem::path("/out/initramfs.cpio"));
  EXPECT_EQ(spec.cmdline, "console=ttyS0");
  EXPECT_EQ(spec.memory_mib, 96u);
  EXPECT_EQ(spec.cpus, 2u);
  r.embedded = true;
  EXPECT_FALSE(guest_image(r, manifest()).initrd);
}

TEST(GuestImage, SettingTheGuestKeepsTheRestOfTheSpec) {
  runner::BootSpec spec;
  spec.timeout = std::chrono::seconds(5);
  spec.initrd = "/old";
  runner::set_guest(spec, runner::GuestImage{"/k", std::nullopt, "quiet", 128, 1});
  EXPECT_EQ(spec.timeout, std::chrono::seconds(5));
  EXPECT_FALSE(spec.initrd);
  EXPECT_EQ(spec.kernel, "/k");
}

}  // namespace
}  // namespace tailor::image
