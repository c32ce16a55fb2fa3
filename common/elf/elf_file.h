// A read-only model of one x86-64 ELF file (executable, PIE or shared
// library): headers, sections, segments, dynamic entries, symbols and
// relocations, plus address translation for code analysis. Everything is
// parsed eagerly through checked reads; malformed input throws tailor::Error.
// Also the identity of any ELF file (class, byte order, machine), so that
// other architectures' files can be recognized and named.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/elf/byte_view.h"

namespace tailor::elf {

struct Section {
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t entsize = 0;
  uint32_t link = 0;
  uint32_t info = 0;

  bool executable() const;  // SHF_EXECINSTR
  bool allocated() const;   // SHF_ALLOC
  bool writable() const;    // SHF_WRITE
  bool contains(uint64_t address) const { return address >= addr && address - addr < size; }
};

struct Segment {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
};

struct Symbol {
  std::string name;
  uint64_t value = 0;
  uint64_t size = 0;
  uint8_t type = 0;   // STT_*
  uint8_t bind = 0;   // STB_*
  uint16_t shndx = 0; // SHN_UNDEF for imports

  bool defined() const;
  bool is_function() const;  // STT_FUNC or STT_GNU_IFUNC
  bool is_object() const;    // STT_OBJECT or STT_TLS
};

struct Relocation {
  uint64_t offset = 0;   // the address patched (r_offset)
  uint32_t type = 0;     // R_X86_64_*
  uint32_t symbol = 0;   // index into the dynamic symbol table (0: none)
  int64_t addend = 0;
  std::string symbol_name;  // empty when symbol == 0
};

enum class FileKind { Executable, PieExecutable, SharedLibrary, Other };

// What any ELF file is, whatever its class or machine: enough to tell an
// x86-64 object from another architecture's file and to say which it is.
struct ElfIdentity {
  bool is_64 = false;          // ELFCLASS64
  bool little_endian = false;  // ELFDATA2LSB
  uint16_t type = 0;           // e_type (2 = EXEC, 3 = DYN)
  uint16_t machine = 0;        // e_machine (62 = x86-64)

  // What ElfFile reads and our guests run: 64-bit little-endian x86-64.
  bool is_x86_64() const;
  // "ELF 32-bit LSB i386", for messages about files we cannot run.
  std::string describe() const;
};

// True when `head` (the first bytes of a file) starts with the ELF magic.
bool has_elf_magic(std::string_view head);
// The first `n` bytes of `path` (fewer if it is shorter); throws Error naming it.
std::string read_head(const std::filesystem::path& path, size_t n);
// The identity from the first bytes of a file (64 are enough for any class);
// throws Error naming `name` when they are not ELF or are cut short.
ElfIdentity identify(std::string_view head, const std::string& name);
ElfIdentity read_identity(const std::filesystem::path& path, const std::string& name);
// True when `path` is a readable x86-64 ELF file (never throws).
bool is_x86_64_elf(const std::filesystem::path& path);

// How much of a file ElfFile::load parses: everything, or only what dynamic
// linking needs (headers, segments, dynamic entries; no sections, symbols or
// relocations), which is cheaper and tolerates damaged section tables the
// loader never reads.
enum class ParseDepth { Everything, Linking };

class ElfFile {
 public:
  // Reads and parses `path`; throws Error naming it if it is not a 64-bit
  // little-endian x86-64 ELF or is malformed.
  static ElfFile load(const std::filesystem::path& path, ParseDepth depth = ParseDepth::Everything);
  // The same, with `name` in error messages (e.g. the file's path in an image).
  static ElfFile load(const std::filesystem::path& path, std::string name, ParseDepth depth);
  // Parses an in-memory image; `name` is used in error messages.
  static ElfFile parse(std::string bytes, std::string name, ParseDepth depth = ParseDepth::Everything);
  // True when the file starts with the ELF magic (cheap check, any class/machine).
  static bool has_elf_magic(const std::filesystem::path& path);

