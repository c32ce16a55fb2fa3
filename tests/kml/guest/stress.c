/* KML stress suite: what a process must survive when it runs at CPL 0
 * (under /trusted/) — and, run from elsewhere, at CPL 3, which shows that the
 * checks themselves are right. Each check prints "ok <name>", "skip <name>:
 * why" or "FAIL <name>: why"; the exit status is the number of failures.
 *
 *   kml-stress [check ...]     (default: all checks)
 *
 * Builds with musl (Debian's or the KML-aware one) and with glibc. Checks
 * that use the KML call entry directly (stub_*) run when the kernel gave the
 * process one (AT_SYSINFO), whatever the C library does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

#ifndef AT_SYSINFO
#define AT_SYSINFO 32
#endif

long kml_stub_syscall(unsigned long entry, long nr, long a1, long a2, long a3);
long kml_clone_via_stub(unsigned long entry, unsigned long flags, void *stack_top, int (*fn)(void));
long redzone_probe(long rounds);
long sled_syscall(long nr, long a1, long a2, long a3);
long sled_keeps_flags(long nr);

static unsigned long sysinfo_entry;
static int sled_mapped; /* [kml_sled] at address 0: reads there do not fault */
static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- stack growth: page faults on the process's own stack ---- */

static long __attribute__((noinline)) deep(int depth) {
  volatile char frame[4000];
  frame[0] = (char)depth;
  frame[sizeof frame - 1] = (char)(depth >> 8);
  if (depth == 0) return 0;
  return deep(depth - 1) + frame[0] + 1 - (char)depth;
}

static long __attribute__((noinline)) big_frame(void) {
  volatile char buf[2 << 20];
  long sum = 0;
  for (size_t i = sizeof buf; i > 0; i -= 4096) buf[i - 1] = 1;
  for (size_t i = sizeof buf; i > 0; i -= 4096) sum += buf[i - 1];
  return sum;
}

static int check_stack_growth(void) {
  long r = deep(1200); /* ~4.8 MB of stack, grown one page at a time */
  if (r != 1200) return fail("recursion returned %ld, expected 1200", r);
  long s = big_frame(); /* a 2 MB frame, touched from the top down */
  if (s != (2 << 20) / 4096) return fail("big frame sum %ld", s);
  return 0;
}

/* ---- the red zone survives interrupts ---- */

static int check_red_zone(void) {
  long changed = 0, rounds = 0;
  double end = now_ms() + 300; /* several timer ticks */
  while (now_ms() < end) {
    changed += redzone_probe(20000);
    rounds++;
  }
  if (changed) return fail("%ld red zone words changed in %ld rounds", changed, rounds);
  return 0;
}

/* ---- SIGALRM preempting a busy loop; registers and FPU preserved ---- */

static volatile sig_atomic_t alarms;
static volatile double handler_fp;

static void on_alarm(int sig) {
  (void)sig;
  double x = 1.0;
  for (int i = 0; i < 100; i++) x = x * 1.0001 + 0.5; /* dirty the FPU state */
  handler_fp = x;
  if (sysinfo_entry) kml_stub_syscall(sysinfo_entry, SYS_getppid, 0, 0, 0);
  else syscall(SYS_getppid);
  alarms++;
}

static int check_sigalrm(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 2000}, {0, 2000}};
  alarms = 0;
  setitimer(ITIMER_REAL, &it, NULL);

  uint64_t h = 1469598103934665603ull, expect = 0;
  double f = 0;
  long loops = 0;
  double deadline = now_ms() + 20000;
  while (alarms < 50 && now_ms() < deadline) {
    for (int i = 0; i < 1000; i++) {
      h = (h ^ (uint64_t)i) * 1099511628211ull;
      f += i * 0.25;
    }
    loops++;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  signal(SIGALRM, SIG_DFL);

  expect = 1469598103934665603ull;
  double fe = 0;
  for (long l = 0; l < loops; l++)
    for (int i = 0; i < 1000; i++) {
      expect = (expect ^ (uint64_t)i) * 1099511628211ull;
      fe += i * 0.25;
    }
  if (alarms < 50) return fail("only %d SIGALRMs in 20 s", (int)alarms);
  if (h != expect || f != fe) return fail("computation disturbed by interrupts/signals");
  return 0;
}

