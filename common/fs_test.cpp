#include "common/fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.h"

namespace tailor {
namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("tailor-fs-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(WriteFileAtomic, ReplacesContentAndLeavesNoTemporaryFiles) {
  fs::path dir = fresh_dir("atomic");
  write_file_atomic(dir / "out.txt", "first");
  write_file_atomic(dir / "out.txt", "second");
  EXPECT_EQ(read_file(dir / "out.txt"), "second");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1);
  fs::remove_all(dir);
}

TEST(ReadFile, MissingFileIsAnErrorNamingThePath) {
  try {
    read_file("/nonexistent/tailor/file");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tailor/file"), std::string::npos);
  }
}

TEST(TempDir, VanishesUnlessCommitted) {
  fs::path dir = fresh_dir("tempdir");
  fs::path temp_path;
  {
    TempDir t(dir / "final");
    temp_path = t.path();
    write_file_atomic(t.path() / "x", "x");
    EXPECT_TRUE(is_temp_name(t.path().filename().string()));
  }
  EXPECT_FALSE(fs::exists(temp_path));
  EXPECT_FALSE(fs::exists(dir / "final"));
  {
    TempDir t(dir / "final");
    write_file_atomic(t.path() / "x", "y");
    EXPECT_TRUE(t.commit());
  }
  EXPECT_EQ(read_file(dir / "final" / "x"), "y");
  fs::remove_all(dir);
}

TEST(TempDir, LosingARaceKeepsTheWinnersDirectory) {
  fs::path dir = fresh_dir("race");
  TempDir a(dir / "final");
  TempDir b(dir / "final");
  write_file_atomic(a.path() / "who", "a");
  write_file_atomic(b.path() / "who", "b");
  EXPECT_TRUE(a.commit());
  EXPECT_FALSE(b.commit());
  EXPECT_EQ(read_file(dir / "final" / "who"), "a");
  EXPECT_FALSE(fs::exists(b.path()));
  fs::remove_all(dir);
}

// Leftovers of interrupted runs: a temporary name whose pid is gone is
// abandoned; one of a live process (this one), a name that is not a
// temporary one, or one without a readable pid is not.
TEST(AbandonedTemps, OnlyTemporaryNamesOfProcessesThatAreGone) {
  fs::path dir = fresh_dir("abandoned");
  const std::string self = std::to_string(::getpid());
  for (const char* name : {".a.tmp-999999999-0-1", ".tailor-qemu-1.tmp-999999998-3-4", "plain", ".b.tmp-x-0-1",
                           ".c.tmp--1-0-1"})
    fs::create_directories(dir / name);
  fs::create_directories(dir / (".live.tmp-" + self + "-0-1"));
  write_file_atomic(dir / "file-target", "x");  // its own temporary file is gone once written
  EXPECT_EQ(abandoned_temps(dir),
            (std::vector<fs::path>{dir / ".a.tmp-999999999-0-1", dir / ".tailor-qemu-1.tmp-999999998-3-4"}));
  EXPECT_EQ(abandoned_temps(dir, ".tailor-qemu-"), (std::vector<fs::path>{dir / ".tailor-qemu-1.tmp-999999998-3-4"}));
  EXPECT_TRUE(abandoned_temps(dir / "missing").empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tailor
