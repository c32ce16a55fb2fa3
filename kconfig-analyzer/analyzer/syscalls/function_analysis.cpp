// Body discovery and constant propagation for one function (see function_analysis.h).
#include "kconfig-analyzer/analyzer/syscalls/function_analysis.h"

#include <elf.h>

#include <algorithm>
#include <map>
#include <set>

namespace tailor::syscalls {

bool is_noreturn_name(const std::string& raw) {
  static const std::set<std::string> names = {
      "exit", "_exit", "_Exit", "abort", "__stack_chk_fail", "__assert_fail", "__assert_perror_fail",
      "__libc_fatal", "__fortify_fail", "__chk_fail", "err", "errx", "verr", "verrx", "pthread_exit",
      "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "longjmp", "siglongjmp", "_longjmp", "__longjmp_chk",
      "quick_exit", "__libc_start_main", "__cxa_bad_cast", "__cxa_bad_typeid", "__cxa_pure_virtual",
      "__cxa_call_unexpected", "thrd_exit", "__libc_start_call_main", "exit_group"};
  auto name = raw.substr(0, raw.find('@'));
  if (names.count(name)) return true;
  // libstdc++'s std::__throw_* helpers (mangled _ZSt..__throw_...).
  return name.rfind("_ZSt", 0) == 0 && name.find("__throw_") != std::string::npos;
}

namespace {

constexpr uint16_t kCallerSaved =
    (1u << RAX) | (1u << RCX) | (1u << RDX) | (1u << RSI) | (1u << RDI) | (1u << R8) | (1u << R9) | (1u << R10) | (1u << R11);
constexpr size_t kMaxInstructions = 200000;

struct RegState {
  std::array<Value, kRegCount> regs;
  Value stack_top;

  RegState merge(const RegState& o) const {
    RegState out;
    for (int i = 0; i < kRegCount; ++i) out.regs[i] = regs[i].merge(o.regs[i]);
    out.stack_top = stack_top.merge(o.stack_top);
    return out;
  }
  bool operator==(const RegState& o) const { return regs == o.regs && stack_top == o.stack_top; }

  static RegState at_entry() {
    RegState s;
    for (auto& r : s.regs) r = Value::unknown();
    for (auto r : kArgRegs) s.regs[r] = Value::param(r);
    s.stack_top = Value::unknown();
    return s;
  }
  static RegState all_unknown() {
    RegState s;
    for (auto& r : s.regs) r = Value::unknown();
    s.stack_top = Value::unknown();
    return s;
  }
};

// How a branch through memory (`call [rip+X]`, `jmp [rip+X]`) resolves.
struct MemoryTarget {
  enum Kind { None, Import, Local } kind = None;
  std::string import;
  uint64_t local = 0;
};

MemoryTarget resolve_slot(const ModuleCode& code, uint64_t slot) {
  const auto& elf = code.elf();
  if (const auto* rel = elf.relocation_at(slot)) {
    if (!rel->symbol_name.empty()) return {MemoryTarget::Import, rel->symbol_name, 0};
    if (rel->type == R_X86_64_RELATIVE || rel->type == R_X86_64_IRELATIVE)
      return {MemoryTarget::Local, {}, uint64_t(rel->addend)};
    return {};
  }
  if (auto p = elf.pointer_at(slot); p && elf.is_code_address(*p)) return {MemoryTarget::Local, {}, *p};
  return {};
}

class FunctionAnalyzer {
 public:
  FunctionAnalyzer(ModuleCode& code, uint64_t entry) : code_(code), entry_(entry) {}

  FunctionInfo run() {
    info_.entry = entry_;
    explore(entry_);
    if (linear_fallback_) add_linear_range();
    build_blocks();
    propagate();
    record();
    info_.instructions = insns_.size();
    auto dedup = [](auto& v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    };
    dedup(info_.code_refs);
    dedup(info_.data_refs);
    dedup(info_.import_refs);
    return std::move(info_);
  }

 private:
  struct Block {
    std::vector<const Insn*> insns;
    std::vector<uint64_t> succs;
  };

  bool other_function(uint64_t a) const { return a != entry_ && code_.is_function_entry(a); }

  // The name a direct or memory call goes to, for the no-return check.
  std::string callee_name(const Insn& insn) const {
    if (insn.flow == Flow::Call) return code_.function_name(insn.target);
    if (insn.mem_ref) {
      auto t = resolve_slot(code_, insn.mem_ref);
      if (t.kind == MemoryTarget::Import) return t.import;
      if (t.kind == MemoryTarget::Local) return code_.function_name(t.local);
    }
    return {};
  }
  bool call_returns(const Insn& insn) const {
    // A call to a PLT stub: look through the stub's jmp to the import's name.
    if (insn.flow == Flow::Call) {
      if (const auto* stub = const_cast<ModuleCode&>(code_).insn_at(insn.target);
          stub && stub->flow == Flow::IndirectJump && stub->mem_ref) {
        auto t = resolve_slot(code_, stub->mem_ref);
        if (t.kind == MemoryTarget::Import && is_noreturn_name(t.import)) return false;
      }
    }
    return !is_noreturn_name(callee_name(insn));
  }

