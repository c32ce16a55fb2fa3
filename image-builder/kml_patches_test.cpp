// Which patches a manifest's kernel tree gets: the one choice that
// build_image and the analyzer (app::kernel_tree_for) share, so that a KML
// manifest is never analysed or built on an unpatched tree.
#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "common/fs.h"
#include "image-builder/image_build.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

Manifest manifest(bool kml) {
  return parse_manifest(std::string("name = \"hi\"\n[app]\nargv = [\"/bin/true\"]\n[[payload]]\nhost = [\"/bin/true\"]\n") +
                            (kml ? "[kernel]\nkml = true\n" : ""),
                        "/m/hi.toml");
}

using testing_support::error_message;

TEST(KmlPatches, NoneWithoutKmlWhateverTheSeriesFile) {
  EXPECT_FALSE(kml_patches(manifest(false), "/nonexistent/series"));
}

TEST(KmlPatches, AKmlManifestGetsTheSeries) {
  auto dir = testing_support::scratch_dir("kml-patches");
  write_file_atomic(dir / "series", "0001-kml.patch\n");
  write_file_atomic(dir / "0001-kml.patch", "--- a/x\n+++ b/x\n");
  auto patches = kml_patches(manifest(true), dir / "series");
  ASSERT_TRUE(patches);
  EXPECT_EQ(patches->patches.size(), 1u);
}

TEST(KmlPatches, AMissingSeriesIsAnErrorNamingTheManifestNotAnUnpatchedTree) {
  const std::string what = error_message([] { kml_patches(manifest(true), "/nonexistent/series"); });
  EXPECT_NE(what.find("/m/hi.toml: [kernel] kml = true, but there is no KML patch series at /nonexistent/series"),
            std::string::npos)
      << what;
  // manifest_kernel_tree checks before it provisions anything (minutes of unpacking).
  const std::string tree_error = error_message([] {
    Progress progress;
    manifest_kernel_tree(manifest(true), "6.1", "/nonexistent/series", "/nonexistent/cache", progress);
  });
  EXPECT_EQ(tree_error, what);
}

}  // namespace
}  // namespace tailor::image
