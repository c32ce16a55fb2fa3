/* Null system call benchmark: getppid() N times in a tight loop, several
 * runs, median nanoseconds per call.
 *
 *   kml-nullsys raw|call|sled [iterations [runs]]
 *   kml-nullsys switch iterations runs PARTNER
 *
 * raw:  the SYSCALL instruction (what every libc does on a normal kernel,
 *       and what glibc still does in a trusted process)
 * call: CALL through the KML call entry given in AT_SYSINFO (trusted
 *       processes only; a KML-aware libc does this)
 * sled: CALL *%rax, what `tailor kml rewrite` makes of a SYSCALL: lands at
 *       address = number, in the sled KML maps for trusted processes
 * switch: a context switch there and back: one byte through a pipe to the
 *       program PARTNER ("kml-nullsys pong", executed from that path) and
 *       back, per iteration. With this process under /trusted/ and PARTNER
 *       outside, every switch goes between a trusted and an untrusted
 *       process, where KML turns SMEP and SMAP off and on (kml-patches 0010).
 *
 * Prints one line per run and a summary line the bench script reads:
 *   NULLSYS mode=<m> cpl=<0|3> iterations=<n> runs=<r> median_ns=<x> min_ns=<y>
 * Built with -mno-red-zone: the CALL pushes a return address below RSP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AT_SYSINFO
#define AT_SYSINFO 32
#endif

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void loop_raw(long n) {
  for (long i = 0; i < n; i++) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
  }
}

static void loop_call(long n, unsigned long entry) {
  for (long i = 0; i < n; i++) {
    long ret;
    __asm__ volatile("call *%1" : "=a"(ret) : "r"(entry), "a"((long)SYS_getppid) : "rcx", "r11", "memory");
  }
}

static void loop_sled(long n) {
  for (long i = 0; i < n; i++) {
    long ret;
    __asm__ volatile("call *%%rax" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory", "cc");
  }
}

/* The pipe ends of a running partner: to it, from it. */
static int to_partner = -1, from_partner = -1;

static int start_partner(const char *path) {
  int down[2], up[2];
  if (pipe(down) || pipe(up)) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(down[0], 0);
    dup2(up[1], 1);
    close(down[0]);
    close(down[1]); /* or the partner would never see its input end */
    close(up[0]);
    close(up[1]);
    char *argv[] = {"kml-nullsys", "pong", NULL};
    execv(path, argv);
    _exit(127);
  }
  close(down[0]);
  close(up[1]);
  to_partner = down[1];
  from_partner = up[0];
  return pid > 0 ? 0 : -1;
}

static int loop_switch(long n) {
  char c = 0;
  for (long i = 0; i < n; i++)
    if (write(to_partner, &c, 1) != 1 || read(from_partner, &c, 1) != 1) return -1;
  return 0;
}

/* The partner: echoes every byte until its input ends. */
static int pong(void) {
  char c;
  while (read(0, &c, 1) == 1)
    if (write(1, &c, 1) != 1) return 1;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "pong")) return pong();
  int sw = argc == 5 && !strcmp(argv[1], "switch");
  if (argc < 2 || (strcmp(argv[1], "raw") && strcmp(argv[1], "call") && strcmp(argv[1], "sled") && !sw)) {
    fprintf(stderr, "usage: %s raw|call|sled [iterations [runs]]\n       %s switch iterations runs PARTNER\n",
            argv[0], argv[0]);
    return 2;
  }
  int call = !strcmp(argv[1], "call"), sled = !strcmp(argv[1], "sled");
  long n = argc > 2 ? atol(argv[2]) : 10000000;
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  if (n <= 0 || runs <= 0 || runs > 100) {
    fprintf(stderr, "%s: iterations and runs (1..100) must be positive\n", argv[0]);
    return 2;
  }
  unsigned long entry = getauxval(AT_SYSINFO);
  if (call && !entry) {
    fprintf(stderr, "%s: no KML call entry (not a trusted process on a KML kernel)\n", argv[0]);
    return 2;
  }
  if (sw && start_partner(argv[4])) {
    fprintf(stderr, "%s: cannot start the partner %s\n", argv[0], argv[4]);
    return 2;
  }
  unsigned short cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));

  double ns[100];
  for (int r = 0; r < runs; r++) {
    double t0 = now_ns();
    if (sw && loop_switch(n)) {
      fprintf(stderr, "%s: the partner %s stopped answering\n", argv[0], argv[4]);
      return 1;
    }
    if (call) loop_call(n, entry);
    else if (sled) loop_sled(n);
    else if (!sw) loop_raw(n);
    ns[r] = (now_ns() - t0) / n;
    printf("nullsys: run %d: %.2f ns/%s\n", r, ns[r], sw ? "round trip" : "call");
  }
  double sorted[100];
  memcpy(sorted, ns, sizeof(double) * runs);
  qsort(sorted, runs, sizeof(double), cmp_double);
  double median = runs % 2 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
  printf("NULLSYS mode=%s cpl=%d iterations=%ld runs=%d median_ns=%.2f min_ns=%.2f\n", argv[1], cs & 3, n,
         runs, median, sorted[0]);
  if (sw) {
    close(to_partner);
    wait(NULL);
  }
  return 0;
}
