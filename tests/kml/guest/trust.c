/* KML trust boundary checks (kml-patches 0007): what a process outside
 * /trusted must not be able to do to, or with, a trusted program.
 * Run as root from /bin (untrusted); the same binary must also be at
 * /trusted/kml-trust. Each check prints "ok <name>" or "FAIL <name>: why";
 * the exit status is the number of failures.
 *
 *   kml-trust                run every check
 *   kml-trust cpl LABEL      (what the checks execute) print "LABEL: CPL n"
 *   kml-trust sleep          (what the checks execute) wait to be killed
 *   kml-trust traceme        (what the checks execute) ask the parent to
 *                            trace it; exit 0 when refused with EPERM
 *   kml-trust cr4            (what the checks execute, at CPL 0) print CR4
 *
 * On a kernel with patches 0001-0006 only, every check fails ("plain" for
 * the missing AT_SECURE); "traceme_after_exec" fails before 0008,
 * "auxv_addresses" before 0009 and "smep_smap" before 0010: that is the
 * negative test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define TRUSTED "/trusted/kml-trust"
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#define OPEN_TREE_CLONE 1
#ifndef AT_SYSINFO
#define AT_SYSINFO 32
#endif

/* Runs `setup` (if any) in a child, which then executes `path` with `argv`;
 * returns how many bytes of what it printed are in `buf` (read through a
 * pipe, NUL-terminated), -1 when it printed nothing. */
static ssize_t child_output(int (*setup)(void), const char *path, char *const argv[], char *buf, size_t size) {
  int p[2];
  if (pipe(p)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    if (setup && setup()) _exit(100);
    execv(path, argv);
    _exit(101);
  }
  close(p[1]);
  memset(buf, 0, size);
  ssize_t n = read(p[0], buf, size - 1);
  close(p[0]);
  waitpid(pid, NULL, 0);
  return n > 0 ? n : -1;
}

/* Runs `setup` in a child, which then executes "kml-trust cpl LABEL" from
 * `path`, and returns the CPL it reported, -1 when it did not run; *secure
 * gets its AT_SECURE. */
static int child_cpl_secure(const char *label, int (*setup)(void), const char *path, int *secure) {
  char *argv[] = {"kml-trust", "cpl", (char *)label, NULL};
  char buf[128];
  ssize_t n = child_output(setup, path, argv, buf, sizeof buf);
  char *at = n > 0 ? strstr(buf, "CPL ") : NULL;
  char *sec = n > 0 ? strstr(buf, "secure ") : NULL;
  *secure = sec ? atoi(sec + 7) : -1;
  return at ? atoi(at + 4) : -1;
}

static int child_cpl(const char *label, int (*setup)(void), const char *path) {
  int secure;
  return child_cpl_secure(label, setup, path, &secure);
}

static int expect_cpl3(const char *label, int (*setup)(void), const char *path) {
  int c = child_cpl(label, setup, path);
  if (c == 3) return 0;
  return fail("%s ran at CPL %d, expected 3", path, c);
}

/* The control: executed plainly, the program is trusted, and gets AT_SECURE
 * (its C library then ignores LD_PRELOAD and LD_LIBRARY_PATH). */
static int check_plain(void) {
  int secure;
  int c = child_cpl_secure("plain", NULL, TRUSTED, &secure);
  if (c != 0) return fail(TRUSTED " ran at CPL %d, expected 0 (is KML enabled?)", c);
  return secure == 1 ? 0 : fail(TRUSTED " got AT_SECURE %d, expected 1", secure);
}

static int enter_chroot(void) {
  /* A /trusted inside another root: the path the process sees is /trusted/... */
  mkdir("/tmp/jail", 0755);
  mkdir("/tmp/jail/trusted", 0755);
  int in = open(TRUSTED, O_RDONLY), out = open("/tmp/jail" TRUSTED, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  char buf[65536];
  ssize_t n;
  while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, n) != n) return 1;
  close(in);
  close(out);
  return chroot("/tmp/jail") || chdir("/");
}
static int check_chroot(void) { return expect_cpl3("chroot", enter_chroot, TRUSTED); }

static int enter_mount_namespace(void) { return unshare(CLONE_NEWNS); }
static int check_mount_namespace(void) { return expect_cpl3("mntns", enter_mount_namespace, TRUSTED); }

/* A detached copy of the root (open_tree(OPEN_TREE_CLONE), never attached
 * anywhere), executed through /proc/self/fd: seen from the copy's own root,
 * the program is at /trusted/kml-trust. */
static int detached_fd = -1;
static int check_detached_mount(void) {
  detached_fd = syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE);
  if (detached_fd < 0) return fail("open_tree: %s", strerror(errno));
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d/trusted/kml-trust", detached_fd);
  int r = expect_cpl3("detached", NULL, path);
  close(detached_fd);
  return r;
}

static int enter_traceme(void) { return ptrace(PTRACE_TRACEME, 0, 0, 0) != 0; }
static int check_traceme(void) {
  /* The child stops at its exec (SIGTRAP): this side must let it go on. */
  int p[2];
  if (pipe(p)) return fail("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    if (enter_traceme()) _exit(100);
    char *argv[] = {"kml-trust", "cpl", "traceme", NULL};
    execv(TRUSTED, argv);
    _exit(101);
  }
  close(p[1]);
  int st;
  while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st)) ptrace(PTRACE_CONT, pid, 0, 0);
  char buf[128] = {0};
  ssize_t n = read(p[0], buf, sizeof buf - 1);
  close(p[0]);
  char *at = n > 0 ? strstr(buf, "CPL ") : NULL;
  int c = at ? atoi(at + 4) : -1;
  return c == 3 ? 0 : fail("a traced exec of " TRUSTED " ran at CPL %d, expected 3", c);
}

