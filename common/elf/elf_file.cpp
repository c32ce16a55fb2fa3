// Parsing of x86-64 ELF files over checked byte views (see elf_file.h).
#include "common/elf/elf_file.h"

#include <elf.h>

#include <algorithm>
#include <fstream>

#include "common/fs.h"

namespace tailor::elf {

bool Section::executable() const { return flags & SHF_EXECINSTR; }
bool Section::allocated() const { return flags & SHF_ALLOC; }
bool Section::writable() const { return flags & SHF_WRITE; }

bool Symbol::defined() const { return shndx != SHN_UNDEF; }
bool Symbol::is_function() const { return type == STT_FUNC || type == STT_GNU_IFUNC; }
bool Symbol::is_object() const { return type == STT_OBJECT || type == STT_TLS; }

namespace {

std::vector<std::string> split_paths(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(':', start);
    if (end == std::string_view::npos) end = list.size();
    if (end > start) out.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

bool ElfIdentity::is_x86_64() const { return is_64 && little_endian && machine == EM_X86_64; }

std::string ElfIdentity::describe() const {
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

bool has_elf_magic(std::string_view head) {
  return head.size() >= SELFMAG && head.substr(0, SELFMAG) == std::string_view(ELFMAG, SELFMAG);
}

std::string read_head(const std::filesystem::path& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::string buf(n, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<size_t>(in.gcount()));
  return buf;
}

ElfIdentity identify(std::string_view head, const std::string& name) {
  if (head.size() < EI_NIDENT || !has_elf_magic(head)) throw Error(name + ": not an ELF file");
  ElfIdentity id;
  const auto cls = static_cast<unsigned char>(head[EI_CLASS]);
  if (cls != ELFCLASS64 && cls != ELFCLASS32)
    throw Error(name + ": malformed ELF file: unknown class " + std::to_string(int(cls)));
  id.is_64 = cls == ELFCLASS64;
  id.little_endian = head[EI_DATA] == ELFDATA2LSB;
  // e_type and e_machine follow e_ident in both classes.
  ByteView view(head, name);
  uint16_t type = view.read<uint16_t>(EI_NIDENT, "the ELF header");
  uint16_t machine = view.read<uint16_t>(EI_NIDENT + 2, "the ELF header");
  if (!id.little_endian) {
    type = uint16_t(type >> 8 | type << 8);
    machine = uint16_t(machine >> 8 | machine << 8);
  }
  id.type = type;
  id.machine = machine;
  return id;
}

ElfIdentity read_identity(const std::filesystem::path& path, const std::string& name) {
  return identify(read_head(path, sizeof(Elf64_Ehdr)), name);
}

bool is_x86_64_elf(const std::filesystem::path& path) {
  try {
    return read_identity(path, path.string()).is_x86_64();
  } catch (const Error&) {
    return false;
  }
}

bool ElfFile::has_elf_magic(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4)) return false;
  return std::memcmp(magic, ELFMAG, SELFMAG) == 0;
}

ElfFile ElfFile::load(const std::filesystem::path& path, ParseDepth depth) {
  return parse(read_file(path), path.string(), depth);
}

ElfFile ElfFile::load(const std::filesystem::path& path, std::string name, ParseDepth depth) {
  return parse(read_file(path), std::move(name), depth);
}

ElfFile ElfFile::parse(std::string bytes, std::string name, ParseDepth depth) {
  ElfFile file;
  file.storage_ = std::make_shared<const std::string>(std::move(bytes));
  file.name_ = std::move(name);
  file.view_ = ByteView(*file.storage_, file.name_);
  file.parse_headers(depth);
  file.parse_dynamic();
  file.classify();
  if (depth == ParseDepth::Everything) {
    file.parse_symbols();
    file.parse_relocations();
  }
  return file;
}

void ElfFile::parse_headers(ParseDepth depth) {
  if (view_.size() < EI_NIDENT || std::memcmp(view_.bytes().data(), ELFMAG, SELFMAG) != 0)
    throw Error(name_ + ": not an ELF file");
  auto ident = view_.bytes().substr(0, EI_NIDENT);
  if (ident[EI_CLASS] != ELFCLASS64) throw Error(name_ + ": not a 64-bit ELF file (only x86-64 is supported)");
  if (ident[EI_DATA] != ELFDATA2LSB) throw Error(name_ + ": not a little-endian ELF file");
  auto eh = view_.read<Elf64_Ehdr>(0, "the ELF header");
  if (eh.e_machine != EM_X86_64)
    throw Error(name_ + ": ELF machine " + std::to_string(eh.e_machine) + " is not x86-64");
  entry_ = eh.e_entry;

  if (eh.e_phnum && eh.e_phentsize != sizeof(Elf64_Phdr)) throw Error(name_ + ": unexpected program header size");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = view_.read<Elf64_Phdr>(eh.e_phoff + uint64_t(i) * sizeof(Elf64_Phdr), "the program headers");
    segments_.push_back({ph.p_type, ph.p_flags, ph.p_offset, ph.p_vaddr, ph.p_filesz, ph.p_memsz});
    if (ph.p_type == PT_INTERP) {
      auto bytes = view_.sub(ph.p_offset, ph.p_filesz, "PT_INTERP");
      interpreter_ = std::string(bytes.cstring(0));
      if (interpreter_->empty()) throw Error(name_ + ": malformed ELF file: empty PT_INTERP");
    }
  }
  type_ = eh.e_type;
  if (depth == ParseDepth::Linking) return;  // the loader reads no section headers

