/* smpbench: the guest side of `tailor bench` — workloads and a plan runner.
 *
 *   smpbench futex WORKERS SECONDS   WORKERS processes pass a token around a
 *                                    ring with FUTEX_WAIT/FUTEX_WAKE on shared
 *                                    memory; counts hand-offs.
 *   smpbench sem WORKERS SECONDS     the same ring with POSIX semaphores
 *                                    (sem_wait/sem_post, process-shared).
 *   smpbench make JOBS -- CMD...     runs CMD (e.g. make -j JOBS) and times it.
 *   smpbench plan [PLAN]             runs a study's plan (default: the kernel
 *                                    command line's tailor.plan=...), see below.
 *
 * Workloads print one line the study parses:
 *   tailor-bench workload=futex workers=8 ops=123456 seconds=2.000 value=61728.0
 * where value is hand-offs per second (futex, sem) or wall seconds (make).
 *
 * A plan is a comma-separated list of steps KIND:ARG, run in order:
 *   futex:N, sem:N     the ring above with N workers for tailor.secs seconds
 *   make:N             make -j N of tailor.makefiles small C files with tcc
 *   null:MODE          the null-syscall program (tests/kml/guest/nullsys.c),
 *                      MODE bin-raw (/bin, SYSCALL), trusted-raw (/trusted,
 *                      SYSCALL) or trusted-call (/trusted, CALL *AT_SYSINFO),
 *                      tailor.iters calls
 *   redis:TEST         redis-benchmark -t TEST (set, get, ...) against a
 *                      redis-server started in this guest on first use from
 *                      tailor.redis=PATH (copied there from /usr/bin when the
 *                      path is under /trusted), tailor.requests requests,
 *                      tailor.clients clients
 * Each step's output is framed for the host:
 *   tailor-bench step=3 begin futex:4
 *   ... the step's own output ...
 *   tailor-bench step=3 end status=0
 * and the plan ends with "tailor-bench plan done failed=N". A failed step does
 * not stop the plan; the exit status is 1 when any step failed.
 * Static, no dependencies beyond libc, so any tailor image can carry it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
/* From the kernel UAPI (linux/futex.h), which musl-gcc does not ship. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 4096

struct ring {
  _Atomic uint32_t stop;
  _Atomic uint64_t handoffs;
  _Atomic uint32_t turn[MAX_WORKERS]; /* futex words: 1 = your turn */
  sem_t sem[MAX_WORKERS];
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long futex(_Atomic uint32_t* addr, int op, uint32_t val) {
  return syscall(SYS_futex, (uint32_t*)addr, op, val, NULL, NULL, 0);
}

static void futex_worker(struct ring* r, int me, int n) {
  int next = (me + 1) % n;
  for (;;) {
    while (atomic_load(&r->turn[me]) == 0) {
      if (atomic_load(&r->stop)) return;
      futex(&r->turn[me], FUTEX_WAIT, 0);
    }
    atomic_store(&r->turn[me], 0);
    atomic_fetch_add(&r->handoffs, 1);
    if (atomic_load(&r->stop)) {
      /* pass the token on so that everybody wakes up and sees stop */
      atomic_store(&r->turn[next], 1);
      futex(&r->turn[next], FUTEX_WAKE, 1);
      return;
    }
    atomic_store(&r->turn[next], 1);
    futex(&r->turn[next], FUTEX_WAKE, 1);
  }
}

static void sem_worker(struct ring* r, int me, int n) {
  int next = (me + 1) % n;
  for (;;) {
    while (sem_wait(&r->sem[me]) != 0 && errno == EINTR) {
    }
    atomic_fetch_add(&r->handoffs, 1);
    sem_post(&r->sem[next]);
    if (atomic_load(&r->stop)) return;
  }
}

