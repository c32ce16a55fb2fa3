// fork + execve with the child's set-up in one place (see child_process.h).
#include "common/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

extern char** environ;

namespace tailor {

ExecStrings::ExecStrings(std::vector<std::string> strings) : strings_(std::move(strings)) {
  for (auto& s : strings_) pointers_.push_back(s.data());
  pointers_.push_back(nullptr);
}

namespace {

// In the child, where only async-signal-safe calls are allowed: no allocation.
void write_error(const char* what, const char* name, int err) {
  const char* reason = std::strerror(err);
  for (const char* part : {what, name, ": ", reason, "\n"}) (void)!::write(2, part, std::strlen(part));
}

[[noreturn]] void run_child(const char* program, char* const* argv, char* const* envp, const char* cwd,
                            const ChildOptions& o) {
  if (o.own_process_group) ::setpgid(0, 0);
  if (o.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);  // `cmd | head -1` relies on it
  int in = o.stdin_fd >= 0 ? o.stdin_fd : ::open("/dev/null", O_RDONLY);
  if (in >= 0) ::dup2(in, 0);
  if (o.stdin_fd < 0 && in > 0) ::close(in);
  if (o.stdout_fd >= 0) ::dup2(o.stdout_fd, 1);
  if (o.stderr_fd >= 0) ::dup2(o.stderr_fd, 2);
  if (cwd && ::chdir(cwd) != 0) {
    write_error("cannot enter ", cwd, errno);
    ::_exit(127);
  }
  ::execve(program, argv, envp);
  write_error("cannot execute ", program, errno);
  ::_exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& argv,
                           const ChildOptions& options)
    : own_group_(options.own_process_group) {
  // Everything the child needs exists before fork.
  const std::string path = program.string();
  const std::string cwd = options.cwd.string();
  ExecStrings args(argv);
  std::optional<ExecStrings> env;
  if (options.env) env.emplace(*options.env);
  pid_ = ::fork();
  if (pid_ < 0) throw Error(errno_message("fork", errno));
  if (pid_ == 0)
    run_child(path.c_str(), args.data(), env ? env->data() : environ, cwd.empty() ? nullptr : cwd.c_str(), options);
  // The parent sets the group too, so that kill() reaches it even before the child ran.
  if (own_group_) ::setpgid(pid_, pid_);
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || reaped_) return;
  kill(SIGKILL);
  while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
  }
}

void ChildProcess::kill(int sig) {
  if (reaped_) return;
  ::kill(own_group_ ? -pid_ : pid_, sig);
}

int ChildProcess::wait() {
  while (!reaped_) {
    if (::waitpid(pid_, &status_, 0) == pid_) reaped_ = true;
    else if (errno != EINTR) throw Error(errno_message("waitpid", errno));
  }
  return status_;
}

std::optional<int> ChildProcess::try_wait() {
  if (!reaped_) {
    pid_t w = ::waitpid(pid_, &status_, WNOHANG);
    if (w == pid_) reaped_ = true;
    else if (w < 0 && errno != EINTR) throw Error(errno_message("waitpid", errno));
  }
  if (!reaped_) return std::nullopt;
  return status_;
}

}  // namespace tailor
