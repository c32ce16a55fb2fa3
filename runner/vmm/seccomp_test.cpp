// tailor-vmm's seccomp filter, installed in forked children (it cannot be
// undone): what the run loop and the devices do still works, and a forbidden
// system call kills the process by SIGSYS, named on stderr, on any thread.
#include "runner/vmm/seccomp.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <functional>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runner/devices/cmos_rtc.h"
#include "runner/devices/virtio_blk.h"
#include "runner/devices/virtio_net.h"
#include "runner/devices/virtio_test_driver.h"
#include "runner/vmm/dump.h"
#include "runner/vmm/user_net.h"

namespace tailor::runner::vmm {
namespace {

// Sanitizer runtimes make system calls of their own (sigaltstack for each
// thread, pipe2 to probe memory) that tailor-vmm, which is never built with
// them, does not make: under a sanitizer only the forbidden calls are tested.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerRuntime = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kSanitizerRuntime = true;
#else
constexpr bool kSanitizerRuntime = false;
#endif
#else
constexpr bool kSanitizerRuntime = false;
#endif
#define SKIP_UNDER_SANITIZER() \
  if (kSanitizerRuntime) GTEST_SKIP() << "the sanitizer runtime's own system calls are not the monitor's"

struct ChildEnd {
  int status = 0;  // as waitpid reports it
  std::string out, err;
};

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

// In a forked child: `before` (unconfined, e.g. starting threads), then
// confine_process(), then `after`; the child exits 0 when `after` returns, 3
// when something threw. stdout and stderr come back.
ChildEnd run_confined(const std::function<void()>& before, const std::function<void()>& after,
                      bool user_net = false) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    try {
      before();
      confine_process(user_net);
      after();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: exception: %s\n", e.what());
      ::_exit(3);
    }
    std::fflush(stdout);
    ::_exit(0);
  }
  ::close(out[1]);
  ::close(err[1]);
  ChildEnd end;
  end.err = read_all(err[0]);  // the child writes little: one pipe at a time is enough
  end.out = read_all(out[0]);
  ::close(out[0]);
  ::close(err[0]);
  ::waitpid(pid, &end.status, 0);
  return end;
}

// In the child: a failed expectation ends it with status 1 and says why.
void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "child: failed: %s\n", what);
  ::_exit(1);
}

std::string describe(const ChildEnd& end) {
  std::string how = WIFEXITED(end.status)     ? "exit " + std::to_string(WEXITSTATUS(end.status))
                    : WIFSIGNALED(end.status) ? "signal " + std::to_string(WTERMSIG(end.status))
                                              : "?";
  return how + "; stderr: " + end.err;
}

TEST(Seccomp, TheRunLoopsCallsStillWork) {
  SKIP_UNDER_SANITIZER();
  const ChildEnd end = run_confined([] {}, [] {
    std::printf("stdout after confinement\n");  // stdio's first write to stdout
    std::fprintf(stderr, "stderr after confinement\n");
    std::vector<char> big(64 << 20, 'x');  // mmap'd by malloc, then unmapped
    require(big[12345] == 'x', "large allocation");
    std::mutex m;
    std::condition_variable cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::milliseconds(1));  // futex with a timeout, clock
    // The KVM ioctls of the run loop pass the filter (and fail: not a vCPU).
    require(::ioctl(-1, KVM_RUN, 0) == -1 && errno == EBADF, "KVM_RUN passes the filter");
    kvm_irq_level irq{};
    require(::ioctl(-1, KVM_IRQ_LINE, &irq) == -1 && errno == EBADF, "KVM_IRQ_LINE passes the filter");
    rusage usage{};
    require(::getrusage(RUSAGE_SELF, &usage) == 0, "getrusage");
    unsigned char resident = 0;
    void* page = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(big.data()) & ~std::uintptr_t{4095});
    require(::mincore(page, 4096, &resident) == 0, "mincore");
    devices::CmosRtc rtc;  // the guest reads the clock at boot
    const std::uint8_t century = 0x32;
    rtc.write(0, std::span(&century, 1));
    std::uint8_t bcd = 0;
    rtc.read(1, std::span(&bcd, 1));
    require(bcd == 0x20, "RTC century");
  });
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) == 0) << describe(end);
  EXPECT_EQ(end.out, "stdout after confinement\n");
  EXPECT_NE(end.err.find("stderr after confinement"), std::string::npos) << end.err;
}