  void explore(uint64_t start) {
    std::vector<uint64_t> stack{start};
    leaders_.insert(start);
    while (!stack.empty()) {
      uint64_t a = stack.back();
      stack.pop_back();
      while (insns_.size() < kMaxInstructions) {
        if (insns_.count(a)) {
          leaders_.insert(a);
          break;
        }
        const Insn* insn = code_.insn_at(a);
        if (!insn) break;
        insns_[a] = insn;
        bool falls_through = true;
        switch (insn->flow) {
          case Flow::Call:
          case Flow::IndirectCall: falls_through = call_returns(*insn); break;
          case Flow::Jump:
            if (!other_function(insn->target) && code_.elf().is_code_address(insn->target)) {
              leaders_.insert(insn->target);
              stack.push_back(insn->target);
            }
            falls_through = false;
            break;
          case Flow::IndirectJump:
            if (!insn->mem_ref || resolve_slot(code_, insn->mem_ref).kind == MemoryTarget::None)
              linear_fallback_ = true;
            falls_through = false;
            break;
          case Flow::CondJump:
            if (!other_function(insn->target) && code_.elf().is_code_address(insn->target)) {
              leaders_.insert(insn->target);
              stack.push_back(insn->target);
            }
            leaders_.insert(a + insn->size);
            break;
          case Flow::Return:
          case Flow::Stop: falls_through = false; break;
          default: break;
        }
        if (!falls_through) break;
        uint64_t next = a + insn->size;
        if (other_function(next)) {
          // Running into another function: after a call it was a call that does
          // not return; otherwise the code really continues there (a tail).
          if (insn->flow != Flow::Call && insn->flow != Flow::IndirectCall) fallthrough_calls_.push_back({a, next});
          break;
        }
        a = next;
      }
    }
  }

  // A jump through a register we cannot follow (a switch table): take every
  // instruction of the function's address range, so no case is missed.
  void add_linear_range() {
    ++info_.unresolved_indirect_jumps;
    uint64_t end = code_.function_end(entry_);
    for (const Insn* i = code_.insn_at(entry_); i && i->address < end; i = code_.next_linear(i->address)) {
      if (insns_.count(i->address)) continue;
      orphans_.insert(i->address);
      explore(i->address);
    }
  }

  void build_blocks() {
    for (auto leader : leaders_) {
      if (!insns_.count(leader)) continue;
      Block b;
      uint64_t a = leader;
      while (true) {
        auto it = insns_.find(a);
        if (it == insns_.end()) break;
        const Insn* insn = it->second;
        b.insns.push_back(insn);
        uint64_t next = a + insn->size;
        bool ends = false;
        switch (insn->flow) {
          case Flow::Jump:
            if (insns_.count(insn->target) && !other_function(insn->target)) b.succs.push_back(insn->target);
            ends = true;
            break;
          case Flow::CondJump:
            if (insns_.count(insn->target) && !other_function(insn->target)) b.succs.push_back(insn->target);
            break;
          case Flow::IndirectJump:
          case Flow::Return:
          case Flow::Stop: ends = true; break;
          case Flow::Call:
          case Flow::IndirectCall:
            if (!call_returns(*insn)) ends = true;
            break;
          default: break;
        }
        if (ends) break;
        if (!insns_.count(next) || other_function(next)) break;
        if (leaders_.count(next)) {
          b.succs.push_back(next);
          break;
        }
        a = next;
      }
      blocks_[leader] = std::move(b);
    }
  }

  void transfer(const Insn& insn, RegState& s) const {
    switch (insn.effect) {
      case Effect::SetConst: s.regs[insn.dst] = Value::constant(insn.imm); break;
      case Effect::Copy: s.regs[insn.dst] = s.regs[insn.src]; break;
      case Effect::Push: s.stack_top = insn.src == kNoReg ? Value::constant(insn.imm) : s.regs[insn.src]; break;
      case Effect::Pop:
        s.regs[insn.dst] = s.stack_top;
        s.stack_top = Value::unknown();
        break;
      case Effect::None: break;
    }
    uint16_t clobbers = insn.clobbers;
    if (insn.flow == Flow::Call || insn.flow == Flow::IndirectCall) clobbers |= kCallerSaved;
    // The kernel returns in rax and uses rcx/r11 for the return address and flags.
    if (insn.flow == Flow::Syscall || insn.flow == Flow::Int80) clobbers |= (1u << RAX) | (1u << RCX) | (1u << R11);
    for (int r = 0; r < kRegCount; ++r)
      if ((clobbers >> r) & 1) s.regs[r] = Value::unknown();
    if (((clobbers >> RSP) & 1) && insn.effect != Effect::Push && insn.effect != Effect::Pop) s.stack_top = Value::unknown();
    if (insn.flow == Flow::Call || insn.flow == Flow::IndirectCall) s.stack_top = Value::unknown();
  }

