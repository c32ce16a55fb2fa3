/* A minimal /init for the kernel boot test: mounts devtmpfs for a console,
 * prints a marker, and ends the VM with a known status through the exit port
 * (QEMU's isa-debug-exit). Static, no libc features beyond syscalls. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

#include "runner/guest_abi.h"

#ifndef MARKER_STATUS
#define MARKER_STATUS 42
#endif

int main(void) {
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
  int fd = open("/dev/console", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  const char msg[] = "TAILOR-BOOT-MARKER: hello from the small kernel\n";
  write(1, msg, sizeof msg - 1);
  tcdrain(1); /* the marker must be out before the exit port ends the VM */
  if (ioperm(TAILOR_PORT_EXIT, 4, 1) == 0) outb(MARKER_STATUS, TAILOR_PORT_EXIT);
  /* No exit device: fall back to a reset, which ends QEMU with -no-reboot. */
  reboot(RB_AUTOBOOT);
  return 1;
}
