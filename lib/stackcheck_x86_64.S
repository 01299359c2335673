/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The recursion entry check.  The loader writes "call <stub>" into the
 * 5-byte patchable entry pad of every function the gate found in a
 * recursive cycle; the image's stub jumps here.  It preserves every
 * register (the function's prologue has not run yet) and compares the
 * stack pointer with the limit of the running level,
 * rax_thread.stack_limit[rax_thread.depth] (struct rax_thread: depth at 0,
 * stack_limit at 8).  Below the limit the run ends with RAX_ABORT_STACK
 * instead of reaching the guard page.
 */
	.text

	.globl	rax_stack_check
	.hidden	rax_stack_check
	.type	rax_stack_check, @function
	.p2align 4
rax_stack_check:
	.cfi_startproc
	pushq	%rax
	.cfi_adjust_cfa_offset 8
	pushq	%rcx
	.cfi_adjust_cfa_offset 8
	movq	rax_thread@GOTTPOFF(%rip), %rcx
	movl	%fs:(%rcx), %eax
	cmpq	%fs:8(%rcx,%rax,8), %rsp
	/* pop leaves the flags alone */
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	jb	1f
	ret
1:
	/* The C side switches to a fresh frame at once; it needs an aligned call. */
	andq	$-16, %rsp
	call	rax_inproc_stack_overflow
	ud2
	.cfi_endproc
	.size	rax_stack_check, . - rax_stack_check

	.section .note.GNU-stack, "", @progbits
