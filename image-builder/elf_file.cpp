// ELF header, program header and dynamic section parsing with bounds checks on
// every read: files come from packages and images we do not control.
#include "image-builder/elf_file.h"

#include <elf.h>

#include <cstring>
#include <fstream>

#include "common/error.h"

namespace tailor {
namespace {

// A file read with explicit offsets; every read is checked against its size.
class ElfBytes {
 public:
  ElfBytes(const std::filesystem::path& file, const std::string& name) : name_(name), in_(file, std::ios::binary) {
    if (!in_) throw Error(name + ": cannot open " + file.string());
    in_.seekg(0, std::ios::end);
    size_ = static_cast<std::uint64_t>(in_.tellg());
  }

  std::uint64_t size() const { return size_; }

  std::string read(std::uint64_t offset, std::uint64_t length, const char* what) {
    if (offset > size_ || length > size_ - offset)
      throw Error(name_ + ": malformed ELF file: cannot read " + what + " (" + std::to_string(length) +
                  " bytes at offset " + std::to_string(offset) + "; the file has " + std::to_string(size_) + ")");
    std::string buf(length, '\0');
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(buf.data(), static_cast<std::streamsize>(length));
    if (!in_) throw Error(name_ + ": read error in " + what);
    return buf;
  }

  template <typename T>
  T get(std::uint64_t offset, const char* what) {
    std::string b = read(offset, sizeof(T), what);
    T v;
    std::memcpy(&v, b.data(), sizeof(T));
    return v;
  }

 private:
  std::string name_;
  std::ifstream in_;
  std::uint64_t size_ = 0;
};

std::vector<std::string> split_path_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t colon = s.find(':', start);
    std::string part = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!part.empty()) out.push_back(part);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

// A NUL-terminated string at `offset` within [table, table + table_size).
std::string string_at(const std::string& table, std::uint64_t offset, const std::string& name) {
  if (offset >= table.size()) throw Error(name + ": malformed ELF file: string offset outside the string table");
  size_t end = table.find('\0', offset);
  if (end == std::string::npos) throw Error(name + ": malformed ELF file: unterminated string in the string table");
  return table.substr(offset, end - offset);
}

// 64-bit little-endian: the only kind we run, so the only kind whose dynamic
// section we read.
void read_elf64(ElfBytes& f, ElfInfo& info, const std::string& name) {
  auto eh = f.get<Elf64_Ehdr>(0, "the ELF header");
  info.type = eh.e_type;
  info.machine = eh.e_machine;
  if (eh.e_phnum == 0) return;
  if (eh.e_phentsize != sizeof(Elf64_Phdr))
    throw Error(name + ": malformed ELF file: program header size " + std::to_string(eh.e_phentsize));
  std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
  std::string raw = f.read(eh.e_phoff, std::uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr), "the program headers");
  std::memcpy(phdrs.data(), raw.data(), raw.size());

  const Elf64_Phdr* dynamic = nullptr;
  for (const auto& ph : phdrs) {
    if (ph.p_type == PT_INTERP) {
      std::string s = f.read(ph.p_offset, ph.p_filesz, "PT_INTERP");
      info.interpreter = s.substr(0, s.find('\0'));
      if (info.interpreter.empty()) throw Error(name + ": malformed ELF file: empty PT_INTERP");
    } else if (ph.p_type == PT_DYNAMIC) {
      dynamic = &ph;
    }
  }
  if (!dynamic) return;

  const size_t count = dynamic->p_filesz / sizeof(Elf64_Dyn);
  std::string dyn_raw = f.read(dynamic->p_offset, count * sizeof(Elf64_Dyn), "the dynamic section");
  std::vector<Elf64_Dyn> dyn(count);
  std::memcpy(dyn.data(), dyn_raw.data(), dyn_raw.size());

  std::uint64_t strtab_addr = 0, strtab_size = 0;
  bool have_strtab = false;
  for (const auto& d : dyn) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_STRTAB) strtab_addr = d.d_un.d_ptr, have_strtab = true;
    if (d.d_tag == DT_STRSZ) strtab_size = d.d_un.d_val;
  }
  if (!have_strtab) return;
  // DT_STRTAB is an address: find the loadable segment holding it.
  std::uint64_t strtab_offset = 0;
  bool mapped = false;
  for (const auto& ph : phdrs) {
    if (ph.p_type == PT_LOAD && strtab_addr >= ph.p_vaddr && strtab_addr < ph.p_vaddr + ph.p_filesz) {
      strtab_offset = strtab_addr - ph.p_vaddr + ph.p_offset;
      mapped = true;
      break;
    }
  }
  if (!mapped) throw Error(name + ": malformed ELF file: DT_STRTAB is not inside a loadable segment");
  const std::string strtab = f.read(strtab_offset, strtab_size, "the dynamic string table");

  for (const auto& d : dyn) {
    if (d.d_tag == DT_NULL) break;
    switch (d.d_tag) {
      case DT_NEEDED: info.needed.push_back(string_at(strtab, d.d_un.d_val, name)); break;
      case DT_RPATH: info.rpath = split_path_list(string_at(strtab, d.d_un.d_val, name)); break;
      case DT_RUNPATH: info.runpath = split_path_list(string_at(strtab, d.d_un.d_val, name)); break;
      case DT_SONAME: info.soname = string_at(strtab, d.d_un.d_val, name); break;
      default: break;
    }
  }
}

}  // namespace

std::string ElfInfo::describe() const {
  std::string s = std::string("ELF ") + (is_64 ? "64-bit " : "32-bit ") + (little_endian ? "LSB " : "MSB ");
  switch (machine) {
    case EM_X86_64: return s + "x86-64";
    case EM_386: return s + "i386";
    case EM_AARCH64: return s + "aarch64";
    case EM_ARM: return s + "arm";
    case EM_RISCV: return s + "riscv";
    default: return s + "machine " + std::to_string(machine);
  }
}

bool has_elf_magic(std::string_view head) { return head.size() >= 4 && head.substr(0, 4) == std::string_view(ELFMAG, 4); }

std::string read_head(const std::filesystem::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file.string());
  std::string buf(n, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<size_t>(in.gcount()));
  return buf;
}

ElfInfo read_elf(const std::filesystem::path& file, const std::string& name) {
  ElfBytes f(file, name);
  std::string ident = f.size() >= EI_NIDENT ? f.read(0, EI_NIDENT, "the ELF identification") : std::string();
  if (!has_elf_magic(ident)) throw Error(name + ": not an ELF file");
  ElfInfo info;
  info.is_64 = ident[EI_CLASS] == ELFCLASS64;
  info.little_endian = ident[EI_DATA] == ELFDATA2LSB;
  if (ident[EI_CLASS] != ELFCLASS64 && ident[EI_CLASS] != ELFCLASS32)
    throw Error(name + ": malformed ELF file: unknown class " + std::to_string(int(ident[EI_CLASS])));
  if (info.is_64 && info.little_endian) {
    read_elf64(f, info, name);
  } else if (info.little_endian) {
    // 32-bit: we only report what it is (the guests run x86_64 programs).
    auto eh = f.get<Elf32_Ehdr>(0, "the ELF header");
    info.type = eh.e_type;
    info.machine = eh.e_machine;
  }
  return info;
}

}  // namespace tailor
