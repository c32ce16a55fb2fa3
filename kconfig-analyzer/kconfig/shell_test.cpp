// $(shell,...): the real runner, and the persistent memo that lets a warm
// run start no process at all.
#include "kconfig-analyzer/kconfig/shell.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/fs.h"

namespace tailor::kconfig {
namespace {

namespace stdfs = std::filesystem;

stdfs::path scratch(const std::string& name) {
  auto dir = stdfs::temp_directory_path() / ("tailor-kc-" + name + "-" + std::to_string(::getpid()));
  stdfs::remove_all(dir);
  stdfs::create_directories(dir);
  return dir;
}

class CountingShell : public ShellRunner {
 public:
  int runs = 0;
  std::string run(const std::string& c) override {
    ++runs;
    return "out:" + c;
  }
};

const std::map<std::string, std::string> kEnv = {{"PATH", "/usr/bin:/bin"}, {"CC", "gcc"}};

TEST(ProcessShell, RunsWithTheGivenEnvironmentInAScratchDirectory) {
  ProcessShell sh({{"PATH", "/usr/bin:/bin"}, {"GREETING", "hi"}});
  EXPECT_EQ(sh.run("echo $GREETING; pwd | grep -c tailor-kconfig"), "hi\n1\n");
  EXPECT_EQ(sh.run("mkdir .tmp_x && echo made"), "made\n");  // the scratch directory is writable
  EXPECT_EQ(sh.runs(), 2);
}

TEST(ShellMemo, ASecondRunIsAnsweredFromDisk) {
  auto dir = scratch("memo");
  {
    CountingShell inner;
    ShellMemo memo(inner, dir, kEnv);
    EXPECT_EQ(memo.run("gcc -v"), "out:gcc -v");
    EXPECT_EQ(memo.run("gcc -v"), "out:gcc -v");
    EXPECT_EQ(inner.runs, 1);
    memo.save();
  }
  CountingShell inner;
  ShellMemo memo(inner, dir, kEnv);
  EXPECT_EQ(memo.run("gcc -v"), "out:gcc -v");
  EXPECT_EQ(inner.runs, 0);
  EXPECT_EQ(memo.hits(), 1);
  stdfs::remove_all(dir);
}

TEST(ShellMemo, ADifferentEnvironmentOrToolchainIsADifferentMemo) {
  auto env2 = kEnv;
  env2["CC"] = "clang";
  EXPECT_NE(environment_identity(kEnv), environment_identity(env2));
  auto env3 = kEnv;
  env3["PWD"] = "/somewhere/else";  // session noise does not count
  EXPECT_EQ(environment_identity(kEnv), environment_identity(env3));
}

TEST(ShellMemo, ChangingAScriptTheCommandNamesMisses) {
  auto dir = scratch("memo-file");
  stdfs::path script = dir / "probe.sh";
  write_file_atomic(script, "echo one\n");
  CountingShell inner;
  {
    ShellMemo memo(inner, dir / "memo", kEnv);
    memo.run(script.string() + " --flag");
    memo.save();
  }
  write_file_atomic(script, "echo two, longer\n");
  ShellMemo memo(inner, dir / "memo", kEnv);
  memo.run(script.string() + " --flag");
  EXPECT_EQ(inner.runs, 2);
  stdfs::remove_all(dir);
}

TEST(ShellMemo, ADamagedMemoFileIsIgnored) {
  auto dir = scratch("memo-bad");
  CountingShell inner;
  ShellMemo first(inner, dir, kEnv);
  write_file_atomic(first.file(), "{not json");
  EXPECT_EQ(first.run("x"), "out:x");
  first.save();
  ShellMemo second(inner, dir, kEnv);
  EXPECT_EQ(second.run("x"), "out:x");
  EXPECT_EQ(inner.runs, 1);
  stdfs::remove_all(dir);
}

}  // namespace
}  // namespace tailor::kconfig
