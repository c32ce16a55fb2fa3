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
 *   n<if> <cidr> <gw>  configure a network interface statically and route
 *                    everything else through the gateway ([net])
 *   v<dev> <type> <path> <ro|rw>  mount a volume ([[volume]]): /dev/<dev>
 *   t<seconds>       how long the app has to stop after a stop request
 *
 * Stopping: the monitor asks by writing TAILOR_STOP_REQUEST to the serial
 * port TAILOR_STOP_SERIAL (runner/guest_abi.h). /init then sends SIGTERM to
 * the app's process group, SIGKILL after the stop timeout, and ends as when
 * the app exits by itself: every other process killed, volumes synced and
 * unmounted, the app's status reported.
 *
 * Clock stamps (TAILOR_EVENT_CLOCK) at its start, the app's exec and the exit
 * let a deterministic run put /init's moments on the virtual timeline.
 *
 * Built statically with musl (no dynamic loader in the image on its account)
 * and kept small: it only uses system calls and a few libc helpers. */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <time.h>
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
#define MAX_VOLUMES 8

#ifndef TAILOR_STOP_SERIAL
#define TAILOR_STOP_SERIAL "ttyS1"
#endif
#ifndef TAILOR_STOP_REQUEST
#define TAILOR_STOP_REQUEST "stop\n"
#endif

/* Volumes mounted, unmounted in reverse order at the end. */
static const char *volume_paths[MAX_VOLUMES];
static int volume_count;

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
  if (volume_count > 0) {
    /* Nothing may still write to a volume while it is unmounted: whatever
     * the app left behind (daemons, children) goes first. */
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0) {
    }
    sync();
    for (int i = volume_count - 1; i >= 0; --i)
      if (umount(volume_paths[i]) != 0) {
        say("cannot unmount %s: %s; syncing instead", volume_paths[i], strerror(errno));
        umount2(volume_paths[i], MNT_DETACH);
      }
    sync();
  }
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

static void set_addr(struct sockaddr *sa, in_addr_t addr) {
  struct sockaddr_in *in = (struct sockaddr_in *)sa;
  memset(in, 0, sizeof *in);
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = addr;
}

/* "eth0 10.0.2.15/24 10.0.2.2": address, netmask, up, default route. The
 * image builder wrote and checked it; a kernel without the device or IPv4
 * makes the app's network calls fail, which /init says. */
static void net_up(const char *spec) {
  char ifname[IFNAMSIZ], cidr[32], gw[32];
  if (sscanf(spec, "%15s %31s %31s", ifname, cidr, gw) != 3) {
    say("bad network record '%s'", spec);
    finish(125);
  }
  char *slash = strchr(cidr, '/');
  int prefix = slash ? atoi(slash + 1) : 32;
  if (slash) *slash = 0;
  in_addr_t addr = inet_addr(cidr), gateway = inet_addr(gw);
  in_addr_t mask = prefix <= 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    say("cannot configure %s: no IPv4 sockets (%s)", ifname, strerror(errno));
    return;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  set_addr(&ifr.ifr_addr, addr);
  if (ioctl(fd, SIOCSIFADDR, &ifr) != 0) {
    say("cannot configure %s: %s (is the network device in the kernel config?)", ifname, strerror(errno));
    close(fd);
    return;
  }
  set_addr(&ifr.ifr_netmask, mask);
  if (ioctl(fd, SIOCSIFNETMASK, &ifr) != 0) say("cannot set the netmask of %s: %s", ifname, strerror(errno));
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) say("cannot bring up %s: %s", ifname, strerror(errno));
  }
  struct rtentry rt;
  memset(&rt, 0, sizeof rt);
  set_addr(&rt.rt_dst, 0);
  set_addr(&rt.rt_genmask, 0);
  set_addr(&rt.rt_gateway, gateway);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  if (ioctl(fd, SIOCADDRT, &rt) != 0 && errno != EEXIST) say("cannot route through %s: %s", gw, strerror(errno));
  close(fd);
}

/* A device node of our own for /dev/<name>: /dev may not be devtmpfs, and
 * virtio-blk's major number is chosen at boot. devtmpfs on a private mount
 * point has the node under its kernel name. */
