// ElfFile: headers, dynamic entries, symbols, relocations of real compiler
// output (the analyzer's test programs and the image builder's small ELF
// fixtures), the identity of other architectures' files, and clear errors for
// malformed input.
#include "common/elf/elf_file.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/fs.h"

namespace tailor::elf {
namespace {

const std::string kBin = SYSCALL_TESTBIN;
const std::string kFixtures = ELF_FIXTURES;  // built by image-builder/CMakeLists.txt

bool has_symbol(const std::vector<Symbol>& table, const std::string& name, bool defined) {
  return std::any_of(table.begin(), table.end(),
                     [&](const Symbol& s) { return s.name == name && s.defined() == defined; });
}

TEST(ElfFile, DynamicGlibcProgramNamesItsInterpreterLibrariesAndImports) {
  auto elf = ElfFile::load(kBin + "/known_glibc");
  EXPECT_EQ(elf.kind(), FileKind::PieExecutable);
  ASSERT_TRUE(elf.interpreter());
  EXPECT_EQ(*elf.interpreter(), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(elf.needed(), std::vector<std::string>{"libc.so.6"});
  EXPECT_TRUE(has_symbol(elf.dynamic_symbols(), "epoll_create1", false));
  EXPECT_TRUE(has_symbol(elf.dynamic_symbols(), "socket", false));
  EXPECT_FALSE(elf.is_static());
  // Every import called through the PLT has a JUMP_SLOT or GLOB_DAT relocation naming it.
  auto named = [&](const std::string& n) {
    return std::any_of(elf.relocations().begin(), elf.relocations().end(),
                       [&](const Relocation& r) { return r.symbol_name == n; });
  };
  EXPECT_TRUE(named("epoll_create1"));
  EXPECT_TRUE(named("mq_open"));
}

TEST(ElfFile, StaticMuslProgramHasNoDynamicPartsButKeepsItsSymbols) {
  auto elf = ElfFile::load(kBin + "/known_musl");
  EXPECT_EQ(elf.kind(), FileKind::Executable);
  EXPECT_TRUE(elf.is_static());
  EXPECT_FALSE(elf.interpreter());
  EXPECT_TRUE(elf.needed().empty());
  EXPECT_TRUE(has_symbol(elf.static_symbols(), "main", true));
  EXPECT_TRUE(has_symbol(elf.static_symbols(), "never_called", true));
  EXPECT_TRUE(elf.is_code_address(elf.entry()));
}

TEST(ElfFile, SharedLibraryExportsAndSoname) {
  auto elf = ElfFile::load("/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(elf.kind(), FileKind::SharedLibrary);
  ASSERT_TRUE(elf.soname());
  EXPECT_EQ(*elf.soname(), "libc.so.6");
  auto exports = elf.find_exports("epoll_wait");
  ASSERT_FALSE(exports.empty());
  EXPECT_TRUE(exports.front()->is_function());
  EXPECT_TRUE(elf.find_exports("no_such_function_anywhere").empty());
}

TEST(ElfFile, InitArrayEntriesAreCodeAddresses) {
  auto elf = ElfFile::load(kBin + "/known_glibc");
  auto inits = elf.init_fini_functions();
  ASSERT_FALSE(inits.empty());
  for (auto a : inits) EXPECT_TRUE(elf.is_code_address(a)) << std::hex << a;
}

// Found by the elf fuzz target (tests/fuzz/regressions/elf/init-arraysz-2-to-the-56.elf):
// a DT_INIT_ARRAYSZ of 2^56 + 8 made init_fini_functions() walk 2^53 slots.
// The array cannot hold more pointers than the file has 8-byte words.
TEST(ElfFile, AnInitArraySizeFromTheFileIsBoundedByTheFile) {
  std::string bytes = read_file(kBin + "/known_glibc");
  const auto honest = ElfFile::parse(bytes, "known_glibc").init_fini_functions();
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(bytes.data());
  bool patched = false;
  for (int i = 0; i < eh->e_phnum && !patched; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes.data() + eh->e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_DYNAMIC) continue;
    for (std::uint64_t off = ph.p_offset; off + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz; off += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      std::memcpy(&d, bytes.data() + off, sizeof d);
      if (d.d_tag != DT_INIT_ARRAYSZ) continue;
      d.d_un.d_val = (std::uint64_t{1} << 56) + 8;
      std::memcpy(bytes.data() + off, &d, sizeof d);
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched) << "known_glibc has no DT_INIT_ARRAYSZ to damage";
  const auto inits = ElfFile::parse(bytes, "damaged").init_fini_functions();  // returns: that is the test
  for (auto a : honest) EXPECT_NE(std::find(inits.begin(), inits.end(), a), inits.end()) << std::hex << a;
  EXPECT_LE(inits.size(), bytes.size() / 8);
}

TEST(ElfFile, RejectsNonElfInput) {
  try {
    ElfFile::parse("#!/bin/sh\necho hi\n", "script.sh");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "script.sh: not an ELF file");
  }
}

TEST(ElfFile, RejectsOtherClassesAndMachines) {
  auto bytes = read_file(kBin + "/known_musl");
  auto as32 = bytes;
  as32[EI_CLASS] = ELFCLASS32;
  EXPECT_THROW(ElfFile::parse(as32, "x32"), Error);
  auto arm = bytes;
  arm[offsetof(Elf64_Ehdr, e_machine)] = char(EM_AARCH64);
  arm[offsetof(Elf64_Ehdr, e_machine) + 1] = 0;
  try {
    ElfFile::parse(arm, "arm");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not x86-64"), std::string::npos) << e.what();
  }
}

TEST(ElfFile, TruncatedFileIsAnErrorNotACrash) {
  auto bytes = read_file(kBin + "/known_glibc");
  for (size_t len : {size_t(20), size_t(64), size_t(200), bytes.size() / 2}) {
    try {
      ElfFile::parse(bytes.substr(0, len), "cut");
      ADD_FAILURE() << "no error for a file cut at " << len;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("cut: ", 0), 0u) << e.what();
    }
  }
}

TEST(ElfFile, CorruptSectionTableIsAnError) {
  auto bytes = read_file(kBin + "/known_glibc");
  auto eh = reinterpret_cast<Elf64_Ehdr*>(bytes.data());
  eh->e_shoff = bytes.size() - 10;  // section headers past the end
  EXPECT_THROW(ElfFile::parse(bytes, "corrupt"), Error);
}

TEST(ElfFile, RpathAndRunpathAreReadAsWritten) {
  auto app = ElfFile::load(kFixtures + "/bin/app_rpath", ParseDepth::Linking);
  EXPECT_EQ(*app.interpreter(), "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(app.needed(), (std::vector<std::string>{"libtailor_a.so.1", "libc.so.6"}));
  EXPECT_EQ(app.rpath(), std::vector<std::string>{"$ORIGIN/../lib"});
  EXPECT_TRUE(app.runpath().empty());

  auto app2 = ElfFile::load(kFixtures + "/bin/app_runpath", ParseDepth::Linking);
  EXPECT_EQ(app2.runpath(), std::vector<std::string>{"$ORIGIN/../lib"});
  EXPECT_TRUE(app2.rpath().empty());
}

TEST(ElfFile, ALibraryNamesItselfAndWhatItNeeds) {
  auto a = ElfFile::load(kFixtures + "/lib/libtailor_a.so.1", ParseDepth::Linking);
  EXPECT_EQ(a.kind(), FileKind::SharedLibrary);
  ASSERT_TRUE(a.soname());
  EXPECT_EQ(*a.soname(), "libtailor_a.so.1");
  EXPECT_FALSE(a.interpreter());
  EXPECT_NE(std::find(a.needed().begin(), a.needed().end(), "libtailor_b.so.1"), a.needed().end());
}

TEST(ElfFile, ADynamicMuslProgramNeedsMuslsLoaderAndLibc) {
  auto d = ElfFile::load(kFixtures + "/bin/hello_musl_dynamic", ParseDepth::Linking);
  EXPECT_EQ(*d.interpreter(), "/lib/ld-musl-x86_64.so.1");
  EXPECT_EQ(d.needed(), std::vector<std::string>{"libc.so"});
}

TEST(ElfFile, LinkingDepthReadsTheSameDynamicFactsWithoutSymbols) {
  auto full = ElfFile::load(kBin + "/known_glibc");
  auto linking = ElfFile::load(kBin + "/known_glibc", "/usr/bin/known", ParseDepth::Linking);
  EXPECT_EQ(linking.name(), "/usr/bin/known");
  EXPECT_EQ(linking.interpreter(), full.interpreter());
  EXPECT_EQ(linking.needed(), full.needed());
  EXPECT_EQ(linking.kind(), full.kind());
  EXPECT_TRUE(linking.sections().empty());
  EXPECT_TRUE(linking.dynamic_symbols().empty());
}

TEST(ElfIdentity, NamesOtherArchitecturesWithoutParsingThem) {
  // A real static executable's header relabelled as 32-bit i386: e_type and
  // e_machine sit at the same offsets in both classes.
  auto head = read_head(kBin + "/known_musl", sizeof(Elf32_Ehdr));
  head[EI_CLASS] = ELFCLASS32;
  head[offsetof(Elf32_Ehdr, e_machine)] = char(EM_386);
  auto id = identify(head, "i386");
  EXPECT_FALSE(id.is_x86_64());
  EXPECT_EQ(id.type, ET_EXEC);
  EXPECT_EQ(id.describe(), "ELF 32-bit LSB i386");

  auto x86 = read_identity(kBin + "/known_musl", "known_musl");
  EXPECT_TRUE(x86.is_x86_64());
  EXPECT_EQ(x86.describe(), "ELF 64-bit LSB x86-64");
  EXPECT_TRUE(is_x86_64_elf(kBin + "/known_musl"));
  EXPECT_FALSE(is_x86_64_elf(kBin + "/no-such-file"));
}

TEST(ElfIdentity, NonElfAndTruncatedInputAreErrorsNamingTheFile) {
  auto bytes = read_file(kFixtures + "/bin/app_rpath");
  EXPECT_TRUE(has_elf_magic(bytes));
  EXPECT_FALSE(has_elf_magic("#!/b"));
  EXPECT_EQ(read_head(kFixtures + "/bin/app_rpath", 4), bytes.substr(0, 4));
  try {
    identify("#!/bin/sh\necho hi\n", "/run.sh");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/run.sh: not an ELF file");
  }
  // Cut inside the program headers: the message says which part is missing.
  try {
    ElfFile::parse(bytes.substr(0, 100), "/usr/bin/trunc", ParseDepth::Linking);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/usr/bin/trunc: truncated or malformed: cannot read the program headers (", 0),
              0u)
        << e.what();
  }
}

}  // namespace
}  // namespace tailor::elf
