// Program-wide reachability and syscall summaries (see program_analysis.h).
#include "kconfig-analyzer/analyzer/syscalls/program_analysis.h"

#include <elf.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>

#include "common/elf/elf_file.h"
#include "kconfig-analyzer/analyzer/syscalls/busybox.h"
#include "kconfig-analyzer/analyzer/syscalls/function_analysis.h"
#include "kconfig-analyzer/analyzer/syscalls/module_code.h"

namespace tailor::syscalls {

struct AnalysisCache::Entry {
  std::unique_ptr<elf::ElfFile> elf;
  std::unique_ptr<ModuleCode> code;
  std::map<uint64_t, FunctionInfo> functions;
};

struct AnalysisCache::Impl {
  X86Decoder decoder;
  std::map<std::string, std::unique_ptr<Entry>> modules;
};

AnalysisCache::AnalysisCache() : impl_(std::make_unique<Impl>()) {}
AnalysisCache::~AnalysisCache() = default;

AnalysisCache::Entry& AnalysisCache::module(const std::filesystem::path& host_path) {
  auto key = std::filesystem::weakly_canonical(host_path).string();
  auto& slot = impl_->modules[key];
  if (!slot) {
    slot = std::make_unique<Entry>();
    slot->elf = std::make_unique<elf::ElfFile>(elf::ElfFile::load(host_path));
    slot->code = std::make_unique<ModuleCode>(*slot->elf, impl_->decoder);
  }
  return *slot;
}

namespace {

constexpr int kSysSocket = 41;      // x86-64 numbers of the calls whose first
constexpr int kSysSocketpair = 53;  // argument (the family) we keep

struct FuncId {
  uint32_t module = 0;
  uint64_t addr = 0;
  auto operator<=>(const FuncId&) const = default;
};

struct Site {
  uint32_t module = 0;
  uint64_t addr = 0;
  auto operator<=>(const Site&) const = default;
};

// A syscall fact in terms of a function's parameters: number and first argument,
// each a constant, a parameter (index into kArgRegs) or unknown.
struct Term {
  enum Kind : uint8_t { Const, Param, Unknown } kind = Unknown;
  int64_t value = 0;
  auto operator<=>(const Term&) const = default;
};
struct Fact {
  Term nr, a0;
  auto operator<=>(const Fact&) const = default;
};
using Summary = std::map<Fact, Site>;

std::vector<Term> expand(const Value& v) {
  std::vector<Term> out;
  if (v.is_consts()) {
    for (int i = 0; i < v.const_count(); ++i) out.push_back({Term::Const, v.const_at(i)});
  } else if (v.is_param() && arg_index(v.param_reg()) >= 0) {
    out.push_back({Term::Param, arg_index(v.param_reg())});
  } else {
    out.push_back({Term::Unknown, 0});
  }
  return out;
}

Term normalize_a0(const Term& nr, const Term& a0) {
  if (nr.kind == Term::Const && nr.value != kSysSocket && nr.value != kSysSocketpair) return {Term::Unknown, 0};
  return a0;
}

std::vector<Term> substitute(const Term& t, const std::array<Value, 6>* args) {
  if (t.kind != Term::Param) return {t};
  if (!args) return {{Term::Unknown, 0}};
  return expand((*args)[t.value]);
}

struct Module {
  elf::LoadedObject object;
  const elf::ElfFile* elf = nullptr;
  ModuleCode* code = nullptr;
  std::map<uint64_t, FunctionInfo>* functions = nullptr;  // analysed functions, shared through the cache
  std::string short_name;
};

struct Reachable {
  FunctionInfo info;
  std::vector<std::pair<FuncId, const CallSite*>> callees;
};

class ProgramAnalyzer {
 public:
  ProgramAnalyzer(const std::vector<elf::LoadedObject>& closure, AnalysisCache& cache, bool loadable,
                  const AnalysisOptions& options)
      : loadable_(loadable), barriers_(options.barriers), applets_(options.busybox_applets) {
    for (const auto& obj : closure) {
      auto& entry = cache.module(obj.host_path);
      Module m;
      m.object = obj;
      m.elf = entry.elf.get();
      m.code = entry.code.get();
      m.functions = &entry.functions;
      m.short_name = std::filesystem::path(obj.image_path).filename().string();
      modules_.push_back(std::move(m));
    }
  }

