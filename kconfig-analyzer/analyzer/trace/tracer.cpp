// A ptrace-based tracer for whole process trees (see tracer.h).
#include "kconfig-analyzer/analyzer/trace/tracer.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/child_process.h"
#include "common/error.h"
#include "common/process_environment.h"
#include "common/subprocess.h"

namespace tailor::trace {

namespace {

// PTRACE_GET_SYSCALL_INFO's result (linux/ptrace.h: struct ptrace_syscall_info;
// declared here because that header clashes with glibc's sys/ptrace.h).
struct SyscallInfo {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arch;
  uint64_t instruction_pointer;
  uint64_t stack_pointer;
  union {
    struct {
      uint64_t nr;
      uint64_t args[6];
    } entry;
    struct {
      int64_t rval;
      uint8_t is_error;
    } exit;
  };
};
constexpr uint8_t kInfoEntry = 1;
constexpr uint32_t kAuditArchX86_64 = 0xC000003E;
constexpr size_t kMaxOutput = 1 << 20;

// Which argument of a syscall is a path (x86-64 numbers), or -1.
int path_argument(uint64_t nr) {
  switch (nr) {
    case 2: case 4: case 6: case 21: case 59: case 76: case 80: case 83: case 84: case 85: case 87: case 89:
    case 90: case 92: case 94: case 133: case 137: case 161:
      return 0;  // open stat lstat access execve truncate chdir mkdir rmdir creat unlink readlink chmod chown lchown mknod statfs chroot
    case 257: case 258: case 259: case 260: case 262: case 263: case 267: case 268: case 269: case 322:
    case 332: case 437: case 439:
      return 1;  // openat mkdirat mknodat fchownat newfstatat unlinkat readlinkat fchmodat faccessat execveat statx openat2 faccessat2
    default: return -1;
  }
}

std::string read_string(pid_t pid, uint64_t addr) {
  std::string out;
  char buf[256];
  while (out.size() < 4096) {
    struct iovec local{buf, sizeof buf}, remote{reinterpret_cast<void*>(addr + out.size()), sizeof buf};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) {
      // The string may end near an unmapped page: read word by word.
      errno = 0;
      long word = ptrace(PTRACE_PEEKDATA, pid, addr + out.size(), nullptr);
      if (errno) break;
      const char* w = reinterpret_cast<const char*>(&word);
      for (size_t i = 0; i < sizeof word; ++i) {
        if (!w[i]) return out;
        out += w[i];
      }
      continue;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (!buf[i]) return out;
      out += buf[i];
    }
  }
  return out;
}

std::string exe_of(pid_t pid) {
  char buf[4096];
  auto link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string("?");
}

// In the child: new namespaces, the binds, chroot. Writes why to `err` and
// returns false when something fails.
bool enter_root(const TraceOptions& o, int err) {
  auto fail = [&](const char* what) {
    dprintf(err, "cannot run inside %s: %s: %s", o.root.c_str(), what, strerror(errno));
    return false;
  };
  uid_t uid = getuid();
  gid_t gid = getgid();
  int flags = CLONE_NEWNS | (uid != 0 ? CLONE_NEWUSER : 0);
  if (unshare(flags) != 0) return fail("unshare (are user namespaces allowed?)");
  if (uid != 0) {
    auto write = [](const char* file, const std::string& text) {
      int fd = open(file, O_WRONLY);
      if (fd < 0) return false;
      bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
      close(fd);
      return ok;
    };
    if (!write("/proc/self/setgroups", "deny") || !write("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
      return fail("uid/gid map");
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return fail("making mounts private");
  for (const auto& b : o.binds) {
    auto target = (o.root / std::filesystem::path(b).relative_path()).string();
    mkdir(target.c_str(), 0755);
    if (mount(b.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return fail(("binding " + b).c_str());
  }
  if (chroot(o.root.c_str()) != 0 || chdir("/") != 0) return fail("chroot");
  return true;
}

// Kills the traced tree and reaps its first process unless disarmed: when
// trace_command leaves by an exception, the tracee (stopped or running) must
// go first, so that the output reader sees end of file and every thread can
// be joined.
class KillTreeOnExit {
 public:
  explicit KillTreeOnExit(pid_t child) : child_(child) {}
  KillTreeOnExit(const KillTreeOnExit&) = delete;
  KillTreeOnExit& operator=(const KillTreeOnExit&) = delete;
  ~KillTreeOnExit() {
    if (child_ <= 0) return;
    kill(-child_, SIGKILL);
    kill(child_, SIGKILL);
    int status = 0;
    while (waitpid(child_, &status, __WALL) < 0 && errno == EINTR) {
    }
  }
  void disarm() { child_ = -1; }

 private:
  pid_t child_;
};

}  // namespace

TraceResult trace_command(const TraceOptions& options) {
  if (options.argv.empty()) throw Error("trace: no command given");
  TraceResult result;
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0)
    throw Error(errno_message("trace: pipe", errno));

  // Its own fork (the child asks for ptrace and stops before it execs), with
  // the argv and environment built the way every child's are.
  const ExecStrings argv(options.argv), envp(environment_entries(options.env));

  auto start = std::chrono::steady_clock::now();
  pid_t child = fork();
  if (child < 0) throw Error(errno_message("trace: fork", errno));
  if (child == 0) {
    // The child: own process group (so a timeout can kill the whole tree),
    // output into our pipe, stopped until the tracer is ready.
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(out_pipe[1], 2);
    if (!options.root.empty() && !enter_root(options, err_pipe[1])) _exit(127);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) {
      dprintf(err_pipe[1], "cannot enter %s: %s", options.cwd.c_str(), strerror(errno));
      _exit(127);
    }
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) {
      dprintf(err_pipe[1], "ptrace(PTRACE_TRACEME) is not permitted: %s", strerror(errno));
      _exit(127);
    }
    raise(SIGSTOP);
    execve(argv.data()[0], argv.data(), envp.data());
    dprintf(err_pipe[1], "cannot run %s: %s", argv.data()[0], strerror(errno));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(in_pipe[0]);
  // The threads are joined by their destructors (jthread) on every way out,
  // after `killer` (declared last, destroyed first) has ended the tracee.
  // Feed stdin (or close it at once: the app sees end of file).
  std::jthread feeder([fd = in_pipe[1], data = options.stdin_data.value_or("")] {
    // A tracee that is gone makes write() fail with EPIPE; the signal must not end tailor.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(fd, data.data() + off, data.size() - off);
      if (n <= 0) break;
      off += size_t(n);
    }
    close(fd);
  });
  std::jthread reader([&result, fd = out_pipe[0]] {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
      if (result.output.size() < kMaxOutput) result.output.append(buf, size_t(n));
    close(fd);
  });

  KillTreeOnExit killer(child);
  int status = 0;
  pid_t first = 0;
  while ((first = waitpid(child, &status, 0)) < 0 && errno == EINTR) {
  }
  if (first != child || !WIFSTOPPED(status)) {
    if (first == child) killer.disarm();  // it exited and is reaped: nothing to kill
    feeder.join();
    reader.join();
    char msg[512] = {};
    ssize_t n = read(err_pipe[0], msg, sizeof msg - 1);
    close(err_pipe[0]);
    throw Error("trace: " + (n > 0 ? std::string(msg, size_t(n)) : std::string("the traced program did not start")));
  }
  long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
              PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL | options.extra_ptrace_options;
  if (ptrace(PTRACE_SETOPTIONS, child, nullptr, opts) != 0) {
    const int err = errno;
    close(err_pipe[0]);
    throw Error(errno_message("trace: PTRACE_SETOPTIONS (is this kernel older than 3.8?)", err));  // killer ends the child
  }

  std::atomic<bool> done{false}, timed_out{false};
  std::mutex tasks_mutex;
  std::set<pid_t> tasks{child};  // every traced task, so a timeout reaches daemons in other groups too
  std::jthread watchdog([&](std::stop_token stop) {
    auto deadline = start + options.timeout;
    while (!done && !stop.stop_requested() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!done && !stop.stop_requested()) {
      timed_out = true;
      kill(-child, SIGKILL);
      std::lock_guard<std::mutex> lock(tasks_mutex);
      for (pid_t t : tasks) kill(t, SIGKILL);
    }
  });

  std::map<pid_t, std::string> exe;  // each traced task's program
  exe[child] = options.argv.front();
  ptrace(PTRACE_SYSCALL, child, nullptr, nullptr);
  while (true) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: every traced task is gone
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == child) result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      exe.erase(pid);
      std::lock_guard<std::mutex> lock(tasks_mutex);
      tasks.erase(pid);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    int deliver = 0;
    if (!exe.count(pid)) exe[pid] = "?";  // a new task that stopped before its parent's event
    if (sig == (SIGTRAP | 0x80)) {
      SyscallInfo info{};
      if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) > 0 && info.op == kInfoEntry &&
          info.arch == kAuditArchX86_64) {
        auto nr = info.entry.nr;
        const auto& who = exe[pid];
        result.syscalls[int(nr)].insert(who);
        if (nr == 41 || nr == 53) result.socket_families[int(info.entry.args[0])].insert(who);
        if (nr == 16) result.ioctls[static_cast<unsigned long>(info.entry.args[1])].insert(who);
        int arg = path_argument(nr);
        if (arg >= 0 && info.entry.args[arg]) {
          auto path = read_string(pid, info.entry.args[arg]);
          if (!path.empty()) result.paths[path].insert(who);
        }
      }
    } else if (sig == SIGTRAP && event) {
      if (event == PTRACE_EVENT_EXEC) {
        exe[pid] = exe_of(pid);
        result.programs.push_back(exe[pid]);
      } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE) {
        unsigned long new_pid = 0;
        ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &new_pid);
        exe[pid_t(new_pid)] = exe[pid];
        std::lock_guard<std::mutex> lock(tasks_mutex);
        tasks.insert(pid_t(new_pid));
        if (timed_out) kill(pid_t(new_pid), SIGKILL);
      }
    } else if (sig == SIGSTOP && event == 0 && exe[pid] != "?" ) {
      // Either a new task's initial stop or a real SIGSTOP: new tasks were
      // registered by their parent's event, so pass real ones on.
      deliver = 0;
    } else if (sig != SIGSTOP && sig != SIGTRAP) {
      deliver = sig;  // an ordinary signal: deliver it
    }
    ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(long(deliver)));
  }
  done = true;
  killer.disarm();  // every traced task is gone
  watchdog.join();
  result.timed_out = timed_out;
  feeder.join();
  reader.join();
  // The child writes here only when it could not exec (the pipe closes on exec).
  char msg[512] = {};
  ssize_t n = read(err_pipe[0], msg, sizeof msg - 1);
  close(err_pipe[0]);
  if (n > 0) throw Error("trace: " + std::string(msg, size_t(n)));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace tailor::trace