  if (eh.e_shnum && eh.e_shentsize != sizeof(Elf64_Shdr)) throw Error(name_ + ": unexpected section header size");
  std::vector<Elf64_Shdr> raw;
  for (unsigned i = 0; i < eh.e_shnum; ++i)
    raw.push_back(view_.read<Elf64_Shdr>(eh.e_shoff + uint64_t(i) * sizeof(Elf64_Shdr), "the section headers"));
  ByteView names;
  if (eh.e_shstrndx != SHN_UNDEF && eh.e_shstrndx < raw.size()) {
    const auto& s = raw[eh.e_shstrndx];
    names = view_.sub(s.sh_offset, s.sh_size);
  }
  for (const auto& s : raw) {
    Section sec;
    sec.name = names.size() ? std::string(names.cstring(s.sh_name)) : std::string();
    sec.type = s.sh_type;
    sec.flags = s.sh_flags;
    sec.addr = s.sh_addr;
    sec.offset = s.sh_offset;
    sec.size = s.sh_size;
    sec.entsize = s.sh_entsize;
    sec.link = s.sh_link;
    sec.info = s.sh_info;
    if (sec.type != SHT_NOBITS && sec.type != SHT_NULL) view_.check(sec.offset, sec.size);
    sections_.push_back(std::move(sec));
  }
}

void ElfFile::classify() {
  if (type_ == ET_EXEC) {
    kind_ = FileKind::Executable;
  } else if (type_ == ET_DYN) {
    // libc.so.6 has a PT_INTERP too: DF_1_PIE (or, for older linkers, a
    // program interpreter without a soname) is what marks an executable.
    uint64_t flags1 = 0;
    for (auto [tag, val] : dynamic_)
      if (tag == DT_FLAGS_1) flags1 = val;
    bool pie = (flags1 & DF_1_PIE) || (interpreter_ && !soname_);
    kind_ = pie ? FileKind::PieExecutable : FileKind::SharedLibrary;
  } else {
    kind_ = FileKind::Other;
  }
}

std::optional<uint64_t> ElfFile::file_offset(uint64_t addr, uint64_t size) const {
  for (const auto& seg : segments_) {
    if (seg.type != PT_LOAD) continue;
    if (addr >= seg.vaddr && addr - seg.vaddr < seg.filesz && size <= seg.filesz - (addr - seg.vaddr))
      return seg.offset + (addr - seg.vaddr);
  }
  // Objects without program headers (relocatable files) are not analysed.
  return std::nullopt;
}

std::optional<ByteView> ElfFile::bytes_at(uint64_t addr, uint64_t size) const {
  auto off = file_offset(addr, size);
  if (!off) return std::nullopt;
  if (*off > view_.size() || size > view_.size() - *off) return std::nullopt;
  return view_.sub(*off, size);
}

void ElfFile::parse_dynamic() {
  const Segment* dyn = nullptr;
  for (const auto& seg : segments_)
    if (seg.type == PT_DYNAMIC) dyn = &seg;
  if (!dyn) return;
  auto bytes = view_.sub(dyn->offset, dyn->filesz, "the dynamic section");
  for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= bytes.size(); off += sizeof(Elf64_Dyn)) {
    auto d = bytes.read<Elf64_Dyn>(off);
    if (d.d_tag == DT_NULL) break;
    dynamic_.emplace_back(d.d_tag, d.d_un.d_val);
  }
  uint64_t strtab = 0, strsz = 0;
  for (auto [tag, val] : dynamic_) {
    if (tag == DT_STRTAB) strtab = val;
    if (tag == DT_STRSZ) strsz = val;
  }
  if (!strtab) return;
  auto strings = bytes_at(strtab, strsz);
  if (!strings) throw Error(name_ + ": dynamic string table is outside the file");
  for (auto [tag, val] : dynamic_) {
    switch (tag) {
      case DT_NEEDED: needed_.emplace_back(strings->cstring(val)); break;
      case DT_SONAME: soname_ = std::string(strings->cstring(val)); break;
      case DT_RPATH: rpath_ = split_paths(strings->cstring(val)); break;
      case DT_RUNPATH: runpath_ = split_paths(strings->cstring(val)); break;
      default: break;
    }
  }
}

