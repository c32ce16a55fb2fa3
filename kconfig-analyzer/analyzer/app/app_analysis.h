// What an application needs from the kernel, as requirements with reasons:
// the static syscall analysis of every program in the image (with its library
// closure) and of loadable modules, an optional trace, the manifest's own
// facts (mounts, initramfs compression, vCPUs, hand-added options) and the
// runner's boot needs -- turned into Kconfig requirements by the syscall
// knowledge derived from the kernel tree and by the rule file.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/progress.h"
#include "common/elf/library_closure.h"
#include "kconfig-analyzer/analyzer/knowledge/rules.h"
#include "kconfig-analyzer/analyzer/knowledge/syscall_knowledge.h"
#include "kconfig-analyzer/analyzer/minimizer/minimizer.h"
#include "kconfig-analyzer/analyzer/syscalls/program_analysis.h"
#include "kconfig-analyzer/analyzer/trace/tracer.h"

namespace tailor::app {

struct AppInput {
  std::string name;                           // the app's name (manifest `name`)
  std::string program;                        // image path of the ELF program the app runs
  std::vector<std::string> exec_chain;        // argv[0] .. program (#! interpreters in between)
  std::vector<std::string> other_programs;    // other ELF executables in the image (tools the app may run)
  std::vector<std::string> loadable_modules;  // shared objects no program links against (dlopen'ed plugins)
  elf::PathMap files;                         // image path -> host file
  std::vector<std::string> mounts;            // file system types /init mounts
  std::string compression = "none";           // initramfs compression
  int smp = 1;
  std::string net;                            // the manifest's [net] ("ports 8080:80", "tap tap0"), empty: none
  std::vector<std::string> volumes;           // its [[volume]] mount points
  std::vector<std::string> extra;             // [kernel] extra: "CONFIG_X=y" / "# CONFIG_X is not set"
  // Words of argv and of the #! scripts the app runs: when the app's program
  // is BusyBox, only applets named here are followed. Unset: all applets.
  std::optional<std::set<std::string>> command_words;
  const trace::TraceResult* trace = nullptr;  // --trace
};

// One observed fact about the app, with how it was seen.
struct Finding {
  std::string trigger;             // "syscall:epoll_wait", "socket:AF_INET", "path:/proc/meminfo", "boot", ...
  std::vector<std::string> chain;  // nearest first: {"epoll_wait", "redis-server"}
  std::string source;              // "static", "trace", "manifest", "boot"
  bool incidental = false;         // only library internals that fail softly do this: no option
};

struct ProgramResult {
  std::string program;             // image path
  std::string role;                // "app", "tool", "module"
  syscalls::StaticAnalysis analysis;
  // The same analysis without entering the rules' soft functions: what the
  // program needs as opposed to what library internals might try.
  syscalls::StaticAnalysis direct;
};

struct AppAnalysis {
  std::vector<ProgramResult> programs;
  std::vector<Finding> findings;
  std::vector<minimizer::Requirement> requirements;
  std::vector<std::string> notes;  // things worth knowing that need no option
};

AppAnalysis analyze_app(const AppInput& input, const knowledge::SyscallKnowledge& knowledge,
                        const knowledge::RuleSet& rules, Progress* progress = nullptr);

// "AF_INET" for 2, "AF_UNIX" for 1, "AF_42" for unknown numbers.
std::string socket_family_name(int family);

}  // namespace tailor::app
