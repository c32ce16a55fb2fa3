// The trusted app of a kml = true image: its closure's rewritten copies under
// /trusted, the originals untouched, and how /init starts it.
#include "image-builder/trusted_program.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "common/sha256.h"
#include "image-builder/elf_closure.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The fixture program at /opt/app/bin/app with its libraries, and the
// closure completed from the host (glibc and its loader).
PayloadTree app_tree(const std::string& program) {
  PayloadTree t;
  t.put("/opt/app/bin/app", host_file_node(testing_support::elf_fixtures() / "bin" / program, "test", "payload"));
  t.put("/opt/app/lib/libtailor_a.so.1", host_file_node(testing_support::elf_fixtures() / "lib" / "libtailor_a.so.1", "test", "payload"));
  t.put("/opt/app/lib/libtailor_b.so.1", host_file_node(testing_support::elf_fixtures() / "lib" / "libtailor_b.so.1", "test", "payload"));
  ClosureOptions o;
  o.argv0 = "/opt/app/bin/app";
  o.argv0_where = "m.toml:3:9";
  complete_closure(t, o);
  return t;
}

const TrustedFile* file_named(const TrustedProgram& p, const std::string& basename) {
  for (const auto& f : p.files)
    if (std::filesystem::path(f.path).filename() == basename) return &f;
  return nullptr;
}

