// Finding, judging and rewriting syscall sites (see syscall_sites.h).
#include "image-builder/syscall_sites/syscall_sites.h"

#include <elf.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "common/elf/elf_file.h"
#include "common/error.h"
#include "image-builder/syscall_sites/code_graph.h"
#include "image-builder/syscall_sites/eh_frame.h"
#include "image-builder/syscall_sites/red_zone.h"
#include "image-builder/syscall_sites/register_constants.h"
#include "image-builder/syscall_sites/site_function.h"

namespace tailor::syscall_sites {
namespace {

constexpr int64_t kRtSigreturn = 15;  // reads its frame at RSP - 8: the call's return address would sit there
constexpr int64_t kVfork = 58;        // the child reuses the parent's stack and overwrites the return address
// clone and clone3 with a new stack: the child would return from the call
// on the new stack, where the return address is not (where KML is disabled
// the sled ends in `syscall; ret`, kml-patches 0006).
constexpr int64_t kClone = 56;
constexpr int64_t kClone3 = 435;
// The widest field any x86-64 relocation patches: a relocation at r_offset is
// taken to touch [r_offset, r_offset + 8), whatever its type says.
constexpr uint64_t kRelocationWidth = 8;

// A piece of executable, file-backed code: a PF_X PT_LOAD's file bytes.
struct CodeSegment {
  uint64_t vaddr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

std::vector<CodeSegment> code_segments(const elf::ElfFile& file, std::string_view bytes) {
  std::vector<CodeSegment> out;
  for (const auto& seg : file.segments()) {
    if (seg.type != PT_LOAD || !(seg.flags & PF_X) || seg.filesz == 0) continue;
    if (seg.offset > bytes.size() || seg.filesz > bytes.size() - seg.offset)
      throw Error(file.name() + ": an executable segment lies outside the file");
    if (seg.vaddr + seg.filesz < seg.vaddr) throw Error(file.name() + ": an executable segment wraps around");
    out.push_back({seg.vaddr, seg.offset, seg.filesz});
  }
  return out;
}

// The bytes of `range` when one code segment holds all of them.
std::optional<std::string_view> code_bytes(const std::vector<CodeSegment>& segments, std::string_view bytes,
                                           CodeRange range) {
  for (const auto& seg : segments)
    if (range.begin >= seg.vaddr && range.end <= seg.vaddr + seg.size)
      return bytes.substr(seg.offset + (range.begin - seg.vaddr), range.end - range.begin);
  return std::nullopt;
}

// Every address a dynamic relocation patches, from the relocation sections
// and from what PT_DYNAMIC tells the loader (which needs no sections):
// DT_RELA, DT_JMPREL, DT_REL and the packed DT_RELR. Sorted.
std::vector<uint64_t> relocated_addresses(const elf::ElfFile& file, std::string_view bytes) {
  std::vector<uint64_t> out;
  for (const auto& rel : file.relocations()) out.push_back(rel.offset);
  std::map<int64_t, uint64_t> dyn;
  for (const auto& seg : file.segments()) {
    if (seg.type != PT_DYNAMIC) continue;
    auto table = elf::ByteView(bytes, file.name()).sub(seg.offset, seg.filesz, "the dynamic section");
    for (uint64_t off = 0; table.size() - off >= sizeof(Elf64_Dyn); off += sizeof(Elf64_Dyn)) {
      auto d = table.read<Elf64_Dyn>(off);
      if (d.d_tag == DT_NULL) break;
      dyn[d.d_tag] = d.d_un.d_val;
    }
  }
  auto table = [&](int64_t where, int64_t size_tag) -> std::optional<elf::ByteView> {
    if (!dyn.contains(where) || !dyn.contains(size_tag)) return std::nullopt;
    auto view = file.bytes_at(dyn[where], dyn[size_tag]);
    if (!view) throw Error(file.name() + ": a dynamic relocation table lies outside the file");
    return view;
  };
  if (auto rela = table(DT_RELA, DT_RELASZ))
    for (uint64_t off = 0; rela->size() - off >= sizeof(Elf64_Rela); off += sizeof(Elf64_Rela))
      out.push_back(rela->read<Elf64_Rela>(off).r_offset);
  if (auto plt = table(DT_JMPREL, DT_PLTRELSZ)) {
    const uint64_t entry = dyn.contains(DT_PLTREL) && dyn[DT_PLTREL] == DT_REL ? sizeof(Elf64_Rel) : sizeof(Elf64_Rela);
    for (uint64_t off = 0; plt->size() - off >= entry; off += entry) out.push_back(plt->read<uint64_t>(off));
  }
  if (auto rel = table(DT_REL, DT_RELSZ))
    for (uint64_t off = 0; rel->size() - off >= sizeof(Elf64_Rel); off += sizeof(Elf64_Rel))
      out.push_back(rel->read<Elf64_Rel>(off).r_offset);
  constexpr int64_t kDtRelr = 36, kDtRelrSz = 35;  // not in every <elf.h> yet
  if (auto relr = table(kDtRelr, kDtRelrSz)) {
    // An even word is an address; an odd one a bitmap of the 63 words after the last.
    uint64_t next = 0;
    for (uint64_t off = 0; relr->size() - off >= 8; off += 8) {
      const auto word = relr->read<uint64_t>(off);
      if (!(word & 1)) {
        out.push_back(word);
        next = word + 8;
        continue;
      }
      for (unsigned i = 0; i < 63; ++i)
        if (word >> (i + 1) & 1) out.push_back(next + uint64_t(i) * 8);
      next += 63 * 8;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool relocated(const std::vector<uint64_t>& relocations, uint64_t address) {
  // Any relocation starting in (address - width, address + 2) overlaps the pair.
  const uint64_t low = address >= kRelocationWidth - 1 ? address - (kRelocationWidth - 1) : 0;
  auto it = std::lower_bound(relocations.begin(), relocations.end(), low);
  return it != relocations.end() && *it < address + 2;
}

// The ranges that may hold `address`: the FDEs covering it, else the
// function symbols that do (Debian's stripped files have only .dynsym).
std::vector<CodeRange> ranges_holding(uint64_t address, const std::vector<CodeRange>& fdes,
                                      const std::vector<CodeRange>& symbols) {
  std::vector<CodeRange> out;
  for (const auto* list : {&fdes, &symbols}) {
    // Ranges may nest or overlap (hostile files): every one holding the site is judged.
    auto end = std::upper_bound(list->begin(), list->end(), CodeRange{address, UINT64_MAX});
    for (auto it = list->begin(); it != end; ++it)
      if (it->contains(address, 2)) out.push_back(*it);
    if (!out.empty()) return out;
  }
  return out;
}

std::vector<CodeRange> symbol_ranges(const elf::ElfFile& file) {
  std::vector<CodeRange> out;
  for (const auto& [address, symbol] : file.functions_by_address())
    if (symbol->size && address + symbol->size > address) out.push_back({address, address + symbol->size});
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

class SiteJudge {
 public:
  SiteJudge(std::string_view bytes, const std::string& name)
      : bytes_(bytes), file_(elf::ElfFile::parse(std::string(bytes), name)) {
    segments_ = code_segments(file_, bytes_);
    auto eh_frame = eh_frame_ranges(file_, bytes_);
    fdes_ = std::move(eh_frame.all);
    signal_frames_ = std::set<CodeRange>(eh_frame.signal_frames.begin(), eh_frame.signal_frames.end());
    symbols_ = symbol_ranges(file_);
    relocations_ = relocated_addresses(file_, bytes_);
    // Every function is decoded once: ranges that cover the code many times
    // over (nested or overlapping FDEs and symbols, which real files do
    // not have) would make that work unbounded.
    uint64_t code = 0;
    for (const auto& seg : segments_) code += seg.size;
    for (const auto* list : {&fdes_, &symbols_}) {
      uint64_t covered = 0;
      for (const auto& r : *list) covered += std::min<uint64_t>(r.end - r.begin, code);
      if (covered > 4 * code + (1u << 20))
        throw Error(name + ": its function bounds cover the code " + std::to_string(covered / (code ? code : 1)) +
                    " times over");
    }
  }

  SiteReport judge() {
    std::vector<SyscallSite> sites = candidates();
    // Which functions the candidates live in, so that only those are decoded in full.
    std::map<uint64_t, std::vector<CodeRange>> holders;
    for (const auto& site : sites) {
      holders[site.address] = ranges_holding(site.address, fdes_, symbols_);
      for (const auto& r : holders[site.address]) function(r);
    }
    collect_entries();
    for (auto& site : sites) {
      site.verdict = SiteVerdict::Rewrite;
      const auto& ranges = holders[site.address];
      if (ranges.empty()) site.verdict = SiteVerdict::NoFunction;
      for (const auto& r : ranges) {
        int64_t number = -1;
        const auto verdict = judge_in(function(r), site.address, number);
        if (verdict != SiteVerdict::Rewrite && site.verdict == SiteVerdict::Rewrite) site.verdict = verdict;
        site.number = number;
      }
    }
    return SiteReport{std::move(sites)};
  }

 private:
  // Every 0f 05 pair inside executable file bytes, once per file offset.
  std::vector<SyscallSite> candidates() const {
    std::map<uint64_t, SyscallSite> by_offset;
    for (const auto& seg : segments_)
      for (uint64_t i = 0; i + 1 < seg.size; ++i)
        if (bytes_[seg.offset + i] == '\x0f' && bytes_[seg.offset + i + 1] == '\x05')
          by_offset.try_emplace(seg.offset + i, SyscallSite{seg.vaddr + i, seg.offset + i});
    std::vector<SyscallSite> out;
    for (auto& [offset, site] : by_offset) out.push_back(site);
    return out;
  }

  const SiteFunction& function(CodeRange range) {
    auto it = functions_.find(range);
    if (it != functions_.end()) return it->second;
    auto code = code_bytes(segments_, bytes_, range);
    SiteFunction f;
    if (code) f = decode_function(decoder_, range, *code);
    f.range = range;  // (outside the code segments it stays undecoded)
    return functions_.emplace(range, std::move(f)).first->second;
  }

  // Direct branches into the candidate functions: every target (for the
  // constant walk), and which other functions jump into a candidate's
  // middle, sharing its stack frame (a .cold part entered from its hot part,
  // code shared between functions). That needs every function decoded once.
  void collect_entries() {
    // Every function once: the FDEs (else the symbols), and the candidates,
    // some of which may be bounded by a symbol in a file that has FDEs.
    std::set<CodeRange> all(fdes_.empty() ? symbols_.begin() : fdes_.begin(),
                            fdes_.empty() ? symbols_.end() : fdes_.end());
    std::vector<CodeRange> candidate_ranges;  // sorted, as functions_ is
    uint64_t longest = 0;
    for (const auto& [range, f] : functions_) {
      candidate_ranges.push_back(range);
      longest = std::max(longest, range.end - range.begin);
      all.insert(range);
    }
    // The candidates holding `address`: those starting at most `longest` before it.
    auto holding = [&](uint64_t address, auto&& each) {
      auto it = std::upper_bound(candidate_ranges.begin(), candidate_ranges.end(), CodeRange{address, UINT64_MAX});
      while (it != candidate_ranges.begin()) {
        --it;
        if (address - it->begin >= longest) break;
        if (it->contains(address, 1)) each(*it);
      }
    };
    for (const auto& range : all) {
      auto code = code_bytes(segments_, bytes_, range);
      if (!code) continue;
      const bool candidate = functions_.contains(range);
      SiteFunction scratch = candidate ? SiteFunction{} : decode_function(decoder_, range, *code);
      const SiteFunction& f = candidate ? functions_.at(range) : scratch;
      if (f.never_returns) noreturn_.push_back(range.begin);
      for (const auto& insn : f.insns) {
        const bool jump = insn.flow == x86::Flow::Jump || insn.flow == x86::Flow::CondJump;
        if (!jump && insn.flow != x86::Flow::Call) continue;
        holding(insn.target, [&](const CodeRange& target) {
          targets_.push_back(insn.target);
          // Code elsewhere that branches between our instructions disagrees with our grid.
          if (!functions_.at(target).insn_at(insn.target)) off_grid_.insert(target);
          // A jump from elsewhere, even to the start (a tail call looks the
          // same as the jump to a .cold part), may arrive with live data
          // below RSP; a call has already written below RSP itself.
          if (!target.contains(insn.address, 1)) {
            if (jump) entered_from_[target].push_back(range);
            if (insn.target != target.begin) foreign_entries_[target].push_back(insn.target);
          }
        });
      }
    }
    std::sort(noreturn_.begin(), noreturn_.end());
    std::sort(targets_.begin(), targets_.end());
    targets_.erase(std::unique(targets_.begin(), targets_.end()), targets_.end());
  }

  // The data-flow facts of a decoded function (after collect_entries: they
  // need noreturn_ and the foreign entries).
  struct Flow {
    CodeGraph graph;
    StackUse stack;
    RegisterConstants constants;
    Flow(const SiteFunction& f, CodeGraph g) : graph(std::move(g)), stack(f.insns, graph), constants(f.insns, graph) {}
  };
  Flow& flow(const SiteFunction& f) {
    auto it = flows_.find(f.range);
    if (it == flows_.end()) {
      auto foreign = foreign_entries_[f.range];
      std::sort(foreign.begin(), foreign.end());
      it = flows_.try_emplace(f.range, f, build_code_graph(f.insns, noreturn_, foreign)).first;
    }
    return it->second;
  }

  SiteVerdict judge_in(const SiteFunction& f, uint64_t address, int64_t& number) {
    // A signal return trampoline: rt_sigreturn, whatever the decoder makes
    // of the byte before its code that its FDE starts at.
    if (signal_frames_.contains(f.range)) return SiteVerdict::UnsafeNumber;
    if (!f.decoded || off_grid_.contains(f.range)) return SiteVerdict::Misdecode;
    const auto* insn = f.insn_at(address);
    if (!insn || insn->flow != x86::Flow::Syscall || insn->size != 2) return SiteVerdict::NotAnInstruction;
    if (relocated(relocations_, address)) return SiteVerdict::Relocation;
    const auto index = size_t(insn - f.insns.data());
    auto& facts = flow(f);
    if (facts.stack.call_conflict(index)) return SiteVerdict::RedZone;
    if (auto from = entered_from_.find(f.range); from != entered_from_.end())
      for (const auto& other : from->second) {
        const auto& g = function(other);
        if (!g.decoded || flow(g).stack.below_rsp()) return SiteVerdict::SharedFrame;
      }
    // The number: by data flow where the graph is complete, else by the
    // walk back along straight code (which needs no graph).
    const auto value =
        facts.graph.complete ? facts.constants.at(index, x86::RAX) : rax_constant_at(f, index, targets_);
    if (!value) return SiteVerdict::UnknownNumber;
    number = *value;
    if (*value < 0 || *value >= kTrampolineSyscallLimit || *value == kRtSigreturn || *value == kVfork ||
        *value == kClone || *value == kClone3)
      return SiteVerdict::UnsafeNumber;
    return SiteVerdict::Rewrite;
  }

  std::string_view bytes_;
  elf::ElfFile file_;
  x86::X86Decoder decoder_;
  std::vector<CodeSegment> segments_;
  std::vector<CodeRange> fdes_, symbols_;
  std::set<CodeRange> signal_frames_;  // FDEs of signal return trampolines
  std::vector<uint64_t> relocations_;
  std::map<CodeRange, SiteFunction> functions_;
  std::vector<uint64_t> targets_;
  std::map<CodeRange, std::vector<CodeRange>> entered_from_;
  std::map<CodeRange, std::vector<uint64_t>> foreign_entries_;  // jump targets inside, from other functions
  std::set<CodeRange> off_grid_;
  std::vector<uint64_t> noreturn_;  // sorted starts of functions that never return
  std::map<CodeRange, Flow> flows_;
};

}  // namespace

std::string_view verdict_name(SiteVerdict verdict) {
  switch (verdict) {
    case SiteVerdict::Rewrite: return "rewrite";
    case SiteVerdict::NoFunction: return "no-function";
    case SiteVerdict::Misdecode: return "misdecode";
    case SiteVerdict::NotAnInstruction: return "not-an-instruction";
    case SiteVerdict::Relocation: return "relocation";
    case SiteVerdict::RedZone: return "red-zone";
    case SiteVerdict::SharedFrame: return "shared-frame";
    case SiteVerdict::UnknownNumber: return "unknown-number";
    case SiteVerdict::UnsafeNumber: return "unsafe-number";
  }
  return "?";
}

size_t SiteReport::count(SiteVerdict verdict) const {
  return size_t(std::count_if(sites.begin(), sites.end(), [&](const SyscallSite& s) { return s.verdict == verdict; }));
}

std::string SiteReport::summary() const {
  std::string out;
  for (auto verdict : kAllSiteVerdicts) {
    const auto n = count(verdict);
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(verdict_name(verdict)) + " " + std::to_string(n);
  }
  return out.empty() ? "no sites" : out;
}

SiteReport find_syscall_sites(std::string_view elf_bytes, const std::string& name) {
  if (elf_bytes.size() > kMaxSyscallSiteFileSize)
    throw Error(name + ": " + std::to_string(elf_bytes.size()) + " bytes is more than the " +
                std::to_string(kMaxSyscallSiteFileSize >> 20) + " MiB the syscall site rewriter reads");
  return SiteJudge(elf_bytes, name).judge();
}

RewriteResult rewrite_syscall_sites(std::string_view elf_bytes, const std::string& name) {
  RewriteResult result{std::string(elf_bytes), find_syscall_sites(elf_bytes, name)};
  for (const auto& site : result.report.sites)
    if (site.verdict == SiteVerdict::Rewrite) {
      result.bytes[site.file_offset] = '\xff';  // call *%rax
      result.bytes[site.file_offset + 1] = '\xd0';
    }
  return result;
}

}  // namespace tailor::syscall_sites
