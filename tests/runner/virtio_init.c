/* /init for the optional-modules test: exercises tailor-vmm's virtio-blk and
 * virtio-net with the guest's own drivers, then reports through the guest ABI.
 *   block: reads the disk's first sector (the test wrote a text there) and
 *          writes "WRITTEN-BY-GUEST" at offset 4096 (the test reads it back
 *          from the host file);
 *   net:   gives eth0 10.0.2.15/24, sends a UDP datagram to 10.0.2.1:9 on the
 *          TAP's host side, which answers "port unreachable": that round trip
 *          needs ARP and ICMP frames both ways (transmit and receive).
 * Exit status: 0 when both worked, 1 otherwise. Static (musl). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

#include "runner/guest_abi.h"

static int test_block(void) {
  int fd = open("/dev/vda", O_RDWR);
  if (fd < 0) {
    printf("VIRTIO-BLK: cannot open /dev/vda: %s\n", strerror(errno));
    return 0;
  }
  char sector[512] = {0};
  if (pread(fd, sector, sizeof sector, 0) != (ssize_t)sizeof sector) {
    printf("VIRTIO-BLK: read failed: %s\n", strerror(errno));
    return 0;
  }
  sector[64] = '\0';
  char* nl = strchr(sector, '\n');
  if (nl) *nl = '\0';
  printf("VIRTIO-BLK: read [%s]\n", sector);
  const char text[] = "WRITTEN-BY-GUEST";
  if (pwrite(fd, text, sizeof text - 1, 4096) != (ssize_t)(sizeof text - 1) || fsync(fd) != 0) {
    printf("VIRTIO-BLK: write failed: %s\n", strerror(errno));
    return 0;
  }
  close(fd);
  printf("VIRTIO-BLK: wrote at 4096\n");
  return 1;
}

static int set_address(int s, const char* ifname, unsigned long request, const char* address) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
  struct sockaddr_in* sin = (struct sockaddr_in*)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, address, &sin->sin_addr);
  return ioctl(s, request, &ifr);
}

static int test_net(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
  if (s < 0 || set_address(s, "eth0", SIOCSIFADDR, "10.0.2.15") != 0 ||
      set_address(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") != 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    printf("VIRTIO-NET: cannot configure eth0: %s\n", strerror(errno));
    return 0;
  }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
    printf("VIRTIO-NET: cannot bring eth0 up: %s\n", strerror(errno));
    return 0;
  }
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(9)};
  inet_pton(AF_INET, "10.0.2.1", &peer.sin_addr);
  struct timeval tv = {.tv_sec = 3};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(s, (struct sockaddr*)&peer, sizeof peer) != 0) {
    printf("VIRTIO-NET: connect failed: %s\n", strerror(errno));
    return 0;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    send(s, "tailor", 6, 0);
    char buf[16];
    if (recv(s, buf, sizeof buf, 0) < 0 && errno == ECONNREFUSED) {
      printf("VIRTIO-NET: port unreachable from 10.0.2.1 (frames went both ways)\n");
      return 1;
    }
  }
  printf("VIRTIO-NET: no answer from 10.0.2.1: %s\n", strerror(errno));
  return 0;
}

int main(void) {
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
  int fd = open("/dev/console", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  /* The boot mark (the "app exec" timing point): the tests are this init's app. */
  if (ioperm(TAILOR_PORT_EVENT, 1, 1) == 0) outb(TAILOR_EVENT_APP_EXEC, TAILOR_PORT_EVENT);
  const int block = test_block();
  const int net = test_net();
  const int status = block && net ? 0 : 1;
  printf("VIRTIO-TEST: block %s, net %s\n", block ? "ok" : "FAILED", net ? "ok" : "FAILED");
  tcdrain(1); /* the verdict line must be out before the exit port ends the VM */
  if (ioperm(TAILOR_PORT_EVENT, 1, 1) == 0 && ioperm(TAILOR_PORT_EXIT, 4, 1) == 0) {
    outb(TAILOR_EVENT_STATUS, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EXIT);
  }
  reboot(RB_AUTOBOOT);
  return 1;
}
