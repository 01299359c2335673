/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering and leaving a Rax program.
 *
 * rax_dispatch_batch(ctx, run_loop, stack_top, frame, gen) saves the
 * callee-saved registers on the caller's stack, records that stack pointer
 * in frame->saved_sp, switches to the run's dedicated stack and calls the
 * program's run loop (rax_run_loop.c: in the text arena, it calls the
 * program frame->left times with a direct call, bumping *gen and clearing
 * the lookup memo before each run), which goes back to C only when no run
 * is left or a run left something to settle.  One indirect call per batch:
 * every transfer costs (a lot under TCG), and an indirect one goes through
 * a retpoline.  rax_dispatch_escape(saved_sp) is
 * the landing pad of an aborted run: it discards the program's stack and
 * returns from rax_dispatch_batch with 0, the caller reads the cause from
 * its run frame.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/unwind_hints.h>

#include "rax_internal.h"

/* Bytes pushed below the frame pointer: rbx, r12, r13, r14, r15. */
#define RAX_SAVED_REGS (5 * 8)

SYM_FUNC_START(rax_dispatch_batch)
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, RAX_FRAME_SAVED_SP(%rcx)
	/* The run loop's state (rax_run_loop.c); programs preserve it (C ABI). */
	mov	%rdi, %rbx
	mov	%rcx, %r14
	mov	%r8, %r15
	/*
	 * The frame pointer keeps the caller's frame findable from here on.
	 * 8 below the top: programs, called from the loop's frame, enter with
	 * the C ABI's alignment.
	 */
	lea	-8(%rdx), %rsp
	CALL_NOSPEC rsi
	lea	-RAX_SAVED_REGS(%rbp), %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	RET
SYM_FUNC_END(rax_dispatch_batch)

/* Code, not a function: it enters on one stack and returns from another. */
SYM_CODE_START(rax_dispatch_escape)
	UNWIND_HINT_EMPTY
	mov	%rdi, %rsp
	/* Now exactly rax_dispatch_batch's frame after its pushes. */
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
