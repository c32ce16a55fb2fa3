/*
 * The KML trampoline page, emulated in user space for syscall_sites_test:
 * an LD_AUDIT module (loaded by the host's own ld.so before any object of
 * the program, so before any rewritten `call *%rax` can run) that maps page
 * 0 as a nop sled ending in a jump to a stub that does `syscall; ret`. A
 * rewritten site then behaves as on a KML kernel: the call pushes its return
 * address below RSP, the system call runs with the SYSCALL convention (RCX
 * and R11 clobbered), and `ret` goes back behind the site. The stub counts
 * its calls (and those that should never come this way); the counts are
 * printed to stderr when the process exits.
 *
 * No C library (-nostdlib): this module must not run rewritten code itself.
 * Mapping page 0 needs CAP_SYS_RAWIO (or vm.mmap_min_addr = 0); without it
 * the module says so and the test is skipped.
 */
typedef unsigned long u64;

enum { kPage = 4096, kSledEnd = 4080 };

static long raw_syscall(long n, long a, long b, long c, long d, long e, long f) {
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * page0_forbidden counts calls that must never come through page 0:
 * rt_sigreturn (15) and vfork (58), which the rewriter leaves alone.
 */
__attribute__((visibility("hidden"))) u64 page0_calls, page0_forbidden;
extern char page0_stub[] __attribute__((visibility("hidden")));
__asm__(".text\n"
	".globl page0_stub\n"
	".hidden page0_stub\n"
	"page0_stub:\n"
	"	lock incq page0_calls(%rip)\n"
	"	cmp $15, %rax\n"
	"	je 1f\n"
	"	cmp $58, %rax\n"
	"	jne 2f\n"
	"1:	lock incq page0_forbidden(%rip)\n"
	"2:	syscall\n"
	"	ret\n");

static void say(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	raw_syscall(1 /* write */, 2, (long)s, n, 0, 0, 0);
}

static void say_number(u64 v)
{
	char buf[24];
	int i = sizeof buf - 1;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	say(buf + i);
}

unsigned la_version(unsigned version)
{
	/* mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) */
	volatile unsigned char *page = (unsigned char *)raw_syscall(9, 0, kPage, 3, 0x32, -1, 0);
	if (page != 0) {
		say("page0: cannot map page 0\n");
		return version;
	}
	for (int i = 0; i < kSledEnd; i++)
		page[i] = 0x90; /* nop */
	u64 stub = (u64)page0_stub;
	page[kSledEnd] = 0x49; /* movabs $stub, %r11 (R11 is the entry's to clobber) */
	page[kSledEnd + 1] = 0xbb;
	for (int i = 0; i < 8; i++)
		page[kSledEnd + 2 + i] = (unsigned char)(stub >> (8 * i));
	page[kSledEnd + 10] = 0x41; /* jmp *%r11 */
	page[kSledEnd + 11] = 0xff;
	page[kSledEnd + 12] = 0xe3;
	raw_syscall(10 /* mprotect */, 0, kPage, 5 /* PROT_READ|PROT_EXEC */, 0, 0, 0);
	return version;
}

__attribute__((destructor)) static void page0_report(void)
{
	say("page0: calls ");
	say_number(page0_calls);
	say(" forbidden ");
	say_number(page0_forbidden);
	say("\n");
}