std::vector<Symbol> ElfFile::read_symbol_table(const Section& table) const {
  std::vector<Symbol> out;
  if (table.link >= sections_.size()) throw Error(name_ + ": symbol table " + table.name + " has a bad string table link");
  const auto& strsec = sections_[table.link];
  auto strings = view_.sub(strsec.offset, strsec.size);
  auto data = view_.sub(table.offset, table.size);
  for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= data.size(); off += sizeof(Elf64_Sym)) {
    auto s = data.read<Elf64_Sym>(off);
    Symbol sym;
    sym.name = std::string(strings.cstring(s.st_name));
    sym.value = s.st_value;
    sym.size = s.st_size;
    sym.type = ELF64_ST_TYPE(s.st_info);
    sym.bind = ELF64_ST_BIND(s.st_info);
    sym.shndx = s.st_shndx;
    out.push_back(std::move(sym));
  }
  return out;
}

void ElfFile::parse_symbols() {
  for (const auto& sec : sections_) {
    if (sec.type == SHT_DYNSYM) dynsyms_ = read_symbol_table(sec);
    if (sec.type == SHT_SYMTAB) symtab_ = read_symbol_table(sec);
  }
  for (size_t i = 0; i < dynsyms_.size(); ++i) {
    const auto& s = dynsyms_[i];
    if (s.defined() && !s.name.empty() && s.bind != STB_LOCAL) export_index_[s.name].push_back(i);
  }
  for (const auto* table : {&dynsyms_, &symtab_})
    for (const auto& s : *table)
      if (s.defined() && s.is_function() && s.value) functions_by_address_.emplace(s.value, &s);
}

void ElfFile::parse_relocations() {
  for (const auto& sec : sections_) {
    if (sec.type != SHT_RELA || !sec.allocated()) continue;
    // Relocations against the dynamic symbol table (the loader's view).
    const std::vector<Symbol>* symbols = nullptr;
    if (sec.link < sections_.size()) {
      auto t = sections_[sec.link].type;
      if (t == SHT_DYNSYM) symbols = &dynsyms_;
      else if (t == SHT_SYMTAB) symbols = &symtab_;
    }
    auto data = view_.sub(sec.offset, sec.size);
    for (uint64_t off = 0; off + sizeof(Elf64_Rela) <= data.size(); off += sizeof(Elf64_Rela)) {
      auto r = data.read<Elf64_Rela>(off);
      Relocation rel;
      rel.offset = r.r_offset;
      rel.type = ELF64_R_TYPE(r.r_info);
      rel.symbol = ELF64_R_SYM(r.r_info);
      rel.addend = r.r_addend;
      if (rel.symbol) {
        if (!symbols || rel.symbol >= symbols->size())
          throw Error(name_ + ": relocation in " + sec.name + " names symbol " + std::to_string(rel.symbol) +
                      " outside its symbol table");
        rel.symbol_name = (*symbols)[rel.symbol].name;
      }
      relocation_index_[rel.offset] = relocations_.size();
      relocations_.push_back(std::move(rel));
    }
  }
}

const Section* ElfFile::section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

