/* Closure fixture: built with musl-gcc, statically and dynamically. */
#include <stdio.h>
int main(void) {
  puts("hello from musl");
  return 0;
}
