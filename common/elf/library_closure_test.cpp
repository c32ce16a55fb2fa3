// library_closure: the loader's search order, over the host and over a staged image.
#include "common/elf/library_closure.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::elf {
namespace {

const std::string kBin = SYSCALL_TESTBIN;

std::vector<std::string> image_paths(const std::vector<LoadedObject>& c) {
  std::vector<std::string> out;
  for (const auto& o : c) out.push_back(o.image_path);
  return out;
}

TEST(LibraryClosure, DynamicProgramGetsLibcThenItsInterpreter) {
  auto closure = library_closure(kBin + "/known_glibc", host_path_map());
  ASSERT_EQ(closure.size(), 3u) << ::testing::PrintToString(image_paths(closure));
  EXPECT_EQ(closure[0].image_path, kBin + "/known_glibc");
  EXPECT_EQ(closure[1].image_path, "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(closure[1].needed_as, "libc.so.6");
  EXPECT_EQ(closure[1].needed_by, kBin + "/known_glibc");
  EXPECT_TRUE(closure[2].interpreter);
  EXPECT_EQ(closure[2].image_path, "/lib64/ld-linux-x86-64.so.2");
}

TEST(LibraryClosure, StaticProgramIsAlone) {
  auto closure = library_closure(kBin + "/known_musl", host_path_map());
  EXPECT_EQ(image_paths(closure), std::vector<std::string>{kBin + "/known_musl"});
}

TEST(LibraryClosure, StagedFilesWinOverTheHost) {
  auto root = std::filesystem::temp_directory_path() / ("tailor-closure-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "app");
  std::filesystem::copy_file(kBin + "/known_glibc", root / "app/prog");
  std::filesystem::create_directories(root / "lib/x86_64-linux-gnu");
  std::filesystem::copy_file("/lib/x86_64-linux-gnu/libc.so.6", root / "lib/x86_64-linux-gnu/libc.so.6");
  auto closure = library_closure("/app/prog", rooted_path_map(root));
  ASSERT_GE(closure.size(), 2u);
  EXPECT_EQ(closure[0].host_path, root / "app/prog");
  EXPECT_EQ(closure[1].host_path, root / "lib/x86_64-linux-gnu/libc.so.6");
  std::filesystem::remove_all(root);
}

TEST(LibraryClosure, MissingLibraryNamesItAndWhoNeedsIt) {
  // An image that has the program but nothing else (and no host fallback).
  PathMap only_program = [&](const std::string& p) -> std::optional<std::filesystem::path> {
    if (p == "/prog") return std::filesystem::path(kBin + "/known_glibc");
    return std::nullopt;
  };
  try {
    library_closure("/prog", only_program);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "library libc.so.6 needed by /prog is not in the image");
  }
}

TEST(LibraryClosure, LibcNeedsTheLoaderOnlyWhereThePathInterpreterPutsIt) {
  // An image like the builder makes: the interpreter only at its PT_INTERP
  // path (/lib64), not in the multiarch directory libc.so.6 is in.
  PathMap image = [&](const std::string& p) -> std::optional<std::filesystem::path> {
    if (p == "/prog") return std::filesystem::path(kBin + "/known_glibc");
    if (p == "/lib/x86_64-linux-gnu/libc.so.6" || p == "/lib64/ld-linux-x86-64.so.2") return std::filesystem::path(p);
    return std::nullopt;
  };
  EXPECT_EQ(image_paths(library_closure("/prog", image)),
            (std::vector<std::string>{"/prog", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}));
}

TEST(LibraryClosure, MissingProgramIsAnError) {
  EXPECT_THROW(library_closure("/no/such/program", host_path_map()), Error);
}

}  // namespace
}  // namespace tailor::elf
