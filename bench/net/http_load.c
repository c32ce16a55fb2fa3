/* Bounded HTTP load for bench/net_bench.py: N sequential requests, a new TCP
 * connection each (the test service closes after one response), to
 * ADDRESS:PORT; prints one JSON line with the count, failures, the latency
 * median / p90 / max in microseconds and the rate in requests per second.
 * Static (musl), so the same client runs on the host and inside the nested
 * harness's L1.
 *   http_load ADDRESS PORT N */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

static int compare(const void* a, const void* b) {
  long long x = *(const long long*)a, y = *(const long long*)b;
  return (x > y) - (x < y);
}

/* One request: 1 when a response with a body arrived and the server closed. */
static int one_request(const struct sockaddr_in* to) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return 0;
  struct timeval limit = {10, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  int ok = 0;
  if (connect(s, (const struct sockaddr*)to, sizeof *to) == 0) {
    const char request[] = "GET / HTTP/1.0\r\n\r\n";
    if (write(s, request, sizeof request - 1) == (ssize_t)(sizeof request - 1)) {
      char buf[4096];
      size_t total = 0;
      ssize_t n;
      while ((n = read(s, buf, sizeof buf)) > 0) total += (size_t)n;
      ok = n == 0 && total > 0;
    }
  }
  close(s);
  return ok;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: http_load ADDRESS PORT N\n");
    return 2;
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  const int n = atoi(argv[3]);
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || n < 1 || n > 100000) {
    fprintf(stderr, "http_load: bad address or count\n");
    return 2;
  }
  long long* latency = calloc((size_t)n, sizeof *latency);
  int done = 0, failed = 0;
  const long long start = now_us();
  for (int i = 0; i < n; ++i) {
    const long long t0 = now_us();
    if (one_request(&to))
      latency[done++] = now_us() - t0;
    else
      ++failed;
  }
  const long long elapsed = now_us() - start;
  qsort(latency, (size_t)done, sizeof *latency, compare);
  printf("{\"requests\": %d, \"failed\": %d, \"median_us\": %lld, \"p90_us\": %lld, \"max_us\": %lld, "
         "\"rate_per_s\": %.1f}\n",
         done, failed, done ? latency[done / 2] : -1LL, done ? latency[done * 9 / 10] : -1LL,
         done ? latency[done - 1] : -1LL, elapsed > 0 ? done * 1e6 / (double)elapsed : 0.0);
  return failed ? 1 : 0;
}