// The dump of a crashed or timed-out guest (registers, code at RIP) is made
// after confinement. Its disassembler's first use sorts a table with glibc's
// qsort, which calls sysinfo: without that call on the list, the dump killed
// the monitor (seen under nested KVM: a guest's timeout ended in SIGSYS).
TEST(Seccomp, TheVcpuDumpWorksUnderTheFilter) {
  SKIP_UNDER_SANITIZER();
  const ChildEnd end = run_confined([] {}, [] {
    const std::uint8_t code[] = {0x0f, 0x0b, 0xf4};  // ud2; hlt
    kvm_regs r{};
    r.rip = 0x1000;
    kvm_sregs real_mode{};  // paging off: RIP is the physical address
    const std::string text = dump_vcpu(0, r, real_mode, [&](std::uint64_t gpa, std::span<std::uint8_t> out) {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = gpa + i - 0x1000 < sizeof code ? code[gpa + i - 0x1000] : 0x90;
      return true;
    });
    std::printf("%s", text.c_str());
  });
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) == 0) << describe(end);
  EXPECT_NE(end.out.find("ud2"), std::string::npos) << end.out;
}

// Each forbidden call, with the x86-64 number the handler must name (0: the
// call is made with every signal blocked, as glibc does around clone, so the
// kernel kills at once and no handler can name it).
struct Forbidden {
  const char* what;
  long number;
  std::function<void()> call;
  std::string arguments = "";  // expected in the message, when set
};

TEST(Seccomp, AForbiddenCallKillsTheProcessBySigsysAndIsNamed) {
  const pid_t parent = ::getpid();  // the child's getppid() would itself be forbidden
  const std::vector<Forbidden> calls = {
      {"open a file", SYS_openat, [] { ::open("/etc/passwd", O_RDONLY); }},
      {"create a socket", SYS_socket, [] { ::socket(AF_INET, SOCK_STREAM, 0); }},
      {"execute a program", SYS_execve, [] { ::execl("/bin/true", "true", nullptr); }},
      {"start a thread", 0, [] { std::thread([] {}).join(); }},
      {"signal another process", SYS_kill, [=] { ::kill(parent, 0); }},
      {"tgkill another process", SYS_tgkill, [=] { ::syscall(SYS_tgkill, parent, parent, 0); }},
      {"an ioctl other than the run loop's", SYS_ioctl, [] { ::ioctl(0, TCGETS, nullptr); }},
      {"create a VM", SYS_ioctl, [] { ::ioctl(-1, KVM_CREATE_VM, 0); }, "arguments 0xffffffff 0xae01 0x0)"},
      {"map executable memory", SYS_mmap,
       [] { ::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); }},
      {"make memory executable", SYS_mprotect, [] {
         void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
         ::mprotect(p, 4096, PROT_READ | PROT_EXEC);
       }},
      {"change a signal handler", SYS_rt_sigaction, [] { std::signal(SIGSYS, SIG_IGN); }},
      {"trace a process", SYS_ptrace, [=] { ::syscall(SYS_ptrace, PTRACE_ATTACH, parent, 0, 0); }},
  };
  for (const auto& c : calls) {
    const ChildEnd end = run_confined([] {}, [&] {
      c.call();
      std::fprintf(stderr, "child: still alive after the call\n");
    });
    EXPECT_TRUE(WIFSIGNALED(end.status) && WTERMSIG(end.status) == SIGSYS) << c.what << ": " << describe(end);
    if (c.number != 0) {
      EXPECT_NE(end.err.find("tailor-vmm: seccomp: system call " + std::to_string(c.number) + " "), std::string::npos)
          << c.what << ": " << end.err;
    }
    EXPECT_NE(end.err.find(c.arguments), std::string::npos) << c.what << ": " << end.err;
  }
}

