/* /init of the runner's end-to-end initramfs: mounts what it reads, prints a
 * marker and what the kernel saw (online CPUs), then reports through the
 * guest ABI (runner/guest_abi.h): the boot mark 'M', then 'S' + status and
 * the exit port. The status is TAILOR_TEST_STATUS from the kernel command
 * line (unknown key=value parameters become init's environment), default 42.
 * TAILOR_TEST_MODE asks for a bad ending instead, to test the monitor:
 *   hang    never exit (the monitor's timeout must end the run)
 *   reboot  reboot without reporting a status
 *   panic   exit /init, so the kernel panics (panic=-1 then reboots)
 * Static (musl), no dependencies. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "runner/guest_abi.h"

static void read_line(const char* path, char* buf, size_t size) {
  buf[0] = '\0';
  int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) n = 0;
  buf[n] = '\0';
  char* nl = strchr(buf, '\n');
  if (nl) *nl = '\0';
}

int main(void) {
  mkdir("/dev", 0755);
  mkdir("/sys", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
  mount("sysfs", "/sys", "sysfs", 0, 0);
  int fd = open("/dev/console", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  const char* s = getenv("TAILOR_TEST_STATUS");
  int status = s ? atoi(s) & 0xff : 42;
  char online[64];
  read_line("/sys/devices/system/cpu/online", online, sizeof online);
  printf("TAILOR-E2E-MARKER: init running, cpus online [%s], status %d\n", online, status);
  fflush(stdout);
  /* The tty drains through the UART's interrupts, possibly on another vCPU:
   * wait for it, or the exit port can end the VM with the line half out. */
  tcdrain(1);

  const char* mode = getenv("TAILOR_TEST_MODE");
  if (mode && strcmp(mode, "hang") == 0)
    for (;;) pause();
  if (mode && strcmp(mode, "reboot") == 0) reboot(RB_AUTOBOOT);
  if (mode && strcmp(mode, "panic") == 0) return 3;

  if (ioperm(TAILOR_PORT_EVENT, 1, 1) == 0 && ioperm(TAILOR_PORT_EXIT, 4, 1) == 0) {
    outb(TAILOR_EVENT_APP_EXEC, TAILOR_PORT_EVENT);
    outb(TAILOR_EVENT_STATUS, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EXIT);
  } else {
    perror("ioperm");
  }
  /* No exit device answered: reboot, which ends QEMU (-no-reboot) and tailor-vmm. */
  reboot(RB_AUTOBOOT);
  return 1;
}
