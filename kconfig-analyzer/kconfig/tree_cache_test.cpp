// The parsed-tree cache on a small kernel-like tree on disk: a second load
// comes from the cache with the same result; any input that changes (a
// Kconfig file, a file that appears, a script a $(shell,...) runs, an
// environment variable the tree reads) means a fresh parse; a damaged or
// foreign cache file is ignored, gives the right result and is rewritten.
#include "kconfig-analyzer/kconfig/tree_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "common/fs.h"
#include "kconfig-analyzer/kconfig/kconfig.h"

namespace tailor::kconfig {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* kVar = "TAILOR_KC_TREE_CACHE_TEST";  // TAILOR_*: not part of the environment's identity

class TreeCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = stdfs::temp_directory_path() / ("tailor-kc-tree-cache-" + std::to_string(::getpid()));
    stdfs::remove_all(root_);
    src_ = root_ / "linux";
    stdfs::create_directories(src_ / "sub");
    write("Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\nEXTRAVERSION =\n");
    write("Kconfig",
          "mainmenu \"Test\"\n"
          "config A\n\tbool \"a\"\n\tdefault y\n"
          "source \"sub/Kconfig\"\n"
          "osource \"opt/Kconfig\"\n"
          "config FROM_SHELL\n\tstring\n\tdefault \"$(shell,sh $(srctree)/probe.sh)\"\n"
          "config FROM_ENV\n\tstring\n\tdefault \"$(" + std::string(kVar) + ")\"\n");
    write("sub/Kconfig", "config B\n\tbool \"b\"\n\tdefault A\n");
    write("probe.sh", "echo one\n");
    ::unsetenv(kVar);
  }
  void TearDown() override {
    ::unsetenv(kVar);
    stdfs::remove_all(root_);
  }

  // Rewrites a file so that its identity changes even within one clock tick.
  void write(const std::string& name, const std::string& text) {
    stdfs::path p = src_ / name;
    stdfs::remove(p);
    write_file_atomic(p, text);
  }

  std::shared_ptr<const Tree> load() {
    TreeOptions o;
    o.srctree = src_;
    o.arch = "x86_64";
    o.shell_cache_dir = root_ / "cache/kconfig-shell";
    o.tree_cache_dir = root_ / "cache/kconfig-tree";
    return Tree::load(o);
  }

  // The only entry in the cache directory.
  stdfs::path entry() {
    std::vector<stdfs::path> files;
    for (const auto& f : stdfs::directory_iterator(root_ / "cache/kconfig-tree")) files.push_back(f.path());
    EXPECT_EQ(files.size(), 1u);
    return files.empty() ? stdfs::path() : files.front();
  }

  // A load after a change: the tree must have been parsed, not loaded.
  std::shared_ptr<const Tree> reparsed() {
    auto t = load();
    EXPECT_FALSE(t->stats().from_tree_cache);
    return t;
  }

  static std::string config(const std::shared_ptr<const Tree>& t) {
    return Config::run(t, Mode::AllDefConfig).dotconfig();
  }

  stdfs::path root_, src_;
};

TEST_F(TreeCacheTest, ASecondLoadComesFromTheCache) {
  auto first = load();
  EXPECT_FALSE(first->stats().from_tree_cache);
  auto second = load();
  EXPECT_TRUE(second->stats().from_tree_cache);
  EXPECT_EQ(config(second), config(first));
  EXPECT_NE(config(second).find("CONFIG_FROM_SHELL=\"one\""), std::string::npos);
  EXPECT_EQ(second->env().vars.at("CC_VERSION_TEXT"), first->env().vars.at("CC_VERSION_TEXT"));
  EXPECT_EQ(second->warnings(), first->warnings());
  EXPECT_EQ(second->stats().files, first->stats().files);
}

TEST_F(TreeCacheTest, AChangedKconfigFileIsParsedAgain) {
  load();
  write("sub/Kconfig", "config B\n\tbool \"b\"\n\tdefault n\n");
  auto t = reparsed();
  EXPECT_NE(config(t).find("# CONFIG_B is not set"), std::string::npos);
  EXPECT_TRUE(load()->stats().from_tree_cache);
}

