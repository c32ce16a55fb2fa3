// Reading archive members into blobs under a size budget: sparse files come
// back exactly (holes as zeros, a trailing hole too), decompression and
// sparse bombs stop at the limit before writing, paths longer than Linux
// allows are refused, and the unpack cache keeps to the limit and sweeps the
// leftovers of killed unpacks. Every archive is made here.
#include "image-builder/unpacked_tree.h"

#include <archive.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "image-builder/test_support.h"
#include "image-builder/testdata/archive_maker.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
namespace ts = testing_support;
using ::testing::HasSubstr;

struct ReaderDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::vector<TreeEntry> read_bytes(const std::string& bytes, BlobStore& blobs, UnpackBudget& budget) {
  std::unique_ptr<archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw Error(std::string("test archive: ") + archive_error_string(a.get()));
  return read_tar_entries(a.get(), blobs, budget, "t.tar");
}

// Every file under `dir` (recursively): what an aborted unpack must not leave.
std::vector<std::string> files_under(const stdfs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = stdfs::recursive_directory_iterator(dir, ec); !ec && it != stdfs::recursive_directory_iterator();
       it.increment(ec))
    if (!it->is_directory()) out.push_back(it->path().string());
  return out;
}

TEST(SparseMembers, HolesAndATrailingHoleReadBackAsZerosAtTheDeclaredSize) {
  auto dir = ts::scratch_dir("sparse-exact");
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;
  // Data at 0 and 5000, then a hole to 10000: the file's last 4997 bytes.
  auto entries = read_bytes(ts::gnu_sparse_tar("holes", 10000, {{0, "abc"}, {5000, "xyz"}}), blobs, budget);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].size, 10000u);
  std::string expected(10000, '\0');
  expected.replace(0, 3, "abc");
  expected.replace(5000, 3, "xyz");
  EXPECT_EQ(read_file(blobs.path_of(entries[0].sha256)), expected);
  EXPECT_EQ(entries[0].sha256, sha256_hex(expected));
  // All of it hole: a file of zeros, not an empty one.
  auto empty = read_bytes(ts::gnu_sparse_tar("all-hole", 4096, {}), blobs, budget);
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].size, 4096u);
  EXPECT_EQ(read_file(blobs.path_of(empty[0].sha256)), std::string(4096, '\0'));
}

TEST(SparseMembers, ASparseBombIsRefusedBeforeAnythingIsWritten) {
  auto dir = ts::scratch_dir("sparse-bomb");
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;  // the default limit
  // One byte of data claiming 4 GiB: a few KiB of archive.
  const std::string bomb = ts::gnu_sparse_tar("bomb", std::uint64_t{4} << 30, {{0, "x"}});
  ASSERT_LT(bomb.size(), 4096u);
  EXPECT_THAT(ts::error_message([&] { read_bytes(bomb, blobs, budget); }),
              HasSubstr("t.tar (/bomb): unpacking needs more than the limit of 1 GiB"));
  EXPECT_THAT(files_under(dir / "blobs"), ::testing::IsEmpty());
}

TEST(SparseMembers, OverlappingOrOversizedChunksAreCorrupt) {
  auto dir = ts::scratch_dir("sparse-bad");
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;
  // Whether libarchive or tailor notices first, it is an error naming the archive.
  EXPECT_THAT(ts::error_message([&] { read_bytes(ts::gnu_sparse_tar("overlap", 1000, {{0, "aaaa"}, {2, "bbbb"}}), blobs, budget); }),
              HasSubstr("t.tar"));
  EXPECT_THAT(ts::error_message([&] { read_bytes(ts::gnu_sparse_tar("past-end", 10, {{8, "abcdef"}}), blobs, budget); }),
              HasSubstr("t.tar"));
  EXPECT_THAT(files_under(dir / "blobs"), ::testing::IsEmpty());
}

TEST(UnpackBudget, ACompressionBombStopsAtTheLimitAndRaisingTheLimitLetsItThrough) {
  auto dir = ts::scratch_dir("gzip-bomb");
  // 16 MiB of zeros in about 16 KiB of gzip.
  const std::string bomb = ts::make_archive({ts::file("zeros", std::string(16u << 20, '\0'))}, "tar", "gzip");
  ASSERT_LT(bomb.size(), 100u << 10);
  {
    BlobStore blobs(dir / "small");
    UnpackBudget budget(4u << 20);
    EXPECT_THAT(ts::error_message([&] { read_bytes(bomb, blobs, budget); }),
                HasSubstr("unpacking needs more than the limit of 4 MiB"));
    EXPECT_THAT(files_under(dir / "small"), ::testing::IsEmpty());  // refused by its declared size, before writing
  }
  BlobStore blobs(dir / "big");
  UnpackBudget budget(32u << 20);
  auto entries = read_bytes(bomb, blobs, budget);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].size, 16u << 20);
  EXPECT_EQ(budget.used(), (16u << 20) + kMemberOverheadBytes + std::string("zeros").size());
}