  void propagate() {
    for (auto& [leader, b] : blocks_) (void)b, in_[leader] = RegState();
    in_[entry_] = RegState::at_entry();
    for (auto o : orphans_) in_[o] = RegState::all_unknown();
    std::set<uint64_t> work;
    work.insert(entry_);
    for (auto o : orphans_) work.insert(o);
    size_t steps = 0;
    while (!work.empty() && steps++ < 20 * blocks_.size() + 1000) {
      uint64_t leader = *work.begin();
      work.erase(work.begin());
      auto bit = blocks_.find(leader);
      if (bit == blocks_.end()) continue;
      RegState s = in_[leader];
      for (const Insn* insn : bit->second.insns) transfer(*insn, s);
      for (auto succ : bit->second.succs) {
        RegState merged = in_[succ].merge(s);
        if (!(merged == in_[succ])) {
          in_[succ] = merged;
          work.insert(succ);
        }
      }
    }
  }

  void note_reference(const Insn& insn) {
    const auto& elf = code_.elf();
    if (insn.mem_ref) {
      if (insn.mem_is_load) {
        // Loading through a slot: the slot's relocation says what it holds.
        if (const auto* rel = elf.relocation_at(insn.mem_ref); rel && !rel->symbol_name.empty()) {
          info_.import_refs.push_back(rel->symbol_name);
        } else if (auto p = elf.pointer_at(insn.mem_ref); p && elf.relocation_at(insn.mem_ref)) {
          if (elf.is_code_address(*p)) info_.code_refs.push_back(*p);
          else info_.data_refs.push_back(*p);
        }
        if (!elf.is_code_address(insn.mem_ref)) info_.data_refs.push_back(insn.mem_ref);
      } else if (elf.is_code_address(insn.mem_ref)) {
        info_.code_refs.push_back(insn.mem_ref);
      } else {
        info_.data_refs.push_back(insn.mem_ref);
      }
    }
    if (insn.imm_ref && elf.kind() == elf::FileKind::Executable) {
      if (elf.is_code_address(insn.imm_ref)) info_.code_refs.push_back(insn.imm_ref);
      else if (elf.section_at(insn.imm_ref)) info_.data_refs.push_back(insn.imm_ref);
    }
  }

  void add_call(const Insn& insn, const RegState& s, uint64_t local_target, const std::string& import) {
    CallSite c;
    c.address = insn.address;
    if (!import.empty()) {
      c.kind = CallSite::Kind::Import;
      c.import = import;
    } else {
      c.kind = CallSite::Kind::Local;
      c.target = local_target;
    }
    for (size_t i = 0; i < kArgRegs.size(); ++i) c.args[i] = s.regs[kArgRegs[i]];
    info_.calls.push_back(std::move(c));
  }

  void record() {
    for (const auto& [leader, b] : blocks_) {
      RegState s = in_[leader];
      for (const Insn* insn : b.insns) {
        switch (insn->flow) {
          case Flow::Syscall: info_.syscalls.push_back({insn->address, s.regs[RAX], s.regs[RDI]}); break;
          case Flow::Int80: ++info_.int80_sites; break;
          case Flow::Call: add_call(*insn, s, insn->target, {}); break;
          case Flow::Jump:
            if (other_function(insn->target) || !code_.elf().is_code_address(insn->target))
              add_call(*insn, s, insn->target, {});
            break;
          case Flow::IndirectCall:
          case Flow::IndirectJump:
            if (insn->mem_ref) {
              auto t = resolve_slot(code_, insn->mem_ref);
              if (t.kind == MemoryTarget::Import) add_call(*insn, s, 0, t.import);
              else if (t.kind == MemoryTarget::Local) add_call(*insn, s, t.local, {});
              else note_reference(*insn);
            }
            break;
          default: note_reference(*insn); break;
        }
        if (insn->flow == Flow::Call && insn->imm_ref) note_reference(*insn);
        transfer(*insn, s);
      }
    }
    for (auto [from, to] : fallthrough_calls_) {
      CallSite c;
      c.address = from;
      c.target = to;
      for (auto& a : c.args) a = Value::unknown();
      info_.calls.push_back(std::move(c));
    }
  }

  ModuleCode& code_;
  uint64_t entry_;
  FunctionInfo info_;
  std::map<uint64_t, const Insn*> insns_;
  std::set<uint64_t> leaders_;
  std::set<uint64_t> orphans_;
  std::map<uint64_t, Block> blocks_;
  std::map<uint64_t, RegState> in_;
  std::vector<std::pair<uint64_t, uint64_t>> fallthrough_calls_;
  bool linear_fallback_ = false;
};

}  // namespace

FunctionInfo analyze_function(ModuleCode& code, uint64_t entry) { return FunctionAnalyzer(code, entry).run(); }

}  // namespace tailor::syscalls
