#include "image-builder/archive_extract.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "image-builder/test_support.h"
#include "image-builder/testdata/archive_maker.h"

namespace tailor::image {
namespace {

using testing_support::scratch_dir;

// A real .tar.xz made by tar(1) from a small tree with a top-level folder.
fs::path make_tarball(const fs::path& dir) {
  write_file_atomic(dir / "src/top/a.txt", "alpha\n");
  write_file_atomic(dir / "src/top/sub/b.txt", std::string(100000, 'b'));
  run_capture({"tar", "-C", (dir / "src").string(), "-cJf", (dir / "t.tar.xz").string(), "top"});
  return dir / "t.tar.xz";
}

std::string error_of(const fs::path& archive, const fs::path& dest) {
  try {
    extract_archive(archive, dest);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ExtractArchive, UnpacksAndStripsTheTopFolder) {
  fs::path dir = scratch_dir("extract-ok");
  fs::path tarball = make_tarball(dir);
  fs::create_directories(dir / "out");
  ExtractOptions o;
  o.strip_components = 1;
  int progress_calls = 0;
  o.on_progress = [&](std::uint64_t done, std::uint64_t total) {
    ++progress_calls;
    EXPECT_LE(done, total);
  };
  EXPECT_EQ(extract_archive(tarball, dir / "out", o), 3u);  // sub/, a.txt, sub/b.txt
  EXPECT_EQ(read_file(dir / "out/a.txt"), "alpha\n");
  EXPECT_EQ(read_file(dir / "out/sub/b.txt").size(), 100000u);
  EXPECT_GE(progress_calls, 1);
  fs::remove_all(dir);
}

TEST(ExtractArchive, MissingFileNamesThePath) {
  fs::path dir = scratch_dir("extract-missing");
  EXPECT_NE(error_of(dir / "nope.tar.xz", dir).find("nope.tar.xz: no such archive file"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ExtractArchive, TruncatedTarballIsReportedAsSuch) {
  fs::path dir = scratch_dir("extract-trunc");
  fs::path tarball = make_tarball(dir);
  std::string bytes = read_file(tarball);
  write_file_atomic(dir / "cut.tar.xz", bytes.substr(0, bytes.size() / 2));
  fs::create_directories(dir / "out");
  std::string err = error_of(dir / "cut.tar.xz", dir / "out");
  EXPECT_NE(err.find("cut.tar.xz"), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  fs::remove_all(dir);
}

TEST(ExtractArchive, GarbageIsNotAnArchive) {
  fs::path dir = scratch_dir("extract-garbage");
  write_file_atomic(dir / "junk.tar.xz", std::string(4096, 'x'));
  std::string err = error_of(dir / "junk.tar.xz", dir);
  EXPECT_NE(err.find("junk.tar.xz"), std::string::npos) << err;
  EXPECT_FALSE(err.empty());
  fs::remove_all(dir);
}

TEST(ExtractArchive, CorruptedMiddleIsAnError) {
  fs::path dir = scratch_dir("extract-corrupt");
  fs::path tarball = make_tarball(dir);
  std::string bytes = read_file(tarball);
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  write_file_atomic(dir / "bad.tar.xz", bytes);
  fs::create_directories(dir / "out");
  EXPECT_NE(error_of(dir / "bad.tar.xz", dir / "out").find("bad.tar.xz"), std::string::npos);
  fs::remove_all(dir);
}

// The outer archive of a container image is extracted to disk with a
// budget: a sparse member claiming gigabytes is refused before its file
// exists, a gzip bomb stops at the limit, a trailing hole gives the right
// size, and device nodes and FIFOs never reach the host.
TEST(ExtractArchive, TheBudgetStopsBombsBeforeTheyAreWritten) {
  fs::path dir = scratch_dir("extract-budget");
  write_file_atomic(dir / "sparse.tar", testing_support::gnu_sparse_tar("big", std::uint64_t{4} << 30, {{0, "x"}}));
  fs::create_directories(dir / "out1");
  UnpackBudget budget;
  ExtractOptions o;
  o.budget = &budget;
  try {
    extract_archive(dir / "sparse.tar", dir / "out1", o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sparse.tar (big): unpacking needs more than the limit of 1 GiB"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "out1" / "big"));

  write_file_atomic(dir / "zeros.tar.gz",
                    testing_support::make_archive({testing_support::file("zeros", std::string(16u << 20, '\0'))}, "tar", "gzip"));
  fs::create_directories(dir / "out2");
  UnpackBudget small(1u << 20);
  o.budget = &small;
  EXPECT_THROW(extract_archive(dir / "zeros.tar.gz", dir / "out2", o), Error);
  EXPECT_FALSE(fs::exists(dir / "out2" / "zeros"));
  fs::remove_all(dir);
}

TEST(ExtractArchive, SparseFilesKeepTheirSizeAndSpecialFilesAreSkipped) {
  fs::path dir = scratch_dir("extract-sparse");
  write_file_atomic(dir / "s.tar", testing_support::gnu_sparse_tar("s", 1u << 20, {{4096, "data"}}));
  fs::create_directories(dir / "out");
  UnpackBudget budget;
  ExtractOptions o;
  o.budget = &budget;
  extract_archive(dir / "s.tar", dir / "out", o);
  std::string expected(1u << 20, '\0');
  expected.replace(4096, 4, "data");
  EXPECT_EQ(read_file(dir / "out" / "s"), expected);  // the trailing hole included

  write_file_atomic(dir / "fifo.tar", testing_support::make_archive({testing_support::fifo("manifest.json"),
                                                                     testing_support::file("other", "x")}));
  fs::create_directories(dir / "out2");
  EXPECT_EQ(extract_archive(dir / "fifo.tar", dir / "out2"), 1u);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "out2" / "manifest.json")));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tailor::image

TEST(HasDotdotComponent, OnlyAWholeDotdotComponentCounts) {
  EXPECT_TRUE(tailor::image::has_dotdot_component(".."));
  EXPECT_TRUE(tailor::image::has_dotdot_component("../etc/passwd"));
  EXPECT_TRUE(tailor::image::has_dotdot_component("usr/../../etc"));
  EXPECT_TRUE(tailor::image::has_dotdot_component("usr/lib/.."));
  EXPECT_FALSE(tailor::image::has_dotdot_component("usr/lib/..hidden"));
  EXPECT_FALSE(tailor::image::has_dotdot_component("a..b/c"));
  EXPECT_FALSE(tailor::image::has_dotdot_component("./usr/bin"));
  EXPECT_FALSE(tailor::image::has_dotdot_component(""));
}
