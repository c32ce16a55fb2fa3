// The loader's search rules shared by the image builder's closure and the
// analyzer's: the order of the directories, which RPATHs count, token
// expansion, and the candidates tried for a name.
#include "common/elf/library_search.h"

#include <gtest/gtest.h>

namespace tailor::elf {
namespace {

const std::string kFixtures = ELF_FIXTURES;  // built by image-builder/CMakeLists.txt
using Dirs = std::vector<std::string>;

TEST(LibrarySearch, RpathThenLdLibraryPathThenTheStandardDirectories) {
  auto app = ElfFile::load(kFixtures + "/bin/app_rpath", ParseDepth::Linking);  // RPATH $ORIGIN/../lib
  EXPECT_EQ(library_search_dirs(app, "/opt/app/bin/app", {"/inherited"}, {"/ldlp"}, "/lib64/ld-linux-x86-64.so.2"),
            (Dirs{"/opt/app/bin/../lib", "/inherited", "/ldlp", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                  "/lib", "/usr/lib"}));
  // What it passes on to the libraries it loads: its own RPATH, then what it inherited.
  EXPECT_EQ(inherited_rpath(app, "/opt/app/bin/app", {"/inherited"}), (Dirs{"/opt/app/bin/../lib", "/inherited"}));
}

TEST(LibrarySearch, RunpathComesAfterLdLibraryPathAndSilencesTheRpathChain) {
  auto app = ElfFile::load(kFixtures + "/bin/app_runpath", ParseDepth::Linking);  // RUNPATH $ORIGIN/../lib
  EXPECT_EQ(library_search_dirs(app, "/opt/app/bin/app", {"/inherited"}, {"/ldlp"}, "/lib/ld-musl-x86_64.so.1"),
            (Dirs{"/ldlp", "/opt/app/bin/../lib", "/lib", "/usr/local/lib", "/usr/lib"}));
  // A RUNPATH object hands on only what it inherited (the loader ignores its
  // own RPATH, but its children still search their ancestors').
  EXPECT_EQ(inherited_rpath(app, "/opt/app/bin/app", {"/inherited"}), Dirs{"/inherited"});
}

TEST(LibrarySearch, DynamicStringTokensExpand) {
  EXPECT_EQ(expand_dynamic_tokens("$ORIGIN/../lib", "/opt/app/bin/x"), "/opt/app/bin/../lib");
  EXPECT_EQ(expand_dynamic_tokens("${ORIGIN}/plugins:", "/x"), "//plugins:");
  EXPECT_EQ(expand_dynamic_tokens("/usr/$LIB/$PLATFORM", "/x"), "/usr/lib/x86_64-linux-gnu/x86_64");
  EXPECT_EQ(expand_dynamic_tokens("/opt/$UNKNOWN", "/x"), "/opt/$UNKNOWN");
}

TEST(LibrarySearch, CandidatesAreNormalizedAndOnlyAbsolute) {
  EXPECT_EQ(library_candidates("libz.so.1", {"/opt/app/bin/../lib", "relative", "", "/usr/lib/"}),
            (Dirs{"/opt/app/lib/libz.so.1", "/usr/lib/libz.so.1"}));
  EXPECT_EQ(library_candidates("/opt//x/../libq.so", {"/lib"}), Dirs{"/opt/libq.so"});
  EXPECT_TRUE(library_candidates("sub/libq.so", {"/lib"}).empty());
}

TEST(LibrarySearch, TheLoaderAnswersItsOwnNameAndMuslsAlsoLibc) {
  EXPECT_TRUE(loader_provides("/lib/ld-musl-x86_64.so.1", "libc.so"));
  EXPECT_TRUE(loader_provides("/lib/ld-musl-x86_64.so.1", "libpthread.so.0"));
  EXPECT_FALSE(loader_provides("/lib/ld-musl-x86_64.so.1", "libz.so.1"));
  EXPECT_FALSE(loader_provides("/lib64/ld-linux-x86-64.so.2", "libc.so.6"));
  // libc.so.6 and libm.so.6 need the loader by name: it is already there.
  EXPECT_TRUE(loader_provides("/lib64/ld-linux-x86-64.so.2", "ld-linux-x86-64.so.2"));
  EXPECT_FALSE(loader_provides("", "ld-linux-x86-64.so.2"));
  EXPECT_EQ(default_library_dirs("/lib64/ld-linux-x86-64.so.2"),
            (Dirs{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}));
}

}  // namespace
}  // namespace tailor::elf
