/* /init for the user-networking test (issue 14): a service behind a forwarded
 * port that stops when the host asks.
 *   net:  gives eth0 10.0.2.15/24 (what the user network expects; the image
 *         has no DHCP client) and serves TCP port 80: every connection gets
 *         one HTTP/1.0 response whose body is "tailor-user-net <n>\n";
 *   stop: polls the stop channel (TAILOR_STOP_SERIAL, raw) alongside the
 *         listener; on TAILOR_STOP_REQUEST it prints "STOP-REQUESTED after n
 *         requests" and exits with status 42 through the guest ABI, as an
 *         app that stops cleanly on SIGTERM would report its own status.
 * Prints "USER-NET-READY" once it listens. Static (musl). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "runner/guest_abi.h"

static void report(int status) {
  if (ioperm(TAILOR_PORT_EVENT, 1, 1) == 0 && ioperm(TAILOR_PORT_EXIT, 4, 1) == 0) {
    outb(TAILOR_EVENT_STATUS, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EVENT);
    outb((unsigned char)status, TAILOR_PORT_EXIT);
  }
  reboot(RB_POWER_OFF);
}

static int set_address(int s, unsigned long request, const char* address) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "eth0");
  struct sockaddr_in* sin = (struct sockaddr_in*)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, address, &sin->sin_addr);
  return ioctl(s, request, &ifr);
}

static int bring_up_eth0(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "eth0");
  if (s < 0 || set_address(s, SIOCSIFADDR, "10.0.2.15") != 0 || set_address(s, SIOCSIFNETMASK, "255.255.255.0") != 0 ||
      ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    printf("USER-NET: cannot configure eth0: %s\n", strerror(errno));
    return -1;
  }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) return -1;
  close(s);
  return 0;
}

static int open_stop_channel(void) {
  int fd = open("/dev/" TAILOR_STOP_SERIAL, O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    printf("USER-NET: no stop channel (/dev/%s): %s\n", TAILOR_STOP_SERIAL, strerror(errno));
    return -1;
  }
  struct termios t;
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
  }
  return fd;
}

int main(void) {
  mkdir("/dev", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  if (bring_up_eth0() != 0) report(1);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(80)};
  if (bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(listener, 16) != 0) {
    printf("USER-NET: cannot listen on port 80: %s\n", strerror(errno));
    report(1);
  }
  const int stop = open_stop_channel();
  printf("USER-NET-READY\n");
  fflush(stdout);
  char request_text[sizeof TAILOR_STOP_REQUEST];
  size_t have = 0;
  unsigned long served = 0;
  for (;;) {
    struct pollfd fds[2] = {{listener, POLLIN, 0}, {stop, POLLIN, 0}};
    if (poll(fds, stop >= 0 ? 2 : 1, -1) < 0) continue;
    if (stop >= 0 && (fds[1].revents & POLLIN)) {
      char c;
      while (read(stop, &c, 1) == 1) {
        request_text[have++] = c;
        if (have == sizeof TAILOR_STOP_REQUEST - 1) {
          request_text[have] = '\0';
          if (strcmp(request_text, TAILOR_STOP_REQUEST) == 0) {
            printf("STOP-REQUESTED after %lu requests\n", served);
            fflush(stdout);
            report(42);
          }
          have = 0;
        }
        if (c == '\n') have = 0;  /* a partial or foreign line: start over */
      }
    }
    if (fds[0].revents & POLLIN) {
      int c = accept(listener, NULL, NULL);
      if (c < 0) continue;
      char in[1024];
      (void)!read(c, in, sizeof in); /* the request: any; one read is enough for a GET */
      char body[64], out[256];
      int body_length = snprintf(body, sizeof body, "tailor-user-net %lu\n", ++served);
      int n = snprintf(out, sizeof out, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
                       body_length, body);
      (void)!write(c, out, (size_t)n);
      close(c);
    }
  }
}
