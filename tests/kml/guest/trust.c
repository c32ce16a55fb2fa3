/* KML trust boundary checks (kml-patches 0007): what a process outside
 * /trusted must not be able to do to, or with, a trusted program.
 * Run as root from /bin (untrusted); the same binary must also be at
 * /trusted/kml-trust. Each check prints "ok <name>" or "FAIL <name>: why";
 * the exit status is the number of failures.
 *
 *   kml-trust                run every check
 *   kml-trust cpl LABEL      (what the checks execute) print "LABEL: CPL n"
 *   kml-trust sleep          (what the checks execute) wait to be killed
 *
 * On a kernel with patches 0001-0006 only, every check fails ("plain" for
 * the missing AT_SECURE): that is the negative test. */
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

/* Runs `setup` in a child, which then executes "kml-trust cpl LABEL" from
 * `path`, and returns the CPL it reported (read back through a pipe), -1
 * when it did not run; *secure gets its AT_SECURE. */
static int child_cpl_secure(const char *label, int (*setup)(void), const char *path, int *secure) {
  int p[2];
  if (pipe(p)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    if (setup && setup()) _exit(100);
    char *argv[] = {"kml-trust", "cpl", (char *)label, NULL};
    execv(path, argv);
    _exit(101);
  }
  close(p[1]);
  char buf[128] = {0};
  ssize_t n = read(p[0], buf, sizeof buf - 1);
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
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

/* A running trusted process: no attach, no writes to its memory. */
static int check_no_access(void) {
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"kml-trust", "sleep", NULL};
    execv(TRUSTED, argv);
    _exit(101);
  }
  struct timespec ts = {0, 200 * 1000 * 1000};
  nanosleep(&ts, NULL); /* let it exec */
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

static const struct {
  const char *name;
  int (*fn)(void);
} checks[] = {
    {"plain", check_plain},           {"ptrace_and_memory", check_no_access}, {"traceme", check_traceme},
    {"chroot", check_chroot},         {"mount_namespace", check_mount_namespace},
    {"detached_mount", check_detached_mount},
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
  printf("trust: CPL %d\n", cpl());
  int failed = 0;
  for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
    why[0] = 0;
    if (checks[i].fn() == 0) {
      printf("ok %s\n", checks[i].name);
    } else {
      printf("FAIL %s: %s\n", checks[i].name, why);
      failed++;
    }
  }
  printf("trust: %d failed\n", failed);
  return failed;
}
