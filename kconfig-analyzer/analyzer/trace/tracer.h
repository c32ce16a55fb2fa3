// Dynamic analysis: runs a command on the host under ptrace (following forks,
// clones and execs) and records the system calls it makes, the socket
// families it asks for, the paths it opens and the ioctl requests it issues.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tailor::trace {

struct TraceOptions {
  std::vector<std::string> argv;                             // argv[0]: a host path (or searched in PATH)
  std::vector<std::pair<std::string, std::string>> env;      // the whole environment of the command
  std::filesystem::path cwd;                                 // empty: inherit
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // then the traced processes are killed
  std::optional<std::string> stdin_data;                     // otherwise /dev/null
  // Run inside this directory as the root file system (a staged image):
  // the child enters new mount (and, unless root, user) namespaces, binds the
  // host's `binds` (e.g. "/dev", "/proc") into it and chroots. argv[0] and
  // cwd are then paths inside it.
  std::filesystem::path root;
  std::vector<std::string> binds;
  // OR-ed into the options given to PTRACE_SETOPTIONS. Tests set a bit the
  // kernel does not know, to check that the failure is a clean error.
  long extra_ptrace_options = 0;
};

struct TraceResult {
  // Each observation with the programs (executable paths) that made it.
  std::map<int, std::set<std::string>> syscalls;           // x86-64 syscall number
  std::map<int, std::set<std::string>> socket_families;    // AF_* of socket()/socketpair()
  std::map<std::string, std::set<std::string>> paths;      // paths given to open/openat/stat/execve/...
  std::map<unsigned long, std::set<std::string>> ioctls;   // ioctl request codes
  std::vector<std::string> programs;                       // programs exec'd, in order
  int exit_status = -1;   // of the first process (128+signal when killed by a signal)
  bool timed_out = false;
  double seconds = 0;
  std::string output;     // the command's stdout and stderr (captured)
};

// Runs and traces. Throws Error when the command cannot be started or ptrace
// is not permitted; a failing command is reported in exit_status.
TraceResult trace_command(const TraceOptions& options);

}  // namespace tailor::trace