/* ---- SIGSEGV handler + siglongjmp ---- */

static sigjmp_buf segv_jump;
static void *volatile segv_addr;

static void on_segv(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  (void)ctx;
  segv_addr = si->si_addr;
  siglongjmp(segv_jump, 1);
}

static int check_sigsegv(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);

  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  unsigned char *nx = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ro == MAP_FAILED || nx == MAP_FAILED) return fail("mmap: %s", strerror(errno));
  nx[0] = 0xc3; /* ret, in a page that is not executable */

  int hits = 0, bad = 0;
  for (int i = 0; i < 100 && !bad; i++) {
    /* Locals changed between sigsetjmp and siglongjmp must not be trusted. */
    void *const want = i % 3 == 0 ? (void *)16 : i % 3 == 1 ? (void *)(ro + 8) : (void *)nx;
    segv_addr = NULL;
    if (sigsetjmp(segv_jump, 1) == 0) {
      if (i % 3 == 0 && !sled_mapped) (void)*(volatile int *)want; /* read near NULL */
      else if (i % 3 == 0) *(volatile int *)want = 0;      /* the sled is readable: write near NULL */
      else if (i % 3 == 1) *(volatile char *)want = 1;      /* write to a read-only page */
      else ((void (*)(void))want)();                       /* fetch from a non-executable page */
      bad = fail("access %d did not fault", i % 3);
    } else if (segv_addr != want) {
      bad = fail("si_addr %p, expected %p (case %d)", segv_addr, want, i % 3);
    } else {
      hits++;
    }
  }
  signal(SIGSEGV, SIG_DFL);
  munmap(ro, 4096);
  munmap(nx, 4096);
  if (bad) return 1;
  return hits == 100 ? 0 : fail("%d of 100 faults caught", hits);
}

/* ---- stack overflow: SIGSEGV delivered on an alternate stack ---- */

static void on_overflow(int sig) {
  (void)sig;
  _exit(42);
}

static volatile long bottom_guard = 1;

static long __attribute__((noinline)) bottomless(long n) {
  volatile char pad[1024];
  pad[0] = (char)n;
  if (!bottom_guard) return 0; /* never: keeps the recursion legal C */
  return bottomless(n + 1) + pad[0];
}

static int check_stack_overflow(void) {
  pid_t pid = fork();
  if (pid < 0) return fail("fork: %s", strerror(errno));
  if (pid == 0) {
    static char alt[64 * 1024];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {0};
    sa.sa_handler = on_overflow;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    struct rlimit rl = {1 << 20, 1 << 20};
    setrlimit(RLIMIT_STACK, &rl);
    bottomless(0);
    _exit(1);
  }
  int st;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
    return fail("child status %#x, expected exit 42 from the SIGSEGV handler", st);
  return 0;
}

/* ---- fork, vfork, exit status, kill ---- */