static int ring_bench(const char* kind, int workers, double seconds) {
  if (workers < 1 || workers > MAX_WORKERS) {
    fprintf(stderr, "smpbench: workers must be 1..%d\n", MAX_WORKERS);
    return 2;
  }
  struct ring* r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) {
    perror("smpbench: mmap");
    return 1;
  }
  int use_sem = strcmp(kind, "sem") == 0;
  for (int i = 0; i < workers; ++i)
    if (use_sem && sem_init(&r->sem[i], 1, 0) != 0) {
      perror("smpbench: sem_init");
      return 1;
    }
  pid_t pids[MAX_WORKERS];
  for (int i = 0; i < workers; ++i) {
    pids[i] = fork();
    if (pids[i] < 0) {
      perror("smpbench: fork");
      return 1;
    }
    if (pids[i] == 0) {
      if (use_sem) sem_worker(r, i, workers);
      else futex_worker(r, i, workers);
      _exit(0);
    }
  }
  double start = now();
  if (use_sem) sem_post(&r->sem[0]);
  else {
    atomic_store(&r->turn[0], 1);
    futex(&r->turn[0], FUTEX_WAKE, 1);
  }
  struct timespec pause = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
  nanosleep(&pause, NULL);
  uint64_t ops = atomic_load(&r->handoffs);
  double elapsed = now() - start;
  atomic_store(&r->stop, 1);
  /* Wake everybody (the token may be anywhere) and reap. */
  for (int i = 0; i < workers; ++i) {
    if (use_sem) sem_post(&r->sem[i]);
    else {
      atomic_store(&r->turn[i], 1);
      futex(&r->turn[i], FUTEX_WAKE, 1);
    }
  }
  for (int i = 0; i < workers; ++i) waitpid(pids[i], NULL, 0);
  printf("tailor-bench workload=%s workers=%d ops=%llu seconds=%.3f value=%.1f\n", kind, workers,
         (unsigned long long)ops, elapsed, ops / elapsed);
  munmap(r, sizeof *r);
  return 0;
}

static int make_bench(int jobs, char** argv) {
  double start = now();
  pid_t pid = fork();
  if (pid < 0) {
    perror("smpbench: fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "smpbench: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  double elapsed = now() - start;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "smpbench: %s failed (status %d)\n", argv[0], status);
    return 1;
  }
  printf("tailor-bench workload=make workers=%d ops=1 seconds=%.3f value=%.3f\n", jobs, elapsed, elapsed);
  return 0;
}

/* ---- plan runner ---- */

static char cmdline[4096];

/* The value of KEY=... on the kernel command line, or `fallback`. */
static const char* cmdline_value(const char* key, const char* fallback) {
  static char values[8][1024];
  static int next;
  size_t klen = strlen(key);
  for (const char* p = cmdline; *p;) {
    while (*p == ' ') ++p;
    const char* end = p;
    while (*end && *end != ' ' && *end != '\n') ++end;
    if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
      char* out = values[next++ % 8];
      size_t n = (size_t)(end - p) - klen - 1;
      if (n >= sizeof values[0]) n = sizeof values[0] - 1;
      memcpy(out, p + klen + 1, n);
      out[n] = 0;
      return out;
    }
    p = end;
    if (*p) ++p;
  }
  return fallback;
}

static void read_cmdline(void) {
  int fd = open("/proc/cmdline", O_RDONLY);
  if (fd < 0) return;
  ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
  close(fd);
  cmdline[n > 0 ? n : 0] = 0;
}

