// SPDX-License-Identifier: GPL-2.0
/*
 * Per-program run loops: machine code placed in the text arena that calls
 * one program frame->left times with a DIRECT call.  rax_dispatch_batch
 * enters it once per batch through the (retpolined) indirect call; the runs
 * inside a batch then cost no indirect transfer, as the kernel's XDP
 * dispatcher turns eBPF's per-packet indirect call into a direct one.
 *
 * Register contract with rax_dispatch_batch (rax_dispatch.S): %rbx holds the
 * context, %r14 the run frame, %r15 the watchdog generation counter;
 * programs preserve them (C ABI).  Per run the loop bumps the generation,
 * clears the lookup memo, counts the run down, calls the program and goes
 * back when no run is left or a run left something for C to settle (the
 * two words at RAX_FRAME_CHECKS).  %rax keeps the last program result.
 *
 * The loop lies in the text arena, so the watchdog and the fault handler
 * treat it as program code: a run ended there ends the batch through the
 * landing pad as from the program itself (the loop holds no state).
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/string.h>

#include "rax_internal.h"

/*
 * endbr64 first: the loop is the target of rax_dispatch_batch's indirect
 * call (a NOP without IBT).
 */
static const u8 rax_loop_head[] = {
	0xf3, 0x0f, 0x1e, 0xfa,				/* endbr64 */
};

/*
 * The run is counted down before the call: an abort landing anywhere
 * (in the program, or in the loop's tail right after it returned) finds
 * left already right, and C never adjusts it.
 */
static const u8 rax_loop_call_prep[] = {
	0x49, 0xff, 0x07,				/* incq (%r15) */
	0x41, 0xc7, 0x46, RAX_FRAME_MEMO_NEXT, 0, 0, 0, 0,	/* movl $0, memo_next(%r14) */
	0x41, 0xff, 0x4e, RAX_FRAME_LEFT,		/* decl left(%r14) */
	0x48, 0x89, 0xdf,				/* mov %rbx, %rdi */
	0xe8,						/* call rel32 */
};

static const u8 rax_loop_check_left[] = {
	0x41, 0x83, 0x7e, RAX_FRAME_LEFT, 0x00,		/* cmpl $0, left(%r14) */
	0x74, 0x0a,					/* je out */
	0x49, 0x8b, 0x56, RAX_FRAME_CHECKS,		/* mov checks(%r14), %rdx */
	0x49, 0x0b, 0x56, RAX_FRAME_CHECKS + 8,		/* or checks+8(%r14), %rdx */
	0x74,						/* jz loop (rel8 follows) */
};

static const u8 rax_loop_out[] = {
	0xc3,						/* out: ret */
};

#define RAX_LOOP_BYTES (sizeof(rax_loop_head) + sizeof(rax_loop_call_prep) + 4 + \
			sizeof(rax_loop_check_left) + 1 + sizeof(rax_loop_out))

size_t rax_run_loop_size(void)
{
	return ALIGN(RAX_LOOP_BYTES, 16);
}

bool rax_run_loop_emit(u8 *buf, unsigned long at, unsigned long entry)
{
	size_t size = rax_run_loop_size();
	size_t loop_off = sizeof(rax_loop_head);
	size_t call_end = loop_off + sizeof(rax_loop_call_prep) + 4;
	size_t jz_end = call_end + sizeof(rax_loop_check_left) + 1;
	s64 disp = (s64)(entry - (at + call_end));
	s32 disp32 = (s32)disp;
	u8 *p = buf;

	/* The frame offsets fit the one-byte displacements used above. */
	BUILD_BUG_ON(RAX_FRAME_CHECKS + 8 > S8_MAX);
	/* "je out" skips the compare of the checks and the "jz loop". */
	BUILD_BUG_ON(sizeof(rax_loop_check_left) + 1 - 7 != 0x0a);
	if (disp < S32_MIN || disp > S32_MAX)
		return false;
	memset(buf, 0xcc, size);
	memcpy(p, rax_loop_head, sizeof(rax_loop_head));
	p += sizeof(rax_loop_head);
	memcpy(p, rax_loop_call_prep, sizeof(rax_loop_call_prep));
	p += sizeof(rax_loop_call_prep);
	memcpy(p, &disp32, sizeof(disp32));
	p += sizeof(disp32);
	memcpy(p, rax_loop_check_left, sizeof(rax_loop_check_left));
	p += sizeof(rax_loop_check_left);
	*p++ = (u8)(s8)((long)loop_off - (long)jz_end);
	memcpy(p, rax_loop_out, sizeof(rax_loop_out));
	return true;
}
