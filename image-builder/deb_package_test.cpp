// Reading .deb packages: real ones made by dpkg-deb, hand-made ones, broken
// ones; and the walk over library dependencies.
#include "image-builder/deb_package.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/sha256.h"
#include "common/subprocess.h"
#include "image-builder/apt_fetch.h"
#include "image-builder/test_support.h"
#include "image-builder/testdata/archive_maker.h"

namespace tailor::image {
namespace {

namespace stdfs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace ts = testing_support;

const char* kControl =
    "Package: tailor-demo\nVersion: 1:2.0-3\nArchitecture: amd64\nSection: utils\nMaintainer: t <t@example.com>\n"
    "Pre-Depends: libc6 (>= 2.34)\nDepends: libfoo1 | libfoo-alt, python3:any, libbar2 (= 1.0)\n"
    "Description: demo\n a package for tests\n";

// A genuine package, built by dpkg-deb (the reference tool) from a tree.
stdfs::path build_with_dpkg(const stdfs::path& dir) {
  const stdfs::path root = dir / "pkg";
  write_file_atomic(root / "DEBIAN" / "control", kControl);
  write_file_atomic(root / "usr" / "bin" / "demo", "#!/bin/sh\necho demo\n", stdfs::perms(0755));
  write_file_atomic(root / "usr" / "share" / "demo" / "data.txt", "data\n");
  stdfs::create_symlink("demo", root / "usr" / "bin" / "demo-link");
  run_capture({"dpkg-deb", "--root-owner-group", "-Zxz", "--build", root.string(), (dir / "demo.deb").string()});
  return dir / "demo.deb";
}

std::string debian_binary() { return "2.0\n"; }

TEST(DebPackage, ReadsARealPackageMadeByDpkgDeb) {
  auto dir = ts::scratch_dir("deb-real");
  stdfs::path deb = build_with_dpkg(dir);
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;
  auto [control, entries] = read_deb(deb, blobs, budget);
  EXPECT_EQ(control.package, "tailor-demo");
  EXPECT_EQ(control.version, "1:2.0-3");
  EXPECT_EQ(control.architecture, "amd64");
  EXPECT_EQ(control.section, "utils");
  EXPECT_THAT(control.depends, ElementsAre(ElementsAre("libc6"), ElementsAre("libfoo1", "libfoo-alt"),
                                           ElementsAre("python3"), ElementsAre("libbar2")));
  std::map<std::string, TreeEntry> by_path;
  for (const auto& e : entries) by_path[e.path] = e;
  ASSERT_TRUE(by_path.count("/usr/bin/demo"));
  EXPECT_EQ(by_path["/usr/bin/demo"].mode, 0755u);
  EXPECT_EQ(read_file(blobs.path_of(by_path["/usr/bin/demo"].sha256)), "#!/bin/sh\necho demo\n");
  EXPECT_EQ(by_path["/usr/bin/demo-link"].type, NodeType::Symlink);
  EXPECT_EQ(by_path["/usr/bin/demo-link"].link_target, "demo");
  EXPECT_EQ(by_path["/usr/share/demo/data.txt"].sha256, sha256_hex("data\n"));
  EXPECT_EQ(by_path["/usr"].type, NodeType::Dir);
}

TEST(DebPackage, UnpackIsCachedByContent) {
  auto dir = ts::scratch_dir("deb-cache");
  stdfs::path deb = build_with_dpkg(dir);
  UnpackedTree first = unpack_deb(deb, dir / "cache");
  EXPECT_EQ(first.meta["package"], "tailor-demo");
  EXPECT_EQ(first.meta["sha256"], sha256_file(deb));
  EXPECT_EQ(control_of(first).depends.size(), 4u);
  // A second call reads the index, not the package: remove the .deb's bytes' only
  // other copy and the result is still there and the same.
  stdfs::path moved = dir / "moved.deb";
  stdfs::rename(deb, moved);
  UnpackedTree second = unpack_deb(moved, dir / "cache");
  EXPECT_EQ(second.dir, first.dir);
  EXPECT_EQ(second.entries.size(), first.entries.size());
}

TEST(DebPackage, ReadsGzipAndZstdMembersAndBSDStyleNames) {
  auto dir = ts::scratch_dir("deb-handmade");
  for (std::string filter : {"gzip", "zstd"}) {
    std::string ext = filter == "gzip" ? "gz" : "zst";
    std::string control = ts::make_archive({ts::file("./control", kControl)}, "tar", filter);
    std::string data = ts::make_archive({ts::dir("./"), ts::dir("./bin/"), ts::file("./bin/x", "x", 0755),
                                         ts::hardlink("./bin/y", "./bin/x")},
                                        "tar", filter);
    std::string deb = ts::make_archive({ts::file("debian-binary", debian_binary()), ts::file("control.tar." + ext, control),
                                        ts::file("data.tar." + ext, data)},
                                       "ar");
    write_file_atomic(dir / ("p-" + filter + ".deb"), deb);
    BlobStore blobs(dir / "blobs");
    UnpackBudget budget;
    auto [c, entries] = read_deb(dir / ("p-" + filter + ".deb"), blobs, budget);
    EXPECT_EQ(c.package, "tailor-demo");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1].path, "/bin/x");
    EXPECT_EQ(entries[2].hardlink, "/bin/x");
  }
}