/* Starts "/trusted/kml-trust sleep"; returns its pid after it has exec'd. */
static pid_t start_trusted_sleeper(void) {
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"kml-trust", "sleep", NULL};
    execv(TRUSTED, argv);
    _exit(101);
  }
  struct timespec ts = {0, 200 * 1000 * 1000};
  nanosleep(&ts, NULL); /* let it exec */
  return pid;
}

/* A running trusted process: no attach, no writes to its memory. */
static int check_no_access(void) {
  pid_t pid = start_trusted_sleeper();
  int r = 0;
  if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) r = fail("PTRACE_ATTACH to a trusted process succeeded");
  else if (errno != EPERM) r = fail("PTRACE_ATTACH: %s, expected EPERM", strerror(errno));
  long word = 0;
  struct iovec local = {&word, sizeof word}, remote = {(void *)0x1000, sizeof word};
  /* ENOSYS: a kernel without CONFIG_CROSS_MEMORY_ATTACH, no way in either. */
  if (!r && process_vm_writev(pid, &local, 1, &remote, 1, 0) >= 0)
    r = fail("process_vm_writev to a trusted process succeeded");
  else if (!r && errno != EPERM && errno != ENOSYS) r = fail("process_vm_writev: %s, expected EPERM", strerror(errno));
  char mem[64];
  snprintf(mem, sizeof mem, "/proc/%d/mem", (int)pid);
  int fd = open(mem, O_RDWR);
  if (!r && fd >= 0) r = fail("%s opened for writing", mem);
  else if (!r && errno != EACCES && errno != EPERM) r = fail("open %s: %s, expected EACCES", mem, strerror(errno));
  if (fd >= 0) close(fd);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return r;
}

/* A trusted program that asks its untrusted parent (this process) to trace
 * it (PTRACE_TRACEME after the exec, which check_traceme does not cover):
 * refused, or the parent could change it at CPL 0. */
static int check_traceme_after_exec(void) {
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"kml-trust", "traceme", NULL};
    execv(TRUSTED, argv);
    _exit(101);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st)) ptrace(PTRACE_CONT, pid, 0, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) == 101) return fail("%s did not run", TRUSTED);
  return WEXITSTATUS(st) == 0 ? 0 : fail("a trusted process's PTRACE_TRACEME to an untrusted parent succeeded");
}

/* What any process of the same user may read of a trusted one, its
 * auxiliary vector, holds no kernel address (AT_SYSINFO is the call entry's
 * alias in the process's own landing page). */
static int check_auxv_addresses(void) {
  pid_t pid = start_trusted_sleeper();
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
  unsigned long auxv[128] = {0};
  int fd = open(path, O_RDONLY), r = 0;
  ssize_t n = fd >= 0 ? read(fd, auxv, sizeof auxv) : -1;
  if (n <= 0) r = fail("cannot read %s", path);
  int sysinfo_seen = 0;
  for (ssize_t i = 0; !r && i + 1 < n / (ssize_t)sizeof(long) && auxv[i]; i += 2) {
    sysinfo_seen |= auxv[i] == AT_SYSINFO;
    if (auxv[i + 1] >> 47) r = fail("%s: entry %lu is %#lx, a kernel address", path, auxv[i], auxv[i + 1]);
  }
  if (!r && !sysinfo_seen) r = fail("%s has no AT_SYSINFO (not trusted?)", path);
  if (fd >= 0) close(fd);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return r;
}

/* SMEP and SMAP stay on for untrusted processes: the kernel keeps the CPU
 * features (so /proc/cpuinfo lists them where the CPU has them), and only a
 * trusted process, which can read CR4 at CPL 0, finds them off. */
static int check_smep_smap(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[4096];
  int smep = 0, smap = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "flags", 5)) {
      smep |= strstr(line, " smep") != NULL;
      smap |= strstr(line, " smap") != NULL;
    }
  if (f) fclose(f);
  if (!smep || !smap) return fail("/proc/cpuinfo flags lack%s%s (the guest CPU must have them)", smep ? "" : " smep", smap ? "" : " smap");
  char *argv[] = {"kml-trust", "cr4", NULL};
  char buf[64];
  ssize_t n = child_output(NULL, TRUSTED, argv, buf, sizeof buf);
  unsigned long cr4 = n > 0 ? strtoul(buf, NULL, 0) : 0;
  if (n <= 0) return fail("%s cr4 printed nothing", TRUSTED);
  return cr4 & (3UL << 20) ? fail("a trusted process runs with CR4 %#lx: SMEP or SMAP on", cr4) : 0;
}

static const struct check checks[] = {
    {"plain", check_plain},           {"ptrace_and_memory", check_no_access}, {"traceme", check_traceme},
    {"chroot", check_chroot},         {"mount_namespace", check_mount_namespace},
    {"detached_mount", check_detached_mount}, {"traceme_after_exec", check_traceme_after_exec},
    {"auxv_addresses", check_auxv_addresses}, {"smep_smap", check_smep_smap},
};

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && !strcmp(argv[1], "cpl")) {
    printf("%s: CPL %d secure %lu\n", argv[2], cpl(), getauxval(AT_SECURE));
    return 0;
  }
  if (argc == 2 && !strcmp(argv[1], "sleep")) {
    for (;;) pause();
  }
  if (argc == 2 && !strcmp(argv[1], "cr4")) {
    unsigned long cr4;
    if (cpl() != 0) return 1;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    printf("%#lx\n", cr4);
    return 0;
  }
  if (argc == 2 && !strcmp(argv[1], "traceme")) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0) return 1;
    return errno == EPERM ? 0 : 2;
  }
  printf("trust: CPL %d\n", cpl());
  return run_checks("trust", checks, sizeof checks / sizeof checks[0]);
}