// Threads that exist before confinement (net receive, vCPUs) are covered too.
TEST(Seccomp, CoversThreadsStartedBeforeConfinement) {
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  std::thread* device_thread = nullptr;
  std::latch running(1);  // past glibc's thread start-up before confinement, as the monitor's threads are
  const ChildEnd end = run_confined(
      [&] {
        device_thread = new std::thread([&] {  // leaked on purpose: the child dies with it
          running.count_down();
          char byte;
          (void)!::read(go[0], &byte, 1);
          ::open("/etc/passwd", O_RDONLY);
          std::fprintf(stderr, "child: the thread opened a file\n");
        });
        running.wait();
      },
      [&] {
        (void)!::write(go[1], "g", 1);
        device_thread->join();
      });
  EXPECT_TRUE(WIFSIGNALED(end.status) && WTERMSIG(end.status) == SIGSYS) << describe(end);
  EXPECT_NE(end.err.find("system call " + std::to_string(SYS_openat) + " "), std::string::npos) << end.err;
  ::close(go[0]);
  ::close(go[1]);
}

// vCPU threads exist before confinement and allocate only afterwards (each a
// malloc arena of its own, up to 64 vCPUs).
TEST(Seccomp, ManyThreadsAllocateAndExitUnderTheFilter) {
  SKIP_UNDER_SANITIZER();
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  std::vector<std::thread> threads;
  std::latch running(24);  // past glibc's thread start-up before confinement, as the monitor's threads are
  const ChildEnd end = run_confined(
      [&] {
        for (int i = 0; i < 24; ++i)
          threads.emplace_back([&] {
            running.count_down();
            char byte;
            (void)!::read(go[0], &byte, 1);
            std::vector<std::string> v(1000, std::string(100, 'x'));
            (void)!::write(go[1], "g", 1);  // pass it on
          });
        running.wait();
      },
      [&] {
        (void)!::write(go[1], "g", 1);
        for (auto& t : threads) t.join();
        std::printf("threads ok\n");
      });
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) == 0) << describe(end);
  EXPECT_EQ(end.out, "threads ok\n");
  ::close(go[0]);
  ::close(go[1]);
}

// The real virtio devices, set up unconfined as the monitor does, then used
// under the filter: the block device reads and writes its file, the net
// device's receive thread and transmit path pass frames.
TEST(Seccomp, VirtioDevicesWorkUnderTheFilter) {
  SKIP_UNDER_SANITIZER();
  using namespace devices;
  using namespace devices::virtio_driver;
  auto path = disk_file(4096);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  std::unique_ptr<Driver> blk, net;
  const ChildEnd end = run_confined(
      [&] {
        blk = std::make_unique<Driver>(std::make_unique<VirtioBlk>(path, false));
        net = std::make_unique<Driver>(std::make_unique<VirtioNet>(UniqueFd(sv[0]), VirtioNet::mac_address("", "x")));
      },
      [&] {
        blk->setup(1);
        BlkRequest out{VirtioBlk::kOut, 0, 1};
        std::memcpy(blk->at(Driver::kData, 16), &out, 16);
        std::memcpy(blk->at(Driver::kData + 0x100, 5), "block", 5);
        blk->submit(0, {{Driver::kData, 16, false}, {Driver::kData + 0x100, 512, false}, {Driver::kData + 0x400, 1, true}});
        require(*blk->at(Driver::kData + 0x400) == VirtioBlk::kOk, "virtio-blk write");
        BlkRequest in{VirtioBlk::kIn, 0, 1};
        std::memcpy(blk->at(Driver::kData, 16), &in, 16);
        blk->submit(0, {{Driver::kData, 16, false}, {Driver::kData + 0x800, 512, true}, {Driver::kData + 0x400, 1, true}});
        require(std::memcmp(blk->at(Driver::kData + 0x800, 5), "block", 5) == 0, "virtio-blk read");

        net->setup(2);
        std::memset(net->at(Driver::kData, 12), 0, 12);
        std::memcpy(net->at(Driver::kData + 12, 2), "tx", 2);
        net->submit(1, {{Driver::kData, 14, false}});
        char got[16];
        require(::read(sv[1], got, sizeof got) == 2, "virtio-net transmit");
        net->submit(0, {{Driver::kData + 0x1000, 1526, true}});
        require(::write(sv[1], "rx", 2) == 2, "host write");
        for (int i = 0; i < 500 && net->used_idx(0) == 0; ++i) ::poll(nullptr, 0, 10);
        require(net->used_idx(0) == 1, "virtio-net receive thread");
        require(std::memcmp(net->at(Driver::kData + 0x1000 + 12, 2), "rx", 2) == 0, "received frame");
        net.reset();  // stops and joins the receive thread, under the filter
        blk.reset();
        std::printf("devices ok\n");
      });
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) == 0) << describe(end);
  EXPECT_EQ(end.out, "devices ok\n");
  ::close(sv[0]);
  ::close(sv[1]);
  std::filesystem::remove(path);
}

