// Starting a program as a child process: the one place that forks and execs
// (run_process, the Kconfig engine's $(shell,...), the QEMU backend). The
// tracer forks for itself (the child must ask for ptrace before it execs) but
// builds its argv and environment with ExecStrings.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tailor {

// NUL-terminated char* arrays for execve, built before fork: the child of a
// multi-threaded process may not allocate.
class ExecStrings {
 public:
  explicit ExecStrings(std::vector<std::string> strings);
  ExecStrings(const ExecStrings&) = delete;
  ExecStrings& operator=(const ExecStrings&) = delete;
  char* const* data() const { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

struct ChildOptions {
  std::filesystem::path cwd;                    // empty: inherit
  std::optional<std::vector<std::string>> env;  // "KEY=VALUE" each, the whole environment; nullopt: ours
  int stdin_fd = -1;                            // -1: /dev/null
  int stdout_fd = -1;                           // -1: ours
  int stderr_fd = -1;                           // -1: ours
  bool own_process_group = false;               // so that kill() stops everything it started
  bool die_with_parent = false;                 // PR_SET_PDEATHSIG: never outlive this process
};

// A running child. The program starts with no signal blocked and SIGPIPE at
// its default (whatever this process blocks or ignores), stdin, stdout and
// stderr as the options say and every other descriptor of ours closed on
// exec (tailor opens them all O_CLOEXEC). One that cannot enter `cwd` or be
// executed writes why on its stderr and exits with status 127.
// Destroyed before it was waited for, it is killed and reaped.
class ChildProcess {
 public:
  // `program` is a path (see find_program); argv[0] is what the program sees.
  // Throws Error only when fork fails.
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& argv,
               const ChildOptions& options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` (to its whole process group when it has its own), unless reaped.
  void kill(int sig);
  // Blocks until it ends; the wait status (see <sys/wait.h>).
  int wait();
  // The wait status when it has ended, without blocking.
  std::optional<int> try_wait();

 private:
  pid_t pid_ = -1;
  bool own_group_ = false;
  bool reaped_ = false;
  int status_ = 0;
};

}  // namespace tailor