  StaticAnalysis run() {
    if (applets_) {
      busybox_ = find_busybox_table(*modules_.front().elf);
      if (busybox_)
        for (size_t i = 0; i < busybox_->names.size(); ++i)
          if (applets_->count(busybox_->names[i])) {
            allowed_slots_.insert(busybox_->mains + 8 * i);
            followed_applets_.push_back(busybox_->names[i]);
          }
    }
    add_roots();
    explore();
    compute_summaries();
    return collect();
  }

 private:
  struct Definition {
    uint32_t module = 0;
    const elf::Symbol* symbol = nullptr;
  };

  // Symbol lookup in the global scope: the program, then libraries in load order.
  std::vector<Definition> resolve(const std::string& raw) {
    auto name = raw.substr(0, raw.find('@'));
    std::vector<Definition> out;
    for (uint32_t m = 0; m < modules_.size(); ++m) {
      for (const auto* s : modules_[m].elf->find_exports(name)) {
        // The first definition of a function wins (interposition). Objects
        // copied into the program (R_X86_64_COPY) keep their initial contents
        // in the library: every definition of data counts.
        if (s->is_function()) {
          if (out.empty()) return {{m, s}};
          return out;
        }
        out.push_back({m, s});
      }
    }
    return out;
  }

  static std::string plain_name(std::string name) {
    if (auto at = name.find('@'); at != std::string::npos) name.resize(at);
    return name;
  }
  bool is_barrier(FuncId f) const {
    if (barriers_.empty()) return false;
    return barriers_.count(plain_name(modules_[f.module].code->function_name(f.addr))) > 0;
  }

  void add_function(FuncId f, const std::string& root_reason = {}) {
    if (!modules_[f.module].elf->is_code_address(f.addr)) return;
    if (is_barrier(f)) return;
    if (!root_reason.empty()) roots_.emplace(f, root_reason);
    if (reach_.count(f)) return;
    reach_.emplace(f, Reachable{});
    if (current_) parent_.emplace(f, *current_);
    work_.push_back(f);
  }

  std::string describe(FuncId f) {
    const auto& m = modules_[f.module];
    auto name = m.code->function_name(f.addr);
    if (name.empty()) name = hex(f.addr);
    return m.short_name + ":" + name;
  }

  static std::string hex(uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
  }

  void add_symbol_reference(const std::string& name, uint32_t from_module) {
    for (const auto& d : resolve(name)) {
      if (d.symbol->is_function()) {
        add_function({d.module, d.symbol->value}, describe({d.module, d.symbol->value}) + " (address taken in " +
                                                      modules_[from_module].short_name + ")");
      } else {
        add_object(d.module, d.symbol->value);
      }
    }
  }

  void add_object(uint32_t module, uint64_t addr) {
    std::deque<std::pair<uint32_t, uint64_t>> pending{{module, addr}};
    while (!pending.empty()) {
      auto [m, a] = pending.front();
      pending.pop_front();
      auto& code = *modules_[m].code;
      auto obj = code.data_object(a);
      if (!obj || !objects_.insert({m, obj->begin}).second) continue;
      for (auto p : applet_filtered(m, *obj, code.pointers_in(*obj))) {
        if (modules_[m].elf->is_code_address(p))
          add_function({m, p}, describe({m, p}) + " (function pointer in " + modules_[m].short_name + " data)");
        else
          pending.push_back({m, p});
      }
      for (const auto& name : code.imports_in(*obj)) {
        for (const auto& d : resolve(name)) {
          if (d.symbol->is_function())
            add_function({d.module, d.symbol->value},
                         describe({d.module, d.symbol->value}) + " (function pointer in " + modules_[m].short_name + " data)");
          else
            pending.push_back({d.module, d.symbol->value});
        }
      }
    }
  }