static int check_fork_wait(void) {
  enum { N = 20 };
  pid_t pids[N];
  for (int i = 0; i < N; i++) {
    pids[i] = fork();
    if (pids[i] < 0) return fail("fork: %s", strerror(errno));
    if (pids[i] == 0) {
      volatile long x = 0;
      for (int j = 0; j < 10000 * (i + 1); j++) x += j;
      _exit((i * 3 + (int)(x & 0)) & 0xff);
    }
  }
  for (int i = 0; i < N; i++) {
    int st;
    if (waitpid(pids[i], &st, 0) != pids[i]) return fail("waitpid: %s", strerror(errno));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != i * 3) return fail("child %d status %#x", i, st);
  }
  pid_t v = vfork();
  if (v == 0) _exit(7);
  int st;
  if (v < 0 || waitpid(v, &st, 0) != v || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
    return fail("vfork child status %#x", st);
  pid_t k = fork();
  if (k == 0) {
    for (;;) pause();
  }
  kill(k, SIGKILL);
  if (waitpid(k, &st, 0) != k || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
    return fail("killed child status %#x", st);
  return 0;
}

/* ---- exec of trusted and untrusted programs ---- */

static int run_and_read(const char *path, char *out, size_t n, int *status) {
  int p[2];
  if (pipe(p)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    execl(path, path, (char *)NULL);
    _exit(127);
  }
  close(p[1]);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < n && (r = read(p[0], out + got, n - 1 - got)) > 0) got += r;
  out[got] = 0;
  close(p[0]);
  waitpid(pid, status, 0);
  return 0;
}

static int check_exec(void) {
  struct {
    const char *path;
    const char *want;
  } cases[] = {{"/trusted/kml-cpl", "CPL 0"}, {"/bin/kml-cpl", "CPL 3"}};
  int ran = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (access(cases[i].path, X_OK) != 0) continue;
    char out[256];
    int st = -1;
    run_and_read(cases[i].path, out, sizeof out, &st);
    /* On a kernel without KML, /trusted/ programs run at CPL 3 too. */
    const char *want = cases[i].want;
    if (i == 0 && strstr(out, "CPL 3") && getenv("KML_EXPECT_CPL3")) want = "CPL 3";
    if (!strstr(out, want)) return fail("%s printed '%s', expected '%s'", cases[i].path, out, want);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return fail("%s status %#x", cases[i].path, st);
    ran++;
  }
  if (!ran) return fail("neither /trusted/kml-cpl nor /bin/kml-cpl exists");
  return 0;
}

/* ---- pthreads, thread-local storage, futexes ---- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long tls_value;

static void *thread_body(void *arg) {
  long id = (long)arg;
  tls_value = id * 1000;
  for (int i = 0; i < 20000; i++) {
    pthread_mutex_lock(&counter_lock);
    counter++;
    pthread_mutex_unlock(&counter_lock);
    if ((i & 255) == 0) sched_yield();
    if (tls_value != id * 1000) return (void *)1;
  }
  syscall(SYS_getppid);
  return NULL;
}

static int check_pthreads(void) {
  enum { T = 4 };
  pthread_t t[T];
  counter = 0;
  tls_value = -1;
  for (long i = 0; i < T; i++)
    if (pthread_create(&t[i], NULL, thread_body, (void *)(i + 1))) return fail("pthread_create");
  int bad = 0;
  for (int i = 0; i < T; i++) {
    void *r;
    pthread_join(t[i], &r);
    bad += r != NULL;
  }
  if (bad) return fail("%d threads saw their TLS change", bad);
  if (tls_value != -1) return fail("main thread TLS changed");
  if (counter != T * 20000) return fail("counter %ld, expected %d", counter, T * 20000);
  return 0;
}

/* ---- migration between CPUs ---- */

static void *migrate_body(void *arg) {
  long ncpu = (long)arg;
  double f = 1.0;
  for (int i = 0; i < 400; i++) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(i % ncpu, &set);
    if (sched_setaffinity(0, sizeof set, &set)) return (void *)1;
    if (sched_getcpu() != i % ncpu) return (void *)2;
    f = f * 1.5 + (double)(i % ncpu);
    syscall(SYS_getppid);
    if (sysinfo_entry) kml_stub_syscall(sysinfo_entry, SYS_getppid, 0, 0, 0);
  }
  double e = 1.0;
  for (int i = 0; i < 400; i++) e = e * 1.5 + (double)(i % ncpu);
  return f == e ? NULL : (void *)3;
}