// libslirp under the filter with its extra rules: the guest's ARP is answered
// and a host connection to a forwarded port reaches the guest as a SYN (the
// child is both the guest, on the frame socket, and the host's client). Without
// the user-net rules, the same client socket is refused.
TEST(Seccomp, UserNetworkingWorksUnderTheFilterWithItsRules) {
  SKIP_UNDER_SANITIZER();
  std::unique_ptr<UserNet> net;
  UniqueFd guest;
  std::uint16_t port = 0;
  auto setup = [&] {
    UniqueFd probe(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    require(::bind(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind a probe");
    ::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&addr), &length);
    port = ntohs(addr.sin_port);
    probe.reset();
    NetDevice spec{.user = true};
    spec.forwards.push_back({.host_port = port, .guest_port = 80});
    net = std::make_unique<UserNet>(spec, /*dns=*/false);
    guest = net->take_guest_end();
  };
  auto wait_frame = [&](auto&& is_wanted) {
    std::vector<std::uint8_t> f(65536);
    for (int i = 0; i < 8; ++i) {
      pollfd p{guest.get(), POLLIN, 0};
      require(::poll(&p, 1, 2000) == 1, "a frame for the guest");
      const ssize_t n = ::recv(guest.get(), f.data(), f.size(), 0);
      if (n > 0 && is_wanted(f, static_cast<std::size_t>(n))) return;
    }
    require(false, "the expected frame");
  };
  const ChildEnd end = run_confined(setup, [&] {
    const std::uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x06,
                                  0, 1, 0x08, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 10, 0, 2, 15,
                                  0, 0, 0, 0, 0, 0, 10, 0, 2, 2};
    require(::send(guest.get(), arp, sizeof arp, 0) == sizeof arp, "send the ARP request");
    wait_frame([](const auto& f, std::size_t n) { return n >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2; });
    UniqueFd client(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    require(::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) == 0, "connect to the forward");
    wait_frame([](const auto& f, std::size_t n) { return n >= 54 && f[12] == 0x08 && f[13] == 0 && f[23] == 6; });
    std::printf("forwarded under the filter\n");
    guest.reset();
    net.reset();  // the thread ends and slirp closes its sockets, still confined
  }, /*user_net=*/true);
  EXPECT_TRUE(WIFEXITED(end.status) && WEXITSTATUS(end.status) == 0) << describe(end);
  EXPECT_NE(end.out.find("forwarded under the filter"), std::string::npos) << describe(end);

  const ChildEnd refused = run_confined([] {}, [] { (void)::socket(AF_INET, SOCK_STREAM, 0); });
  EXPECT_TRUE(WIFSIGNALED(refused.status) && WTERMSIG(refused.status) == SIGSYS) << describe(refused);
}

}  // namespace
}  // namespace tailor::runner::vmm
