/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-process dispatcher: enter a program on a dedicated stack and come
 * back from it either by its return or by rax_escape() (the panic path).
 *
 * struct rax_jmp (runtime_inproc.h): rbx 0, rbp 8, r12 16, r13 24,
 * r14 32, r15 40, rsp 48.
 */
	.text

/*
 * __u64 rax_dispatch(void *ctx (rdi), void *entry (rsi),
 *		      void *stack_top (rdx), struct rax_jmp *jb (rcx))
 */
	.globl	rax_dispatch
	.hidden	rax_dispatch
	.type	rax_dispatch, @function
	.p2align 4
rax_dispatch:
	.cfi_startproc
	movq	%rbx, 0(%rcx)
	movq	%rbp, 8(%rcx)
	movq	%r12, 16(%rcx)
	movq	%r13, 24(%rcx)
	movq	%r14, 32(%rcx)
	movq	%r15, 40(%rcx)
	movq	%rsp, 48(%rcx)
	/* rbx (callee-saved, already in jb) keeps jb across the call. */
	movq	%rcx, %rbx
	/*
	 * From here the caller's frame is described through jb so debuggers
	 * unwind from the program stack back to the caller:
	 * CFA = *(rbx + 48) + 8; rbx, rbp, r12-r15 saved at rbx + 0..40.
	 */
	.cfi_escape 0x0f, 0x05, 0x73, 0x30, 0x06, 0x23, 0x08
	.cfi_escape 0x10, 0x03, 0x02, 0x73, 0x00
	.cfi_escape 0x10, 0x06, 0x02, 0x73, 0x08
	.cfi_escape 0x10, 0x0c, 0x02, 0x73, 0x10
	.cfi_escape 0x10, 0x0d, 0x02, 0x73, 0x18
	.cfi_escape 0x10, 0x0e, 0x02, 0x73, 0x20
	.cfi_escape 0x10, 0x0f, 0x02, 0x73, 0x28
	/* stack_top is 16-byte aligned: the call leaves rsp+8 aligned. */
	movq	%rdx, %rsp
	call	*%rsi
	movq	48(%rbx), %rsp
	.cfi_def_cfa %rsp, 8
	movq	8(%rbx), %rbp
	movq	16(%rbx), %r12
	movq	24(%rbx), %r13
	movq	32(%rbx), %r14
	movq	40(%rbx), %r15
	movq	0(%rbx), %rbx
	.cfi_restore %rbx
	.cfi_restore %rbp
	.cfi_restore %r12
	.cfi_restore %r13
	.cfi_restore %r14
	.cfi_restore %r15
	ret
	.cfi_endproc
	.size	rax_dispatch, . - rax_dispatch

/*
 * void rax_escape(struct rax_jmp *jb (rdi), __u64 result (rsi)): noreturn.
 * Restores the state rax_dispatch() saved in jb and returns from that
 * rax_dispatch() with result.
 */
	.globl	rax_escape
	.hidden	rax_escape
	.type	rax_escape, @function
	.p2align 4
rax_escape:
	.cfi_startproc
	movq	%rsi, %rax
	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	ret
	.cfi_endproc
	.size	rax_escape, . - rax_escape

/*
 * void rax_abort_on_stack(void *stack_top (rdi), __u64 cause (rsi),
 *			   const char *msg (rdx)): noreturn.
 * Abandon the run's frames and call rax_inproc_abort(cause, msg) on a
 * fresh frame at the top of the level's stack: signal handlers redirect an
 * interrupted run here, and the recursion check and panics come here
 * (with little stack left, perhaps; msg must not live on it).
 */
	.globl	rax_abort_on_stack
	.hidden	rax_abort_on_stack
	.type	rax_abort_on_stack, @function
	.p2align 4
rax_abort_on_stack:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rdi, %rsp
	movl	%esi, %edi
	movq	%rdx, %rsi
	call	rax_inproc_abort
	ud2
	.cfi_endproc
	.size	rax_abort_on_stack, . - rax_abort_on_stack

/*
 * rax_helper_thunk: every helper call of a program goes through it (the
 * image's PLT stubs load the helper into r11 and jump here).  It counts
 * the thread's helper depth around the call, so the watchdog never
 * redirects a run inside librax, and ends the run at the helper's return
 * when the watchdog asked for it (struct rax_thread: helper_depth at 4,
 * terminate at 48).  Helpers take at most six register arguments.
 */
	.globl	rax_helper_thunk
	.hidden	rax_helper_thunk
	.type	rax_helper_thunk, @function
	.p2align 4
rax_helper_thunk:
	.cfi_startproc
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	movq	rax_thread@GOTTPOFF(%rip), %rbx
	addl	$1, %fs:4(%rbx)
	call	*%r11
	subl	$1, %fs:4(%rbx)
	cmpl	$0, %fs:48(%rbx)
	jne	1f
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
1:
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	call	rax_inproc_helper_terminate
	ud2
	.cfi_endproc
	.size	rax_helper_thunk, . - rax_helper_thunk

	.section .note.GNU-stack, "", @progbits