static int check_migration(void) {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 2) {
    snprintf(why, sizeof why, "1 CPU online");
    return -1;
  }
  cpu_set_t all;
  sched_getaffinity(0, sizeof all, &all);
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, migrate_body, (void *)ncpu);
  void *mine = migrate_body((void *)ncpu);
  sched_setaffinity(0, sizeof all, &all);
  int bad = mine ? fail("main thread: error %ld", (long)mine) : 0;
  for (int i = 0; i < 3; i++) {
    void *r;
    pthread_join(t[i], &r);
    if (r && !bad) bad = fail("thread %d: error %ld", i, (long)r);
  }
  return bad;
}

/* ---- sigreturn to a non-canonical address: SIGSEGV, not an oops ---- */

static void on_usr1_bad_rip(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  (void)si;
  ucontext_t *uc = ctx;
  uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000001000ull;
}

static int check_bad_sigreturn(void) {
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGSEGV, SIG_DFL);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_usr1_bad_rip;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    _exit(1);
  }
  int st;
  waitpid(pid, &st, 0);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) return fail("child status %#x, expected SIGSEGV", st);
  return 0;
}

/* ---- the KML call entry itself ---- */

static int need_entry(void) {
  if (sysinfo_entry) return 0;
  snprintf(why, sizeof why, "no KML call entry (AT_SYSINFO)");
  return -1;
}

static int check_stub_basic(void) {
  if (need_entry()) return -1;
  long a = kml_stub_syscall(sysinfo_entry, SYS_getppid, 0, 0, 0);
  long b = syscall(SYS_getppid);
  if (a != b) return fail("getppid: entry %ld, syscall %ld", a, b);
  long e = kml_stub_syscall(sysinfo_entry, 100000, 0, 0, 0);
  if (e != -ENOSYS) return fail("bad syscall number gave %ld", e);
  const char msg[] = "stress: written through the KML call entry\n";
  long w = kml_stub_syscall(sysinfo_entry, SYS_write, 1, (long)msg, sizeof msg - 1);
  if (w != (long)sizeof msg - 1) return fail("write returned %ld", w);
  return 0;
}

static int wake_fd = -1;
static void on_alarm_write(int sig) {
  (void)sig;
  char c = 'x';
  if (write(wake_fd, &c, 1) != 1) _exit(3);
}
static void on_alarm_nothing(int sig) { (void)sig; }

/* A blocking read(2) through `call` (the KML call entry, or the sled),
 * interrupted by SIGALRM. With SA_RESTART it is restarted (the entry's
 * restart jump, or the call again with RAX = orig_ax) and then finds the
 * byte the handler wrote; without, it fails with EINTR. */
static int interrupted_read(long (*call)(long nr, long a1, long a2, long a3), int with_restart) {
  int p[2];
  if (pipe(p)) return fail("pipe");
  wake_fd = p[1];
  struct sigaction sa = {0};
  sa.sa_handler = with_restart ? on_alarm_write : on_alarm_nothing;
  sa.sa_flags = with_restart ? SA_RESTART : 0;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_REAL, &it, NULL);
  char c = 0;
  long r = call(SYS_read, p[0], (long)&c, 1);
  signal(SIGALRM, SIG_DFL);
  close(p[0]);
  close(p[1]);
  if (with_restart && (r != 1 || c != 'x')) return fail("restarted read returned %ld '%c'", r, c);
  if (!with_restart && r != -EINTR) return fail("interrupted read returned %ld, expected %d", r, -EINTR);
  return 0;
}

static long stub_call(long nr, long a1, long a2, long a3) { return kml_stub_syscall(sysinfo_entry, nr, a1, a2, a3); }

static int check_stub_restart(void) {
  if (need_entry()) return -1;
  return interrupted_read(stub_call, 1) || interrupted_read(stub_call, 0);
}

static int child_fn(void) {
  volatile char here;
  return ((uintptr_t)&here & 0xf000) ? 77 : 77;
}