  // Pointers of a data object, without the applet_main[] entries of applets
  // the app does not use.
  std::vector<uint64_t> applet_filtered(uint32_t m, Range obj, std::vector<uint64_t> pointers) {
    if (m != 0 || !busybox_) return pointers;
    uint64_t begin = busybox_->mains, end = begin + 8 * busybox_->names.size();
    if (obj.end <= begin || obj.begin >= end) return pointers;
    std::vector<uint64_t> out;
    for (uint64_t a = obj.begin & ~uint64_t(7); a < obj.end; a += 8) {
      auto v = modules_[0].elf->pointer_at(a);
      if (!v) continue;
      bool in_table = a >= begin && a < end;
      if (in_table && !allowed_slots_.count(a)) continue;
      if (modules_[0].elf->is_code_address(*v) || modules_[0].code->data_object(*v)) out.push_back(*v);
    }
    return out;
  }

  void add_roots() {
    const auto& exe = modules_.front();
    if (loadable_) {
      for (const auto& sym : exe.elf->dynamic_symbols())
        if (sym.defined() && sym.is_function() && sym.bind != STB_LOCAL)
          add_function({0, sym.value}, exe.short_name + ":" + sym.name + " (exported)");
    } else {
      add_function({0, exe.elf->entry()}, exe.short_name + " (program entry)");
    }
    for (uint32_t m = 0; m < modules_.size(); ++m) {
      const auto& mod = modules_[m];
      if (mod.object.interpreter) add_function({m, mod.elf->entry()}, mod.short_name + " (dynamic loader)");
      for (auto a : mod.elf->init_fini_functions())
        add_function({m, a}, mod.short_name + " (constructor/destructor " + describe({m, a}) + ")");
    }
  }

  void explore() {
    while (!work_.empty()) {
      auto f = work_.front();
      work_.pop_front();
      current_ = f;
      auto& mod = modules_[f.module];
      auto cached = mod.functions->find(f.addr);
      if (cached == mod.functions->end())
        cached = mod.functions->emplace(f.addr, analyze_function(*mod.code, f.addr)).first;
      Reachable r;
      r.info = cached->second;
      reach_[f] = std::move(r);
      auto& stored = reach_[f];
      for (const auto& c : stored.info.calls) {
        if (c.kind == CallSite::Kind::Local) {
          FuncId g{f.module, c.target};
          add_function(g);
          if (reach_.count(g)) stored.callees.push_back({g, &c});
        } else {
          if (barriers_.count(plain_name(c.import))) continue;
          auto defs = resolve(c.import);
          if (!defs.empty() && defs.front().symbol->is_function()) {
            FuncId g{defs.front().module, defs.front().symbol->value};
            add_function(g);
            if (reach_.count(g)) stored.callees.push_back({g, &c});
          }
        }
      }
      for (auto a : stored.info.code_refs)
        add_function({f.module, a}, describe({f.module, a}) + " (address taken in " + mod.short_name + ")");
      for (auto a : stored.info.data_refs) add_object(f.module, a);
      for (const auto& name : stored.info.import_refs) add_symbol_reference(name, f.module);
    }
  }

  Summary local_facts(FuncId f) {
    Summary out;
    for (const auto& s : reach_[f].info.syscalls) {
      for (const auto& nr : expand(s.nr))
        for (const auto& a0 : expand(s.arg0)) {
          Fact fact{nr, normalize_a0(nr, a0)};
          Site site{f.module, s.address};
          auto [it, inserted] = out.emplace(fact, site);
          if (!inserted && site < it->second) it->second = site;
        }
    }
    return out;
  }

  // Facts of `callee` seen from a call with `args` (nullptr: unknown arguments).
  static void apply(const Summary& callee, const std::array<Value, 6>* args, Site call_site, Summary& into,
                    bool& changed) {
    for (const auto& [fact, site] : callee) {
      for (const auto& nr : substitute(fact.nr, args))
        for (const auto& a0 : substitute(fact.a0, args)) {
          Fact f{nr, normalize_a0(nr, a0)};
          Site s = fact.nr.kind == Term::Param && nr.kind == Term::Const ? call_site : site;
          auto [it, inserted] = into.emplace(f, s);
          if (inserted) changed = true;
          else if (s < it->second) it->second = s, changed = true;
        }
    }
  }

