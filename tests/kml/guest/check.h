/* What the KML guest check programs (stress.c, trust.c) share: the reason a
 * check failed, and the CPL the process runs at. Header-only; each program
 * is one translation unit plus assembly. */
#pragma once

#include <stdarg.h>
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