static int check_stub_clone(void) {
  if (need_entry()) return -1;
  size_t size = 64 * 1024;
  char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack == MAP_FAILED) return fail("mmap");
  long pid = kml_clone_via_stub(sysinfo_entry, SIGCHLD, stack + size, child_fn);
  if (pid < 0) return fail("clone: %ld", pid);
  int st;
  waitpid(pid, &st, 0);
  munmap(stack, size);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 77) return fail("child status %#x, expected exit 77", st);
  return 0;
}

/* ---- the sled behind rewritten syscall sites (kml-patches 0006) ---- */

/* Trusted processes have "[kml_sled]" at address 0 (CPL 0 or, with KML
 * disabled, CPL 3 variant); others have nothing there. */
static int need_sled(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  int found = 0;
  while (maps && fgets(line, sizeof line, maps)) found |= strstr(line, "[kml_sled]") != NULL;
  if (maps) fclose(maps);
  if (found) return 0;
  snprintf(why, sizeof why, "no [kml_sled] mapping (not trusted, or a kernel without it)");
  return -1;
}

static int check_sled_basic(void) {
  if (need_sled()) return -1;
  long a = sled_syscall(SYS_getppid, 0, 0, 0), b = syscall(SYS_getppid);
  if (a != b) return fail("getppid: sled %ld, syscall %ld", a, b);
  /* Every offset of the sled that a rewritten site can reach decodes to a
   * jump: the numbers above the last system call all say ENOSYS. */
  for (long nr = 460; nr < 1024; nr++) {
    long e = sled_syscall(nr, 0, 0, 0);
    if (e != -ENOSYS) return fail("number %ld gave %ld, expected %d", nr, e, -ENOSYS);
  }
  const char msg[] = "stress: written through the sled\n";
  long w = sled_syscall(SYS_write, 1, (long)msg, sizeof msg - 1);
  if (w != (long)sizeof msg - 1) return fail("write returned %ld", w);
  long f = sled_keeps_flags(SYS_getppid);
  if (f != 3) return fail("CF/ZF after the call: %ld, expected both set (3), as after SYSCALL", f);
  return 0;
}

static int check_sled_restart(void) {
  if (need_sled()) return -1;
  return interrupted_read(sled_syscall, 1);
}

static const struct {
  const char *name;
  int (*fn)(void);
} checks[] = {
    {"stack_growth", check_stack_growth},
    {"red_zone", check_red_zone},
    {"sigalrm", check_sigalrm},
    {"sigsegv", check_sigsegv},
    {"stack_overflow", check_stack_overflow},
    {"fork_wait", check_fork_wait},
    {"exec", check_exec},
    {"pthreads", check_pthreads},
    {"migration", check_migration},
    {"bad_sigreturn", check_bad_sigreturn},
    {"stub_basic", check_stub_basic},
    {"stub_restart", check_stub_restart},
    {"stub_clone", check_stub_clone},
    {"sled_basic", check_sled_basic},
    {"sled_restart", check_sled_restart},
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  sysinfo_entry = getauxval(AT_SYSINFO);
  printf("stress: CPL %d, KML call entry %s, %ld CPUs\n", cpl(), sysinfo_entry ? "yes" : "no",
         sysconf(_SC_NPROCESSORS_ONLN));
  sled_mapped = !need_sled();
  printf("stress: sled %s\n", sled_mapped ? "yes" : "no");
  int passed = 0, failed = 0, skipped = 0;
  size_t n = sizeof checks / sizeof checks[0];
  for (size_t i = 0; i < n; i++) {
    if (argc > 1) {
      int wanted = 0;
      for (int a = 1; a < argc; a++) wanted |= !strcmp(argv[a], checks[i].name);
      if (!wanted) continue;
    }
    why[0] = 0;
    int r = checks[i].fn();
    if (r == 0) {
      printf("ok %s\n", checks[i].name);
      passed++;
    } else if (r < 0) {
      printf("skip %s: %s\n", checks[i].name, why);
      skipped++;
    } else {
      printf("FAIL %s: %s\n", checks[i].name, why);
      failed++;
    }
  }
  printf("stress: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed;
}
