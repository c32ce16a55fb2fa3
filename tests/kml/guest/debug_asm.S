/* What the KML debug checks (debug.c) step through and break in: one system
 * call of each kind a trusted process makes (raw SYSCALL, `call *%rax`
 * through the sled, `call *AT_SYSINFO`), between labelled instructions whose
 * addresses the checks expect to see. x86_64 System V ABI. */
	.text

/* void debug_target(unsigned long sysinfo): getpid three ways (the call
 * entry only when sysinfo is not 0). */
	.globl debug_target, debug_after_syscall, debug_after_sled, debug_after_call, debug_bp
	.type debug_target, @function
debug_target:
	push	%rbx
	mov	%rdi, %rbx
	mov	$39, %eax		/* SYS_getpid */
	syscall
debug_after_syscall:
	nop
	lea	-128(%rsp), %rsp	/* each call pushes its return address below RSP */
	mov	$39, %eax
	call	*%rax			/* the sled: lands at address 39 */
debug_after_sled:
	nop
	test	%rbx, %rbx
	jz	1f
	mov	$39, %eax
	call	*%rbx			/* the KML call entry */
debug_after_call:
	nop
1:	lea	128(%rsp), %rsp
debug_bp:
	nop
	pop	%rbx
	ret
	.size debug_target, .-debug_target

/* void debug_twice(unsigned long sysinfo): debug_target, twice; the first
 * returns to debug_twice_mid. */
	.globl debug_twice, debug_twice_mid
	.type debug_twice, @function
debug_twice:
	push	%rbx
	mov	%rdi, %rbx
	call	debug_target
debug_twice_mid:
	mov	%rbx, %rdi
	call	debug_target
	pop	%rbx
	ret
	.size debug_twice, .-debug_twice

/* void debug_stepped(unsigned long sysinfo): debug_target with EFLAGS.TF
 * set, so that every instruction after the POPF traps; the SIGTRAP handler
 * clears TF when it sees debug_step_stop. */
	.globl debug_stepped, debug_step_stop
	.type debug_stepped, @function
debug_stepped:
	pushfq
	orq	$0x100, (%rsp)
	popfq
	call	debug_target
debug_step_stop:
	nop
	ret
	.size debug_stepped, .-debug_stepped

/* void debug_int3(void): a breakpoint instruction; returns at debug_int3_next. */
	.globl debug_int3, debug_int3_next
	.type debug_int3, @function
debug_int3:
	int3
debug_int3_next:
	ret
	.size debug_int3, .-debug_int3

	.section .note.GNU-stack, "", @progbits