TEST_F(TreeCacheTest, AFileThatAppearsIsParsedAgain) {
  load();
  stdfs::create_directories(src_ / "opt");
  write("opt/Kconfig", "config C\n\tbool \"c\"\n\tdefault y\n");
  auto t = reparsed();
  EXPECT_TRUE(t->find("C").has_value());
}

TEST_F(TreeCacheTest, AChangedScriptOfAShellCommandIsParsedAgain) {
  load();
  write("probe.sh", "echo two\n");
  auto t = reparsed();
  EXPECT_NE(config(t).find("CONFIG_FROM_SHELL=\"two\""), std::string::npos);
}

TEST_F(TreeCacheTest, AnEnvironmentVariableTheTreeReadsCounts) {
  load();
  EXPECT_TRUE(load()->stats().from_tree_cache);
  ::setenv(kVar, "set now", 1);
  auto t = reparsed();
  EXPECT_NE(config(t).find("CONFIG_FROM_ENV=\"set now\""), std::string::npos);
  EXPECT_TRUE(load()->stats().from_tree_cache);
  ::setenv(kVar, "changed", 1);
  reparsed();
  ::unsetenv(kVar);
  auto unset = reparsed();
  EXPECT_NE(config(unset).find("CONFIG_FROM_ENV=\"\""), std::string::npos);
}

TEST_F(TreeCacheTest, ADamagedOrForeignEntryIsIgnoredAndRewritten) {
  std::string want = config(load());
  stdfs::path file = entry();
  std::string good = read_file(file);

  // Another tree's entry, under this tree's name.
  stdfs::path other = root_ / "other";
  stdfs::create_directories(other);
  write_file_atomic(other / "Makefile", "VERSION = 6\nPATCHLEVEL = 1\n");
  write_file_atomic(other / "Kconfig", "config OTHER\n\tbool \"o\"\n");
  TreeOptions o;
  o.srctree = other;
  o.arch = "x86_64";
  o.shell_cache_dir = root_ / "other-cache/kconfig-shell";
  o.tree_cache_dir = root_ / "other-cache/kconfig-tree";
  Tree::load(o);
  std::string foreign;
  for (const auto& f : stdfs::directory_iterator(root_ / "other-cache/kconfig-tree")) foreign = read_file(f.path());
  ASSERT_FALSE(foreign.empty());

  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x20;
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"empty", ""},
      {"truncated to its header", good.substr(0, 84)},
      {"truncated by half", good.substr(0, good.size() / 2)},
      {"one byte short", good.substr(0, good.size() - 1)},
      {"one byte more", good + "x"},
      {"a byte changed", flipped},
      {"another magic", bad_magic},
      {"garbage", std::string(4096, '\x5a')},
      {"another tree's entry", foreign},
  };
  for (const auto& [what, bytes] : damaged) {
    SCOPED_TRACE(what);
    write_file_atomic(file, bytes);
    EXPECT_EQ(config(reparsed()), want);
    // The entry was written again, whole.
    auto again = load();
    EXPECT_TRUE(again->stats().from_tree_cache);
    EXPECT_EQ(config(again), want);
  }
}

TEST_F(TreeCacheTest, EveryTruncatedEntryIsRejected) {
  load();
  std::string good = read_file(entry());
  EnvOptions eo;
  eo.srctree = src_;
  eo.arch = "x86_64";
  KbuildEnv env = kbuild_environment(eo);
  TreeCache cache(root_ / "cache/kconfig-tree", env);
  ASSERT_EQ(cache.file(), entry());
  ASSERT_TRUE(decode_tree_entry(good, cache.key(), env.vars).has_value());
  EXPECT_FALSE(decode_tree_entry(good, cache.key() + "x", env.vars).has_value());
  for (size_t len = 0; len < good.size(); len += 1 + len / 64)
    EXPECT_FALSE(decode_tree_entry(std::string_view(good).substr(0, len), cache.key(), env.vars).has_value()) << len;
}

TEST(TreeCacheEngine, TheEngineIdentityIsTheBuildId) {
  // The toolchain here links with --build-id; without one it would be the
  // executable's file identity.
  EXPECT_EQ(engine_identity().rfind("build-id:", 0), 0u) << engine_identity();
  EXPECT_EQ(engine_identity(), engine_identity());
}

}  // namespace
}  // namespace tailor::kconfig
