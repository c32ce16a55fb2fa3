// Kernel image recognition: well-formed bzImage/ELF headers, and each kind of
// malformed input ending in a clear error rather than a crash.
#include "runner/boot/kernel_image.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::x86 {
namespace {

using Bytes = std::vector<std::uint8_t>;

template <typename T>
void put(Bytes& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

// A minimal bzImage: 4 setup sectors + boot sector, then `payload` bytes.
Bytes fake_bzimage(std::size_t payload = 4096, std::uint16_t version = 0x020f) {
  Bytes b(5 * 512 + payload, 0);
  b[setup::kSetupSects] = 4;
  put<std::uint16_t>(b, setup::kBootFlag, 0xaa55);
  b[0x201] = 0x66;  // jump offset: header ends at 0x268
  put<std::uint32_t>(b, setup::kHeader, setup::kHdrS);
  put<std::uint16_t>(b, setup::kVersion, version);
  b[setup::kLoadflags] = setup::kLoadedHigh;
  put<std::uint32_t>(b, 0x1f4, static_cast<std::uint32_t>(payload / 16));  // syssize
  put<std::uint32_t>(b, setup::kInitrdAddrMax, 0x7fffffff);
  put<std::uint16_t>(b, setup::kXloadflags, setup::kXlfKernel64);
  put<std::uint32_t>(b, setup::kCmdlineSize, 2047);
  put<std::uint64_t>(b, setup::kPrefAddress, 0x1000000);
  put<std::uint32_t>(b, setup::kInitSize, 0x800000);
  put<std::uint16_t>(b, setup::kKernelVersion, 0x100);  // string at 0x300
  const char version_text[] = "6.1.0-test (tailor@tailor) #1";
  std::memcpy(b.data() + 0x300, version_text, sizeof version_text);
  return b;
}

// An ELF64 x86-64 executable with one PT_LOAD segment of `size` bytes at `paddr`.
Bytes fake_elf(std::uint64_t paddr = 0x1000000, std::uint64_t size = 0x100) {
  Bytes b(0x1000 + size, 0);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_entry = paddr;
  eh.e_phoff = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  std::memcpy(b.data(), &eh, sizeof eh);
  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = 0x1000;
  ph.p_vaddr = 0xffffffff81000000;
  ph.p_paddr = paddr;
  ph.p_filesz = size;
  ph.p_memsz = size * 2;  // with a .bss
  std::memcpy(b.data() + sizeof eh, &ph, sizeof ph);
  return b;
}

std::string error_of(const Bytes& b) {
  try {
    parse_kernel_image(b, "k");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), exit_codes::kBadImage);
    return e.what();
  }
  return "no error";
}

TEST(KernelImage, BzImageDescribesLoadAddressEntryAndFootprint) {
  const Bytes b = fake_bzimage();
  const KernelImage k = parse_kernel_image(b, "bzImage");
  EXPECT_EQ(k.format, KernelImage::Format::BzImage);
  ASSERT_EQ(k.segments.size(), 1u);
  EXPECT_EQ(k.segments[0].file_offset, 5u * 512);
  EXPECT_EQ(k.segments[0].file_size, 4096u);
  EXPECT_EQ(k.segments[0].gpa, 0x1000000u);
  EXPECT_EQ(k.entry, 0x1000200u);  // 64-bit entry: load address + 0x200
  EXPECT_EQ(k.footprint_end, 0x1000000u + 0x800000u);
  EXPECT_TRUE(k.has_64bit_entry);
  EXPECT_EQ(k.protocol_version, 0x020f);
  EXPECT_EQ(k.setup_header.size(), 0x268u - 0x1f1u);
  EXPECT_EQ(k.version, "6.1.0-test (tailor@tailor) #1");
  EXPECT_EQ(k.cmdline_size, 2047u);
}

TEST(KernelImage, ZeroSetupSectorsMeansFour) {
  Bytes b = fake_bzimage();
  b[setup::kSetupSects] = 0;
  EXPECT_EQ(parse_kernel_image(b, "k").segments[0].file_offset, 5u * 512);
}

