// Finding the KML-aware musl through its build script: what the image builder
// takes from it, and the errors that say what to do. The real build-musl.sh
// (a 2-minute build) runs in the KML end-to-end tests (tests/kml, kml_musl);
// here small scripts stand in for it, to reach every answer it can give.
#include "image-builder/kml_musl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

using ::testing::HasSubstr;

std::filesystem::path script(const std::filesystem::path& dir, const std::string& body) {
  write_file_atomic(dir / "build-musl.sh", "#!/bin/bash\n" + body);
  return dir / "build-musl.sh";
}

TEST(KmlMusl, TheLibcOfThePrefixTheScriptPrintsLastWithTheCacheItWasGiven) {
  const std::filesystem::path dir = testing_support::scratch_dir("kml-musl-ok");
  const std::filesystem::path cache = dir / "cache";
  write_file_atomic(cache / "kml-musl" / "k1" / "lib" / "libc.so", "stand-in");
  Progress progress(false);
  const auto libc = kml_musl_libc(
      script(dir, "echo 'build-musl: cached' >&2\necho \"$TAILOR_CACHE/kml-musl/k1\"\n"), cache, progress);
  EXPECT_EQ(libc, std::filesystem::absolute(cache) / "kml-musl" / "k1" / "lib" / "libc.so");
}

TEST(KmlMusl, AFailedBuildSaysHowToProvideTheSource) {
  const std::filesystem::path dir = testing_support::scratch_dir("kml-musl-fail");
  Progress progress(false);
  const std::string e = testing_support::error_message(
      [&] { kml_musl_libc(script(dir, "echo 'apt-get source failed' >&2\nexit 1\n"), dir / "cache", progress); });
  EXPECT_THAT(e, HasSubstr("exit status 1"));
  EXPECT_THAT(e, HasSubstr("KML_MUSL_SOURCE_DIR"));
}

TEST(KmlMusl, APrefixWithoutLibcIsAnError) {
  const std::filesystem::path dir = testing_support::scratch_dir("kml-musl-empty");
  Progress progress(false);
  const std::string e =
      testing_support::error_message([&] { kml_musl_libc(script(dir, "echo /nonexistent\n"), dir / "cache", progress); });
  EXPECT_THAT(e, HasSubstr("'/nonexistent', which holds no lib/libc.so"));
}

TEST(KmlMusl, AMissingScriptIsNamed) {
  const std::filesystem::path dir = testing_support::scratch_dir("kml-musl-missing");
  Progress progress(false);
  const std::string e =
      testing_support::error_message([&] { kml_musl_libc(dir / "nope.sh", dir / "cache", progress); });
  EXPECT_THAT(e, HasSubstr("nope.sh is missing"));
}

TEST(KmlMusl, TheDefaultScriptIsThisSourceTreesAndExists) {
  EXPECT_TRUE(std::filesystem::is_regular_file(default_kml_musl_script()));
  EXPECT_EQ(default_kml_musl_script().filename(), "build-musl.sh");
}

}  // namespace
}  // namespace tailor::image