/* Runs argv with the console as its stdout; its exit status (128+N: signal N). */
static int run_program(char** argv) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 126;
  if (pid == 0) {
    execv(argv[0], argv);
    printf("smpbench: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int write_text(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  int ok = write(fd, text, len) == (ssize_t)len;
  close(fd);
  return ok ? 0 : -1;
}

#define MAKE_DIR "/tmp/tailor-make"

/* Writes FILES small, header-free C files, a main with its own _start (no libc
 * needed to link; no aggregate initializers, which compilers may turn into
 * memset calls) and a Makefile whose recipes make can run without a shell.
 * The program is linked, never run. */
static int make_sources(int files) {
  static int made;
  if (made == files) return 0;
  mkdir("/tmp", 01777);
  mkdir(MAKE_DIR, 0755);
  char path[256], text[4096];
  char* objs = malloc((size_t)files * 16 + 64);
  if (!objs) return -1;
  objs[0] = 0;
  for (int i = 0; i < files; ++i) {
    snprintf(path, sizeof path, MAKE_DIR "/f%d.c", i);
    snprintf(text, sizeof text,
             "static int table%d[64];\n"
             "static int mix%d(int x) { for (int i = 0; i < 64; ++i) table%d[i] = x * i + (x >> 3); return table%d[x & 63]; }\n"
             "struct pair%d { long a, b; };\n"
             "static long fold%d(struct pair%d p, int n) { long s = 0; while (n-- > 0) { s += p.a * n - p.b; p.a ^= s; } return s; }\n"
             "static int gcd%d(int a, int b) { while (b) { int t = a %% b; a = b; b = t; } return a; }\n"
             "long f%d(int x) {\n"
             "  struct pair%d p;\n  p.a = x;\n  p.b = x + %d;\n"
             "  long r = fold%d(p, x & 255) + mix%d(x) + gcd%d(x + 12, %d);\n"
             "  for (int i = 0; i < 16; ++i) r = (r * 31 + i) %% 1000003;\n"
             "  return r;\n"
             "}\n",
             i, i, i, i, i, i, i, i, i, i, i, i, i, i, i + 7);
    if (write_text(path, text) != 0) return -1;
    char obj[32];
    snprintf(obj, sizeof obj, " f%d.o", i);
    strcat(objs, obj);
  }
  /* main.c calls every file's function and exits through the exit syscall. */
  size_t cap = (size_t)files * 48 + 512;
  char* main_c = malloc(cap);
  if (!main_c) return -1;
  size_t at = 0;
  for (int i = 0; i < files; ++i) at += snprintf(main_c + at, cap - at, "long f%d(int);\n", i);
  at += snprintf(main_c + at, cap - at, "void _start(void) {\n  long r = 0;\n");
  for (int i = 0; i < files; ++i) at += snprintf(main_c + at, cap - at, "  r += f%d(%d);\n", i, i + 1);
  snprintf(main_c + at, cap - at,
           "  __asm__ volatile(\"syscall\" : : \"a\"(60L), \"D\"(r & 0)); for (;;) {}\n}\n");
  int rc = write_text(MAKE_DIR "/main.c", main_c);
  free(main_c);
  size_t mcap = strlen(objs) * 2 + 512;
  char* makefile = malloc(mcap);
  if (!makefile) return -1;
  snprintf(makefile, mcap,
           "OBJS =%s main.o\n"
           "prog: $(OBJS)\n\ttcc -nostdlib -o prog $(OBJS)\n"
           "%%.o: %%.c\n\ttcc -c -o $@ $<\n",
           objs);
  rc |= write_text(MAKE_DIR "/Makefile", makefile);
  free(makefile);
  free(objs);
  if (rc == 0) made = files;
  return rc;
}

static void make_clean(void) {
  DIR* d = opendir(MAKE_DIR);
  if (!d) return;
  struct dirent* e;
  char path[512];
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if ((n > 2 && strcmp(e->d_name + n - 2, ".o") == 0) || strcmp(e->d_name, "prog") == 0) {
      snprintf(path, sizeof path, MAKE_DIR "/%s", e->d_name);
      unlink(path);
    }
  }
  closedir(d);
}

static int plan_make(int jobs) {
  int files = atoi(cmdline_value("tailor.makefiles", "32"));
  if (files < 1 || files > 4096 || make_sources(files) != 0) {
    printf("smpbench: cannot write the make workload's sources under " MAKE_DIR "\n");
    return 1;
  }
  /* make runs recipes through /bin/sh when they need a shell; ours do not, but
   * give it one when the image has busybox. */
  struct stat st;
  if (stat("/bin/sh", &st) != 0 && stat("/bin/busybox", &st) == 0) symlink("/bin/busybox", "/bin/sh");
  make_clean();
  char j[16];
  snprintf(j, sizeof j, "-j%d", jobs);
  char* argv[] = {"make", j, "-s", "-C", MAKE_DIR, "prog", NULL};
  return make_bench(jobs, argv);
}

static pid_t redis_pid;

/* Starts redis-server (once) and waits until it accepts connections. */
static int redis_start(void) {
  if (redis_pid > 0) return 0;
  const char* server = cmdline_value("tailor.redis", "/usr/bin/redis-server");
  struct stat st;
  if (strncmp(server, "/trusted/", 9) == 0 && stat(server, &st) != 0) {
    /* Under KML only programs executed from /trusted run in kernel mode. */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", server);
    for (char* p = dir + 1; *p; ++p)
      if (*p == '/') {
        *p = 0;
        mkdir(dir, 0755);
        *p = '/';
      }
    int in = open("/usr/bin/redis-server", O_RDONLY), out = open(server, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (in < 0 || out < 0) {
      printf("smpbench: cannot copy /usr/bin/redis-server to %s: %s\n", server, strerror(errno));
      return 1;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
      if (write(out, buf, n) != n) return 1;
    close(in);
    close(out);
  }
  fflush(stdout);
  redis_pid = fork();
  if (redis_pid < 0) return 1;
  if (redis_pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);
    char* argv[] = {(char*)server, "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no",
                    "--daemonize", "no", NULL};
    execv(server, argv);
    printf("smpbench: cannot run %s: %s\n", server, strerror(errno));
    _exit(127);
  }
  for (int tries = 0; tries < 600; ++tries) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(6379), .sin_addr.s_addr = htonl(0x7f000001)};
    int ok = fd >= 0 && connect(fd, (struct sockaddr*)&a, sizeof a) == 0;
    if (fd >= 0) close(fd);
    if (ok) {
      printf("smpbench: %s is up (pid %d)\n", server, (int)redis_pid);
      return 0;
    }
    int status;
    if (waitpid(redis_pid, &status, WNOHANG) == redis_pid) {
      printf("smpbench: %s exited before it accepted connections\n", server);
      redis_pid = 0;
      return 1;
    }
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  printf("smpbench: %s did not accept connections within 60 s\n", server);
  return 1;
}

