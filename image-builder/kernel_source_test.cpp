#include "image-builder/kernel_source.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/subprocess.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

using testing_support::error_message;
using testing_support::make_fake_kernel_tree;
using testing_support::scratch_dir;


// A tarball shaped like Debian's linux-source: one top folder holding the tree.
fs::path make_source_tarball(const fs::path& dir) {
  make_fake_kernel_tree(dir / "src/linux-source-6.1");
  run_capture({"tar", "-C", (dir / "src").string(), "-cJf", (dir / "linux.tar.xz").string(), "linux-source-6.1"});
  return dir / "linux.tar.xz";
}

TEST(ProvisionSource, UnpacksOnceAndReusesTheTree) {
  fs::path dir = scratch_dir("prov-tar");
  fs::path tarball = make_source_tarball(dir);
  Progress quiet(false);
  KernelSourceSpec spec{KernelSourceSpec::Kind::Tarball, "", tarball};
  KernelTree first = provision_source(spec, dir / "cache", quiet);
  EXPECT_EQ(first.version, "6.1.7");
  EXPECT_TRUE(fs::exists(first.dir / "kernel/fork.c"));
  EXPECT_EQ(first.dir.parent_path(), dir / "cache/sources");
  KernelTree second = provision_source(spec, dir / "cache", quiet);
  EXPECT_EQ(second.id, first.id);
  EXPECT_EQ(second.dir, first.dir);
  fs::remove_all(dir);
}

TEST(ProvisionSource, CorruptTarballLeavesNoTreeAndALaterGoodRunWorks) {
  fs::path dir = scratch_dir("prov-corrupt");
  fs::path good = make_source_tarball(dir);
  std::string bytes = read_file(good);
  fs::path bad = dir / "bad.tar.xz";
  write_file_atomic(bad, bytes.substr(0, bytes.size() - 40));
  Progress quiet(false);
  std::string err = error_message([&] {
    provision_source({KernelSourceSpec::Kind::Tarball, "", bad}, dir / "cache", quiet);
  });
  EXPECT_NE(err.find("bad.tar.xz"), std::string::npos) << err;
  // Nothing that looks like a tree is left behind: only the digest memo.
  for (const auto& e : fs::directory_iterator(dir / "cache/sources")) EXPECT_EQ(e.path().filename(), "digests");
  KernelTree tree = provision_source({KernelSourceSpec::Kind::Tarball, "", good}, dir / "cache", quiet);
  EXPECT_EQ(tree.version, "6.1.7");
  fs::remove_all(dir);
}

TEST(ProvisionSource, DirectoryIdentityFollowsItsFiles) {
  fs::path dir = scratch_dir("prov-dir");
  make_fake_kernel_tree(dir / "linux");
  Progress quiet(false);
  KernelSourceSpec spec{KernelSourceSpec::Kind::Directory, "", dir / "linux"};
  KernelTree a = provision_source(spec, dir / "cache", quiet);
  EXPECT_EQ(a.dir, dir / "linux");
  EXPECT_EQ(provision_source(spec, dir / "cache", quiet).id, a.id);
  write_file_atomic(dir / "linux/kernel/fork.c", "int changed_and_longer;\n");
  EXPECT_NE(provision_source(spec, dir / "cache", quiet).id, a.id);
  fs::remove_all(dir);
}

TEST(ProvisionSource, MissingOrNonKernelDirectoryIsAClearError) {
  fs::path dir = scratch_dir("prov-baddir");
  Progress quiet(false);
  EXPECT_NE(error_message([&] {
              provision_source({KernelSourceSpec::Kind::Directory, "", dir / "nope"}, dir / "cache", quiet);
            }).find("no such directory"),
            std::string::npos);
  fs::create_directories(dir / "empty");
  EXPECT_NE(error_message([&] {
              provision_source({KernelSourceSpec::Kind::Directory, "", dir / "empty"}, dir / "cache", quiet);
            }).find("not a Linux source tree"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(ProvisionSource, UnknownVersionListsTheChoices) {
  Progress quiet(false);
  EXPECT_NE(error_message([&] {
              provision_source({KernelSourceSpec::Kind::Version, "5.4", {}}, "/tmp/tailor-unused", quiet);
            }).find("supported: 6.1, 6.12"),
            std::string::npos);
}

class ApplySeriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir("apply-series");
    make_fake_kernel_tree(dir_ / "linux");
    Progress quiet(false);
    base_ = provision_source({KernelSourceSpec::Kind::Directory, "", dir_ / "linux"}, dir_ / "cache", quiet);
  }
  void TearDown() override { fs::remove_all(dir_); }

  PatchSeries series_with(const std::string& second_patch) {
    write_file_atomic(dir_ / "p/series", "0001-good.patch\n0002-second.patch\n");
    write_file_atomic(dir_ / "p/0001-good.patch",
                      "--- a/kernel/fork.c\n+++ b/kernel/fork.c\n@@ -1,3 +1,3 @@\n-int fork_stub;\n+int fork_patched;\n"
                      " int second_line;\n int third_line;\n");
    write_file_atomic(dir_ / "p/0002-second.patch", second_patch);
    return load_series(dir_ / "p/series");
  }

  fs::path dir_;
  KernelTree base_;
};

TEST_F(ApplySeriesTest, PatchedCopyLeavesTheBaseUntouched) {
  PatchSeries s = series_with(
      "--- a/kernel/fork.c\n+++ b/kernel/fork.c\n@@ -1,3 +1,3 @@\n int fork_patched;\n-int second_line;\n"
      "+int second_patched;\n int third_line;\n");
  Progress quiet(false);
  KernelTree patched = apply_series(base_, s, dir_ / "cache", quiet);
  EXPECT_NE(patched.id, base_.id);
  EXPECT_EQ(read_file(patched.dir / "kernel/fork.c"), "int fork_patched;\nint second_patched;\nint third_line;\n");
  EXPECT_EQ(read_file(base_.dir / "kernel/fork.c"), "int fork_stub;\nint second_line;\nint third_line;\n");
  EXPECT_EQ(apply_series(base_, s, dir_ / "cache", quiet).dir, patched.dir);
}

TEST_F(ApplySeriesTest, FailingPatchIsNamedWithItsHunkAndNothingIsKept) {
  PatchSeries s = series_with(
      "--- a/kernel/fork.c\n+++ b/kernel/fork.c\n@@ -1,3 +1,3 @@\n int not_there;\n-int nor_this;\n"
      "+int replacement;\n int third_line;\n");
  Progress quiet(false);
  std::string err = error_message([&] { apply_series(base_, s, dir_ / "cache", quiet); });
  EXPECT_NE(err.find("patch 0002-second.patch"), std::string::npos) << err;
  EXPECT_NE(err.find("Hunk #1 FAILED"), std::string::npos) << err;
  EXPECT_NE(err.find("+int replacement;"), std::string::npos) << err;  // the hunk is quoted
  for (const auto& e : fs::directory_iterator(dir_ / "cache/sources"))
    EXPECT_EQ(e.path().filename(), "digests") << e.path();
  EXPECT_EQ(read_file(base_.dir / "kernel/fork.c"), "int fork_stub;\nint second_line;\nint third_line;\n");
}

}  // namespace
}  // namespace tailor::image
