/* CPL check: prints the privilege level the program runs at (the low two bits
 * of CS: 0 in kernel mode, 3 in user mode) and whether the kernel offered the
 * KML call entry (AT_SYSINFO, given to trusted processes only). Exits 0 when
 * the two agree, so that a trusted program that is not at CPL 0 (or the
 * reverse) fails by itself. */
#include <stdio.h>
#include <sys/auxv.h>

#ifndef AT_SYSINFO
#define AT_SYSINFO 32
#endif

int main(void) {
  unsigned short cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  unsigned long entry = getauxval(AT_SYSINFO);
  int cpl = cs & 3;
  printf("CPL %d cs=%#x sysinfo=%s\n", cpl, cs, entry ? "yes" : "no");
  return (cpl == 0) == (entry != 0) ? 0 : 1;
}
