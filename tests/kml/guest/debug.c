/* KML debug checks (kml-patches 0008): breakpoints and single steps in a
 * trusted program's code at CPL 0 are user events, as they are at CPL 3:
 * its own SIGTRAP handler, or a trusted tracer (a debugger in /trusted),
 * sees them at the program's own addresses, across each kind of system
 * call, and the kernel log stays clean. Run from /trusted/kml-debug. Each
 * check prints "ok <name>" or "FAIL <name>: why"; the exit status is the
 * number of failures.
 *
 *   kml-debug              run every check
 *   kml-debug cpl          (what a check executes) exit with the CPL
 *   kml-debug spin         say so and spin in the program's own code until
 *                          killed: kml.debug's harness injects a machine
 *                          check then, which must kill it with SIGBUS (not
 *                          the kernel, as before 0008)
 *
 * Before 0008 a single step at CPL 0 was a kernel #DB (a warning, TF
 * cleared, no SIGTRAP), and a trusted process could neither be traced nor
 * started traced at CPL 0 by a trusted tracer: step_in_process,
 * ptrace_step_and_break and traced_exec fail there. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

#ifndef AT_SYSINFO
#define AT_SYSINFO 32
#endif
#define SELF "/trusted/kml-debug"
#define TF 0x100UL
#define MAX_STEPS 200

extern char debug_target[], debug_after_syscall[], debug_after_sled[], debug_after_call[], debug_bp[];
extern char debug_twice_mid[], debug_step_stop[], debug_int3_next[];
void debug_twice(unsigned long sysinfo);
void debug_stepped(unsigned long sysinfo);
void debug_int3(void);

static unsigned long sysinfo;

/* The instruction pointers a check saw, and what it expects among them. */
struct trace {
  unsigned long ip[MAX_STEPS];
  int n;
};

static int trace_check(const struct trace *t, const char *what) {
  const struct {
    const char *name;
    void *at;
  } expected[] = {{"debug_after_syscall", debug_after_syscall},
                  {"debug_after_sled", debug_after_sled},
                  {"debug_after_call", sysinfo ? debug_after_call : NULL},
                  {"debug_bp", debug_bp}};
  for (int i = 0; i < t->n; i++)
    if (t->ip[i] >> 47) return fail("%s: step %d stopped at %#lx, a kernel address", what, i, t->ip[i]);
  for (size_t e = 0; e < sizeof expected / sizeof expected[0]; e++) {
    int seen = !expected[e].at;
    /* The step after a system call stops at the next instruction (a
     * tracer's PTRACE_SINGLESTEP is reported at the system call's exit) or
     * after it (the return restores TF, which traps after one more). */
    for (int i = 0; i < t->n && !seen; i++) seen = t->ip[i] - (unsigned long)expected[e].at <= 1;
    if (!seen) return fail("%s: %d steps, none at %s", what, t->n, expected[e].name);
  }
  return 0;
}

/* ---- in the process itself: SIGTRAP handlers ---- */

static volatile sig_atomic_t int3_code;
static volatile unsigned long int3_ip;
static struct trace in_process;

static void on_int3(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  int3_code = si->si_code;
  int3_ip = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
}

static void on_step(int sig, siginfo_t *si, void *ctx) {
  (void)sig;
  (void)si;
  greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
  if (in_process.n < MAX_STEPS) in_process.ip[in_process.n++] = g[REG_RIP];
  if ((unsigned long)g[REG_RIP] == (unsigned long)debug_step_stop || in_process.n == MAX_STEPS) g[REG_EFL] &= ~TF;
}

static void handle(void (*fn)(int, siginfo_t *, void *)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGTRAP, &sa, NULL);
}

static int check_int3_in_process(void) {
  handle(on_int3);
  debug_int3();
  signal(SIGTRAP, SIG_DFL);
  if (int3_ip != (unsigned long)debug_int3_next)
    return fail("SIGTRAP at %#lx, expected %p after the int3", int3_ip, (void *)debug_int3_next);
  return int3_code == SI_KERNEL ? 0 : fail("si_code %d, expected SI_KERNEL", (int)int3_code);
}

static int check_step_in_process(void) {
  handle(on_step);
  in_process.n = 0;
  debug_stepped(sysinfo);
  signal(SIGTRAP, SIG_DFL);
  if (in_process.n == MAX_STEPS) return fail("stepping did not reach debug_step_stop in %d steps", MAX_STEPS);
  return trace_check(&in_process, "EFLAGS.TF in the process");
}

/* ---- a trusted tracer ---- */

/* Waits for the child's next stop; 0 when it stopped with `sig`. */
static int stopped_with(pid_t pid, int sig, const char *when) {
  int st;
  if (waitpid(pid, &st, 0) != pid) return fail("%s: waitpid failed", when);
  if (WIFSTOPPED(st) && WSTOPSIG(st) == sig) return 0;
  if (WIFEXITED(st)) return fail("%s: the child exited with %d", when, WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return fail("%s: the child was killed by signal %d", when, WTERMSIG(st));
  return fail("%s: the child stopped with signal %d, expected %d", when, WSTOPSIG(st), sig);
}

static unsigned long ip_of(pid_t pid) {
  struct user_regs_struct r;
  ptrace(PTRACE_GETREGS, pid, 0, &r);
  return r.rip;
}

static void set_ip(pid_t pid, unsigned long ip) {
  struct user_regs_struct r;
  ptrace(PTRACE_GETREGS, pid, 0, &r);
  r.rip = ip;
  ptrace(PTRACE_SETREGS, pid, 0, &r);
}

static long set_debugreg(pid_t pid, int n, unsigned long value) {
  return ptrace(PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg) + n * sizeof(long), value);
}

