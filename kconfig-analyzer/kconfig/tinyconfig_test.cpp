// make tinyconfig on a small kernel-like tree on disk.
#include "kconfig-analyzer/kconfig/tinyconfig.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/fs.h"
#include "kconfig-analyzer/kconfig/test_support.h"

namespace tailor::kconfig {
namespace {

namespace stdfs = std::filesystem;

class TinyconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("tailor-kc-tinyconfig-" + std::to_string(::getpid()));
    stdfs::remove_all(root_);
    write("Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\nEXTRAVERSION =\n");
    write("Kconfig",
          "mainmenu \"Test\"\n"
          "config EXPERT\n\tbool \"expert\"\n"
          "config EMBEDDED\n\tbool \"embedded\"\n\tselect EXPERT\n"
          "config SMALL\n\tbool \"small\"\n\tdefault y\n"
          "config ARCH_TINY\n\tbool \"arch tiny\"\n");
  }
  void TearDown() override { stdfs::remove_all(root_); }

  void write(const std::string& name, const std::string& text) { write_file_atomic(root_ / "linux" / name, text); }

  std::shared_ptr<const Tree> load() {
    TreeOptions o;
    o.srctree = root_ / "linux";
    o.arch = "x86_64";
    return Tree::load(o);
  }

  stdfs::path root_;
};

TEST_F(TinyconfigTest, IsAllnoconfigWithTheBaseThenTheTinyFragmentsMergedIn) {
  write("kernel/configs/tiny-base.config", "CONFIG_EMBEDDED=y\n");
  write("kernel/configs/tiny.config", "# CONFIG_SMALL is not set\n");
  write("arch/x86/configs/tiny.config", "CONFIG_ARCH_TINY=y\n");
  ModeResult r = tinyconfig(*load());
  EXPECT_EQ(testing::body(r.output),
            "CONFIG_EXPERT=y\nCONFIG_EMBEDDED=y\n# CONFIG_SMALL is not set\nCONFIG_ARCH_TINY=y\n");
}

TEST_F(TinyconfigTest, AFragmentLineConfCannotUseIsWarnedAbout) {
  write("kernel/configs/tiny.config", "CONFIG_NO_SUCH_SYMBOL=y\n");
  ModeResult r = tinyconfig(*load());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("NO_SUCH_SYMBOL"), std::string::npos) << r.warnings[0];
}

TEST_F(TinyconfigTest, ATreeWithoutTinyFragmentsIsAnErrorNamingIt) {
  auto tree = load();
  EXPECT_NE(testing::error_of([&] { tinyconfig(*tree); }).find("no tiny.config fragments"), std::string::npos);
}

}  // namespace
}  // namespace tailor::kconfig
