// The fleet's bookkeeping: distinct kernels, how many were compiled, the
// summary, and the refusals that come before any build.
#include "image-builder/fleet/fleet_build.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::fleet {
namespace {

FleetImage image(const std::string& name, const std::string& key, bool built, double seconds = 0) {
  FleetImage i;
  i.name = name;
  i.kernel_key = key;
  i.kernel_built = built;
  i.kernel_seconds = seconds;
  return i;
}

TEST(FleetBuild, IdenticalKernelsCountOnce) {
  FleetResult r;
  r.images = {image("hello", "aaaa", true, 300), image("redis", "bbbb", false), image("sqlite3", "aaaa", false),
              image("python3", "bbbb", false)};
  count_kernels(r);
  EXPECT_EQ(r.distinct_kernels, 2);
  EXPECT_EQ(r.kernels_built, 1);
  auto s = fleet_summary(r);
  EXPECT_NE(s.find("hello            kernel aaaa  built in 300 s\n"), std::string::npos) << s;
  EXPECT_NE(s.find("sqlite3          kernel aaaa  cached\n"), std::string::npos) << s;
  EXPECT_NE(s.find("4 image(s), 2 distinct kernel(s), 1 compiled in this run, 1 from the cache\n"), std::string::npos)
      << s;
}

TEST(FleetBuild, TwoManifestsWithOneNameAreRefusedBeforeAnyBuild) {
  TempDir dir(std::filesystem::temp_directory_path() / "fleet-test");
  const std::string toml = "name = \"same\"\n[app]\nargv = [\"/bin/true\"]\n[[payload]]\nhost = [\"/bin/true\"]\n";
  write_file_atomic(dir.path() / "a.toml", toml);
  write_file_atomic(dir.path() / "b.toml", toml);
  Progress quiet(false);
  bool called = false;
  try {
    build_fleet({image::load_manifest(dir.path() / "a.toml"), image::load_manifest(dir.path() / "b.toml")}, dir.path() / "out",
                [&](const image::Manifest&) {
                  called = true;
                  return image::ImageBuildOptions{};
                },
                dir.path() / "cache", quiet);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("a.toml and "), std::string::npos) << what;
    EXPECT_NE(what.find("'same'"), std::string::npos) << what;
  }
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace tailor::fleet
