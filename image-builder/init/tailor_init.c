/* tailor's /init: the first and only system program of a tailor image.
 *
 * Reads /tailor/init.conf (written by `tailor build`), mounts what the app
 * needs, brings up the loopback interface if asked, runs the app with its
 * argv, environment and working directory, reaps every child (it is PID 1),
 * reports the app's exit status to the monitor through the ports of
 * runner/guest_abi.h and powers the machine off.
 *
 * init.conf is a sequence of NUL-terminated records, each one tag byte then
 * its value:
 *   m<type>:<path>   mount a file system (proc, sysfs, devtmpfs, tmpfs)
 *   l1               bring up `lo`
 *   x<path>          the file to execute (may differ from argv[0] under KML)
 *   a<arg>           argv, in order
 *   e<NAME=value>    environment, in order
 *   w<dir>           working directory
 *   q1               quiet: no "tailor-init:" status lines on the console
 *
 * Clock stamps (TAILOR_EVENT_CLOCK) at its start, the app's exec and the exit
 * let a deterministic run put /init's moments on the virtual timeline.
 *
 * Built statically with musl (no dynamic loader in the image on its account)
 * and kept small: it only uses system calls and a few libc helpers. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runner/guest_abi.h"

#define CONF_PATH "/tailor/init.conf"
#define MAX_ITEMS 4096

static int ports_ok; /* ioperm() granted the event and exit ports */
static int quiet;

static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  (void)!write(2, "tailor-init: ", 13);
  (void)!write(2, buf, (size_t)n);
  (void)!write(2, "\n", 1);
}

static void event(unsigned char byte) {
  if (ports_ok) outb(byte, TAILOR_PORT_EVENT);
}

static unsigned long long read_tsc(void) {
  unsigned lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((unsigned long long)hi << 32) | lo;
}

/* A clock stamp: the TSC, which under QEMU's instruction counting is the
 * guest's virtual time since reset (see TAILOR_EVENT_CLOCK). */
static void stamp(unsigned char tag) {
  if (!ports_ok) return;
  unsigned long long tsc = read_tsc();
  outb(TAILOR_EVENT_CLOCK, TAILOR_PORT_EVENT);
  outb(tag, TAILOR_PORT_EVENT);
  for (int i = 0; i < 8; i++) outb((unsigned char)(tsc >> (8 * i)), TAILOR_PORT_EVENT);
}

/* With `tailor_clock=1` on the kernel command line (the kernel hands it to
 * /init as an environment variable): one kernel log line holding the TSC, so
 * that the console shows the printk time and the TSC of the same moment and
 * the host can put every printk time on the reset-based timeline (KERN_CRIT:
 * shown after `quiet` too). A private
 * device node, because /dev may not be mounted. */
static void clock_to_kernel_log(void) {
  const char *want = getenv("tailor_clock");
  if (!want || strcmp(want, "1") != 0) return;
  const char *node = "/tailor/kmsg";
  if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) != 0 && errno != EEXIST) return;
  int fd = open(node, O_WRONLY | O_CLOEXEC);
  unlink(node);
  if (fd < 0) return;
  char line[64];
  int n = snprintf(line, sizeof line, "<2>tailor-init: clock %llu\n", read_tsc());
  if (n > 0) (void)!write(fd, line, (size_t)n);
  close(fd);
}

/* Ends the machine: status to the monitor, then power off; as a last resort
 * a reboot, which ends QEMU started with -no-reboot. Never returns. */
static void finish(int status) {
  /* Let the serial console drain so that the app's last lines are not lost
   * when the monitor stops the machine. */
  tcdrain(1);
  tcdrain(2);
  stamp(TAILOR_CLOCK_EXIT);
  if (ports_ok) {
    outb(TAILOR_EVENT_STATUS, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EXIT);
  }
  sync();
  reboot(RB_POWER_OFF);
  reboot(RB_AUTOBOOT);
  for (;;) pause();
}

static void die(const char *what) {
  say("%s: %s", what, strerror(errno));
  finish(125);
}

/* mkdir -p */
static void make_dirs(const char *path) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof buf) return;
  memcpy(buf, path, len + 1);
  for (char *p = buf + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    mkdir(buf, 0755);
    *p = '/';
  }
  mkdir(buf, 0755);
}

