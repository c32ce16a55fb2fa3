/*
 * One function per kind of `syscall` site the KML rewriter judges
 * (image-builder/syscall_sites/syscall_sites.h); syscall_sites_test.cpp finds each by its
 * symbol. Every function has unwind info (.cfi_*), so .eh_frame bounds it,
 * except the orphan at the end.
 */
	.text

/* Number known, no stack use below RSP: rewritten. */
	.globl	safe_getpid
	.type	safe_getpid, @function
safe_getpid:
	.cfi_startproc
	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	safe_getpid, .-safe_getpid

/* Keeps %rdi in the red zone across the system call. */
	.globl	red_zone_rsp
	.type	red_zone_rsp, @function
red_zone_rsp:
	.cfi_startproc
	mov	%rdi, -8(%rsp)
	mov	$1, %eax
	syscall
	mov	-8(%rsp), %rdi
	ret
	.cfi_endproc
	.size	red_zone_rsp, .-red_zone_rsp

/* The same through a frame pointer that never moved RSP down (-O0 leaf style). */
	.globl	red_zone_rbp
	.type	red_zone_rbp, @function
red_zone_rbp:
	.cfi_startproc
	push	%rbp
	.cfi_def_cfa_offset 16
	mov	%rsp, %rbp
	mov	%rdi, -16(%rbp)
	mov	$1, %eax
	syscall
	mov	-16(%rbp), %rdi
	pop	%rbp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size	red_zone_rbp, .-red_zone_rbp

/* A frame pointer over a frame RSP was moved below: its slots are above the call's. */
	.globl	framed
	.type	framed, @function
framed:
	.cfi_startproc
	push	%rbp
	.cfi_def_cfa_offset 16
	mov	%rsp, %rbp
	sub	$32, %rsp
	mov	%rdi, -16(%rbp)
	mov	$39, %eax
	syscall
	mov	-16(%rbp), %rdi
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
	.size	framed, .-framed

/* A pointer into the red zone, made by lea and used through another register. */
	.globl	red_zone_pointer
	.type	red_zone_pointer, @function
red_zone_pointer:
	.cfi_startproc
	lea	-16(%rsp), %rdx
	mov	%rdi, (%rdx)
	mov	$39, %eax
	syscall
	mov	(%rdx), %rdi
	ret
	.cfi_endproc
	.size	red_zone_pointer, .-red_zone_pointer

/* A fast path without a frame, and a slow path with a deeper one that never meets the syscall. */
	.globl	fast_and_slow
	.type	fast_and_slow, @function
fast_and_slow:
	.cfi_startproc
	test	%rdi, %rdi
	jne	1f
	mov	$39, %eax
	syscall
	ret
1:	sub	$24, %rsp
	.cfi_def_cfa_offset 32
	mov	%rdi, 8(%rsp)
	call	safe_getpid
	mov	8(%rsp), %rax
	add	$24, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size	fast_and_slow, .-fast_and_slow

/* 0f 05 inside an immediate: b8 00 0f 05 12 is one `mov`. */
	.globl	immediate_pair
	.type	immediate_pair, @function
immediate_pair:
	.cfi_startproc
	mov	$0x12050f00, %eax
	ret
	.cfi_endproc
	.size	immediate_pair, .-immediate_pair

/* rt_sigreturn finds its frame at RSP - 8: never through a call. */
	.globl	sigreturn_site
	.type	sigreturn_site, @function
sigreturn_site:
	.cfi_startproc
	mov	$15, %eax
	syscall
	ret
	.cfi_endproc
	.size	sigreturn_site, .-sigreturn_site

/* clone: the child of a clone with a new stack would return on that stack. */
	.globl	clone_site
	.type	clone_site, @function
clone_site:
	.cfi_startproc
	mov	$56, %eax
	syscall
	ret
	.cfi_endproc
	.size	clone_site, .-clone_site

/*
 * A signal return trampoline (its CIE says 'S', as glibc's __restore_rt's
 * does): never rewritten, whatever number the decoder sees.
 */
	.globl	signal_trampoline
	.type	signal_trampoline, @function
signal_trampoline:
	.cfi_startproc
	.cfi_signal_frame
	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	signal_trampoline, .-signal_trampoline

