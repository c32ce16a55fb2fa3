/* Test program without any libc: syscall numbers set in the ways compilers and
 * hand-written assembly do (mov, xor, push/pop, a wrapper taking the number as
 * its first parameter). Built with -nostdlib -static. */
static long raw1(long nr, long a) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a) : "rcx", "r11", "memory");
  return ret;
}

__attribute__((noinline)) static long by_number(long nr, long a) { return raw1(nr, a); }

void _start(void) {
  by_number(39, 0);                 /* getpid, through a wrapper taking the number */
  __asm__ volatile("push $102\n\tpop %%rax\n\tsyscall" ::: "rax", "rcx", "r11", "memory"); /* getuid */
  __asm__ volatile("xor %%eax, %%eax\n\tsyscall" ::: "rax", "rcx", "r11", "memory");       /* read */
  raw1(60, 0);                      /* exit */
  for (;;) {}
}