static void redis_stop(void) {
  if (redis_pid <= 0) return;
  kill(redis_pid, SIGTERM);
  waitpid(redis_pid, NULL, 0);
  redis_pid = 0;
}

static int run_step(const char* kind, const char* arg) {
  double secs = atof(cmdline_value("tailor.secs", "1"));
  if (strcmp(kind, "futex") == 0 || strcmp(kind, "sem") == 0) return ring_bench(kind, atoi(arg), secs);
  if (strcmp(kind, "make") == 0) return plan_make(atoi(arg));
  if (strcmp(kind, "null") == 0) {
    const char* iters = cmdline_value("tailor.iters", "1000000");
    char* argv[] = {NULL, NULL, (char*)iters, "1", NULL};
    if (strcmp(arg, "bin-raw") == 0) argv[0] = "/bin/kml-nullsys", argv[1] = "raw";
    else if (strcmp(arg, "trusted-raw") == 0) argv[0] = "/trusted/kml-nullsys", argv[1] = "raw";
    else if (strcmp(arg, "trusted-call") == 0) argv[0] = "/trusted/kml-nullsys", argv[1] = "call";
    else {
      printf("smpbench: unknown null-syscall mode '%s'\n", arg);
      return 2;
    }
    return run_program(argv);
  }
  if (strcmp(kind, "redis") == 0) {
    if (redis_start() != 0) return 1;
    char* argv[] = {"/usr/bin/redis-benchmark", "-h", "127.0.0.1", "-p", "6379", "-n",
                    (char*)cmdline_value("tailor.requests", "10000"), "-c", (char*)cmdline_value("tailor.clients", "50"),
                    "-t", (char*)arg, "--csv", NULL};
    return run_program(argv);
  }
  printf("smpbench: unknown plan step kind '%s'\n", kind);
  return 2;
}

static int run_plan(const char* plan) {
  char* copy = strdup(plan);
  int step = 0, failed = 0;
  for (char* item = strtok(copy, ","); item; item = strtok(NULL, ",")) {
    char* colon = strchr(item, ':');
    const char* arg = colon ? colon + 1 : "";
    if (colon) *colon = 0;
    printf("tailor-bench step=%d begin %s:%s\n", step, item, arg);
    fflush(stdout);
    int status = run_step(item, arg);
    fflush(stdout);
    printf("tailor-bench step=%d end status=%d\n", step, status);
    fflush(stdout);
    failed += status != 0;
    ++step;
  }
  redis_stop();
  printf("tailor-bench plan done failed=%d\n", failed);
  fflush(stdout);
  free(copy);
  return failed ? 1 : 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "plan") == 0) {
    read_cmdline();
    const char* plan = argc >= 3 ? argv[2] : cmdline_value("tailor.plan", NULL);
    if (!plan) {
      fprintf(stderr, "smpbench: no plan (give one, or tailor.plan=... on the kernel command line)\n");
      return 2;
    }
    return run_plan(plan);
  }
  if (argc >= 4 && (strcmp(argv[1], "futex") == 0 || strcmp(argv[1], "sem") == 0))
    return ring_bench(argv[1], atoi(argv[2]), atof(argv[3]));
  if (argc >= 5 && strcmp(argv[1], "make") == 0 && strcmp(argv[3], "--") == 0)
    return make_bench(atoi(argv[2]), argv + 4);
  fprintf(stderr,
          "usage: smpbench futex|sem WORKERS SECONDS\n"
          "       smpbench make JOBS -- COMMAND [ARGS...]\n"
          "       smpbench plan [PLAN]\n");
  return 2;
}
