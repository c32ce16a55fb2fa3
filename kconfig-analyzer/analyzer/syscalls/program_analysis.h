// Static syscall analysis of one program with its library closure: which
// system calls it can make, through which of its imports, with which socket
// families, and which paths its reachable code names. Reachability starts at
// what really runs (the loader, constructors, the program's entry) and
// follows calls across modules by symbol, function pointers taken by
// reachable code, and code pointers stored in data objects that reachable
// code refers to — not "everything libc could ever call".
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/elf/library_closure.h"

namespace tailor::syscalls {

// Why a syscall is in the set: the entry into the libraries (an import of the
// program, a constructor, the loader, a function pointer) that reaches it, and
// one instruction that makes it.
struct SyscallEvidence {
  std::vector<std::string> via;  // e.g. "epoll_wait", "main", "ld-linux-x86-64.so.2 (dynamic loader)"
  std::string site;              // "libc.so.6+0x10f2a0 (epoll_wait)"
  std::vector<std::string> path; // how the analysis reached the site's function: root first
};

struct StaticAnalysis {
  std::string program;                         // image path of the program
  std::vector<std::string> modules;            // image paths of the program, its libraries, its interpreter
  std::map<int, SyscallEvidence> syscalls;     // by x86-64 syscall number
  std::map<int, SyscallEvidence> socket_families;  // AF_* constant -> evidence
  bool unknown_socket_family = false;          // some reachable socket() takes its family from data
  std::vector<SyscallEvidence> unknown_family_evidence;  // where, and through what
  std::vector<std::string> unresolved_sites;   // syscall instructions whose number is not a constant
  std::map<std::string, std::string> paths;    // absolute paths named by reachable code -> module
  std::set<std::string> imports_called;        // the program's imports that its code calls
  size_t functions = 0, instructions = 0;      // size of the reachable code
  // BusyBox: the applets followed (empty: not BusyBox, or all of them).
  std::vector<std::string> busybox_applets;
};

// Decoded modules and per-function results shared between analyses of
// several programs of one image (they share libc and friends). Not thread-safe.
class AnalysisCache {
 public:
  AnalysisCache();
  ~AnalysisCache();
  AnalysisCache(const AnalysisCache&) = delete;
  AnalysisCache& operator=(const AnalysisCache&) = delete;

  struct Entry;
  Entry& module(const std::filesystem::path& host_path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct AnalysisOptions {
  // Functions (by symbol name) the analysis does not enter: what is reachable
  // only through them is left out. Used to tell what an app needs from what
  // library internals might do (e.g. name-service lookups behind getpwnam()).
  std::set<std::string> barriers;
  // For a BusyBox program: the applets the app uses (by name). Only their
  // entries of applet_main[] are followed; unset: every applet.
  std::optional<std::set<std::string>> busybox_applets;
};

// Analyses `program_image_path` (resolving files through `map`). Throws Error
// for a missing program or library or a malformed ELF file.
StaticAnalysis analyze_program(const std::string& program_image_path, const elf::PathMap& map,
                               AnalysisCache* cache = nullptr, const AnalysisOptions& options = {});
// The same for an already resolved closure (program first).
StaticAnalysis analyze_closure(const std::vector<elf::LoadedObject>& closure, AnalysisCache* cache = nullptr,
                               const AnalysisOptions& options = {});
// A loadable module (a shared object nothing links against, e.g. a Python
// extension): every exported function is a possible entry.
StaticAnalysis analyze_loadable_module(const std::string& image_path, const elf::PathMap& map,
                                       AnalysisCache* cache = nullptr, const AnalysisOptions& options = {});

}  // namespace tailor::syscalls
