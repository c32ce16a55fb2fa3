// ELF reading on binaries the test build makes (see image-builder/CMakeLists.txt)
// and on broken files.
#include "image-builder/elf_file.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "common/fs.h"
#include "image-builder/test_support.h"

namespace tailor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::filesystem::path fixtures() {
  const char* b = std::getenv("TAILOR_BUILD_DIR");
  return std::filesystem::path(b ? b : "build") / "tests" / "elf-fixtures";
}

TEST(ElfFile, ReadsInterpreterNeededAndRpath) {
  ElfInfo app = read_elf(fixtures() / "bin" / "app_rpath", "app_rpath");
  EXPECT_TRUE(app.is_x86_64());
  EXPECT_EQ(app.interpreter, "/lib64/ld-linux-x86-64.so.2");
  EXPECT_THAT(app.needed, ElementsAre("libtailor_a.so.1", "libc.so.6"));
  EXPECT_THAT(app.rpath, ElementsAre("$ORIGIN/../lib"));
  EXPECT_TRUE(app.runpath.empty());

  ElfInfo app2 = read_elf(fixtures() / "bin" / "app_runpath", "app_runpath");
  EXPECT_THAT(app2.runpath, ElementsAre("$ORIGIN/../lib"));
  EXPECT_TRUE(app2.rpath.empty());
}

TEST(ElfFile, ReadsSonameOfALibrary) {
  ElfInfo a = read_elf(fixtures() / "lib" / "libtailor_a.so.1", "liba");
  EXPECT_EQ(a.soname, "libtailor_a.so.1");
  EXPECT_TRUE(a.interpreter.empty());
  EXPECT_THAT(a.needed, ::testing::Contains("libtailor_b.so.1"));
}

TEST(ElfFile, AStaticMuslProgramNeedsNothing) {
  ElfInfo s = read_elf(fixtures() / "bin" / "hello_musl_static", "static");
  EXPECT_TRUE(s.is_x86_64());
  EXPECT_TRUE(s.interpreter.empty());
  EXPECT_TRUE(s.needed.empty());
  ElfInfo d = read_elf(fixtures() / "bin" / "hello_musl_dynamic", "dynamic");
  EXPECT_EQ(d.interpreter, "/lib/ld-musl-x86_64.so.1");
  EXPECT_THAT(d.needed, ElementsAre("libc.so"));
}

TEST(ElfFile, RecognizesOtherArchitectures) {
  auto dir = testing_support::scratch_dir("elf-i386");
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, 4);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_386;
  write_file_atomic(dir / "i386", std::string(reinterpret_cast<const char*>(&eh), sizeof eh));
  ElfInfo info = read_elf(dir / "i386", "i386");
  EXPECT_FALSE(info.is_x86_64());
  EXPECT_EQ(info.describe(), "ELF 32-bit LSB i386");
}

TEST(ElfFile, TruncatedAndNonElfFilesAreErrorsNamingTheFile) {
  auto dir = testing_support::scratch_dir("elf-bad");
  std::string bytes = read_file(fixtures() / "bin" / "app_rpath");
  write_file_atomic(dir / "truncated", bytes.substr(0, 100));
  write_file_atomic(dir / "script", "#!/bin/sh\necho hi\n");
  EXPECT_THAT([&] { read_elf(dir / "truncated", "/usr/bin/trunc"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("/usr/bin/trunc: malformed ELF file: cannot read the program headers (728 bytes at offset 64; the file has 100)")));
  EXPECT_THAT([&] { read_elf(dir / "script", "/run.sh"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("/run.sh: not an ELF file")));
  EXPECT_TRUE(has_elf_magic(bytes));
  EXPECT_FALSE(has_elf_magic("#!/b"));
}

}  // namespace
}  // namespace tailor
