#include "common/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "common/fs.h"
#include "common/unique_fd.h"

namespace tailor {
namespace {

// What a child wrote into a pipe, read once it has ended.
std::string drain(UniqueFd& fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

struct Pipe {
  UniqueFd read, write;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read.reset(fds[0]);
    write.reset(fds[1]);
  }
};

TEST(ChildProcess, RunsWithTheGivenEnvironmentDirectoryAndOutput) {
  Pipe out;
  ChildOptions o;
  o.env = std::vector<std::string>{"ONLY=this"};
  o.cwd = "/";
  o.stdout_fd = out.write.get();
  ChildProcess child("/bin/sh", {"sh", "-c", "echo \"$ONLY $(pwd) ${HOME:-no-home}\"; exit 4"}, o);
  out.write.reset();
  int status = child.wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  EXPECT_EQ(drain(out.read), "this / no-home\n");
}

TEST(ChildProcess, StartsWithSigpipeAtItsDefaultAndNoSignalBlocked) {
  // tailor-vmm ignores SIGPIPE and the QEMU backend blocks SIGINT while a run
  // lasts; a program started meanwhile must not inherit either.
  struct sigaction ignore {}, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  Pipe out;
  ChildOptions o;
  o.stdout_fd = out.write.get();
  ChildProcess child("/bin/sh", {"sh", "-c", "grep -E '^(SigBlk|SigIgn)' /proc/self/status"}, o);
  out.write.reset();
  child.wait();
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old, nullptr);
  const std::string text = drain(out.read);
  EXPECT_NE(text.find("SigBlk:\t0000000000000000"), std::string::npos) << text;
  // SIGPIPE is signal 13: bit 12 of SigIgn.
  const std::string ignored = text.substr(text.find("SigIgn:\t") + 8, 16);
  EXPECT_EQ(std::stoull(ignored, nullptr, 16) & (1ull << 12), 0u) << text;
}

TEST(ChildProcess, AProgramThatCannotRunExitsWith127AndSaysWhy) {
  Pipe err;
  ChildOptions o;
  o.stderr_fd = err.write.get();
  ChildProcess child("/nonexistent/tailor-program", {"x"}, o);
  err.write.reset();
  int status = child.wait();
  EXPECT_EQ(WEXITSTATUS(status), 127);
  EXPECT_EQ(drain(err.read), "cannot execute /nonexistent/tailor-program: No such file or directory\n");
}

TEST(ChildProcess, KillReachesItsWholeProcessGroup) {
  TempDir dir(std::filesystem::temp_directory_path() / "tailor-child-test");
  const auto marker = dir.path() / "grandchild-lived";
  ChildOptions o;
  o.own_process_group = true;
  ChildProcess child("/bin/sh", {"sh", "-c", "(sleep 0.5; touch " + marker.string() + ") & sleep 30"}, o);
  ::usleep(100 * 1000);
  child.kill(SIGKILL);
  EXPECT_TRUE(WIFSIGNALED(child.wait()));
  ::usleep(800 * 1000);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ChildProcess, OneLeftRunningIsKilledAndReapedWhenItGoesAway) {
  pid_t pid;
  {
    ChildProcess child("/bin/sleep", {"sleep", "30"});
    pid = child.pid();
    EXPECT_FALSE(child.try_wait());
  }
  // Reaped: the pid is no child of ours any more.
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace tailor