TEST(UnpackBudget, AFloodOfEmptyMembersIsBoundedToo) {
  auto dir = ts::scratch_dir("member-flood");
  std::vector<ts::Member> members;
  for (int i = 0; i < 2000; ++i) members.push_back(ts::file("f" + std::to_string(i), ""));
  const std::string flood = ts::make_archive(members, "tar", "gzip");
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget(1u << 20);  // 256 members' worth of overhead
  EXPECT_THAT(ts::error_message([&] { read_bytes(flood, blobs, budget); }), HasSubstr("more than the limit of 1 MiB"));
}

TEST(MemberPaths, LongerThanLinuxAllowsIsRefused) {
  auto dir = ts::scratch_dir("deep-member");
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "a/";
  deep += "f";
  EXPECT_THAT(ts::error_message([&] { read_bytes(ts::make_archive({ts::file(deep, "x")}), blobs, budget); }),
              HasSubstr("is longer than 4096 bytes (Linux's PATH_MAX)"));
  EXPECT_THAT(ts::error_message([&] { read_bytes(ts::make_archive({ts::file(std::string(256, 'n'), "x")}), blobs, budget); }),
              HasSubstr("has a component longer than 255 bytes"));
  // At the limits it is fine.
  std::string ok;
  while (ok.size() + 2 <= kMaxImagePathBytes - 1) ok += "d/";
  ok += "f";
  auto entries = read_bytes(ts::make_archive({ts::file(ok, "x")}), blobs, budget);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].path, "/" + ok);
}

TEST(CachedUnpack, TheLimitAppliesToCachedEntriesAndLeftoversOfKilledUnpacksGo) {
  auto dir = ts::scratch_dir("cached-limit");
  const stdfs::path cache = dir / "cache";
  const std::string data = ts::make_archive({ts::file("big", std::string(2u << 20, 'x'))});
  auto fill = [&](BlobStore& blobs, UnpackBudget& budget) {
    return std::make_pair(read_bytes(data, blobs, budget), nlohmann::json::object());
  };
  // What a killed unpack leaves: a temporary directory of a process that is gone.
  const stdfs::path dead = cache / "unpacked" / ".oci-old.tmp-999999999-0-1";
  stdfs::create_directories(dead / "blobs");
  write_file_atomic(dead / "blobs" / "partial", "half");
  // And one of a live process (this one), which must stay.
  const stdfs::path live = sibling_temp_path(cache / "unpacked" / "oci-busy");
  stdfs::create_directories(live);

  EXPECT_THAT(ts::error_message([&] { cached_unpack(cache, "k", "img.tar", 1u << 20, fill); }),
              HasSubstr("t.tar (/big): unpacking needs more than the limit of 1 MiB"));
  EXPECT_FALSE(stdfs::exists(cache / "unpacked" / "k"));
  EXPECT_FALSE(stdfs::exists(dead));
  EXPECT_TRUE(stdfs::exists(live));

  UnpackedTree t = cached_unpack(cache, "k", "img.tar", 8u << 20, fill);
  EXPECT_EQ(t.entries.size(), 1u);
  // Cached now; a lower limit still refuses it, as an uncached unpack would.
  EXPECT_THAT(ts::error_message([&] { cached_unpack(cache, "k", "img.tar", 1u << 20, fill); }),
              HasSubstr("img.tar: unpacking needs"));
  EXPECT_EQ(cached_unpack(cache, "k", "img.tar", 8u << 20, fill).entries.size(), 1u);
  stdfs::remove_all(live);

  // An entry written before limits existed (no unpacked_bytes) is unpacked again.
  write_file_atomic(cache / "unpacked" / "old" / "index.json",
                    R"({"format":1,"meta":{},"entries":[{"path":"/stale","type":"dir","mode":493}]})");
  UnpackedTree again = cached_unpack(cache, "old", "img.tar", 8u << 20, fill);
  ASSERT_EQ(again.entries.size(), 1u);
  EXPECT_EQ(again.entries[0].path, "/big");
}

}  // namespace
}  // namespace tailor::image
