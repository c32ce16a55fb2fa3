// From an application's programs and manifest facts to Kconfig requirements (see app_analysis.h).
#include "kconfig-analyzer/analyzer/app/app_analysis.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "common/config_line.h"
#include "common/error.h"

namespace tailor::app {

std::string socket_family_name(int family) {
  static const std::map<int, std::string> names = {
      {1, "AF_UNIX"},     {2, "AF_INET"},   {3, "AF_AX25"},  {4, "AF_IPX"},     {5, "AF_APPLETALK"},
      {9, "AF_X25"},      {10, "AF_INET6"}, {15, "AF_KEY"},  {16, "AF_NETLINK"}, {17, "AF_PACKET"},
      {29, "AF_CAN"},     {31, "AF_BLUETOOTH"}, {38, "AF_ALG"}, {40, "AF_VSOCK"}, {44, "AF_XDP"}};
  auto it = names.find(family);
  return it != names.end() ? it->second : "AF_" + std::to_string(family);
}

namespace {

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// The most telling "via" for a syscall: the wrapper of the same name, else a
// function the program calls, else how the analysis reached it.
std::string best_via(const std::vector<std::string>& via, const std::string& syscall) {
  for (const auto& v : via)
    if (v == syscall) return v;
  for (const auto& v : via)
    if (v.find(' ') == std::string::npos) return v;
  return via.empty() ? std::string() : via.front();
}

class Collector {
 public:
  Collector(const knowledge::SyscallKnowledge& k, const knowledge::RuleSet& rules) : k_(k), rules_(rules) {}

  void add(Finding f) {
    auto key = f.trigger + "\x1f" + f.source + "\x1f" + (f.chain.empty() ? "" : f.chain.back());
    if (auto it = seen_.find(key); it != seen_.end()) {
      // Seen again: incidental only if every sighting is.
      if (!f.incidental) findings_[it->second].incidental = false;
      return;
    }
    seen_[key] = findings_.size();
    findings_.push_back(std::move(f));
  }

  void add_static(const ProgramResult& p) {
    const auto& a = p.analysis;
    auto who = base_name(p.program);
    for (const auto& [nr, e] : a.syscalls) {
      auto name = k_.name_of(nr);
      auto via = best_via(e.via, name);
      std::vector<std::string> chain{name};
      if (!via.empty() && via != name && via.find(' ') == std::string::npos) chain.push_back(via);
      chain.push_back(who);
      bool incidental = rules_.soft_syscalls().count(name) && !p.direct.syscalls.count(nr);
      add({"syscall:" + name, chain, "static", incidental});
    }
    for (const auto& [fam, e] : a.socket_families) {
      auto name = socket_family_name(fam);
      std::vector<std::string> chain{"socket(" + name + ")"};
      auto via = best_via(e.via, "socket");
      if (!via.empty() && via != "socket" && via.find(' ') == std::string::npos) chain.push_back(via);
      chain.push_back(who);
      add({"socket:" + name, chain, "static", !p.direct.socket_families.count(fam)});
    }
    if (a.unknown_socket_family) {
      const auto& ev = a.unknown_family_evidence;
      std::string via = ev.empty() ? std::string() : best_via(ev.front().via, "socket");
      std::vector<std::string> chain{"socket(family computed at run time)"};
      if (!via.empty() && via != "socket") chain.push_back(via);
      chain.push_back(who);
      add({"socket:unknown", chain, "static", !p.direct.unknown_socket_family});
    }
    for (const auto& [path, module] : a.paths) {
      auto trigger = "path:" + path;
      if (rules_.matching(trigger).empty()) continue;  // only paths that matter to the kernel
      std::vector<std::string> chain{path};
      if (module != who) chain.push_back(module);
      chain.push_back(who);
      add({trigger, chain, "static"});
    }
  }

  void add_trace(const trace::TraceResult& t) {
    auto who = [](const std::set<std::string>& programs) {
      return programs.empty() ? std::string("traced run") : base_name(*programs.begin());
    };
    for (const auto& [nr, progs] : t.syscalls) {
      auto name = k_.name_of(nr);
      add({"syscall:" + name, {name, who(progs) + " (traced)"}, "trace"});
    }
    for (const auto& [fam, progs] : t.socket_families) {
      auto name = socket_family_name(fam);
      add({"socket:" + name, {"socket(" + name + ")", who(progs) + " (traced)"}, "trace"});
    }
    for (const auto& [path, progs] : t.paths) {
      auto trigger = "path:" + path;
      if (rules_.matching(trigger).empty()) continue;
      add({trigger, {path, who(progs) + " (traced)"}, "trace"});
    }
  }

