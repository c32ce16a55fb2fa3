/* Closure fixture: a program that needs libtailor_a.so.1 (built twice: with
 * DT_RPATH, which libraries inherit, and with DT_RUNPATH, which they do not). */
#include <stdio.h>
int tailor_a_value(void);
int main(void) {
  printf("value %d\n", tailor_a_value());
  return 0;
}
