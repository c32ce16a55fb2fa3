// The library closure on small programs the test build makes: what gets
// added, from where, and the errors for everything that can be missing. Where
// it matters, the host's real loader is run as the oracle.
#include "image-builder/elf_closure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "image-builder/exec_chain.h"
#include "image-builder/test_support.h"

namespace tailor::image {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void add_host(PayloadTree& t, const std::string& image_path, const std::filesystem::path& host) {
  t.put(image_path, host_file_node(host, "test " + host.filename().string(), "payload"));
}

// /opt/app/{bin/app, lib/libtailor_a.so.1, lib/libtailor_b.so.1}
PayloadTree app_tree(const std::string& app, bool with_b = true) {
  PayloadTree t;
  add_host(t, "/opt/app/bin/app", testing_support::elf_fixtures() / "bin" / app);
  add_host(t, "/opt/app/lib/libtailor_a.so.1", testing_support::elf_fixtures() / "lib" / "libtailor_a.so.1");
  if (with_b) add_host(t, "/opt/app/lib/libtailor_b.so.1", testing_support::elf_fixtures() / "lib" / "libtailor_b.so.1");
  return t;
}

ClosureOptions options_for(const std::string& argv0) {
  ClosureOptions o;
  o.argv0 = argv0;
  o.argv0_where = "m.toml:3:9";
  return o;
}

std::string closure_error(PayloadTree& t, const ClosureOptions& o) {
  try {
    complete_closure(t, o);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "closure succeeded";
  return {};
}

TEST(ElfClosure, RpathIsInheritedByLibrariesAndSystemLibrariesComeFromTheHost) {
  PayloadTree t = app_tree("app_rpath");
  ClosureResult r = complete_closure(t, options_for("/opt/app/bin/app"));
  EXPECT_THAT(r.exec_chain, ElementsAre("/opt/app/bin/app"));
  EXPECT_THAT(r.added, Contains("/lib64/ld-linux-x86-64.so.2"));
  EXPECT_THAT(r.added, Contains("/lib/x86_64-linux-gnu/libc.so.6"));
  // Nothing of ours was copied: liba and libb were already in the payload.
  EXPECT_EQ(std::count_if(r.added.begin(), r.added.end(), [](auto& p) { return p.find("tailor") != std::string::npos; }), 0);
  const PayloadNode* libc = t.find("/lib/x86_64-linux-gnu/libc.so.6");
  ASSERT_NE(libc, nullptr);
  EXPECT_THAT(libc->source, HasSubstr("host /usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_THAT(libc->reason, HasSubstr("DT_NEEDED of /opt/app/bin/app (libc.so.6)"));
  EXPECT_EQ(t.find("/lib64/ld-linux-x86-64.so.2")->reason, "interpreter (PT_INTERP) of /opt/app/bin/app");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ElfClosure, RunpathIsNotInheritedSoTheLibrarysOwnNeedIsMissing) {
  PayloadTree t = app_tree("app_runpath");
  EXPECT_THAT(closure_error(t, options_for("/opt/app/bin/app")),
              HasSubstr("/opt/app/lib/libtailor_a.so.1 needs libtailor_b.so.1 (DT_NEEDED), which is in neither the "
                        "image, its packages' dependencies nor the host (searched /lib/x86_64-linux-gnu, "
                        "/usr/lib/x86_64-linux-gnu, /lib, /usr/lib)"));
}

TEST(ElfClosure, TheHostLoaderAgreesAboutRpathAndRunpath) {
  ProcessOptions o;
  o.capture = true;
  o.unset_env = {"LD_LIBRARY_PATH"};
  ProcessResult rpath = run_process({(testing_support::elf_fixtures() / "bin" / "app_rpath").string()}, o);
  EXPECT_TRUE(rpath.ok());
  EXPECT_THAT(rpath.output, HasSubstr("value 42"));
  ProcessResult runpath = run_process({(testing_support::elf_fixtures() / "bin" / "app_runpath").string()}, o);
  EXPECT_FALSE(runpath.ok());
  EXPECT_THAT(runpath.output, HasSubstr("libtailor_b.so.1"));
}

TEST(ElfClosure, LdLibraryPathFromTheAppEnvironmentIsSearched) {
  PayloadTree t = app_tree("app_runpath");
  ClosureOptions o = options_for("/opt/app/bin/app");
  o.ld_library_path = {"/opt/app/lib"};
  EXPECT_NO_THROW(complete_closure(t, o));
}

TEST(ElfClosure, MissingLibrariesComeFromThePoolBeforeTheHost) {
  PayloadTree t = app_tree("app_rpath", /*with_b=*/false);
  PayloadTree pool;
  pool.put("/opt/app/lib/libtailor_b.so.1",
           host_file_node(testing_support::elf_fixtures() / "lib" / "libtailor_b.so.1", "deb libtailor-b 1.0", "dependency"));
  ClosureOptions o = options_for("/opt/app/bin/app");
  o.pool = &pool;
  ClosureResult r = complete_closure(t, o);
  EXPECT_THAT(r.added, Contains("/opt/app/lib/libtailor_b.so.1"));
  const PayloadNode* b = t.find("/opt/app/lib/libtailor_b.so.1");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->source, "deb libtailor-b 1.0");
  EXPECT_EQ(b->reason, "DT_NEEDED of /opt/app/lib/libtailor_a.so.1 (libtailor_b.so.1)");
}

TEST(ElfClosure, AddedLibrariesFollowSymlinkedDirectoriesOfTheImage) {
  PayloadTree t = app_tree("app_rpath");
  PayloadNode usrlib;
  usrlib.type = NodeType::Dir;
  t.put("/usr/lib", usrlib);
  PayloadNode lib;
  lib.type = NodeType::Symlink;
  lib.link_target = "usr/lib";
  t.put("/lib", lib);
  ClosureResult r = complete_closure(t, options_for("/opt/app/bin/app"));
  EXPECT_THAT(r.added, Contains("/usr/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_EQ(t.find("/lib")->type, NodeType::Symlink);
}

TEST(ElfClosure, MissingInterpreterIsAnError) {
  PayloadTree t = app_tree("app_rpath");
  ClosureOptions o = options_for("/opt/app/bin/app");
  o.use_host = false;
  EXPECT_THAT(closure_error(t, o), HasSubstr("/opt/app/bin/app needs its program interpreter /lib64/ld-linux-x86-64.so.2 "
                                             "(PT_INTERP), which is in neither the image"));
}

TEST(ElfClosure, AnInterpreterThatExistsNowhereIsAnError) {
  PayloadTree t;
  add_host(t, "/bin/app", testing_support::elf_fixtures() / "bin" / "bad_interp");
  EXPECT_THAT(closure_error(t, options_for("/bin/app")),
              HasSubstr("/bin/app needs its program interpreter /lib/ld-tailor-missing.so.1 (PT_INTERP), which is in "
                        "neither the image, its packages' dependencies nor the host"));
}

TEST(ElfClosure, MissingLibraryWithoutHostIsAnErrorNamingIt) {
  PayloadTree t = app_tree("app_rpath");
  add_host(t, "/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
  ClosureOptions o = options_for("/opt/app/bin/app");
  o.use_host = false;
  EXPECT_THAT(closure_error(t, o), HasSubstr("/opt/app/bin/app needs libc.so.6 (DT_NEEDED)"));
}

TEST(ElfClosure, ScriptsRunThroughTheirInterpreterWhichMayComeFromTheHost) {
  auto dir = testing_support::scratch_dir("closure-script");
  write_file_atomic(dir / "run.sh", "#!/bin/sh -e\necho hi\n", std::filesystem::perms(0755));
  PayloadTree t;
  add_host(t, "/run.sh", dir / "run.sh");
  ClosureResult r = complete_closure(t, options_for("/run.sh"));
  EXPECT_THAT(r.exec_chain, ElementsAre("/run.sh", "/bin/sh"));
  EXPECT_EQ(r.app_elf, "/bin/sh");
  ASSERT_NE(t.find("/bin/sh"), nullptr);
  EXPECT_EQ(t.find("/bin/sh")->reason, "#! interpreter of /run.sh");
  EXPECT_THAT(r.added, Contains("/lib/x86_64-linux-gnu/libc.so.6"));
}

TEST(ExecChain, AFinishedPayloadsChainIsFollowedWithoutAddingAnything) {
  // What the analyzer reads: scripts through their interpreters to the ELF
  // program, which may sit behind a symbolic link.
  auto dir = testing_support::scratch_dir("exec-chain");
  write_file_atomic(dir / "run.sh", "#!/usr/bin/env2 -S x\n", std::filesystem::perms(0755));
  write_file_atomic(dir / "env2", "#!/bin/sh\n", std::filesystem::perms(0755));
  PayloadTree t;
  add_host(t, "/run.sh", dir / "run.sh");
  add_host(t, "/usr/bin/env2", dir / "env2");
  add_host(t, "/usr/bin/dash", testing_support::elf_fixtures() / "bin" / "hello_musl_static");
  PayloadNode sh;
  sh.type = NodeType::Symlink;
  sh.link_target = "/usr/bin/dash";
  t.put("/bin/sh", sh);
  ExecChain chain = follow_exec_chain(t, "/run.sh", "m.toml");
  EXPECT_THAT(chain.paths, ElementsAre("/run.sh", "/usr/bin/env2", "/bin/sh"));
  EXPECT_EQ(chain.program, "/usr/bin/dash");
  t.remove("/usr/bin/dash");
  try {
    follow_exec_chain(t, "/run.sh", "m.toml");
    ADD_FAILURE() << "followed a dangling link";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("m.toml: argv[0] /bin/sh is a symbolic link that leads nowhere in the image"));
  }
}

TEST(ElfClosure, Argv0ProblemsAreErrorsAtTheManifestLine) {
  auto dir = testing_support::scratch_dir("closure-argv0");
  write_file_atomic(dir / "data.txt", "hello\n", std::filesystem::perms(0755));
  write_file_atomic(dir / "noexec", read_file(testing_support::elf_fixtures() / "bin" / "hello_musl_static"), std::filesystem::perms(0644));
  PayloadTree t;
  add_host(t, "/data.txt", dir / "data.txt");
  add_host(t, "/noexec", dir / "noexec");
  EXPECT_THAT(closure_error(t, options_for("/data.txt")),
              HasSubstr("m.toml:3:9: argv[0] /data.txt is neither an ELF executable nor a #! script (it starts with \"hello\\x0a\")"));
  EXPECT_THAT(closure_error(t, options_for("/usr/bin/missing")),
              HasSubstr("m.toml:3:9: argv[0] /usr/bin/missing is not in the image: no [[payload]] provides it"));
  EXPECT_THAT(closure_error(t, options_for("/noexec")), HasSubstr("argv[0] /noexec is not executable (mode 0644"));
  EXPECT_THAT(closure_error(t, options_for("/")), HasSubstr("not in the image"));
}

TEST(ElfClosure, MuslProgramsNeedOnlyTheirLoader) {
  PayloadTree t;
  add_host(t, "/bin/hello", testing_support::elf_fixtures() / "bin" / "hello_musl_dynamic");
  ClosureResult r = complete_closure(t, options_for("/bin/hello"));
  EXPECT_THAT(r.added, ElementsAre("/lib/ld-musl-x86_64.so.1"));

  PayloadTree s;
  add_host(s, "/bin/hello", testing_support::elf_fixtures() / "bin" / "hello_musl_static");
  EXPECT_TRUE(complete_closure(s, options_for("/bin/hello")).added.empty());
}

TEST(ElfClosure, GapsInToolsTheAppDoesNotStartWithAreWarnings) {
  PayloadTree t = app_tree("app_runpath");
  add_host(t, "/bin/hello", testing_support::elf_fixtures() / "bin" / "hello_musl_static");
  ClosureResult r = complete_closure(t, options_for("/bin/hello"));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("libtailor_a.so.1 needs libtailor_b.so.1"));
  // ... and the tool's other needs were still filled in.
  EXPECT_NE(t.find("/lib/x86_64-linux-gnu/libc.so.6"), nullptr);
}

}  // namespace
}  // namespace tailor::image