  std::vector<minimizer::Requirement> requirements(std::vector<std::string>& notes) const {
    std::vector<minimizer::Requirement> out;
    std::set<std::string> have;
    auto push = [&](knowledge::Dnf dnf, std::vector<std::string> reason) {
      auto key = knowledge::to_string(dnf);
      if (!have.insert(key).second) return;
      out.push_back({std::move(dnf), std::move(reason)});
    };
    std::set<std::string> not_implemented, incidental;
    // A trigger that something needs outright is never incidental.
    std::set<std::string> needed;
    for (const auto& f : findings_)
      if (!f.incidental) needed.insert(f.trigger);
    for (const auto& f : findings_) {
      if (f.incidental) {
        if (!needed.count(f.trigger)) incidental.insert(f.trigger + " (" + minimizer::chain_text(f.chain) + ")");
        continue;
      }
      if (f.trigger.rfind("syscall:", 0) == 0) {
        const auto* facts = k_.by_name(f.trigger.substr(8));
        if (!facts || !facts->implemented()) {
          not_implemented.insert(f.trigger.substr(8));
        } else if (!facts->always_available()) {
          push(facts->requirement, f.chain);
        }
      } else if (f.trigger.rfind("config:", 0) == 0) {
        // [kernel] extra: "config:X=y" or "config:X=n".
        auto body = f.trigger.substr(7);
        auto eq = body.find('=');
        bool on = body.substr(eq + 1) != "n";
        push({{{body.substr(0, eq), on}}}, f.chain);
      }
      for (const auto* rule : rules_.matching(f.trigger)) {
        knowledge::Conjunction c;
        for (const auto& s : rule->need) c.push_back({s, true});
        auto reason = f.chain;
        if (!reason.empty()) reason.front() += " (" + rule->why + ")";
        push({c}, reason);
      }
    }
    for (const auto& i : incidental)
      notes.push_back("incidental, no option: " + i + " -- only library code that fails softly without it");
    for (const auto& n : not_implemented)
      notes.push_back("syscall " + n + " is not implemented by this kernel for x86_64 (it returns ENOSYS on any config)");
    return out;
  }

  const std::vector<Finding>& findings() const { return findings_; }

 private:
  const knowledge::SyscallKnowledge& k_;
  const knowledge::RuleSet& rules_;
  std::vector<Finding> findings_;
  std::map<std::string, size_t> seen_;
};

}  // namespace

AppAnalysis analyze_app(const AppInput& in, const knowledge::SyscallKnowledge& k, const knowledge::RuleSet& rules,
                        Progress* progress) {
  AppAnalysis out;
  syscalls::AnalysisCache cache;
  auto step = [&](const std::string& what, size_t i, size_t n) {
    if (progress) progress->update("analyze", n ? int(100 * i / n) : -1, what);
  };
  size_t total = 1 + in.other_programs.size() + in.loadable_modules.size(), done = 0;

  syscalls::AnalysisOptions direct;
  direct.barriers = rules.soft_functions();
  auto both = [&](const std::string& p, const std::string& role) {
    ProgramResult r;
    r.program = p;
    r.role = role;
    syscalls::AnalysisOptions full;
    if (role == "app" && in.command_words) full.busybox_applets = direct.busybox_applets = in.command_words;
    else direct.busybox_applets.reset();
    if (role == "module") {
      r.analysis = syscalls::analyze_loadable_module(p, in.files, &cache);
      r.direct = syscalls::analyze_loadable_module(p, in.files, &cache, direct);
    } else {
      r.analysis = syscalls::analyze_program(p, in.files, &cache, full);
      r.direct = syscalls::analyze_program(p, in.files, &cache, direct);
      if (!r.analysis.busybox_applets.empty()) {
        std::string list;
        for (const auto& a : r.analysis.busybox_applets) list += (list.empty() ? "" : " ") + a;
        out.notes.push_back(base_name(p) + " is BusyBox: followed only the applets argv and the app's scripts name: " +
                            list);
      }
    }
    return r;
  };

  step(base_name(in.program), done++, total);
  out.programs.push_back(both(in.program, "app"));
  for (const auto& p : in.other_programs) {
    if (p == in.program) continue;
    step(base_name(p), done++, total);
    out.programs.push_back(both(p, "tool"));
  }
  for (const auto& p : in.loadable_modules) {
    step(base_name(p), done++, total);
    try {
      out.programs.push_back(both(p, "module"));
    } catch (const Error& e) {
      // A plugin whose libraries are absent cannot be loaded by the app either.
      out.notes.push_back("loadable module " + p + " not analysed: " + e.what());
    }
  }

  Collector c(k, rules);
  // Order matters for the reasons shown: the app's own needs first.
  for (const auto& p : out.programs) c.add_static(p);
  if (in.trace) c.add_trace(*in.trace);
  for (const auto& line : in.extra) {
    // "CONFIG_X=y" / "CONFIG_X=m" / "# CONFIG_X is not set"
    const std::optional<ConfigLine> config = parse_config_line(line);
    if (!config)
      throw Error("[kernel] extra: '" + line + "' is not a config line (CONFIG_X=y or \"# CONFIG_X is not set\")");
    const auto& [sym, value] = *config;
    if (value == "y" || value == "n") c.add({"config:" + sym + "=" + value, {"[kernel] extra in the manifest"}, "manifest"});
    else out.notes.push_back("[kernel] extra " + line + " is passed to the build as it is (not a y/n option)");
  }
  if (in.exec_chain.size() > 1) c.add({"script", {in.exec_chain.front() + " is a #! script", in.name}, "manifest"});
  for (const auto& m : in.mounts) c.add({"mount:" + m, {"[app] mounts " + m, in.name}, "manifest"});
  c.add({"compression:" + in.compression, {"initramfs compression " + in.compression, in.name}, "manifest"});
  if (in.smp > 1) c.add({"smp", {"[kernel] smp = " + std::to_string(in.smp), in.name}, "manifest"});
  if (!in.net.empty()) c.add({"net", {"[net] " + in.net, in.name}, "manifest"});
  for (const auto& v : in.volumes) c.add({"volume", {"[[volume]] " + v, in.name}, "manifest"});
  c.add({"boot", {"boot"}, "boot"});

  out.findings = c.findings();
  out.requirements = c.requirements(out.notes);
  if (progress) progress->clear();
  return out;
}

}  // namespace tailor::app