// preinst and postinst are kept (read, never run) for package_setup; other
// control members are not. Bytes that are not ASCII become '?', so that the
// cached metadata stays valid JSON.
TEST(DebPackage, KeepsTheMaintainerScriptsItReads) {
  auto dir = ts::scratch_dir("deb-scripts");
  std::string control = ts::make_archive({ts::file("./control", kControl), ts::file("./postinst", "adduser --system x\xff\n"),
                                          ts::file("./preinst", "mkdir -p /var/lib/x\n"), ts::file("./md5sums", "")},
                                         "tar", "gzip");
  std::string data = ts::make_archive({ts::dir("./")}, "tar", "gzip");
  write_file_atomic(dir / "s.deb", ts::make_archive({ts::file("debian-binary", debian_binary()),
                                                     ts::file("control.tar.gz", control), ts::file("data.tar.gz", data)},
                                                    "ar"));
  UnpackedTree tree = unpack_deb(dir / "s.deb", dir / "cache");
  DebControl c = control_of(tree);
  EXPECT_EQ(c.scripts.size(), 2u);
  EXPECT_EQ(c.scripts["postinst"], "adduser --system x?\n");
  EXPECT_EQ(c.scripts["preinst"], "mkdir -p /var/lib/x\n");
}

// What read_deb says of `file` (blobs beside it), or "no error".
std::string read_deb_error(const stdfs::path& file) {
  BlobStore blobs(file.parent_path() / "blobs");
  UnpackBudget budget;
  try {
    read_deb(file, blobs, budget);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(DebPackage, CorruptPackagesAreErrorsNamingTheFile) {
  auto dir = ts::scratch_dir("deb-corrupt");
  stdfs::path good = build_with_dpkg(dir);
  std::string bytes = read_file(good);
  auto error_of = [&](const std::string& name, const std::string& content) {
    write_file_atomic(dir / name, content);
    return read_deb_error(dir / name);
  };
  const std::string p = (dir / "x").string();
  EXPECT_THAT(error_of("text.deb", "this is not a package\n"), HasSubstr("text.deb: not a Debian package (not an ar archive"));
  EXPECT_THAT(error_of("empty.deb", ""), HasSubstr("empty.deb: not a Debian package"));
  EXPECT_THAT(error_of("truncated.deb", bytes.substr(0, bytes.size() / 2)),
              ::testing::AllOf(HasSubstr("truncated.deb"), HasSubstr("corrupt or truncated")));
  std::string flipped = bytes;
  flipped[bytes.size() - 200] ^= 0x55;  // inside data.tar.xz
  EXPECT_THAT(error_of("flipped.deb", flipped), HasSubstr("flipped.deb (data.tar.xz): corrupt or truncated"));
  std::string no_data = ts::make_archive({ts::file("debian-binary", debian_binary()),
                                          ts::file("control.tar.gz", ts::make_archive({ts::file("./control", kControl)}, "tar", "gzip"))},
                                         "ar");
  EXPECT_THAT(error_of("nodata.deb", no_data), HasSubstr("nodata.deb: corrupt Debian package: no data.tar member"));
  std::string wrong_first = ts::make_archive({ts::file("hello", "x")}, "ar");
  EXPECT_THAT(error_of("wrong.deb", wrong_first), HasSubstr("wrong.deb: not a Debian package (first member is 'hello'"));
  std::string escaping = ts::make_archive(
      {ts::file("debian-binary", debian_binary()),
       ts::file("control.tar.gz", ts::make_archive({ts::file("./control", kControl)}, "tar", "gzip")),
       ts::file("data.tar.gz", ts::make_archive({ts::file("./../../etc/passwd", "x")}, "tar", "gzip"))},
      "ar");
  EXPECT_THAT(error_of("escape.deb", escaping), HasSubstr("refusing member './../../etc/passwd' ('..' in its path)"));
  EXPECT_THAT([&] { unpack_deb(dir / "missing.deb", dir / "cache"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("missing.deb: no such .deb file")));
  // Nothing half-made stays in the cache after a failure.
  EXPECT_THROW(unpack_deb(dir / "truncated.deb", dir / "cache"), Error);
  if (stdfs::exists(dir / "cache" / "unpacked"))
    for (const auto& e : stdfs::directory_iterator(dir / "cache" / "unpacked")) ADD_FAILURE() << "left behind: " << e.path();
}

// A hand-made package from its members (each a tar made here).
std::string deb_of(const std::vector<ts::Member>& members) {
  std::vector<ts::Member> all = {ts::file("debian-binary", debian_binary())};
  all.insert(all.end(), members.begin(), members.end());
  return ts::make_archive(all, "ar");
}
std::string control_tar(const std::string& control = kControl) {
  return ts::make_archive({ts::file("./control", control)}, "tar", "gzip");
}

// libarchive can fail without an error message: its gzip reader returns a
// fatal error and sets none when the deflate data is whole but the 8-byte
// trailer after it (CRC-32, size) is cut short. Appending the NULL from
// archive_error_string() to a std::string crashed the reader; the deb fuzz
// target found it (tests/fuzz/regressions/deb/control-member-open-fails-
// without-message.deb: a control.tar.gz that ends 7 bytes into its trailer).
// Cut into the deflate data and libarchive does say "truncated gzip input".
TEST(DebPackage, AMemberCutInsideItsGzipTrailerIsAnErrorThoughLibarchiveGivesNoMessage) {
  auto dir = ts::scratch_dir("deb-cut-trailer");
  const std::string data = ts::make_archive({ts::file("./a", "a")}, "tar", "gzip");
  auto cut = [](std::string gz, size_t bytes) { return gz.substr(0, gz.size() - bytes); };
  auto error_of = [&](const std::string& name, const std::vector<ts::Member>& members) {
    write_file_atomic(dir / name, deb_of(members));
    return read_deb_error(dir / name);
  };
  // The tailor message names the package and member; the text after it is
  // archive_message()'s stand-in for libarchive's missing one (a newer
  // libarchive that says something here would change only that part).
  for (size_t bytes : {1u, 4u, 8u})
    EXPECT_THAT(error_of("cut.deb", {ts::file("control.tar.gz", cut(control_tar(), bytes)), ts::file("data.tar.gz", data)}),
                ::testing::AllOf(HasSubstr("cut.deb (control.tar.gz): corrupt or truncated"),
                                 HasSubstr("no message from libarchive (corrupt or truncated data)")))
        << "control.tar.gz without its last " << bytes << " bytes";
  EXPECT_THAT(error_of("cut-data.deb", {ts::file("control.tar.gz", control_tar()), ts::file("data.tar.gz", cut(data, 1))}),
              ::testing::AllOf(HasSubstr("cut-data.deb (data.tar.gz): corrupt or truncated"),
                               HasSubstr("no message from libarchive")));
  EXPECT_THAT(error_of("cut-deflate.deb", {ts::file("control.tar.gz", cut(control_tar(), 9)), ts::file("data.tar.gz", data)}),
              HasSubstr("cut-deflate.deb (control.tar.gz): corrupt or truncated (not a readable tar archive): truncated gzip input"));
}

// dpkg installs the first data.tar of a package and ignores a second one
// (dpkg-deb is the oracle here); a reader that took the last would install
// other files than the ones a Debian system gets. tailor refuses the package.
TEST(DebPackage, TwoDataOrControlMembersAreRefusedAsAmbiguous) {
  auto dir = ts::scratch_dir("deb-two-data");
  const std::string data1 = ts::make_archive({ts::file("./first", "one\n")}, "tar", "gzip");
  const std::string data2 = ts::make_archive({ts::file("./second", "two\n")}, "tar", "xz");
  write_file_atomic(dir / "two.deb", deb_of({ts::file("control.tar.gz", control_tar()), ts::file("data.tar.gz", data1),
                                             ts::file("data.tar.xz", data2)}));
  const std::string listed = run_capture({"dpkg-deb", "-c", (dir / "two.deb").string()});
  EXPECT_THAT(listed, HasSubstr("./first"));
  EXPECT_THAT(listed, ::testing::Not(HasSubstr("./second")));
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;
  EXPECT_THAT([&] { read_deb(dir / "two.deb", blobs, budget); },
              ::testing::ThrowsMessage<Error>(HasSubstr(
                  "two.deb: two data.tar members ('data.tar.gz' and 'data.tar.xz'): dpkg would install the first")));
  write_file_atomic(dir / "two-control.deb", deb_of({ts::file("control.tar.gz", control_tar()),
                                                     ts::file("control.tar.xz", control_tar()), ts::file("data.tar.gz", data1)}));
  EXPECT_THAT([&] { read_deb(dir / "two-control.deb", blobs, budget); },
              ::testing::ThrowsMessage<Error>(HasSubstr("two control.tar members")));
}

// A control member that unpacks to a huge control file: it used to be read
// whole (a 210 KB package took 834 MB); now it stops at 1 MiB, and what is
// skipped on the way to ./control is charged to the budget.
TEST(DebPackage, TheControlFileIsBoundedAndSkippedMembersAreCharged) {
  auto dir = ts::scratch_dir("deb-control-bomb");
  const std::string huge = "Package: x\nDescription: y\n" + std::string(64u << 20, ' ') + "\n";
  const std::string bomb = ts::make_archive({ts::file("./control", huge)}, "tar", "xz");
  ASSERT_LT(bomb.size(), 64u << 10);
  const std::string data = ts::make_archive({ts::file("./a", "a")}, "tar", "gzip");
  write_file_atomic(dir / "bomb.deb", deb_of({ts::file("control.tar.xz", bomb), ts::file("data.tar.gz", data)}));
  BlobStore blobs(dir / "blobs");
  UnpackBudget budget;
  EXPECT_THAT([&] { read_deb(dir / "bomb.deb", blobs, budget); },
              ::testing::ThrowsMessage<Error>(HasSubstr("bomb.deb (control.tar.xz): the control file is larger than 1 MiB")));
  // 16 MiB of md5sums before ./control, with a 1 MiB budget.
  const std::string padded = ts::make_archive({ts::file("./md5sums", std::string(16u << 20, '0')), ts::file("./control", kControl)},
                                              "tar", "gzip");
  write_file_atomic(dir / "padded.deb", deb_of({ts::file("control.tar.gz", padded), ts::file("data.tar.gz", data)}));
  UnpackBudget small(1u << 20);
  EXPECT_THAT([&] { read_deb(dir / "padded.deb", blobs, small); },
              ::testing::ThrowsMessage<Error>(HasSubstr("unpacking needs more than the limit of 1 MiB")));
  UnpackBudget enough(64u << 20);
  EXPECT_EQ(read_deb(dir / "padded.deb", blobs, enough).first.package, "tailor-demo");
  // A Package field that is no package name.
  write_file_atomic(dir / "badname.deb", deb_of({ts::file("control.tar.gz", control_tar("Package: -oX\n")),
                                                 ts::file("data.tar.gz", data)}));
  EXPECT_THAT([&] { read_deb(dir / "badname.deb", blobs, budget); },
              ::testing::ThrowsMessage<Error>(HasSubstr("the control file's Package '-oX' is not a Debian package name")));
}

TEST(PackageNames, FollowDebiansGrammar) {
  for (const char* good : {"sqlite3", "libstdc++6", "python3.11-minimal", "g++", "0ad"})
    EXPECT_TRUE(is_debian_package_name(good)) << good;
  for (const char* bad : {"", "a", "-oDir::Bin::dpkg=sh", "-x", "+x", ".x", "Sqlite", "a b", "a_b", "a/b", "a:b"})
    EXPECT_FALSE(is_debian_package_name(bad)) << bad;
  for (const char* good : {"1", "3.40.1-2", "1:2.0-3", "2.36-9+deb12u4", "1.0~rc1", "0:1-1-1", "7.2p1"})
    EXPECT_TRUE(is_debian_version(good)) << good;
  for (const char* bad : {"", "-1", "abc", "1.0-", ":1", "a:1", "1 2", "1.0-a/b", "1$"})
    EXPECT_FALSE(is_debian_version(bad)) << bad;
  EXPECT_EQ(package_spec_problem("libc6:amd64=2.36-9+deb12u4"), "");
  EXPECT_NE(package_spec_problem("-oDPkg::Options::=--force-all"), "");
  EXPECT_NE(package_spec_problem("sqlite3=--help"), "");
  EXPECT_NE(package_spec_problem("sqlite3/bookworm"), "");
}

// A name that apt would read as an option never reaches apt: the clients
// refuse it before running anything.
TEST(AptClients, NamesThatAreNotPackageNamesNeverReachApt) {
  auto dir = ts::scratch_dir("apt-names");
  EXPECT_THAT([&] { resolve_install_set({{"libc6", "-oAPT::Cache-Start=1"}, {}, false}, dir); },
              ::testing::ThrowsMessage<Error>(HasSubstr("refusing to pass '-oAPT::Cache-Start=1'")));
  EXPECT_THAT([&] { resolve_debs({"-oDir::Bin::dpkg=sh"}, dir); },
              ::testing::ThrowsMessage<Error>(HasSubstr("refusing to pass '-oDir::Bin::dpkg=sh'")));
  EXPECT_FALSE(stdfs::exists(dir / "apt" / "pkgcache.bin"));  // apt never ran
}

TEST(DebPackage, ControlStanzasParseContinuationLines) {
  DebControl c = parse_control("Package: a\nDepends: b,\n c (>= 1)\nSection: libs\n\nPackage: ignored\n");
  EXPECT_EQ(c.package, "a");
  EXPECT_EQ(c.section, "libs");
  EXPECT_THAT(c.depends, ElementsAre(ElementsAre("b"), ElementsAre("c")));
}

TEST(DebPackage, ProvidesAreVirtualNamesWithoutVersions) {
  DebControl c = parse_control("Package: mawk\nProvides: awk, x (= 1.0)\nPre-Depends: libc6 (>= 2.34)\n");
  EXPECT_THAT(c.provides, ElementsAre("awk", "x"));
  EXPECT_THAT(c.depends, ElementsAre(ElementsAre("libc6")));
}

}  // namespace
}  // namespace tailor::image