TEST(KernelImage, OldProtocolHasNo64BitEntry) {
  const Bytes b = fake_bzimage(4096, 0x020a);
  EXPECT_FALSE(parse_kernel_image(b, "k").has_64bit_entry);
}

TEST(KernelImage, RejectsEmptyShortAndForeignFiles) {
  EXPECT_EQ(error_of({}), "k: is empty");
  EXPECT_NE(error_of(Bytes(100, 0x41)).find("too short to be a kernel"), std::string::npos);
  EXPECT_NE(error_of(Bytes(100000, 0x41)).find("not a kernel: neither a bzImage"), std::string::npos);
}

TEST(KernelImage, RejectsTruncatedBzImage) {
  Bytes b = fake_bzimage();
  b.resize(5 * 512 + 100);  // header says 4096 bytes of kernel follow
  EXPECT_NE(error_of(b).find("truncated: the header announces 4096 bytes"), std::string::npos);
  b.resize(0x300);  // cut inside the setup sectors
  EXPECT_NE(error_of(b).find("truncated"), std::string::npos);
}

TEST(KernelImage, RejectsBrokenBzImageHeaders) {
  Bytes b = fake_bzimage();
  put<std::uint16_t>(b, setup::kBootFlag, 0);
  EXPECT_NE(error_of(b).find("0xAA55"), std::string::npos);
  b = fake_bzimage(4096, 0x0204);
  EXPECT_NE(error_of(b).find("boot protocol 2.04 is too old"), std::string::npos);
  b = fake_bzimage();
  b[setup::kLoadflags] = 0;
  EXPECT_NE(error_of(b).find("zImage"), std::string::npos);
}

TEST(KernelImage, ElfSegmentsAndPhysicalEntry) {
  const KernelImage k = parse_kernel_image(fake_elf(), "vmlinux");
  EXPECT_EQ(k.format, KernelImage::Format::Elf);
  ASSERT_EQ(k.segments.size(), 1u);
  EXPECT_EQ(k.segments[0].gpa, 0x1000000u);
  EXPECT_EQ(k.segments[0].file_size, 0x100u);
  EXPECT_EQ(k.segments[0].mem_size, 0x200u);
  EXPECT_EQ(k.entry, 0x1000000u);
  EXPECT_EQ(k.footprint_end, 0x1000200u);
  EXPECT_TRUE(k.has_64bit_entry);
}

TEST(KernelImage, ElfVirtualEntryIsTranslated) {
  Bytes b = fake_elf();
  put<std::uint64_t>(b, offsetof(Elf64_Ehdr, e_entry), 0xffffffff81000010);
  EXPECT_EQ(parse_kernel_image(b, "k").entry, 0x1000010u);
}

TEST(KernelImage, RejectsMalformedElf) {
  Bytes b = fake_elf();
  b[EI_CLASS] = ELFCLASS32;
  EXPECT_NE(error_of(b).find("32-bit ELF"), std::string::npos);
  b = fake_elf();
  put<std::uint16_t>(b, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
  EXPECT_NE(error_of(b).find("not x86-64"), std::string::npos);
  b = fake_elf();
  put<std::uint16_t>(b, offsetof(Elf64_Ehdr, e_type), ET_DYN);
  EXPECT_NE(error_of(b).find("not an executable"), std::string::npos);
  b = fake_elf();
  b.resize(0x1000 + 0x10);  // segment data cut short
  EXPECT_NE(error_of(b).find("truncated: segment 0"), std::string::npos);
  b = fake_elf();
  put<std::uint64_t>(b, offsetof(Elf64_Ehdr, e_phoff), 0xfffffff0);  // program headers past the end
  EXPECT_NE(error_of(b).find("truncated: program header 0"), std::string::npos);
  b = fake_elf();
  put<std::uint64_t>(b, offsetof(Elf64_Ehdr, e_entry), 0x42);
  EXPECT_NE(error_of(b).find("entry point 0x42 is outside"), std::string::npos);
  b = fake_elf();
  b.resize(20);  // not even a whole ELF header
  EXPECT_NE(error_of(b).find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace tailor::runner::x86
