// bzImage and ELF recognition with every offset checked against the file size.
#include "runner/boot/kernel_image.h"

#include <elf.h>

#include <cstring>
#include <fmt/core.h>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::x86 {
namespace {

// Reads little-endian values at checked offsets; a read past the end is a
// "truncated" error naming the field.
class Bytes {
 public:
  Bytes(std::span<const std::uint8_t> data, std::string_view name) : data_(data), name_(name) {}
  std::size_t size() const { return data_.size(); }

  template <typename T>
  T get(std::uint64_t offset, std::string_view field) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T))
      fail(fmt::format("truncated: {} at offset {:#x} lies past the end of the file ({} bytes)", field, offset,
                       data_.size()));
    T v;
    std::memcpy(&v, data_.data() + offset, sizeof(T));
    return v;
  }
  bool has(std::uint64_t offset, std::uint64_t len) const {
    return offset <= data_.size() && data_.size() - offset >= len;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(fmt::format("{}: {}", name_, why), exit_codes::kBadImage);
  }
  std::span<const std::uint8_t> sub(std::uint64_t offset, std::uint64_t len) const {
    return data_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(len));
  }

 private:
  std::span<const std::uint8_t> data_;
  std::string_view name_;
};

bool looks_like_bzimage(const Bytes& b) {
  return b.has(setup::kHeader, 4) && b.get<std::uint32_t>(setup::kHeader, "header") == setup::kHdrS;
}

bool looks_like_elf(const Bytes& b) {
  return b.has(0, SELFMAG) && std::memcmp(b.sub(0, SELFMAG).data(), ELFMAG, SELFMAG) == 0;
}

KernelImage parse_bzimage(const Bytes& b) {
  KernelImage k;
  k.format = KernelImage::Format::BzImage;
  if (b.get<std::uint16_t>(setup::kBootFlag, "boot_flag") != 0xaa55)
    b.fail("has the \"HdrS\" signature but no 0xAA55 boot flag: not a valid bzImage");
  k.protocol_version = b.get<std::uint16_t>(setup::kVersion, "version");
  if (k.protocol_version < 0x0206)
    b.fail(fmt::format("boot protocol {}.{:02} is too old (need 2.06 or later)", k.protocol_version >> 8,
                       k.protocol_version & 0xff));
  const std::uint8_t loadflags = b.get<std::uint8_t>(setup::kLoadflags, "loadflags");
  if (!(loadflags & setup::kLoadedHigh)) b.fail("is a zImage (loaded low); only bzImage kernels are supported");

  // The setup header ends at 0x202 + the byte at 0x201 (the jump's offset).
  const std::size_t header_end = 0x202 + b.get<std::uint8_t>(0x201, "setup header length");
  if (!b.has(setup::kSetupSects, header_end - setup::kSetupSects)) b.fail("truncated inside the setup header");
  auto hdr = b.sub(setup::kSetupSects, header_end - setup::kSetupSects);
  k.setup_header.assign(hdr.begin(), hdr.end());

  std::uint32_t setup_sects = b.get<std::uint8_t>(setup::kSetupSects, "setup_sects");
  if (setup_sects == 0) setup_sects = 4;  // boot.rst: 0 means 4
  const std::uint64_t kernel_offset = (setup_sects + 1) * 512ull;
  if (kernel_offset >= b.size())
    b.fail(fmt::format("truncated: the protected-mode kernel should start at offset {:#x}, the file has {} bytes",
                       kernel_offset, b.size()));
  const std::uint64_t kernel_size = b.size() - kernel_offset;
  // syssize (16-byte units) says how long the protected-mode part is.
  const std::uint64_t syssize = b.get<std::uint32_t>(0x1f4, "syssize") * 16ull;
  if (syssize > kernel_size)
    b.fail(fmt::format("truncated: the header announces {} bytes of kernel after the setup, the file has {}", syssize,
                       kernel_size));

  k.has_64bit_entry =
      k.protocol_version >= 0x020c && (b.get<std::uint16_t>(setup::kXloadflags, "xloadflags") & setup::kXlfKernel64);
  const std::uint64_t load = k.protocol_version >= 0x020a ? b.get<std::uint64_t>(setup::kPrefAddress, "pref_address")
                                                          : 0x100000;
  std::uint64_t init_size = k.protocol_version >= 0x020a ? b.get<std::uint32_t>(setup::kInitSize, "init_size") : 0;
  init_size = std::max(init_size, kernel_size);
  k.segments.push_back({kernel_offset, kernel_size, load, kernel_size});
  k.entry = load + 0x200;
  k.footprint_end = load + init_size;
  k.cmdline_size = b.get<std::uint32_t>(setup::kCmdlineSize, "cmdline_size");
  k.initrd_addr_max = b.get<std::uint32_t>(setup::kInitrdAddrMax, "initrd_addr_max");

  return k;
}

