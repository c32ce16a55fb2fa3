// The initramfs writer: same tree, same bytes, whatever the host files'
// times and owners; and what it writes reads back as the tree.
#include "image-builder/initramfs_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include "common/error.h"
#include "common/fs.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;

struct ReadEntry {
  std::string name;
  unsigned type;
  unsigned perm;
  long long ino, mtime, uid, gid;
  unsigned nlink;
  std::string data, link;
  unsigned rmajor, rminor;
};

// Reads an archive (any compression libarchive knows) back into entries.
std::vector<ReadEntry> read_back(const stdfs::path& file) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_cpio(a);
  EXPECT_EQ(archive_read_open_filename(a, file.c_str(), 1 << 16), ARCHIVE_OK) << archive_error_string(a);
  std::vector<ReadEntry> out;
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    ReadEntry r{archive_entry_pathname(e), archive_entry_filetype(e), archive_entry_perm(e), archive_entry_ino64(e),
                archive_entry_mtime(e), archive_entry_uid(e), archive_entry_gid(e), archive_entry_nlink(e), "", "",
                static_cast<unsigned>(archive_entry_rdevmajor(e)), static_cast<unsigned>(archive_entry_rdevminor(e))};
    if (archive_entry_symlink(e)) r.link = archive_entry_symlink(e);
    char buf[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) r.data.append(buf, static_cast<size_t>(n));
    out.push_back(r);
  }
  archive_read_free(a);
  return out;
}

class InitramfsWriter : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_support::scratch_dir("initramfs");
    write_file_atomic(dir_ / "hello", "hello world\n", stdfs::perms(0755));
    write_file_atomic(dir_ / "big", std::string(9u << 20, 'x') + "end", stdfs::perms(0644));  // > one lz4 chunk
    tree_.put("/usr/bin/hello", host_file_node(dir_ / "hello", "test", "payload"));
    tree_.put("/data/big", host_file_node(dir_ / "big", "test", "payload"));
    PayloadNode link;
    link.type = NodeType::Symlink;
    link.link_target = "usr/bin";
    tree_.put("/bin", link);
    PayloadNode console;
    console.type = NodeType::CharDev;
    console.mode = 0600;
    console.rdev_major = 5;
    console.rdev_minor = 1;
    tree_.put("/dev/console", console);
    PayloadNode tmp;
    tmp.type = NodeType::Dir;
    tmp.mode = 01777;
    tree_.put("/tmp", tmp);
  }

  // Changes what a non-deterministic writer might leak: times and owners.
  void disturb_host_files() {
    struct utimbuf t {12345, 67890};
    ::utime((dir_ / "hello").c_str(), &t);
    ::chmod((dir_ / "hello").c_str(), 0755);
    (void)::chown((dir_ / "big").c_str(), 1234, 5678);
  }

  stdfs::path dir_;
  PayloadTree tree_;
};

TEST_F(InitramfsWriter, SameTreeGivesTheSameBytesForEveryCompression) {
  for (Compression c : {Compression::None, Compression::Gzip, Compression::Zstd, Compression::Lz4}) {
    SCOPED_TRACE(compression_name(c));
    InitramfsInfo first = write_initramfs(tree_, c, dir_ / "one");
    disturb_host_files();
    InitramfsInfo second = write_initramfs(tree_, c, dir_ / "two");
    EXPECT_EQ(first.sha256, second.sha256);
    EXPECT_EQ(read_file(dir_ / "one"), read_file(dir_ / "two"));
    EXPECT_EQ(first.entries, 9u);
    EXPECT_GT(first.cpio_bytes, 9u << 20);
    if (c != Compression::None) {
      EXPECT_LT(first.bytes, first.cpio_bytes / 10);
    }
  }
}

TEST_F(InitramfsWriter, EntriesAreSortedWithFixedMetadata) {
  for (Compression c : {Compression::None, Compression::Gzip, Compression::Zstd, Compression::Lz4}) {
    SCOPED_TRACE(compression_name(c));
    write_initramfs(tree_, c, dir_ / "out");
    auto entries = read_back(dir_ / "out");
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.name);
    EXPECT_EQ(names, (std::vector<std::string>{"bin", "data", "data/big", "dev", "dev/console", "tmp", "usr", "usr/bin",
                                               "usr/bin/hello"}));
    for (size_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(entries[i].ino, static_cast<long long>(i + 1)) << entries[i].name;
      EXPECT_EQ(entries[i].mtime, 0) << entries[i].name;
      EXPECT_EQ(entries[i].uid, 0);
      EXPECT_EQ(entries[i].gid, 0);
    }
    EXPECT_EQ(entries[0].type, unsigned(AE_IFLNK));
    EXPECT_EQ(entries[0].link, "usr/bin");
    EXPECT_EQ(entries[2].data.size(), (9u << 20) + 3);
    EXPECT_EQ(entries[4].type, unsigned(AE_IFCHR));
    EXPECT_EQ(entries[4].rmajor, 5u);
    EXPECT_EQ(entries[4].rminor, 1u);
    EXPECT_EQ(entries[5].perm, 01777u);
    EXPECT_EQ(entries[3].nlink, 2u);
    EXPECT_EQ(entries[8].data, "hello world\n");
    EXPECT_EQ(entries[8].perm, 0755u);
    EXPECT_EQ(entries[8].nlink, 1u);
  }
}

TEST_F(InitramfsWriter, GzipHeaderCarriesNoTimestampAndLz4UsesTheLegacyFrame) {
  write_initramfs(tree_, Compression::Gzip, dir_ / "out.gz");
  std::string gz = read_file(dir_ / "out.gz");
  ASSERT_GE(gz.size(), 10u);
  EXPECT_EQ(gz.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(gz.substr(4, 4), std::string(4, '\0'));  // MTIME
  EXPECT_EQ(gz[3] & 0x08, 0);                         // no FNAME
  write_initramfs(tree_, Compression::Lz4, dir_ / "out.lz4");
  EXPECT_EQ(read_file(dir_ / "out.lz4").substr(0, 4), std::string("\x02\x21\x4c\x18", 4));
  write_initramfs(tree_, Compression::Zstd, dir_ / "out.zst");
  EXPECT_EQ(read_file(dir_ / "out.zst").substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));
}

TEST_F(InitramfsWriter, AFileThatChangedIsAnErrorAndNothingIsLeftBehind) {
  write_file_atomic(dir_ / "hello", "now longer than it was\n", stdfs::perms(0755));
  EXPECT_THAT([&] { write_initramfs(tree_, Compression::Gzip, dir_ / "out"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("(for /usr/bin/hello in the image) changed while the image was built")));
  EXPECT_FALSE(stdfs::exists(dir_ / "out"));
  for (const auto& e : stdfs::directory_iterator(dir_)) EXPECT_FALSE(is_temp_name(e.path().filename().string())) << e.path();
}

}  // namespace
}  // namespace tailor::image
