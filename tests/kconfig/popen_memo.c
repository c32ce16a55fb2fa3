// LD_PRELOAD shim for the conf oracle in large sweeps: memoizes the output
// of popen(cmd, "r") in $POPEN_MEMO_DIR, keyed by the command, so that conf's
// $(shell,...) compiler probes run once per tree instead of once per run.
// conf itself (lexer, parser, evaluation, output) runs unchanged. The sweep
// checks that outputs with the shim equal outputs without it (oracle.py).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_STREAMS 64
static FILE *synthetic[MAX_STREAMS];

static uint64_t fnv64(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static char *read_all(FILE *f, size_t *len) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (size_t r; (r = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += r;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  *len = n;
  return buf;
}

static FILE *stream_of(const char *data, size_t len) {
  FILE *t = tmpfile();
  if (!t) return NULL;
  if (len) fwrite(data, 1, len, t);
  rewind(t);
  for (int i = 0; i < MAX_STREAMS; i++)
    if (!synthetic[i]) {
      synthetic[i] = t;
      return t;
    }
  return t;
}

FILE *popen(const char *cmd, const char *type) {
  FILE *(*real_popen)(const char *, const char *) = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "popen");
  int (*real_pclose)(FILE *) = (int (*)(FILE *))dlsym(RTLD_NEXT, "pclose");
  const char *dir = getenv("POPEN_MEMO_DIR");
  if (!dir || strcmp(type, "r") != 0) return real_popen(cmd, type);
  char path[4096];
  snprintf(path, sizeof path, "%s/%016llx", dir, (unsigned long long)fnv64(cmd));
  size_t cmdlen = strlen(cmd) + 1;
  FILE *f = fopen(path, "rb");
  if (f) {  // file: the command, a NUL, the output
    size_t len;
    char *data = read_all(f, &len);
    fclose(f);
    if (len >= cmdlen && memcmp(data, cmd, cmdlen) == 0) {
      FILE *s = stream_of(data + cmdlen, len - cmdlen);
      free(data);
      return s;
    }
    free(data);
  }
  FILE *p = real_popen(cmd, type);
  if (!p) return NULL;
  size_t len;
  char *out = read_all(p, &len);
  real_pclose(p);
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  FILE *w = fopen(tmp, "wb");
  if (w) {
    fwrite(cmd, 1, cmdlen, w);
    if (len) fwrite(out, 1, len, w);
    if (fclose(w) == 0) rename(tmp, path);
  }
  FILE *s = stream_of(out, len);
  free(out);
  return s;
}

int pclose(FILE *f) {
  for (int i = 0; i < MAX_STREAMS; i++)
    if (synthetic[i] == f) {
      synthetic[i] = NULL;
      fclose(f);
      return 0;
    }
  int (*real_pclose)(FILE *) = (int (*)(FILE *))dlsym(RTLD_NEXT, "pclose");
  return real_pclose(f);
}