  // Move-only: symbol indexes point into the owned tables.
  ElfFile(ElfFile&&) = default;
  ElfFile& operator=(ElfFile&&) = default;
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  const std::string& name() const { return name_; }
  FileKind kind() const { return kind_; }
  uint64_t entry() const { return entry_; }
  bool is_static() const { return !interpreter_ && needed_.empty() && kind_ == FileKind::Executable; }

  const std::vector<Section>& sections() const { return sections_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const Section* section(std::string_view name) const;
  // The section whose address range holds `address` (allocated sections only).
  const Section* section_at(uint64_t address) const;

  // Dynamic linking facts (from PT_DYNAMIC / .dynamic).
  const std::optional<std::string>& interpreter() const { return interpreter_; }
  const std::vector<std::string>& needed() const { return needed_; }
  const std::optional<std::string>& soname() const { return soname_; }
  const std::vector<std::string>& rpath() const { return rpath_; }
  const std::vector<std::string>& runpath() const { return runpath_; }

  const std::vector<Symbol>& dynamic_symbols() const { return dynsyms_; }
  const std::vector<Symbol>& static_symbols() const { return symtab_; }
  // Defined dynamic symbols by name (all versions of a name share it).
  std::vector<const Symbol*> find_exports(std::string_view name) const;
  // Every defined function symbol (static and dynamic tables) keyed by address.
  const std::multimap<uint64_t, const Symbol*>& functions_by_address() const { return functions_by_address_; }

  const std::vector<Relocation>& relocations() const { return relocations_; }
  // The relocation that patches `address`, if any.
  const Relocation* relocation_at(uint64_t address) const;

  // Constructors and destructors the loader runs: DT_INIT, DT_INIT_ARRAY,
  // DT_FINI, DT_FINI_ARRAY, PREINIT_ARRAY (relocations applied).
  std::vector<uint64_t> init_fini_functions() const;

  // Reads bytes of the file image that back virtual addresses [addr, addr+size);
  // nullopt when not file-backed (e.g. .bss) or out of range.
  std::optional<ByteView> bytes_at(uint64_t addr, uint64_t size) const;
  // A 64-bit pointer stored at `addr`, relocations applied (RELATIVE / absolute
  // to a local symbol); nullopt if unknown or outside the file.
  std::optional<uint64_t> pointer_at(uint64_t addr) const;
  // The NUL-terminated string at virtual address `addr` in a read-only
  // allocated section (nullopt if absent or not printable).
  std::optional<std::string_view> string_at(uint64_t addr) const;

  bool is_code_address(uint64_t addr) const;

 private:
  ElfFile() = default;
  void parse_headers(ParseDepth depth);
  void parse_dynamic();
  void classify();
  void parse_symbols();
  void parse_relocations();
  std::vector<Symbol> read_symbol_table(const Section& symtab) const;
  std::optional<uint64_t> file_offset(uint64_t addr, uint64_t size) const;

  std::shared_ptr<const std::string> storage_;  // shared so copies stay cheap
  ByteView view_;
  std::string name_;
  FileKind kind_ = FileKind::Other;
  uint16_t type_ = 0;  // e_type
  uint64_t entry_ = 0;
  std::vector<Section> sections_;
  std::vector<Segment> segments_;
  std::optional<std::string> interpreter_;
  std::vector<std::string> needed_;
  std::optional<std::string> soname_;
  std::vector<std::string> rpath_, runpath_;
  std::vector<std::pair<int64_t, uint64_t>> dynamic_;  // raw (tag, value)
  std::vector<Symbol> dynsyms_, symtab_;
  std::unordered_map<std::string, std::vector<size_t>> export_index_;
  std::multimap<uint64_t, const Symbol*> functions_by_address_;
  std::vector<Relocation> relocations_;
  std::unordered_map<uint64_t, size_t> relocation_index_;
};

}  // namespace tailor::elf