static void do_mount(const char *spec) {
  const char *colon = strchr(spec, ':');
  if (!colon) {
    say("bad mount record '%s'", spec);
    finish(125);
  }
  char type[32];
  size_t n = (size_t)(colon - spec);
  if (n >= sizeof type) n = sizeof type - 1;
  memcpy(type, spec, n);
  type[n] = 0;
  const char *target = colon + 1;
  make_dirs(target);
  const char *data = strcmp(type, "tmpfs") == 0 ? "mode=1777" : NULL;
  if (mount(type, target, type, MS_NOSUID, data) != 0 && errno != EBUSY) {
    /* The app asked for it; run anyway but say why things may fail. */
    say("cannot mount %s on %s: %s (is it in the kernel config?)", type, target, strerror(errno));
  }
}

/* ifconfig lo up: the kernel gives lo 127.0.0.1/8 when it comes up. */
static void loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return; /* no IPv4 in this kernel: nothing to bring up */
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) say("cannot bring up lo: %s", strerror(errno));
  }
  close(fd);
}

/* The console as stdin/stdout/stderr, if the kernel did not give us one. */
static void ensure_console(void) {
  if (fcntl(1, F_GETFD) >= 0) return;
  int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) return;
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
}

static char *read_conf(size_t *size) {
  int fd = open(CONF_PATH, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " CONF_PATH);
  struct stat st;
  if (fstat(fd, &st) != 0) die("cannot stat " CONF_PATH);
  char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) die("out of memory");
  size_t done = 0;
  while (done < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("cannot read " CONF_PATH);
    done += (size_t)n;
  }
  close(fd);
  buf[done] = 0;
  *size = done;
  return buf;
}

int main(void) {
  ensure_console();
  /* Port access for the boot mark and the exit status (CONFIG_X86_IOPL_IOPERM). */
  if (ioperm(TAILOR_PORT_EVENT, 1, 1) == 0 && ioperm(TAILOR_PORT_EXIT, 4, 1) == 0) ports_ok = 1;
  stamp(TAILOR_CLOCK_INIT);
  clock_to_kernel_log();

  size_t size = 0;
  char *conf = read_conf(&size);
  static char *argv[MAX_ITEMS + 1], *envp[MAX_ITEMS + 1];
  int argc = 0, envc = 0, loopback = 0;
  const char *exe = NULL, *workdir = "/";

  /* Mounts come first (in order): devtmpfs may be needed by what follows. */
  for (size_t off = 0; off < size;) {
    char *rec = conf + off;
    size_t len = strlen(rec);
    off += len + 1;
    if (len == 0) continue;
    char tag = rec[0];
    char *value = rec + 1;
    switch (tag) {
      case 'm': do_mount(value); break;
      case 'l': loopback = 1; break;
      case 'x': exe = value; break;
      case 'a': if (argc < MAX_ITEMS) argv[argc++] = value; break;
      case 'e': if (envc < MAX_ITEMS) envp[envc++] = value; break;
      case 'w': workdir = value; break;
      case 'q': quiet = 1; break;
      default: say("unknown record '%c' in " CONF_PATH " (tailor version mismatch?)", tag); finish(125);
    }
  }
  if (!exe || argc == 0) {
    say(CONF_PATH " names no program to run");
    finish(125);
  }
  ensure_console();
  if (loopback) loopback_up();

  pid_t app = fork();
  if (app < 0) die("fork");
  if (app == 0) {
    /* The app: a session of its own, default signal state, no port access. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    if (chdir(workdir) != 0) {
      say("cannot change to working directory %s: %s", workdir, strerror(errno));
      _exit(126);
    }
    stamp(TAILOR_CLOCK_APP_EXEC);
    event(TAILOR_EVENT_APP_EXEC);
    if (ports_ok) {
      ioperm(TAILOR_PORT_EVENT, 1, 0);
      ioperm(TAILOR_PORT_EXIT, 4, 0);
    }
    execve(exe, argv, envp);
    int err = errno;
    say("cannot run %s: %s", exe, strerror(err));
    _exit(err == ENOENT ? 127 : 126);
  }

  /* PID 1: reap everything; the app's own status decides the run's. */
  for (;;) {
    int st = 0;
    pid_t pid = wait(&st);
    if (pid < 0) {
      if (errno == EINTR) continue;
      die("wait");
    }
    if (pid != app) continue;
    int status;
    if (WIFEXITED(st)) {
      status = WEXITSTATUS(st);
    } else {
      status = 128 + WTERMSIG(st);
      if (!quiet) say("%s was killed by signal %d (%s)", argv[0], WTERMSIG(st), strsignal(WTERMSIG(st)));
    }
    finish(status);
  }
}
