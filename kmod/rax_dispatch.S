/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering and leaving a Rax program.
 *
 * rax_dispatch(ctx, entry, stack_top, &saved_sp) saves the callee-saved
 * registers on the caller's stack, records that stack pointer in
 * *saved_sp, switches to the run's dedicated stack and calls the program.
 * rax_dispatch_escape(saved_sp) is the landing pad of an aborted run: it
 * discards the program's stack and returns from rax_dispatch with 0, the
 * caller reads the cause from its run frame.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/unwind_hints.h>

/* Bytes pushed below the frame pointer: rbx, r12, r13, r14, r15. */
#define RAX_SAVED_REGS (5 * 8)

SYM_FUNC_START(rax_dispatch)
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, (%rcx)
	/* The frame pointer keeps the caller's frame findable from here on. */
	mov	%rdx, %rsp
	CALL_NOSPEC rsi
	lea	-RAX_SAVED_REGS(%rbp), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	RET
SYM_FUNC_END(rax_dispatch)

/* Code, not a function: it enters on one stack and returns from another. */
SYM_CODE_START(rax_dispatch_escape)
	UNWIND_HINT_EMPTY
	mov	%rdi, %rsp
	/* Now exactly rax_dispatch's frame after its pushes. */
	UNWIND_HINT sp_reg=ORC_REG_SP sp_offset=RAX_SAVED_REGS+16 type=UNWIND_HINT_TYPE_CALL
	xor	%eax, %eax
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	RET
SYM_CODE_END(rax_dispatch_escape)

/*
 * The recursion entry check.  The loader writes "call rax_stack_check"
 * into the 5-byte entry pad of every function in a recursive cycle: it
 * runs before the prologue, so it changes no register (flags are not
 * live at a function's entry).  Below the current run's limit there is
 * still RAX_STACK_RESERVE of stack: enough to end the run through the
 * landing pad with RAX_ABORT_STACK instead of reaching the guard page.
 */
SYM_FUNC_START(rax_stack_check)
	cmpq	PER_CPU_VAR(rax_stack_limit), %rsp
	jb	.Lrax_stack_short
	RET
.Lrax_stack_short:
	jmp	rax_stack_overflow
SYM_FUNC_END(rax_stack_check)
