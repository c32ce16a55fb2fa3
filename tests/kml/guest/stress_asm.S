/* Assembly helpers of the KML stress suite: things C cannot express without
 * the compiler's help (the red zone, a CALL into the KML entry, a clone whose
 * child starts on a new stack). x86_64 System V ABI. */
	.text

/* long kml_stub_syscall(unsigned long entry, long nr, long a1, long a2, long a3)
 * One system call through the KML call entry (AT_SYSINFO). */
	.globl kml_stub_syscall
	.type kml_stub_syscall, @function
kml_stub_syscall:
	mov	%rdi, %r11
	mov	%rsi, %rax
	mov	%rdx, %rdi
	mov	%rcx, %rsi
	mov	%r8, %rdx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	call	*%r11
	ret
	.size kml_stub_syscall, .-kml_stub_syscall

/* long kml_clone_via_stub(unsigned long entry, unsigned long flags,
 *                         void *stack_top, int (*fn)(void))
 * clone(flags, stack_top) through the KML call entry. The child runs fn() on
 * the new stack and exits with its result; the parent gets the child's pid. */
	.globl kml_clone_via_stub
	.type kml_clone_via_stub, @function
kml_clone_via_stub:
	push	%rbx
	mov	%rcx, %rbx		/* fn, callee-saved: the child inherits it */
	mov	%rdi, %r11
	mov	$56, %eax		/* SYS_clone */
	mov	%rsi, %rdi		/* flags */
	mov	%rdx, %rsi		/* new stack */
	xor	%edx, %edx
	xor	%r10d, %r10d
	xor	%r8d, %r8d
	call	*%r11
	test	%rax, %rax
	jnz	1f
	/* child: on the new stack, which must be 16-byte aligned */
	xor	%ebp, %ebp
	call	*%rbx
	mov	%eax, %edi
	mov	$60, %eax		/* SYS_exit */
	syscall
	hlt
1:	pop	%rbx
	ret
	.size kml_clone_via_stub, .-kml_clone_via_stub

/* long redzone_probe(long rounds)
 * A leaf function keeps 16 words in its red zone (the 128 bytes below RSP,
 * which no interrupt may touch) and checks them `rounds` times. Returns the
 * number of words found changed. At CPL 0 without an IST stack switch, an
 * interrupt frame would land right there. */
	.globl redzone_probe
	.type redzone_probe, @function
redzone_probe:
	xor	%eax, %eax
	mov	%rdi, %rcx
	movabs	$0x5a5a3c3c00000000, %rdx
	mov	$16, %esi
2:	lea	(%rdx,%rsi), %r8
	neg	%rsi
	mov	%r8, (%rsp,%rsi,8)
	neg	%rsi
	dec	%esi
	jnz	2b
3:	mov	$16, %esi
4:	lea	(%rdx,%rsi), %r8
	neg	%rsi
	cmp	%r8, (%rsp,%rsi,8)
	je	5f
	inc	%rax
	mov	%r8, (%rsp,%rsi,8)
5:	neg	%rsi
	dec	%esi
	jnz	4b
	dec	%rcx
	jnz	3b
	ret
	.size redzone_probe, .-redzone_probe

/* long sled_syscall(long nr, long a1, long a2, long a3)
 * One system call as a rewritten site makes it (tailor kml rewrite turns
 * `syscall` into `call *%rax`): the call lands at address nr, in the sled
 * the KML kernel maps for trusted processes. Nothing lives below RSP here. */
	.globl sled_syscall
	.type sled_syscall, @function
sled_syscall:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	call	*%rax
	ret
	.size sled_syscall, .-sled_syscall

/* long sled_keeps_flags(long nr)
 * A system call through the sled with CF and ZF set before it (and DF clear,
 * as the ABI says); returns 3 when both are still set after it, as after
 * SYSCALL. */
	.globl sled_keeps_flags
	.type sled_keeps_flags, @function
sled_keeps_flags:
	mov	%rdi, %rax
	xor	%edx, %edx		/* ZF = 1 */
	stc				/* CF = 1 */
	call	*%rax
	setc	%al
	setz	%dl
	movzbl	%al, %eax
	lea	(%rax,%rdx,2), %eax
	ret
	.size sled_keeps_flags, .-sled_keeps_flags

	.section .note.GNU-stack,"",@progbits
