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

#include "common/child_process.h"
#include "common/error.h"
#include "common/process_environment.h"
#include "common/unique_fd.h"

namespace tailor {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> build_environment(const ProcessOptions& o) {
  std::vector<std::pair<std::string, std::string>> env;
  if (o.inherit_env) {
    for (auto& [key, value] : process_environment()) {
      bool drop = false;
      for (const auto& u : o.unset_env) drop |= (key == u);
      for (const auto& [k, v] : o.env) drop |= (key == k);
      if (!drop) env.emplace_back(std::move(key), std::move(value));
    }
  }
  env.insert(env.end(), o.env.begin(), o.env.end());
  return environment_entries(env);
}

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(errno_message("pipe", errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void write_fully(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // child closed its stdin; nothing more to do
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void set_status(ProcessResult& result, int status) {
  result.signaled = WIFSIGNALED(status);
  result.signal = result.signaled ? WTERMSIG(status) : 0;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

  std::optional<Pipe> out, in;
  if (!o.inherit_output) out = make_pipe();
  if (o.stdin_data) in = make_pipe();
  ChildOptions c;
  c.cwd = o.cwd;
  c.env = build_environment(o);
  c.own_process_group = o.own_process_group;
  if (in) c.stdin_fd = in->read.get();
  if (out) {
    c.stdout_fd = out->write.get();
    if (o.merge_stderr) c.stderr_fd = out->write.get();
  }
  ChildProcess child(*program, argv, c);

  if (in) {
    in->read.reset();
    // Small inputs only (scripts, configs); a pipe buffer holds 64 KiB.
    struct sigaction ignore {}, old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);
    write_fully(in->write.get(), *o.stdin_data);
    ::sigaction(SIGPIPE, &old, nullptr);
    in->write.reset();
  }

  ProcessResult result;
  std::ofstream log;
  if (o.log_file) {
    log.open(*o.log_file, std::ios::app | std::ios::binary);
    if (!log) throw Error(errno_message("cannot open log " + o.log_file->string(), errno));
  }
  const auto deadline = Clock::now() + o.timeout;
  bool killed = false;

  if (out) {
    out->write.reset();
    std::string pending;
    char buf[65536];
    for (;;) {
      int wait_ms = -1;
      if (o.timeout.count() > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        wait_ms = left > 0 ? static_cast<int>(left) : 0;
      }
      pollfd pfd{out->read.get(), POLLIN, 0};
      int r = ::poll(&pfd, 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {  // timeout
        child.kill(SIGKILL);
        killed = true;
        break;
      }
      ssize_t n = ::read(out->read.get(), buf, sizeof buf);
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
    out->read.reset();
  } else if (o.timeout.count() > 0) {
    // No output to pump: poll the child until it ends or the deadline passes.
    for (;;) {
      if (auto status = child.try_wait()) {
        set_status(result, *status);
        return result;
      }
      if (Clock::now() >= deadline) {
        child.kill(SIGKILL);
        killed = true;
        break;
      }
      ::usleep(20000);
    }
  }

  set_status(result, child.wait());
  result.timed_out = killed;
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
