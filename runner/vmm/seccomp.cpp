// tailor-vmm's seccomp filter: the system calls its run loop and teardown make,
// each with the reason, and nothing else.
//
// Built with libseccomp rather than as hand-written BPF: libseccomp checks the
// architecture, keeps x32 system call numbers out and compares 64-bit
// arguments, the places where hand-written filters tend to go wrong, and the
// allow-list stays a table of names with the reason for each.
//
// Forbidden calls trap (SECCOMP_RET_TRAP) instead of killing the process
// outright (SECCOMP_RET_KILL_PROCESS): neither runs the call, but the trap's
// handler can say which call it was before the process dies by SIGSYS.
// Confined code cannot take that handler away: rt_sigaction is not allowed,
// and a blocked SIGSYS makes the kernel kill the process outright.
#include "runner/vmm/seccomp.h"

#include <linux/kvm.h>
#include <malloc.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runner/runner.h"

namespace tailor::runner::vmm {
namespace {

// One allowed system call, optionally only when one argument matches.
struct Allowed {
  int syscall;
  std::optional<scmp_arg_cmp> when = std::nullopt;
};

// Argument `index`, masked with `mask`, equals `value`.
constexpr scmp_arg_cmp masked(unsigned index, std::uint64_t mask, std::uint64_t value) {
  return {index, SCMP_CMP_MASKED_EQ, mask, value};
}
// The kernel reads an ioctl request as 32 bits, whatever the register's upper half holds.
constexpr scmp_arg_cmp ioctl_request(unsigned long request) { return masked(1, 0xffffffff, request); }

std::vector<Allowed> allow_list(pid_t self) {
  return {
      // vCPU threads run the guest; devices raise interrupt lines (UART,
      // virtio); the crash dump reads the stopped vCPU's registers.
      {SCMP_SYS(ioctl), ioctl_request(KVM_RUN)},
      {SCMP_SYS(ioctl), ioctl_request(KVM_IRQ_LINE)},
      {SCMP_SYS(ioctl), ioctl_request(KVM_GET_REGS)},
      {SCMP_SYS(ioctl), ioctl_request(KVM_GET_SREGS)},
      // The dump's disassembler: capstone sorts a table with qsort on first
      // use, and glibc's qsort asks sysinfo how much memory there is.
      {SCMP_SYS(sysinfo)},
      // Console and messages (stdout, stderr), eventfds, TAP frames in and out.
      {SCMP_SYS(read)}, {SCMP_SYS(write)}, {SCMP_SYS(writev)},
      // virtio-blk requests.
      {SCMP_SYS(pread64)}, {SCMP_SYS(pwrite64)}, {SCMP_SYS(fdatasync)},
      // virtio-net's receive thread waits on the TAP and its eventfds.
      {SCMP_SYS(poll)}, {SCMP_SYS(ppoll)},
      // Locks, condition variables, joins (libstdc++'s waits yield while they
      // spin); the clocks of timings, timeout and RTC where the vDSO falls back.
      {SCMP_SYS(futex)}, {SCMP_SYS(sched_yield)}, {SCMP_SYS(clock_gettime)}, {SCMP_SYS(time)},
      // malloc: brk, mapped arenas and large blocks, never executable memory;
      // an exiting thread gives its stack back (madvise).
      {SCMP_SYS(brk)}, {SCMP_SYS(mmap), masked(2, PROT_EXEC, 0)}, {SCMP_SYS(mprotect), masked(2, PROT_EXEC, 0)},
      {SCMP_SYS(munmap)}, {SCMP_SYS(mremap)}, {SCMP_SYS(madvise)},
      // malloc again: past 8 arenas (a 9th thread's first allocation) it
      // sizes their number by the CPUs this process may run on.
      {SCMP_SYS(sched_getaffinity)},
      // Kicking vCPU threads out of KVM_RUN (pthread_kill, threads of this
      // process only) and returning from signal handlers; a call interrupted
      // by a stop signal resumes through restart_syscall.
      {SCMP_SYS(tgkill), masked(0, 0xffffffff, static_cast<std::uint32_t>(self))},
      {SCMP_SYS(getpid)}, {SCMP_SYS(gettid)}, {SCMP_SYS(rt_sigprocmask)}, {SCMP_SYS(rt_sigreturn)},
      {SCMP_SYS(restart_syscall)},
      // The end of the run: peak RSS and resident guest pages for the report,
      // closing descriptors, thread and process exit.
      {SCMP_SYS(getrusage)}, {SCMP_SYS(mincore)}, {SCMP_SYS(close)}, {SCMP_SYS(exit)}, {SCMP_SYS(exit_group)},
  };
}

// User-mode networking only (libslirp, vmm/user_net.cpp): NAT means opening
// an IPv4 socket per guest connection or datagram flow, connecting it and
// moving data, and accepting connections on forwarded ports. IPv4 only (the
// user network has no IPv6), and nothing that reaches files: slirp's DNS
// forwarding, which reads /etc/resolv.conf, is off in a confined run.
std::vector<Allowed> user_net_allow_list() {
  return {
      {SCMP_SYS(socket), masked(0, 0xffffffff, AF_INET)},
      {SCMP_SYS(connect)}, {SCMP_SYS(accept)}, {SCMP_SYS(accept4)}, {SCMP_SYS(shutdown)},
      {SCMP_SYS(sendto)}, {SCMP_SYS(recvfrom)}, {SCMP_SYS(sendmsg)}, {SCMP_SYS(recvmsg)},
      {SCMP_SYS(setsockopt)}, {SCMP_SYS(getsockopt)}, {SCMP_SYS(getsockname)}, {SCMP_SYS(getpeername)},
      // Non-blocking sockets (F_GETFL/F_SETFL), and how much a datagram socket holds.
      {SCMP_SYS(fcntl)}, {SCMP_SYS(ioctl), ioctl_request(FIONREAD)},
  };
}

// SIGSYS from the filter. Only async-signal-safe calls, each on the list.
void on_forbidden_call(int, siginfo_t* info, void* context) {
  char text[256];
  std::size_t length = 0;
  auto append = [&](std::string_view part) {
    for (char c : part)
      if (length < sizeof text) text[length++] = c;
  };
  char digits[10];
  int count = 0;
  for (unsigned n = static_cast<unsigned>(info->si_syscall); count == 0 || n; n /= 10)
    digits[count++] = static_cast<char>('0' + n % 10);
  append("tailor-vmm: seccomp: system call ");
  while (count) append(std::string_view(&digits[--count], 1));
  append(" (x86-64 numbering; arguments");
  const auto& regs = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  for (int reg : {REG_RDI, REG_RSI, REG_RDX}) {
    append(" 0x");
    const auto value = static_cast<std::uint64_t>(regs[reg]);
    for (int shift = 60; shift >= 0; shift -= 4)
      if (value >> shift || shift == 0) append(std::string_view(&"0123456789abcdef"[(value >> shift) & 15], 1));
  }
  append(") is not allowed after start-up; the monitor stops (--no-seccomp runs without the filter)\n");
  (void)!::write(STDERR_FILENO, text, length);
  // SA_RESETHAND restored the default action, and SIGSYS stays blocked while
  // this runs: the signal raised here kills the process when it returns.
  ::raise(SIGSYS);
}

[[noreturn]] void fail(const std::string& what, int err) {
  throw Error(errno_message("seccomp: " + what, err) + " (--no-seccomp runs without the filter)",
              exit_codes::kMonitorFailed);
}

}  // namespace

void confine_process(bool user_net) {
  // stdio asks the kernel what a stream is when it first writes to it
  // (newfstatat, whose path seccomp cannot see): have stdout ask now.
  std::setvbuf(stdout, nullptr, _IOFBF, BUFSIZ);
  // glibc's malloc opens /proc/sys/vm/overcommit_memory the first time it
  // gives the free top of a thread's heap back to the kernel (a thread that
  // frees a large block, or exits): keep heaps from shrinking instead; freed
  // memory is reused, and goes back at exit.
  ::mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
  struct sigaction sa {};
  sa.sa_sigaction = on_forbidden_call;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGSYS, &sa, nullptr) != 0) fail("SIGSYS handler", errno);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("prctl(PR_SET_NO_NEW_PRIVS)", errno);

  const std::unique_ptr<void, decltype(&seccomp_release)> filter(seccomp_init(SCMP_ACT_TRAP), &seccomp_release);
  if (!filter) fail("seccomp_init", ENOMEM);
  auto check = [](int rc, const char* what) {
    if (rc < 0) fail(what, -rc);
  };
  check(seccomp_attr_set(filter.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "bad-architecture action");
  check(seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_TSYNC, 1), "every thread");
  std::vector<Allowed> allowed = allow_list(::getpid());
  if (user_net) std::ranges::copy(user_net_allow_list(), std::back_inserter(allowed));
  for (const Allowed& a : allowed)
    check(a.when ? seccomp_rule_add_exact_array(filter.get(), SCMP_ACT_ALLOW, a.syscall, 1, &*a.when)
                 : seccomp_rule_add_exact(filter.get(), SCMP_ACT_ALLOW, a.syscall, 0),
          "adding a rule");
  check(seccomp_load(filter.get()), "installing the filter");
}

}  // namespace tailor::runner::vmm