static int private_devtmpfs(void) {
  static int mounted = 0;
  if (!mounted) {
    make_dirs("/tailor/dev");
    if (mount("devtmpfs", "/tailor/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, NULL) != 0 && errno != EBUSY) return 0;
    mounted = 1;
  }
  return 1;
}

/* "vda ext4 /data rw" */
static void mount_volume(const char *spec) {
  char dev[16], type[16], path[4096], mode[4];
  if (sscanf(spec, "%15s %15s %4095s %3s", dev, type, path, mode) != 4 || volume_count >= MAX_VOLUMES) {
    say("bad volume record '%s'", spec);
    finish(125);
  }
  char node[64];
  snprintf(node, sizeof node, "/tailor/dev/%s", dev);
  if (!private_devtmpfs()) {
    say("cannot mount devtmpfs to find %s: %s", dev, strerror(errno));
    finish(125);
  }
  make_dirs(path);
  unsigned long flags = MS_NOSUID | MS_NODEV | (strcmp(mode, "ro") == 0 ? MS_RDONLY : 0);
  if (mount(node, path, type, flags, NULL) != 0) {
    say("cannot mount volume %s (%s) on %s: %s (is %s and virtio-blk in the kernel config?)", dev, type, path,
        strerror(errno), type);
    finish(125);
  }
  volume_paths[volume_count++] = strdup(path);
}

/* The serial port the monitor writes stop requests to, raw and non-blocking;
 * -1 when the kernel or the machine has none (then a stop is the monitor's). */
static int open_stop_channel(void) {
  const char *node = "/tailor/" TAILOR_STOP_SERIAL;
  if (mknod(node, S_IFCHR | 0600, makedev(4, 65)) != 0 && errno != EEXIST) return -1;
  int fd = open(node, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  unlink(node);
  if (fd < 0) return -1;
  struct termios t;
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
  }
  return fd;
}

static int child_pipe[2] = {-1, -1};

static void on_child(int sig) {
  (void)sig;
  int saved = errno;
  (void)!write(child_pipe[1], "c", 1);
  errno = saved;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
  int argc = 0, envc = 0, loopback = 0, stop_timeout_s = 10, netc = 0, volc = 0;
  const char *exe = NULL, *workdir = "/";
  const char *nets[4], *volumes[MAX_VOLUMES];

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
      case 'n': if (netc < 4) nets[netc++] = value; break;
      case 'v': if (volc < MAX_VOLUMES) volumes[volc++] = value; break;
      case 't': stop_timeout_s = atoi(value) > 0 ? atoi(value) : 10; break;
      default: say("unknown record '%c' in " CONF_PATH " (tailor version mismatch?)", tag); finish(125);
    }
  }
  if (!exe || argc == 0) {
    say(CONF_PATH " names no program to run");
    finish(125);
  }
  ensure_console();
  if (loopback) loopback_up();
  for (int i = 0; i < netc; i++) net_up(nets[i]);
  for (int i = 0; i < volc; i++) mount_volume(volumes[i]);

  /* SIGCHLD wakes the loop below through a pipe, so that it can wait for
   * the app and a stop request at once (no signalfd: small kernels lack it). */
  if (pipe2(child_pipe, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_child;
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);

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

  /* PID 1: reap everything; the app's own status decides the run's. A stop
   * request on the stop channel sends SIGTERM to the app's process group
   * (it leads a session of its own), and SIGKILL after the stop timeout. */
  int stop_fd = open_stop_channel();
  int stopping = 0, killed = 0;
  long long deadline = 0;
  char request[16];
  size_t request_len = 0;
  for (;;) {
    int st = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
      if (pid != app) continue;
      int status;
      if (WIFEXITED(st)) {
        status = WEXITSTATUS(st);
      } else {
        status = 128 + WTERMSIG(st);
        if (!quiet && !(stopping && WTERMSIG(st) == SIGTERM))
          say("%s was killed by signal %d (%s)", argv[0], WTERMSIG(st), strsignal(WTERMSIG(st)));
      }
      if (stopping && !quiet) say("%s stopped with status %d", argv[0], status);
      finish(status);
    }
    if (pid < 0 && errno == ECHILD) die("wait");  /* the app is gone without a status: cannot happen */

    struct pollfd fds[2] = {{child_pipe[0], POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int timeout = -1;
    if (stopping && !killed) {
      long long left = deadline - now_ms();
      timeout = left > 0 ? (int)left : 0;
    }
    int n = poll(fds, stop_fd >= 0 ? 2 : 1, timeout);
    if (n < 0 && errno != EINTR) die("poll");
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (read(child_pipe[0], drain, sizeof drain) > 0) {
      }
    }
    if (stop_fd >= 0 && (fds[1].revents & POLLIN)) {
      char c;
      while (read(stop_fd, &c, 1) == 1) {
        if (request_len < sizeof request - 1) request[request_len++] = c;
        request[request_len] = 0;
        if (c != '\n') continue;
        if (strcmp(request, TAILOR_STOP_REQUEST) == 0 && !stopping) {
          stopping = 1;
          deadline = now_ms() + (long long)stop_timeout_s * 1000;
          if (!quiet) say("stop requested: SIGTERM to %s (SIGKILL in %d s)", argv[0], stop_timeout_s);
          kill(-app, SIGTERM);
        }
        request_len = 0;
      }
    } else if (stop_fd >= 0 && (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL))) {
      close(stop_fd);
      stop_fd = -1;
    }
    if (stopping && !killed && now_ms() >= deadline) {
      if (!quiet) say("%s did not stop within %d s: SIGKILL", argv[0], stop_timeout_s);
      kill(-app, SIGKILL);
      killed = 1;
    }
  }
}
