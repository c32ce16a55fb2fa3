/* Test program for the static syscall analysis: each call below must be found,
 * and the syscalls in never_called() must not (it is unreachable). Built by the
 * test suite as a dynamic glibc program and as a static musl program. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Reached only through a function pointer stored in data. */
static int take_lock(int fd) { return flock(fd, LOCK_EX); }
static int (*const handlers[])(int) = {take_lock};

/* Present in the binary, called by nobody. */
__attribute__((noinline, used)) int never_called(void) {
  syscall(SYS_kexec_load, 0, 0, 0, 0);
  return syscall(SYS_pivot_root, "/", "/");
}

int main(int argc, char** argv) {
  (void)argv;
  int e = epoll_create1(0);
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  int i6 = socket(AF_INET6, SOCK_DGRAM, 0);
  int q = msgget(IPC_PRIVATE, 0600);
  mqd_t m = mq_open("/tailor-test", O_RDONLY);
  long aio = syscall(SYS_io_setup, 1, 0);
  int ev = eventfd(0, 0);
  int in = inotify_init1(0);
  int locked = handlers[argc > 100](0);
  printf("%d %d %d %d %d %ld %d %d %d\n", e, u, i6, q, (int)m, aio, ev, in, locked);
  return 0;
}