  void compute_summaries() {
    std::map<FuncId, std::vector<FuncId>> callers;
    for (auto& [f, r] : reach_) {
      summaries_[f] = local_facts(f);
      for (auto& [g, c] : r.callees) callers[g].push_back(f);
    }
    std::set<FuncId> queued;
    std::deque<FuncId> work;
    for (auto& [f, r] : reach_) work.push_back(f), queued.insert(f);
    while (!work.empty()) {
      auto f = work.front();
      work.pop_front();
      queued.erase(f);
      bool changed = false;
      auto& mine = summaries_[f];
      for (auto& [g, c] : reach_[f].callees) {
        if (g == f) continue;
        apply(summaries_[g], &c->args, {f.module, c->address}, mine, changed);
      }
      if (changed)
        for (auto caller : callers[f])
          if (queued.insert(caller).second) work.push_back(caller);
    }
  }

  // The discovery path from a root to the function holding `site`.
  std::vector<std::string> path_to(Site site) {
    std::optional<FuncId> holder;
    for (auto& [f, r] : reach_) {
      if (f.module != site.module) continue;
      for (const auto& s : r.info.syscalls)
        if (s.address == site.addr) holder = f;
      for (const auto& c : r.info.calls)
        if (c.address == site.addr) holder = f;
      if (holder) break;
    }
    std::vector<std::string> out;
    for (auto f = holder; f; ) {
      out.insert(out.begin(), roots_.count(*f) ? roots_[*f] : describe(*f));
      auto it = parent_.find(*f);
      if (it == parent_.end() || out.size() > 64) break;
      f = it->second;
    }
    return out;
  }

  std::string site_text(Site s) {
    const auto& m = modules_[s.module];
    auto fn = m.code->function_containing(s.addr);
    return m.short_name + "+" + hex(s.addr) + (fn.empty() ? "" : " (" + fn + ")");
  }

