// trace_command: what a real run of the test programs does, seen through ptrace.
#include "kconfig-analyzer/analyzer/trace/tracer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>

#include "common/error.h"

namespace tailor::trace {
namespace {

const std::string kBin = SYSCALL_TESTBIN;

TraceResult run(std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  TraceOptions o;
  o.argv = std::move(argv);
  o.env = {{"PATH", "/usr/bin:/bin"}};
  o.timeout = timeout;
  return trace_command(o);
}

TEST(Tracer, RecordsSyscallsFamiliesAndPathsOfAStaticProgram) {
  auto t = run({kBin + "/known_musl"});
  EXPECT_EQ(t.exit_status, 0) << t.output;
  EXPECT_FALSE(t.timed_out);
  for (int nr : {291 /*epoll_create1*/, 41 /*socket*/, 68 /*msgget*/, 206 /*io_setup*/, 290 /*eventfd2*/,
                 294 /*inotify_init1*/, 73 /*flock*/})
    EXPECT_TRUE(t.syscalls.count(nr)) << "syscall " << nr << " not traced";
  EXPECT_TRUE(t.socket_families.count(1));   // AF_UNIX
  EXPECT_TRUE(t.socket_families.count(10));  // AF_INET6
  EXPECT_FALSE(t.syscalls.count(246)) << "kexec_load is never called";
  // The program's output went to our pipe, not to the test's terminal.
  EXPECT_NE(t.output.find(' '), std::string::npos);
  // Syscalls are attributed to the program that made them.
  ASSERT_TRUE(t.syscalls.count(291));
  EXPECT_NE(t.syscalls.at(291).begin()->find("known_musl"), std::string::npos);
}

TEST(Tracer, FollowsDynamicLoadingAndRecordsOpenedPaths) {
  auto t = run({kBin + "/known_glibc"});
  EXPECT_EQ(t.exit_status, 0) << t.output;
  // The loader opens libc through openat.
  bool libc = false;
  for (const auto& [path, who] : t.paths) libc |= path.find("libc.so.6") != std::string::npos;
  EXPECT_TRUE(libc);
  EXPECT_TRUE(t.syscalls.count(9)) << "mmap";
}

TEST(Tracer, FollowsChildrenAndExecs) {
  auto t = run({"/bin/sh", "-c", "cat /proc/self/status >/dev/null; echo done"});
  EXPECT_EQ(t.exit_status, 0) << t.output;
  EXPECT_NE(t.output.find("done"), std::string::npos);
  EXPECT_TRUE(t.paths.count("/proc/self/status"));
  bool cat = false;
  for (const auto& p : t.programs) cat |= p.find("cat") != std::string::npos;
  EXPECT_TRUE(cat) << "the exec of cat was seen";
  EXPECT_TRUE(t.syscalls.count(56) || t.syscalls.count(57) || t.syscalls.count(58) || t.syscalls.count(435))
      << "clone/fork/vfork";
}

TEST(Tracer, ReportsExitStatusAndSignals) {
  EXPECT_EQ(run({"/bin/sh", "-c", "exit 7"}).exit_status, 7);
  EXPECT_EQ(run({"/bin/sh", "-c", "kill -TERM $$"}).exit_status, 128 + 15);
}

TEST(Tracer, StopsAtTheTimeout) {
  auto t = run({"/bin/sleep", "30"}, std::chrono::milliseconds(500));
  EXPECT_TRUE(t.timed_out);
  EXPECT_LT(t.seconds, 10);
}

TEST(Tracer, RunsInsideAStagedRoot) {
  // A root holding only a static program: it runs there, with /proc bound in.
  auto root = std::filesystem::temp_directory_path() / ("tailor-trace-root-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "app");
  std::filesystem::copy_file(kBin + "/known_musl", root / "app/known");
  TraceOptions o;
  o.argv = {"/app/known"};
  o.root = root;
  o.binds = {"/dev", "/proc"};
  o.cwd = "/app";
  auto t = trace_command(o);
  EXPECT_EQ(t.exit_status, 0) << t.output;
  EXPECT_TRUE(t.syscalls.count(291));
  std::filesystem::remove_all(root);
}

TEST(Tracer, MissingProgramIsAnError) {
  try {
    run({"/no/such/program"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot run /no/such/program"), std::string::npos) << e.what();
  }
}

// A failed PTRACE_SETOPTIONS (here: a bit no kernel knows; in the wild: a
// kernel without PTRACE_O_EXITKILL) happens while the stdin and output
// threads run. It used to throw past them (std::terminate); now it is an
// error, the stopped child is killed and reaped, and a fed stdin does not
// raise SIGPIPE in tailor.
TEST(Tracer, AFailedPtraceSetoptionsIsACleanErrorAndLeavesNoChild) {
  TraceOptions o;
  o.argv = {"/bin/cat"};
  o.env = {{"PATH", "/usr/bin:/bin"}};
  o.stdin_data = std::string(1 << 20, 'x');  // more than a pipe holds: the feeder is still writing
  o.extra_ptrace_options = 1L << 30;
  try {
    trace_command(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("PTRACE_SETOPTIONS"), std::string::npos) << e.what();
  }
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left unreaped";
  EXPECT_EQ(errno, ECHILD);
  // And tracing still works afterwards.
  EXPECT_EQ(run({"/bin/true"}).exit_status, 0);
}

}  // namespace
}  // namespace tailor::trace
