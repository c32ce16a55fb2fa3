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

namespace tailor {
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
  auto [control, entries] = read_deb(deb, blobs);
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
    auto [c, entries] = read_deb(dir / ("p-" + filter + ".deb"), blobs);
    EXPECT_EQ(c.package, "tailor-demo");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1].path, "/bin/x");
    EXPECT_EQ(entries[2].hardlink, "/bin/x");
  }
}

TEST(DebPackage, CorruptPackagesAreErrorsNamingTheFile) {
  auto dir = ts::scratch_dir("deb-corrupt");
  stdfs::path good = build_with_dpkg(dir);
  std::string bytes = read_file(good);
  auto error_of = [&](const std::string& name, const std::string& content) {
    write_file_atomic(dir / name, content);
    BlobStore blobs(dir / "blobs");
    try {
      read_deb(dir / name, blobs);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
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

TEST(DebPackage, ControlStanzasParseContinuationLines) {
  DebControl c = parse_control("Package: a\nDepends: b,\n c (>= 1)\nSection: libs\n\nPackage: ignored\n");
  EXPECT_EQ(c.package, "a");
  EXPECT_EQ(c.section, "libs");
  EXPECT_THAT(c.depends, ElementsAre(ElementsAre("b"), ElementsAre("c")));
}

// The dependency walk over a fake archive: libraries are followed, tools are not.
TEST(LibraryDependencies, FollowsLibrariesFirstRealAlternativeAndStopsAtTools) {
  std::map<std::string, DebControl> archive = {
      {"libc6", parse_control("Package: libc6\nSection: libs\nDepends: libgcc-s1\n")},
      {"libgcc-s1", parse_control("Package: libgcc-s1\nSection: libs\nDepends: gcc-12-base, libc6\n")},
      {"gcc-12-base", parse_control("Package: gcc-12-base\nSection: libs\n")},
      {"libssl3", parse_control("Package: libssl3\nSection: libs\nDepends: libc6, debconf\n")},
      {"debconf", parse_control("Package: debconf\nSection: admin\nDepends: perl-base\n")},
      {"perl-base", parse_control("Package: perl-base\nSection: perl\n")},
      {"adduser", parse_control("Package: adduser\nSection: admin\nDepends: passwd\n")},
      {"libpython3.11-stdlib", parse_control("Package: libpython3.11-stdlib\nSection: python\n")},
  };
  std::vector<std::vector<std::string>> asked;
  ControlLookup lookup = [&](const std::vector<std::string>& names) {
    asked.push_back(names);
    std::vector<DebControl> out;
    for (const auto& n : names)
      if (archive.count(n)) out.push_back(archive[n]);
    return out;
  };
  DebControl root = parse_control(
      "Package: app\nDepends: libc6, virtual-thing | libssl3, adduser, libpython3.11-stdlib, app-data\n");
  DebControl app_data = parse_control("Package: app-data\nDepends: libc6\n");
  auto deps = library_dependencies({root, app_data}, lookup);
  EXPECT_THAT(deps, ElementsAre("gcc-12-base", "libc6", "libgcc-s1", "libpython3.11-stdlib", "libssl3"));
  EXPECT_LE(asked.size(), 4u);  // one apt-cache call per level, not per package
}

}  // namespace
}  // namespace tailor
