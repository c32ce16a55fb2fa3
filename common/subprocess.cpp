#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>

#include "common/error.h"

extern char** environ;

namespace tailor {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> build_environment(const ProcessOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    std::string_view key = kv.substr(0, kv.find('='));
    bool drop = false;
    for (const auto& u : o.unset_env) drop |= (key == u);
    for (const auto& [k, v] : o.env) drop |= (key == k);
    if (!drop) env.emplace_back(kv);
  }
  for (const auto& [k, v] : o.env) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void write_fully(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // child closed its stdin; nothing more to do
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

std::string ProcessResult::describe() const {
  if (timed_out) return "timed out";
  if (signaled) return std::string("killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exit status " + std::to_string(exit_code);
}

std::optional<std::filesystem::path> find_program(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    if (::access(std::string(name).c_str(), X_OK) == 0) return std::filesystem::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& o) {
  if (argv.empty()) throw Error("run_process: empty command");
  auto program = find_program(argv[0]);
  if (!program) throw Error("cannot run '" + argv[0] + "': program not found in PATH");

  std::vector<std::string> args = argv;
  std::vector<std::string> env = build_environment(o);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(env);

  int out_pipe[2] = {-1, -1};
  int in_pipe[2] = {-1, -1};
  if (!o.inherit_output && ::pipe2(out_pipe, O_CLOEXEC) != 0) throw Error(errno_message("pipe", errno));
  if (o.stdin_data && ::pipe2(in_pipe, O_CLOEXEC) != 0) throw Error(errno_message("pipe", errno));

  pid_t pid = ::fork();
  if (pid < 0) throw Error(errno_message("fork", errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // own process group, so a timeout can stop all of it
    if (o.stdin_data) {
      ::dup2(in_pipe[0], 0);
    } else {
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
    }
    if (!o.inherit_output) {
      ::dup2(out_pipe[1], 1);
      if (o.merge_stderr) ::dup2(out_pipe[1], 2);
    }
    if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) {
      std::string msg = "cannot enter " + o.cwd.string() + ": " + std::strerror(errno) + "\n";
      (void)!::write(2, msg.data(), msg.size());
      ::_exit(127);
    }
    ::execve(program->c_str(), c_args.data(), c_env.data());
    std::string msg = "cannot execute " + program->string() + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::_exit(127);
  }

  if (o.stdin_data) {
    ::close(in_pipe[0]);
    // Small inputs only (scripts, configs); a pipe buffer holds 64 KiB.
    struct sigaction ignore {}, old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    write_fully(in_pipe[1], *o.stdin_data);
    ::sigaction(SIGPIPE, &old, nullptr);
    ::close(in_pipe[1]);
  }

  ProcessResult result;
  std::ofstream log;
  if (o.log_file) {
    log.open(*o.log_file, std::ios::app | std::ios::binary);
    if (!log) throw Error(errno_message("cannot open log " + o.log_file->string(), errno));
  }
  const auto deadline = Clock::now() + o.timeout;
  bool killed = false;

  if (!o.inherit_output) {
    ::close(out_pipe[1]);
    std::string pending;
    char buf[65536];
    for (;;) {
      int wait_ms = -1;
      if (o.timeout.count() > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        wait_ms = left > 0 ? static_cast<int>(left) : 0;
      }
      pollfd pfd{out_pipe[0], POLLIN, 0};
      int r = ::poll(&pfd, 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {  // timeout
        ::kill(-pid, SIGKILL);
        killed = true;
        break;
      }
      ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::string_view chunk(buf, static_cast<size_t>(n));
      if (log.is_open()) log.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (o.capture) result.output.append(chunk);
      if (o.on_line) {
        pending.append(chunk);
        size_t start = 0, nl;
        while ((nl = pending.find('\n', start)) != std::string::npos) {
          o.on_line(std::string_view(pending).substr(start, nl - start));
          start = nl + 1;
        }
        pending.erase(0, start);
      }
    }
    if (o.on_line && !pending.empty()) o.on_line(pending);
    ::close(out_pipe[0]);
  } else if (o.timeout.count() > 0) {
    // No output to pump: poll the child until it ends or the deadline passes.
    for (;;) {
      int status = 0;
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        result.signaled = WIFSIGNALED(status);
        result.signal = result.signaled ? WTERMSIG(status) : 0;
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return result;
      }
      if (Clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        killed = true;
        break;
      }
      ::usleep(20000);
    }
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(errno_message("waitpid", errno));
  }
  result.timed_out = killed;
  result.signaled = WIFSIGNALED(status);
  result.signal = result.signaled ? WTERMSIG(status) : 0;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string run_capture(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessOptions o = options;
  o.capture = true;
  ProcessResult r = run_process(argv, o);
  if (!r.ok()) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw Error("'" + cmd + "' failed (" + r.describe() + "): " + r.output);
  }
  return r.output;
}

std::string tail_lines(const std::filesystem::path& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(std::move(line));
    if (lines.size() > n) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace tailor
