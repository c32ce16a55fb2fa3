/* What the KML guest check programs (stress.c, trust.c, debug.c) share: the
 * reason a check failed, the CPL the process runs at, and running a table of
 * checks. Header-only; each program is one translation unit plus assembly. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static char why[256];

/* Records why a check failed; returns 1 (a failure) for `return fail(...)`. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return 1;
}

/* The low bits of CS: 0 for a trusted process on a KML kernel, else 3. */
static int cpl(void) {
  unsigned short cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  return cs & 3;
}

struct check {
  const char *name;
  int (*fn)(void); /* 0: passed, else failed with `why` */
};

/* Runs every check, printing "ok NAME" or "FAIL NAME: why", then
 * "PROGRAM: N failed"; returns N. */
__attribute__((unused)) static int run_checks(const char *program, const struct check *checks, size_t n) {
  int failed = 0;
  for (size_t i = 0; i < n; i++) {
    why[0] = 0;
    if (checks[i].fn() == 0) {
      printf("ok %s\n", checks[i].name);
    } else {
      printf("FAIL %s: %s\n", checks[i].name, why);
      failed++;
    }
  }
  printf("%s: %d failed\n", program, failed);
  return failed;
}
