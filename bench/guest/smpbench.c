/* smpbench: guest workloads for `tailor bench smp` — what SMP support costs.
 *
 *   smpbench futex WORKERS SECONDS   WORKERS processes pass a token around a
 *                                    ring with FUTEX_WAIT/FUTEX_WAKE on shared
 *                                    memory; counts hand-offs.
 *   smpbench sem WORKERS SECONDS     the same ring with POSIX semaphores
 *                                    (sem_wait/sem_post, process-shared).
 *   smpbench make JOBS -- CMD...     runs CMD (e.g. make -j JOBS) and times it.
 *
 * Prints one line the study parses:
 *   tailor-bench workload=futex workers=8 ops=123456 seconds=2.000 value=61728.0
 * where value is hand-offs per second (futex, sem) or wall seconds (make).
 * Static, no dependencies beyond libc, so any tailor image can carry it. */
#define _GNU_SOURCE
#include <errno.h>
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

int main(int argc, char** argv) {
  if (argc >= 4 && (strcmp(argv[1], "futex") == 0 || strcmp(argv[1], "sem") == 0))
    return ring_bench(argv[1], atoi(argv[2]), atof(argv[3]));
  if (argc >= 5 && strcmp(argv[1], "make") == 0 && strcmp(argv[3], "--") == 0)
    return make_bench(atoi(argv[2]), argv + 4);
  fprintf(stderr,
          "usage: smpbench futex|sem WORKERS SECONDS\n"
          "       smpbench make JOBS -- COMMAND [ARGS...]\n");
  return 2;
}
