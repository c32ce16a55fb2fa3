// Linear decoding, function entries and data objects of one module (see module_code.h).
#include "kconfig-analyzer/analyzer/syscalls/module_code.h"

#include <elf.h>

#include <algorithm>

namespace tailor::syscalls {

ModuleCode::ModuleCode(const elf::ElfFile& elf, X86Decoder& decoder) : elf_(&elf), decoder_(&decoder) {
  absolute_code_ = elf.kind() == elf::FileKind::Executable;
  for (const auto& r : elf.relocations()) reloc_offsets_.push_back(r.offset);
  std::sort(reloc_offsets_.begin(), reloc_offsets_.end());
  decode_sections(decoder);
  collect_entries();
  partition_data();
}

void ModuleCode::decode_sections(X86Decoder& decoder) {
  for (const auto& sec : elf_->sections()) {
    if (!sec.executable() || !sec.allocated() || sec.type != SHT_PROGBITS || sec.size == 0) continue;
    auto bytes = elf_->bytes_at(sec.addr, sec.size);
    if (!bytes) continue;
    auto code = bytes->bytes();
    uint64_t off = 0;
    while (off < code.size()) {
      auto insn = decoder.decode(code.substr(off, std::min<size_t>(16, code.size() - off)), sec.addr + off);
      if (!insn) {  // not an instruction (padding or data): resynchronise on the next byte
        ++off;
        continue;
      }
      linear_.push_back(*insn);
      off += insn->size;
    }
  }
  std::sort(linear_.begin(), linear_.end(), [](const Insn& a, const Insn& b) { return a.address < b.address; });
}

const Insn* ModuleCode::insn_at(uint64_t address) {
  auto it = std::lower_bound(linear_.begin(), linear_.end(), address,
                             [](const Insn& i, uint64_t a) { return i.address < a; });
  if (it != linear_.end() && it->address == address) return &*it;
  if (auto e = extra_.find(address); e != extra_.end()) return &e->second;
  const auto* sec = elf_->section_at(address);
  if (!sec || !sec->executable()) return nullptr;
  auto len = std::min<uint64_t>(16, sec->addr + sec->size - address);
  auto bytes = elf_->bytes_at(address, len);
  if (!bytes) return nullptr;
  auto insn = decoder_->decode(bytes->bytes(), address);
  if (!insn) return nullptr;
  return &extra_.emplace(address, *insn).first->second;
}

const Insn* ModuleCode::next_linear(uint64_t address) const {
  auto it = std::upper_bound(linear_.begin(), linear_.end(), address,
                             [](uint64_t a, const Insn& i) { return a < i.address; });
  return it == linear_.end() ? nullptr : &*it;
}

void ModuleCode::collect_entries() {
  auto add = [&](uint64_t a) {
    if (a && elf_->is_code_address(a)) entries_.insert(a);
  };
  for (const auto& [addr, sym] : elf_->functions_by_address()) {
    add(addr);
    if (sym->size) {
      auto& end = symbol_end_[addr];
      end = std::max(end, addr + sym->size);
    }
  }
  add(elf_->entry());
  for (auto a : elf_->init_fini_functions()) add(a);
  for (const auto& insn : linear_) {
    if (insn.flow == Flow::Call) add(insn.target);
    // Addresses of code taken by lea (or, in non-PIE code, by an immediate) are function pointers.
    if (insn.mem_ref && !insn.mem_is_load) add(insn.mem_ref);
    if (absolute_code_ && insn.imm_ref) add(insn.imm_ref);
  }
  for (const auto& r : elf_->relocations())
    if (r.type == R_X86_64_RELATIVE || r.type == R_X86_64_IRELATIVE) add(uint64_t(r.addend));
}

uint64_t ModuleCode::function_end(uint64_t entry) const {
  const auto* sec = elf_->section_at(entry);
  uint64_t end = sec ? sec->addr + sec->size : entry;
  auto next = entries_.upper_bound(entry);
  if (next != entries_.end()) end = std::min(end, *next);
  if (auto it = symbol_end_.find(entry); it != symbol_end_.end()) end = std::min(end, it->second);
  return end;
}

std::string ModuleCode::function_name(uint64_t entry) const {
  auto [lo, hi] = elf_->functions_by_address().equal_range(entry);
  if (lo == hi) {
    // A PLT stub (optionally after endbr64): "name@plt" from its GOT slot's relocation.
    auto it = std::lower_bound(linear_.begin(), linear_.end(), entry,
                               [](const Insn& i, uint64_t a) { return i.address < a; });
    for (int k = 0; k < 2 && it != linear_.end() && it->address < entry + 8; ++k, ++it) {
      if (it->flow == Flow::IndirectJump && it->mem_ref) {
        if (const auto* rel = elf_->relocation_at(it->mem_ref); rel && !rel->symbol_name.empty())
          return rel->symbol_name + "@plt";
        break;
      }
    }
    return {};
  }
  std::string best;
  // Prefer a global name, then the shortest (aliases such as __GI_ are longer).
  int best_rank = 99;
  for (auto it = lo; it != hi; ++it) {
    const auto& s = *it->second;
    int rank = (s.bind == STB_GLOBAL ? 0 : s.bind == STB_WEAK ? 1 : 2) * 4 + (s.name.rfind("__", 0) == 0 ? 2 : 0);
    if (best.empty() || rank < best_rank || (rank == best_rank && s.name < best)) {
      best = s.name;
      best_rank = rank;
    }
  }
  return best;
}

std::string ModuleCode::function_containing(uint64_t address) const {
  const auto& by_addr = elf_->functions_by_address();
  auto it = by_addr.upper_bound(address);
  while (it != by_addr.begin()) {
    --it;
    const auto& s = *it->second;
    if (s.value <= address && (address < s.value + s.size || (s.size == 0 && s.value == address)))
      return function_name(s.value);
    if (address - s.value > (1u << 20)) break;
  }
  return {};
}

void ModuleCode::partition_data() {
  for (const auto& sec : elf_->sections()) {
    if (!sec.allocated() || sec.executable() || sec.addr == 0 || sec.size == 0) continue;
    data_sections_.push_back({sec.addr, sec.addr + sec.size});
    data_bounds_.push_back(sec.addr);
  }
  std::sort(data_sections_.begin(), data_sections_.end(), [](auto& a, auto& b) { return a.begin < b.begin; });
  auto in_data = [&](uint64_t a) { return data_object(a).has_value(); };
  auto add = [&](uint64_t a) { data_bounds_.push_back(a); };
  for (const auto* table : {&elf_->dynamic_symbols(), &elf_->static_symbols()})
    for (const auto& s : *table)
      if (s.defined() && s.is_object() && s.value) {
        add(s.value);
        if (s.size) add(s.value + s.size);
      }
  for (const auto& insn : linear_) {
    if (insn.mem_ref) add(insn.mem_ref);
    if (absolute_code_ && insn.imm_ref) add(insn.imm_ref);
  }
  for (const auto& r : elf_->relocations())
    if (r.type == R_X86_64_RELATIVE) add(uint64_t(r.addend));
  std::sort(data_bounds_.begin(), data_bounds_.end());
  data_bounds_.erase(std::unique(data_bounds_.begin(), data_bounds_.end()), data_bounds_.end());
  std::erase_if(data_bounds_, [&](uint64_t a) {
    auto it = std::upper_bound(data_sections_.begin(), data_sections_.end(), a,
                               [](uint64_t x, const Range& r) { return x < r.begin; });
    return it == data_sections_.begin() || a >= std::prev(it)->end;
  });
  (void)in_data;
}

std::optional<Range> ModuleCode::data_object(uint64_t address) const {
  auto sec = std::upper_bound(data_sections_.begin(), data_sections_.end(), address,
                              [](uint64_t x, const Range& r) { return x < r.begin; });
  if (sec == data_sections_.begin()) return std::nullopt;
  --sec;
  if (address >= sec->end) return std::nullopt;
  auto it = std::upper_bound(data_bounds_.begin(), data_bounds_.end(), address);
  uint64_t begin = it == data_bounds_.begin() ? sec->begin : *std::prev(it);
  uint64_t end = it == data_bounds_.end() ? sec->end : std::min(*it, sec->end);
  begin = std::max(begin, sec->begin);
  return Range{begin, end};
}

std::vector<uint64_t> ModuleCode::pointers_in(Range object) const {
  std::vector<uint64_t> out;
  auto lo = std::lower_bound(reloc_offsets_.begin(), reloc_offsets_.end(), object.begin);
  for (auto it = lo; it != reloc_offsets_.end() && *it < object.end; ++it)
    if (auto p = elf_->pointer_at(*it)) out.push_back(*p);
  if (absolute_code_) {
    uint64_t first = (object.begin + 7) & ~uint64_t(7);
    for (uint64_t a = first; a + 8 <= object.end; a += 8) {
      auto bytes = elf_->bytes_at(a, 8);
      if (!bytes) break;  // .bss: no initial pointers
      auto v = bytes->read<uint64_t>(0);
      if (v && (elf_->is_code_address(v) || data_object(v))) out.push_back(v);
    }
  }
  return out;
}

std::vector<std::string> ModuleCode::imports_in(Range object) const {
  std::vector<std::string> out;
  auto lo = std::lower_bound(reloc_offsets_.begin(), reloc_offsets_.end(), object.begin);
  for (auto it = lo; it != reloc_offsets_.end() && *it < object.end; ++it) {
    const auto* r = elf_->relocation_at(*it);
    if (r && !r->symbol_name.empty()) out.push_back(r->symbol_name);
  }
  return out;
}

}  // namespace tailor::syscalls