TEST(TrustedProgram, DynamicProgramStartsThroughTheRewrittenLoaderWithRewrittenLibc) {
  const std::filesystem::path cache = testing_support::scratch_dir("trusted-dynamic");
  PayloadTree t = app_tree("app_rpath");
  const TrustedProgram p = place_trusted_program(t, "/opt/app/bin/app", {"app", "--flag"}, cache);

  // libc has syscall sites the rewriter proves safe; its copy holds them.
  const TrustedFile* libc = file_named(p, "libc.so.6");
  ASSERT_NE(libc, nullptr);
  EXPECT_GT(libc->rewritten, 100u);
  EXPECT_NE(libc->rewritten_sha256, libc->original_sha256);
  EXPECT_THAT(libc->trusted_path, StartsWith("/trusted/"));
  const PayloadNode* copy = t.find(libc->trusted_path);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->content.sha256, libc->rewritten_sha256);
  EXPECT_EQ(sha256_hex(read_file(copy->content.file)), libc->rewritten_sha256);
  // The rest of the image keeps the original.
  EXPECT_EQ(t.lookup(libc->path)->content.sha256, libc->original_sha256);

  // The fixture libraries have no syscall site: no copies.
  const TrustedFile* a = file_named(p, "libtailor_a.so.1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->sites, 0u);
  EXPECT_EQ(a->trusted_path, "");

  // The program runs from /trusted, through the loader's copy, which looks
  // in the copies' directories first; argv[0] is the manifest's.
  EXPECT_EQ(p.files.front().trusted_path, "/trusted/opt/app/bin/app");
  const TrustedFile& loader = p.files.back();
  EXPECT_EQ(loader.path, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(p.exec, "/trusted/lib64/ld-linux-x86-64.so.2");
  const std::string libc_dir = libc->trusted_path.substr(0, libc->trusted_path.rfind('/'));
  EXPECT_THAT(p.argv, ElementsAre(p.exec, "--library-path", libc_dir, "--argv0", "app", "/trusted/opt/app/bin/app", "--flag"));
  EXPECT_EQ(p.rewritten(), libc->rewritten + loader.rewritten + p.files.front().rewritten);
}

TEST(TrustedProgram, SameInputsSameCopies) {
  const std::filesystem::path cache = testing_support::scratch_dir("trusted-determinism");
  PayloadTree t1 = app_tree("app_rpath"), t2 = app_tree("app_rpath");
  const TrustedProgram p1 = place_trusted_program(t1, "/opt/app/bin/app", {"app"}, cache);
  const TrustedProgram p2 = place_trusted_program(t2, "/opt/app/bin/app", {"app"}, cache);
  ASSERT_EQ(p1.files.size(), p2.files.size());
  for (size_t i = 0; i < p1.files.size(); ++i) EXPECT_EQ(p1.files[i].rewritten_sha256, p2.files[i].rewritten_sha256);
  EXPECT_EQ(p1.argv, p2.argv);
}

TEST(TrustedProgram, StaticProgramIsExecutedDirectly) {
  const std::filesystem::path cache = testing_support::scratch_dir("trusted-static");
  PayloadTree t;
  t.put("/bin/hello", host_file_node(testing_support::elf_fixtures() / "bin" / "hello_musl_static", "test", "payload"));
  const TrustedProgram p = place_trusted_program(t, "/bin/hello", {"/bin/hello", "x"}, cache);
  ASSERT_EQ(p.files.size(), 1u);
  EXPECT_GT(p.files[0].sites, 0u);
  EXPECT_EQ(p.exec, "/trusted/bin/hello");
  EXPECT_THAT(p.argv, ElementsAre("/bin/hello", "x"));
  EXPECT_NE(t.find("/trusted/bin/hello"), nullptr);
  EXPECT_EQ(t.find("/bin/hello")->content.sha256, p.files[0].original_sha256);
}

// A dynamic musl program: its loader's copy is the KML-aware musl (here a
// stand-in file: the real one is built by kml-patches/libc/build-musl.sh,
// which the KML end-to-end tests run), not a rewritten Debian musl, and the
// program starts through it. Nothing else asks for the KML musl.
TEST(TrustedProgram, DynamicMuslProgramGetsTheKmlMusl) {
  const std::filesystem::path cache = testing_support::scratch_dir("trusted-musl");
  const std::filesystem::path kml_musl = testing_support::elf_fixtures() / "bin" / "hello_musl_static";
  int asked = 0;
  const KmlMuslSource source = [&] {
    ++asked;
    return kml_musl;
  };
  PayloadTree t;
  t.put("/bin/hello", host_file_node(testing_support::elf_fixtures() / "bin" / "hello_musl_dynamic", "test", "payload"));
  ClosureOptions o;
  o.argv0 = "/bin/hello";
  o.argv0_where = "m.toml:3:9";
  complete_closure(t, o);
  const TrustedProgram p = place_trusted_program(t, "/bin/hello", {"hello", "x"}, cache, source);

  EXPECT_EQ(asked, 1);
  const TrustedFile& loader = p.files.back();
  EXPECT_EQ(loader.path, "/lib/ld-musl-x86_64.so.1");
  EXPECT_EQ(loader.trusted_path, "/trusted/lib/ld-musl-x86_64.so.1");
  EXPECT_THAT(loader.replaced_by, HasSubstr("KML-aware musl"));
  EXPECT_EQ(loader.rewritten, 0u);
  EXPECT_EQ(loader.rewritten_sha256, sha256_hex(read_file(kml_musl)));
  EXPECT_EQ(t.find(loader.trusted_path)->content.sha256, loader.rewritten_sha256);
  EXPECT_EQ(t.lookup(loader.path)->content.sha256, loader.original_sha256);  // the image's own musl stays
  EXPECT_EQ(p.exec, "/trusted/lib/ld-musl-x86_64.so.1");
  EXPECT_THAT(p.argv, ElementsAre(p.exec, "--argv0", "hello", "/trusted/bin/hello", "x"));

  // A glibc program never asks for it.
  PayloadTree g = app_tree("app_rpath");
  place_trusted_program(g, "/opt/app/bin/app", {"app"}, cache, source);
  EXPECT_EQ(asked, 1);
}

TEST(TrustedProgram, MissingLibraryIsAnErrorNamingIt) {
  const std::filesystem::path cache = testing_support::scratch_dir("trusted-missing");
  PayloadTree t;
  t.put("/opt/app/bin/app", host_file_node(testing_support::elf_fixtures() / "bin" / "app_runpath", "test", "payload"));
  const std::string e = testing_support::error_message([&] { place_trusted_program(t, "/opt/app/bin/app", {"app"}, cache); });
  EXPECT_THAT(e, HasSubstr("libtailor_a.so.1"));
}

}  // namespace
}  // namespace tailor::image
