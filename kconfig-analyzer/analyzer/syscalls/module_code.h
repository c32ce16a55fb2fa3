// The code of one loaded ELF module as the syscall analysis sees it: every
// instruction of its executable sections (decoded once, linearly), the known
// function entries, and a partition of its data into objects so that a
// reference from reachable code to data can make the code pointers stored in
// that object reachable too.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/elf/elf_file.h"
#include "kconfig-analyzer/analyzer/syscalls/x86_vocabulary.h"

namespace tailor::syscalls {

// A half-open address range [begin, end).
struct Range {
  uint64_t begin = 0, end = 0;
};

class ModuleCode {
 public:
  // Decodes all executable sections of `elf` (which must outlive this object).
  ModuleCode(const elf::ElfFile& elf, X86Decoder& decoder);

  const elf::ElfFile& elf() const { return *elf_; }

  // The instruction starting at `address`: from the linear decode, or decoded
  // on demand when control flow lands between linearly decoded instructions.
  // nullptr when `address` is not valid code.
  const Insn* insn_at(uint64_t address);
  // The linearly decoded instruction that follows `insn` (nullptr at the end of a section).
  const Insn* next_linear(uint64_t address) const;

  // Function entries: symbols, direct call targets, the entry point, init/fini.
  bool is_function_entry(uint64_t address) const { return entries_.count(address) != 0; }
  const std::set<uint64_t>& function_entries() const { return entries_; }
  // Where the function starting at `entry` ends at the latest: its symbol's
  // size when known, else the next known entry or the end of its section.
  uint64_t function_end(uint64_t entry) const;
  // The name of the function symbol at `entry` ("" when stripped).
  std::string function_name(uint64_t entry) const;
  // The name of the function symbol whose range holds `address` ("" if none).
  std::string function_containing(uint64_t address) const;

  // The data object holding `address` (nullopt for code or unmapped addresses).
  std::optional<Range> data_object(uint64_t address) const;
  // Values of the pointer slots inside `object` (relocations applied; in
  // non-PIE executables, aligned words that point into the module).
  std::vector<uint64_t> pointers_in(Range object) const;
  // Symbol names that relocations inside `object` refer to (imports held in data).
  std::vector<std::string> imports_in(Range object) const;

  size_t instruction_count() const { return linear_.size(); }

 private:
  void decode_sections(X86Decoder& decoder);
  void collect_entries();
  void partition_data();

  const elf::ElfFile* elf_;
  X86Decoder* decoder_;
  std::vector<Insn> linear_;  // sorted by address
  std::unordered_map<uint64_t, Insn> extra_;  // decoded on demand, off the linear grid
  std::set<uint64_t> entries_;
  std::unordered_map<uint64_t, uint64_t> symbol_end_;   // entry -> end, when a symbol gives a size
  std::vector<uint64_t> data_bounds_;  // sorted starts of data objects
  std::vector<Range> data_sections_;   // allocated non-executable sections, sorted
  std::vector<uint64_t> reloc_offsets_;  // sorted relocation addresses
  bool absolute_code_ = false;  // ET_EXEC: pointers in data are not relocated
};

}  // namespace tailor::syscalls
