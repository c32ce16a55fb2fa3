/* PID 1 of the KML test guests. Mounts what the tests need, then runs each
 * line of /etc/kml-run as one command (words separated by spaces, no quoting)
 * with its output on the console, framed by markers the host harness reads:
 *
 *   KML-RUN-BEGIN <n> <command line>
 *   ... the command's output ...
 *   KML-RUN-END <n> status=<exit status, or 128+signal>
 *
 * and finally "KML-RUN-DONE", then ends the VM through the exit port. Judging
 * the results is the host's job (tests/kml/kml_guest.py). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runner/guest_abi.h"

enum { MAX_ARGS = 32 };

static int run_line(char *line, int n) {
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  char shown[1024];
  snprintf(shown, sizeof shown, "%s", line);
  for (char *tok = strtok(line, " \t"); tok && argc < MAX_ARGS; tok = strtok(NULL, " \t"))
    argv[argc++] = tok;
  argv[argc] = NULL;
  if (argc == 0) return 0;

  printf("KML-RUN-BEGIN %d %s\n", n, shown);
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("KML-RUN-END %d status=fork-failed errno=%d\n", n, errno);
    return 1;
  }
  if (pid == 0) {
    execv(argv[0], argv);
    printf("exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("KML-RUN-END %d status=%d\n", n, code);
  fflush(stdout);
  return code != 0;
}

int main(void) {
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  mkdir("/proc", 0755);
  mount("proc", "/proc", "proc", 0, NULL);
  mkdir("/tmp", 01777);
  mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
  int fd = open("/dev/console", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  int failures = 0;
  FILE *script = fopen("/etc/kml-run", "r");
  if (!script) {
    printf("KML-RUN-ERROR no /etc/kml-run: %s\n", strerror(errno));
    failures = 1;
  } else {
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, script)) {
      line[strcspn(line, "\r\n")] = 0;
      if (line[0] == 0 || line[0] == '#') continue;
      failures += run_line(line, n++);
    }
    fclose(script);
  }
  printf("KML-RUN-DONE failures=%d\n", failures);
  fflush(stdout);
  /* Wait for the serial tty to drain (its interrupts may run on another
   * vCPU), or the exit port ends the VM before the marker is out. */
  tcdrain(1);
  sync();
  int status = failures > 255 ? 255 : failures;
  if (ioperm(TAILOR_PORT_EXIT, 4, 1) == 0) outb(status, TAILOR_PORT_EXIT);
  reboot(RB_AUTOBOOT);
  return status;
}