  StaticAnalysis collect() {
    StaticAnalysis out;
    out.program = modules_.front().object.image_path;
    for (const auto& m : modules_) out.modules.push_back(m.object.image_path);
    out.functions = reach_.size();
    out.busybox_applets = followed_applets_;
    for (auto& [f, r] : reach_) out.instructions += r.info.instructions;

    std::map<int, std::set<std::string>> via;       // primary reasons: the program's imports or its own functions
    std::map<int, std::set<std::string>> root_via;  // other roots (loader, constructors, function pointers)
    std::map<int, Site> sites;
    std::map<int, std::set<std::string>> family_via, family_root_via;
    std::map<int, Site> family_sites;
    auto note = [&](const Fact& fact, Site site, const std::string& reason, bool primary) {
      // Facts still in terms of parameters are accounted for where the callers bind them.
      if (fact.nr.kind == Term::Param || fact.a0.kind == Term::Param) return;
      if (fact.nr.kind != Term::Const) {
        unresolved_.insert(site);
        return;
      }
      int nr = int(fact.nr.value);
      (primary ? via : root_via)[nr].insert(reason);
      if (!sites.count(nr) || site < sites[nr]) sites[nr] = site;
      if (nr == kSysSocket || nr == kSysSocketpair) {
        if (fact.a0.kind == Term::Const) {
          int fam = int(fact.a0.value);
          (primary ? family_via : family_root_via)[fam].insert(reason);
          if (!family_sites.count(fam) || site < family_sites[fam]) family_sites[fam] = site;
        } else {
          out.unknown_socket_family = true;
          unknown_family_[site].insert(reason);
        }
      }
    };

    // The program's own code: its syscall instructions and its calls (into
    // libraries, through PLT stubs, or to its own wrappers in a static binary).
    for (auto& [f, r] : reach_) {
      if (f.module != 0) continue;
      std::string fn = modules_[0].code->function_containing(f.addr);
      if (fn.empty()) fn = describe(f);
      for (const auto& [fact, site] : local_facts(f)) note(fact, site, fn, true);
      for (auto& [g, c] : r.callees) {
        std::string reason;
        if (g.module == 0) {
          reason = modules_[0].code->function_name(g.addr);
          auto at = reason.find("@plt");
          // In a dynamic program the telling names are its imports (through
          // PLT stubs); its internal calls would only repeat what they reach.
          if (at == std::string::npos && modules_.size() > 1) continue;
          if (at != std::string::npos) reason.resize(at);
          if (reason.empty()) reason = describe(g);
        } else {
          reason = c->import.substr(0, c->import.find('@'));
          out.imports_called.insert(reason);
        }
        Summary seen;
        bool changed = false;
        apply(summaries_[g], &c->args, {f.module, c->address}, seen, changed);
        for (const auto& [fact, site] : seen) note(fact, site, reason, true);
      }
      for (const auto& name : r.info.import_refs) out.imports_called.insert(name.substr(0, name.find('@')));
    }
    // Everything reachable from the roots (what a program-only view cannot attribute).
    for (const auto& [root, reason] : roots_) {
      Summary seen;
      bool changed = false;
      apply(summaries_[root], nullptr, {root.module, root.addr}, seen, changed);
      for (const auto& [fact, site] : seen) note(fact, site, reason, false);
    }

    for (auto& [nr, site] : sites) {
      SyscallEvidence e;
      auto& reasons = via.count(nr) ? via[nr] : root_via[nr];
      e.via.assign(reasons.begin(), reasons.end());
      e.site = site_text(site);
      e.path = path_to(site);
      out.syscalls[nr] = std::move(e);
    }
    for (auto& [fam, fsite] : family_sites) {
      SyscallEvidence e;
      auto& reasons = family_via.count(fam) ? family_via[fam] : family_root_via[fam];
      e.via.assign(reasons.begin(), reasons.end());
      e.site = site_text(family_sites[fam]);
      e.path = path_to(family_sites[fam]);
      out.socket_families[fam] = std::move(e);
    }
    for (auto s : unresolved_) out.unresolved_sites.push_back(site_text(s));
    for (auto& [site, reasons] : unknown_family_)
      out.unknown_family_evidence.push_back({{reasons.begin(), reasons.end()}, site_text(site), path_to(site)});

    for (auto& [f, r] : reach_) {
      for (auto a : r.info.data_refs) {
        auto str = modules_[f.module].elf->string_at(a);
        if (str && str->size() > 1 && str->front() == '/' && str->size() < 256)
          out.paths.emplace(std::string(*str), modules_[f.module].short_name);
      }
    }
    return out;
  }

  bool loadable_ = false;
  std::set<std::string> barriers_;
  std::optional<std::set<std::string>> applets_;
  std::optional<BusyboxTable> busybox_;
  std::set<uint64_t> allowed_slots_;
  std::vector<std::string> followed_applets_;
  std::vector<Module> modules_;
  std::map<FuncId, Reachable> reach_;
  std::map<FuncId, std::string> roots_;
  std::deque<FuncId> work_;
  std::set<std::pair<uint32_t, uint64_t>> objects_;
  std::map<FuncId, Summary> summaries_;
  std::set<Site> unresolved_;
  std::map<Site, std::set<std::string>> unknown_family_;
  std::optional<FuncId> current_;     // the function being explored
  std::map<FuncId, FuncId> parent_;   // who first reached each function
};

}  // namespace

StaticAnalysis analyze_closure(const std::vector<elf::LoadedObject>& closure, AnalysisCache* cache,
                               const AnalysisOptions& options) {
  AnalysisCache local;
  return ProgramAnalyzer(closure, cache ? *cache : local, false, options).run();
}

StaticAnalysis analyze_program(const std::string& program, const elf::PathMap& map, AnalysisCache* cache,
                               const AnalysisOptions& options) {
  return analyze_closure(elf::library_closure(program, map), cache, options);
}

StaticAnalysis analyze_loadable_module(const std::string& image_path, const elf::PathMap& map, AnalysisCache* cache,
                                       const AnalysisOptions& options) {
  AnalysisCache local;
  return ProgramAnalyzer(elf::library_closure(image_path, map), cache ? *cache : local, true, options).run();
}

}  // namespace tailor::syscalls