/* What a debugger does to a trusted child (a fork of this trusted process,
 * traced on its own request): an int3 breakpoint written into its code,
 * single steps through debug_target, a hardware breakpoint, continue. */
static int trace_child(pid_t pid) {
  static struct trace steps;
  int r = stopped_with(pid, SIGSTOP, "after PTRACE_TRACEME");
  if (r) return r;
  errno = 0;
  long word = ptrace(PTRACE_PEEKTEXT, pid, debug_target, 0);
  if (errno) return fail("PTRACE_PEEKTEXT: %s", strerror(errno));
  if (ptrace(PTRACE_POKETEXT, pid, debug_target, (word & ~0xffL) | 0xcc))
    return fail("PTRACE_POKETEXT (the breakpoint): %s", strerror(errno));
  ptrace(PTRACE_CONT, pid, 0, 0);
  if ((r = stopped_with(pid, SIGTRAP, "at the int3 breakpoint"))) return r;
  if (ip_of(pid) != (unsigned long)debug_target + 1)
    return fail("int3 breakpoint: stopped at %#lx, expected %p", ip_of(pid), (void *)(debug_target + 1));
  ptrace(PTRACE_POKETEXT, pid, debug_target, word);
  set_ip(pid, (unsigned long)debug_target);

  steps.n = 0;
  while (steps.n < MAX_STEPS) {
    ptrace(PTRACE_SINGLESTEP, pid, 0, 0);
    if ((r = stopped_with(pid, SIGTRAP, "single step"))) return r;
    steps.ip[steps.n++] = ip_of(pid);
    if (steps.ip[steps.n - 1] == (unsigned long)debug_twice_mid) break;
  }
  if (steps.n == MAX_STEPS) return fail("single steps did not return from debug_target in %d", MAX_STEPS);
  if ((r = trace_check(&steps, "PTRACE_SINGLESTEP"))) return r;

  /* DR0 = debug_bp, DR7: local enable of DR0, execution, 1 byte. */
  if (set_debugreg(pid, 0, (unsigned long)debug_bp) || set_debugreg(pid, 7, 1))
    return fail("setting a hardware breakpoint: %s", strerror(errno));
  ptrace(PTRACE_CONT, pid, 0, 0);
  if ((r = stopped_with(pid, SIGTRAP, "at the hardware breakpoint"))) return r;
  if (ip_of(pid) != (unsigned long)debug_bp)
    return fail("hardware breakpoint: stopped at %#lx, expected %p", ip_of(pid), (void *)debug_bp);
  set_debugreg(pid, 7, 0);
  ptrace(PTRACE_CONT, pid, 0, 0);
  int st;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st)) return fail("the child did not exit after the breakpoints");
  return WEXITSTATUS(st) == 0 ? 0 : fail("the traced child ran at CPL %d, expected 0", WEXITSTATUS(st));
}

static int check_ptrace_step_and_break(void) {
  pid_t pid = fork();
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0)) _exit(100);
    raise(SIGSTOP);
    debug_twice(sysinfo);
    _exit(cpl());
  }
  int r = trace_child(pid);
  if (r) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  return r;
}

/* gdb's way of starting a program: fork, PTRACE_TRACEME, exec. With a
 * trusted tracer, the trusted program still runs at CPL 0. */
static int check_traced_exec(void) {
  pid_t pid = fork();
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0)) _exit(100);
    char *argv[] = {"kml-debug", "cpl", NULL};
    execv(SELF, argv);
    _exit(101);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st)) ptrace(PTRACE_CONT, pid, 0, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) >= 100) return fail("%s did not run traced", SELF);
  return WEXITSTATUS(st) == 0 ? 0 : fail("a traced exec of %s ran at CPL %d, expected 0", SELF, WEXITSTATUS(st));
}

static const struct check checks[] = {
    {"int3_in_process", check_int3_in_process},
    {"step_in_process", check_step_in_process},
    {"ptrace_step_and_break", check_ptrace_step_and_break},
    {"traced_exec", check_traced_exec},
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 2 && !strcmp(argv[1], "cpl")) return cpl();
  if (argc == 2 && !strcmp(argv[1], "spin")) {
    printf("kml-debug: spinning at CPL %d\n", cpl());
    for (;;) __asm__ volatile("pause" ::: "memory");
  }
  sysinfo = getauxval(AT_SYSINFO);
  printf("debug: CPL %d, KML call entry %s\n", cpl(), sysinfo ? "yes" : "no");
  return run_checks("debug", checks, sizeof checks / sizeof checks[0]);
}
