// The kbuild-like environment: ARCH and SRCARCH, the kernel version and the
// dialect it implies, toolchain variables and make-style overrides.
#include "kconfig-analyzer/kconfig/environment.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/fs.h"
#include "kconfig-analyzer/kconfig/preprocessor.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

namespace stdfs = std::filesystem;

stdfs::path fake_tree(const std::string& name, const std::string& patchlevel) {
  auto dir = stdfs::temp_directory_path() / ("tailor-kc-env-" + name + "-" + std::to_string(::getpid()));
  stdfs::remove_all(dir);
  write_file_atomic(dir / "Makefile", "# SPDX\nVERSION = 6\nPATCHLEVEL = " + patchlevel +
                                          "\nSUBLEVEL = 3\nEXTRAVERSION = -rc1\nNAME = Test\n");
  return dir;
}

TEST(Environment, SubarchMapsMachineNames) {
  EXPECT_EQ(subarch_of("x86_64"), "x86");
  EXPECT_EQ(subarch_of("i686"), "x86");
  EXPECT_EQ(subarch_of("aarch64"), "arm64");
  EXPECT_EQ(subarch_of("armv7l"), "arm");
  EXPECT_EQ(subarch_of("riscv64"), "riscv");
}

TEST(Environment, ExportsWhatKbuildExports) {
  auto dir = fake_tree("x86", "1");
  EnvOptions o;
  o.srctree = dir;
  o.arch = "x86_64";
  o.make_vars = {{"CC", "clang"}};
  KbuildEnv env = kbuild_environment(o);
  EXPECT_EQ(env.srcarch, "x86");
  EXPECT_EQ(env.kernelversion, "6.1.3-rc1");
  EXPECT_EQ(env.dialect, Dialect::Classic);
  EXPECT_EQ(env.vars["ARCH"], "x86_64");
  EXPECT_EQ(env.vars["SRCARCH"], "x86");
  EXPECT_EQ(env.vars["CC"], "clang");
  EXPECT_EQ(env.vars["LD"], "ld");
  EXPECT_EQ(env.vars["srctree"], dir.string());
  EXPECT_EQ(env.defconfig, "x86_64_defconfig");
  stdfs::remove_all(dir);
}

TEST(Environment, Linux611AndLaterUseTheModernDialect) {
  auto dir = fake_tree("modern", "11");
  EnvOptions o;
  o.srctree = dir;
  o.arch = "arm64";
  EXPECT_EQ(kbuild_environment(o).dialect, Dialect::Modern);
  stdfs::remove_all(dir);
}

TEST(Environment, CcVersionTextComesFromTheCompilerWithoutPoundSigns) {
  struct Fake : ShellRunner {
    std::string run(const std::string& c) override { return c.find("--version") != std::string::npos ? "gcc #1 (x) 12\nmore\n" : ""; }
  } shell;
  auto dir = fake_tree("cc", "1");
  EnvOptions o;
  o.srctree = dir;
  o.arch = "x86_64";
  KbuildEnv env = kbuild_environment(o);
  add_computed_variables(env, shell);
  EXPECT_EQ(env.vars["CC_VERSION_TEXT"], "gcc 1 (x) 12 more");
  stdfs::remove_all(dir);
}

TEST(Environment, NotAKernelTree) {
  EnvOptions o;
  o.srctree = "/nonexistent/tree";
  EXPECT_NE(testing::error_of([&] { kbuild_environment(o); }).find("/nonexistent/tree/Makefile: no such file"),
            std::string::npos);
}

}  // namespace
}  // namespace tailor::kconfig