/* The number reaches RAX through a copy (glibc does this): still known. */
	.globl	copied_number
	.type	copied_number, @function
copied_number:
	.cfi_startproc
	mov	$60, %edx
	xor	%edi, %edi
	mov	%edx, %eax
	syscall
	ret
	.cfi_endproc
	.size	copied_number, .-copied_number

/* The number comes from the caller (like glibc's syscall()). */
	.globl	unknown_number
	.type	unknown_number, @function
unknown_number:
	.cfi_startproc
	mov	%rdi, %rax
	syscall
	ret
	.cfi_endproc
	.size	unknown_number, .-unknown_number

/* Two paths meet at the syscall: the last constant before it is not the only one. */
	.globl	joined_paths
	.type	joined_paths, @function
joined_paths:
	.cfi_startproc
	mov	$39, %eax
	test	%rdi, %rdi
	je	1f
	mov	$110, %eax
1:	syscall
	ret
	.cfi_endproc
	.size	joined_paths, .-joined_paths

/* A byte that is no instruction (push %es is invalid in 64-bit mode). */
	.globl	bad_bytes
	.type	bad_bytes, @function
bad_bytes:
	.cfi_startproc
	mov	$39, %eax
	syscall
	.byte	0x06
	ret
	.cfi_endproc
	.size	bad_bytes, .-bad_bytes

/* A jump into the middle of an instruction: the linear grid is not the real one. */
	.globl	off_grid
	.type	off_grid, @function
off_grid:
	.cfi_startproc
	jmp	1f + 1
1:	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	off_grid, .-off_grid

/* A leaf keeping data in the red zone, and its out-of-line part (as GCC's .cold). */
	.globl	hot_part
	.type	hot_part, @function
hot_part:
	.cfi_startproc
	mov	%rdi, -8(%rsp)
	test	%rdi, %rdi
	je	cold_part
.Lhot_tail:
	mov	-8(%rsp), %rax
	ret
	.cfi_endproc
	.size	hot_part, .-hot_part

	.globl	cold_part
	.type	cold_part, @function
cold_part:
	.cfi_startproc
	mov	$39, %eax
	syscall
	jmp	.Lhot_tail
	.cfi_endproc
	.size	cold_part, .-cold_part

/*
 * A site another function jumps to the middle of (as a .cold part jumps
 * back into its hot part): what RSP and the registers hold on that path is
 * unknown here, so the site cannot be bounded.
 */
	.globl	entered_site
	.type	entered_site, @function
entered_site:
	.cfi_startproc
	mov	$39, %eax
.Lentered_middle:
	syscall
	ret
	.cfi_endproc
	.size	entered_site, .-entered_site

	.globl	jumps_in
	.type	jumps_in, @function
jumps_in:
	.cfi_startproc
	mov	$39, %eax
	jmp	.Lentered_middle
	.cfi_endproc
	.size	jumps_in, .-jumps_in

/* A safe site whose bytes the test points a relocation at. */
	.globl	relocated_site
	.type	relocated_site, @function
relocated_site:
	.cfi_startproc
	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	relocated_site, .-relocated_site

/* A text relocation (allowed by -z notext), not covering any site by itself. */
	.globl	text_slot
text_slot:
	.quad	somewhere_else

/* No unwind info, but a function symbol with a size bounds it. */
	.globl	symbol_only_safe
	.type	symbol_only_safe, @function
symbol_only_safe:
	mov	$39, %eax
	syscall
	ret
	.size	symbol_only_safe, .-symbol_only_safe

/* The same with two paths into the syscall: the jump is seen though no FDE holds it. */
	.globl	symbol_only_joined
	.type	symbol_only_joined, @function
symbol_only_joined:
	mov	$39, %eax
	test	%rdi, %rdi
	je	1f
	mov	$110, %eax
1:	syscall
	ret
	.size	symbol_only_joined, .-symbol_only_joined

/* No unwind info and no symbol: no known bounds. */
.Lorphan:
	mov	$39, %eax
	syscall
	ret

	.section .rodata
/* Not executable: never a site. */
	.globl	data_pair
data_pair:
	.byte	0x0f, 0x05

	.section .note.GNU-stack,"",@progbits