KernelImage parse_elf(const Bytes& b) {
  KernelImage k;
  k.format = KernelImage::Format::Elf;
  if (b.get<std::uint8_t>(EI_CLASS, "e_ident[EI_CLASS]") != ELFCLASS64)
    b.fail("is a 32-bit ELF file; only 64-bit (ELFCLASS64) kernels are supported");
  if (b.get<std::uint8_t>(EI_DATA, "e_ident[EI_DATA]") != ELFDATA2LSB) b.fail("is a big-endian ELF file");
  const auto ehdr = b.get<Elf64_Ehdr>(0, "ELF header");
  if (ehdr.e_machine != EM_X86_64)
    b.fail(fmt::format("is an ELF file for machine {} , not x86-64 (62)", ehdr.e_machine));
  if (ehdr.e_type != ET_EXEC) b.fail("is an ELF file but not an executable (ET_EXEC); a kernel vmlinux is one");
  if (ehdr.e_phentsize != sizeof(Elf64_Phdr)) b.fail(fmt::format("has program headers of {} bytes", ehdr.e_phentsize));
  if (ehdr.e_phnum == 0) b.fail("has no program headers");
  for (std::uint16_t i = 0; i < ehdr.e_phnum; ++i) {
    const auto ph = b.get<Elf64_Phdr>(ehdr.e_phoff + i * sizeof(Elf64_Phdr), fmt::format("program header {}", i));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz) b.fail(fmt::format("program header {}: file size exceeds memory size", i));
    if (!b.has(ph.p_offset, ph.p_filesz))
      b.fail(fmt::format("truncated: segment {} ([{:#x}, +{:#x}) in the file) lies past the end ({} bytes)", i,
                         ph.p_offset, ph.p_filesz, b.size()));
    if (ph.p_paddr + ph.p_memsz < ph.p_paddr) b.fail(fmt::format("program header {}: address overflow", i));
    k.segments.push_back({ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz});
    k.footprint_end = std::max(k.footprint_end, ph.p_paddr + ph.p_memsz);
  }
  if (k.segments.empty()) b.fail("has no loadable (PT_LOAD) segments");
  // vmlinux's entry (phys_startup_64) is physical; accept a virtual one that
  // falls inside a segment's virtual range by translating it.
  k.entry = ehdr.e_entry;
  bool inside = false;
  for (const auto& s : k.segments) inside |= k.entry >= s.gpa && k.entry < s.gpa + s.mem_size;
  if (!inside) {
    for (std::uint16_t i = 0; i < ehdr.e_phnum && !inside; ++i) {
      const auto ph = b.get<Elf64_Phdr>(ehdr.e_phoff + i * sizeof(Elf64_Phdr), "program header");
      if (ph.p_type == PT_LOAD && ehdr.e_entry >= ph.p_vaddr && ehdr.e_entry < ph.p_vaddr + ph.p_memsz) {
        k.entry = ph.p_paddr + (ehdr.e_entry - ph.p_vaddr);
        inside = true;
      }
    }
  }
  if (!inside) b.fail(fmt::format("entry point {:#x} is outside every loadable segment", ehdr.e_entry));
  k.has_64bit_entry = true;
  k.cmdline_size = 2047;  // the x86-64 COMMAND_LINE_SIZE
  return k;
}

}  // namespace

KernelImage parse_kernel_image(std::span<const std::uint8_t> file, std::string_view name) {
  Bytes b(file, name);
  if (file.empty()) b.fail("is empty");
  if (looks_like_elf(b)) return parse_elf(b);
  if (looks_like_bzimage(b)) return parse_bzimage(b);
  if (file.size() < setup::kHeader + 4)
    b.fail(fmt::format("is too short to be a kernel ({} bytes) and has no ELF signature", file.size()));
  b.fail("is not a kernel: neither a bzImage (no \"HdrS\" signature at 0x202) nor an ELF file");
}

}  // namespace tailor::runner::x86
