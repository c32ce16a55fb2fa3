#include "image-builder/patch_series.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

TEST(ParseSeries, ReadsNamesStripLevelsAndSkipsComments) {
  auto entries = parse_series(
      "# KML series\n"
      "0001-first.patch\n"
      "\n"
      "0002-second.patch -p0   # trailing comment\n",
      "/x/series");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "0001-first.patch");
  EXPECT_EQ(entries[0].strip, 1);
  EXPECT_EQ(entries[0].line, 2);
  EXPECT_EQ(entries[0].file, fs::path("/x/0001-first.patch"));
  EXPECT_EQ(entries[1].strip, 0);
  EXPECT_EQ(entries[1].line, 4);
}

TEST(ParseSeries, UnknownWordIsAnErrorWithFileAndLine) {
  try {
    parse_series("a.patch\nb.patch --reverse\n", "/x/series");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/x/series:2: unexpected '--reverse'"), std::string::npos) << e.what();
  }
}

TEST(LoadSeries, MissingPatchNamesTheSeriesLine) {
  auto dir = testing_support::scratch_dir("series-missing");
  write_file_atomic(dir / "series", "present.patch\nabsent.patch\n");
  write_file_atomic(dir / "present.patch", "--- a/x\n+++ b/x\n");
  try {
    load_series(dir / "series");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("series:2: patch 'absent.patch' not found"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(LoadSeries, HashFollowsContentNotTheSeriesLocation) {
  auto a = testing_support::scratch_dir("series-hash-a");
  auto b = testing_support::scratch_dir("series-hash-b");
  for (const auto& d : {a, b}) {
    write_file_atomic(d / "series", "p.patch\n");
    write_file_atomic(d / "p.patch", "content one\n");
  }
  EXPECT_EQ(load_series(a / "series").content_hash, load_series(b / "series").content_hash);
  write_file_atomic(b / "p.patch", "content two\n");
  EXPECT_NE(load_series(a / "series").content_hash, load_series(b / "series").content_hash);
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace
}  // namespace tailor::image