const Section* ElfFile::section_at(uint64_t address) const {
  for (const auto& s : sections_)
    if (s.allocated() && s.contains(address)) return &s;
  return nullptr;
}

bool ElfFile::is_code_address(uint64_t addr) const {
  const auto* s = section_at(addr);
  return s && s->executable();
}

std::vector<const Symbol*> ElfFile::find_exports(std::string_view name) const {
  std::vector<const Symbol*> out;
  auto it = export_index_.find(std::string(name));
  if (it != export_index_.end())
    for (auto i : it->second) out.push_back(&dynsyms_[i]);
  return out;
}

const Relocation* ElfFile::relocation_at(uint64_t address) const {
  auto it = relocation_index_.find(address);
  return it == relocation_index_.end() ? nullptr : &relocations_[it->second];
}

std::optional<uint64_t> ElfFile::pointer_at(uint64_t addr) const {
  if (const auto* rel = relocation_at(addr)) {
    if (rel->type == R_X86_64_RELATIVE || rel->type == R_X86_64_IRELATIVE) return uint64_t(rel->addend);
    if ((rel->type == R_X86_64_64 || rel->type == R_X86_64_GLOB_DAT) && rel->symbol) {
      const auto& sym = dynsyms_.at(rel->symbol);
      if (sym.defined()) return sym.value + rel->addend;
    }
    return std::nullopt;  // resolved at load time against another object
  }
  auto bytes = bytes_at(addr, 8);
  if (!bytes) return std::nullopt;
  return bytes->read<uint64_t>(0);
}

std::optional<std::string_view> ElfFile::string_at(uint64_t addr) const {
  const auto* sec = section_at(addr);
  if (!sec || sec->type == SHT_NOBITS || sec->executable()) return std::nullopt;
  auto bytes = view_.sub(sec->offset, sec->size);
  auto off = addr - sec->addr;
  auto rest = bytes.bytes().substr(off);
  auto end = rest.find('\0');
  if (end == std::string_view::npos) return std::nullopt;
  auto s = rest.substr(0, end);
  for (unsigned char c : s)
    if (c < 0x20 && c != '\n' && c != '\t') return std::nullopt;
  return s;
}

std::vector<uint64_t> ElfFile::init_fini_functions() const {
  std::vector<uint64_t> out;
  // An array of function pointers stored in the file. Its address and size
  // come from the file and may be anything (a fuzzed DT_INIT_ARRAYSZ of 2^60
  // kept this loop busy for minutes): it cannot hold more pointers than the
  // file has 8-byte words, and the sum must not wrap.
  auto read_pointers = [&](uint64_t addr, uint64_t size) {
    const uint64_t count = std::min(size, uint64_t{~uint64_t(0)} - addr) / 8;
    for (uint64_t i = 0; i < std::min<uint64_t>(count, view_.size() / 8); ++i)
      if (auto p = pointer_at(addr + 8 * i)) out.push_back(*p);
  };
  uint64_t arrays[3][2] = {};  // {address, size} for init, fini, preinit
  for (auto [tag, val] : dynamic_) {
    switch (tag) {
      case DT_INIT:
      case DT_FINI: out.push_back(val); break;
      case DT_INIT_ARRAY: arrays[0][0] = val; break;
      case DT_INIT_ARRAYSZ: arrays[0][1] = val; break;
      case DT_FINI_ARRAY: arrays[1][0] = val; break;
      case DT_FINI_ARRAYSZ: arrays[1][1] = val; break;
      case DT_PREINIT_ARRAY: arrays[2][0] = val; break;
      case DT_PREINIT_ARRAYSZ: arrays[2][1] = val; break;
      default: break;
    }
  }
  // Static executables have no dynamic section: use the sections themselves.
  if (dynamic_.empty()) {
    for (const auto* name : {".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors"}) {
      if (const auto* s = section(name)) read_pointers(s->addr, s->size);
    }
    if (const auto* s = section(".init")) out.push_back(s->addr);
    if (const auto* s = section(".fini")) out.push_back(s->addr);
  }
  for (auto& [addr, size] : arrays)
    if (addr) read_pointers(addr, size);
  std::erase_if(out, [&](uint64_t a) { return a == 0 || a == ~uint64_t(0) || !is_code_address(a); });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace tailor::elf
