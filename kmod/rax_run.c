// SPDX-License-Identifier: GPL-2.0
/*
 * Runs: per-CPU dedicated stacks (one per nesting level), the run frames
 * helpers find their object through, the nesting limit and the abort path.
 */
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include "rax_internal.h"

struct rax_cpu_runs {
	u32 depth;
	u64 gen;		/* bumped at every run entry: the watchdog's clock */
	struct rax_run_frame frames[RAX_MAX_NESTING];
	/*
	 * Each stack is its own vmalloc area: the page below an area is
	 * always unmapped (the previous area's guard page or free space), so
	 * running off the bottom faults instead of corrupting memory.
	 */
	void *stacks[RAX_MAX_NESTING];
};

static DEFINE_PER_CPU(struct rax_cpu_runs, rax_cpu_runs);
/*
 * Lowest stack pointer a checked function may start with in the current
 * run (0 outside runs): rax_stack_check compares against it.
 */
DEFINE_PER_CPU(unsigned long, rax_stack_limit);

DEFINE_PER_CPU(struct rax_run_frame *, rax_run_cur);

static u64 rax_aborted_result(u32 prog_type)
{
	switch (prog_type) {
	case RAX_PROG_TYPE_XDP:
		return RAX_XDP_ABORTED_RESULT;
	case RAX_PROG_TYPE_SCHED_CLS:
		return RAX_TC_ABORTED_RESULT;
	default:
		return RAX_TRACE_ABORTED_RESULT;
	}
}

static const char *rax_abort_default_msg(u32 cause)
{
	switch (cause) {
	case RAX_ABORT_STACK:
		return "stack: a recursive call found less than " __stringify(RAX_STACK_RESERVE)
		       " bytes left";
	case RAX_ABORT_FAULT:
		return "fault: the program's code raised a hardware exception";
	default:
		return "aborted";
	}
}

/* Keep the abort's message for the stats; skipped when another CPU writes it. */
static void rax_abort_note(struct rax_prog *prog, struct rax_run_frame *frame)
{
	const char *msg = frame->side->abort_msg;
	unsigned long flags;

	/* Every panic path sets this run's message before aborting. */
	if (frame->abort_cause != RAX_ABORT_PANIC)
		msg = rax_abort_default_msg(frame->abort_cause);
	if (!raw_spin_trylock_irqsave(&prog->msg_lock, flags))
		return;
	/* The budget the watchdog held the run to (it reads the same field). */
	if (frame->abort_cause == RAX_ABORT_TIMEOUT)
		scnprintf(prog->last_abort_msg, sizeof(prog->last_abort_msg),
			  "timeout: ran past its %u ms budget", READ_ONCE(prog->time_budget_ms));
	else
		strscpy(prog->last_abort_msg, msg, sizeof(prog->last_abort_msg));
	raw_spin_unlock_irqrestore(&prog->msg_lock, flags);
}

void rax_run_set_msg(struct rax_run_frame *frame, const char *msg)
{
	strscpy(frame->side->abort_msg, msg, sizeof(frame->side->abort_msg));
}

/*
 * After rax_dispatch_batch handed back: release what the last run left,
 * account its abort, and make the frame ready for the next run.  Returns
 * the last run's result.
 */
static noinline u64 rax_run_settle(struct rax_prog *prog, struct rax_run_frame *frame, u64 ret,
				   u32 *cause)
{
	/* Normal return too: a leaked guard must not outlive the run. */
	if (frame->cleanup_cnt)
		rax_cleanup_drain(frame);
	frame->out_used = 0;
	frame->helper_depth = 0;
	WRITE_ONCE(frame->terminate, RAX_ABORT_NONE);
	*cause = frame->abort_cause;
	if (!frame->abort_cause)
		return ret;
	/* The run loop counted the aborted run down before calling it. */
	atomic64_inc(&prog->aborted[frame->abort_cause]);
	rax_abort_note(prog, frame);
	frame->abort_cause = RAX_ABORT_NONE;
	return rax_aborted_result(prog->type);
}

u64 rax_run_repeat(struct rax_object *obj, struct rax_prog *prog, void *ctx, u32 n, u32 *cause)
{
	struct rax_cpu_runs *runs = this_cpu_ptr(&rax_cpu_runs);
	struct rax_run_frame *frame, *outer;
	unsigned long top, old_limit;
	u32 depth = runs->depth;
	u64 ret;

	lockdep_assert_preemption_disabled();
	if (depth >= RAX_MAX_NESTING) {
		atomic64_add(n, &prog->missed);
		*cause = RAX_ABORT_NONE;
		return rax_aborted_result(prog->type);
	}
	/*
	 * Claim the frame before filling it: a run nested from an interrupt
	 * or NMI from here on takes the next one.
	 */
	WRITE_ONCE(runs->depth, depth + 1);
	barrier();
	frame = &runs->frames[depth];
	frame->obj = obj;
	frame->prog = prog;
	frame->abort_cause = RAX_ABORT_NONE;
	frame->helper_depth = 0;
	frame->terminate = RAX_ABORT_NONE;
	frame->cleanup_cnt = 0;
	frame->out_used = 0;
	/*
	 * The batch clears memo_next before each run: stale memo entries and
	 * messages are never read (see their readers).
	 */
	frame->left = n;
	top = (unsigned long)runs->stacks[depth] + RAX_STACK_SIZE;
	old_limit = this_cpu_read(rax_stack_limit);
	outer = this_cpu_read(rax_run_cur);
	this_cpu_write(rax_stack_limit, top - RAX_STACK_BUDGET);
	this_cpu_write(rax_run_cur, frame);
	barrier();
	do {
		ret = rax_dispatch_batch(ctx, prog->run_loop, top, frame, &runs->gen);
		barrier();
		*cause = RAX_ABORT_NONE;
		if (unlikely(frame->abort_cause | frame->terminate | frame->cleanup_cnt |
			     frame->out_used | frame->helper_depth))
			ret = rax_run_settle(prog, frame, ret, cause);
	} while (frame->left);
	barrier();
	this_cpu_write(rax_run_cur, outer);
	WRITE_ONCE(runs->depth, depth);
	this_cpu_write(rax_stack_limit, old_limit);
	return ret;
}

void rax_cleanup_drain(struct rax_run_frame *frame)
{
	while (frame->cleanup_cnt) {
		struct rax_cleanup *c = &frame->cleanup[--frame->cleanup_cnt];

		if (c->kind == RAX_CLEANUP_LOCK)
			rax_lock_cleanup(c);
		else if (c->kind == RAX_CLEANUP_OUTPUT)
			rax_output_cleanup(frame, c);
		c->kind = RAX_CLEANUP_FREE;
	}
	frame->out_used = 0;
}

struct rax_cleanup *rax_cleanup_find(struct rax_run_frame *frame, u32 kind, const void *obj)
{
	u32 i = frame->cleanup_cnt;

	while (i--) {
		struct rax_cleanup *c = &frame->cleanup[i];

		if (c->kind == kind && c->obj == obj)
			return c;
	}
	return NULL;
}

void rax_cleanup_drop(struct rax_run_frame *frame, struct rax_cleanup *c)
{
	c->kind = RAX_CLEANUP_FREE;
	/* Released in LIFO order (the usual case): give the slots back. */
	while (frame->cleanup_cnt &&
	       frame->cleanup[frame->cleanup_cnt - 1].kind == RAX_CLEANUP_FREE)
		frame->cleanup_cnt--;
}

bool rax_run_looked_up(const struct rax_run_frame *frame, const struct rax_map_ref *ref,
		       const void *p, size_t len)
{
	unsigned long addr = (unsigned long)p;
	u32 i;

	/* Only the entries of this run: memo_next counts them (ring of RAX_LOOKUP_MEMO). */
	for (i = 0; i < min(frame->memo_next, RAX_LOOKUP_MEMO); i++) {
		unsigned long base = (unsigned long)frame->memo[i].value;

		if (frame->memo[i].ref == ref && base && addr >= base &&
		    addr - base <= ref->value_size && ref->value_size - (addr - base) >= len)
			return true;
	}
	return false;
}

void rax_stack_overflow(void)
{
	struct rax_run_frame *frame = rax_run_current();

	/* Only program code calls the check, and only inside a run. */
	if (WARN_ON_ONCE(!frame))
		return;
	rax_run_abort(frame, RAX_ABORT_STACK);
}

u32 rax_run_sample(unsigned int cpu, u64 *gen)
{
	struct rax_cpu_runs *runs = per_cpu_ptr(&rax_cpu_runs, cpu);

	*gen = READ_ONCE(runs->gen);
	return READ_ONCE(runs->depth);
}

struct rax_run_frame *rax_run_outer(const struct rax_run_frame *frame, u32 i)
{
	struct rax_cpu_runs *runs = this_cpu_ptr(&rax_cpu_runs);

	if (i >= RAX_MAX_NESTING || &runs->frames[i] == frame || i >= READ_ONCE(runs->depth))
		return NULL;
	return &runs->frames[i];
}

bool rax_ip_in_programs(unsigned long ip)
{
	return ip >= rax_text.base && ip - rax_text.base < rax_text.size;
}

bool rax_run_redirect(struct pt_regs *regs, u32 cause)
{
	struct rax_run_frame *frame = rax_run_current();

	/*
	 * Only program code may be cut short: a helper (helper_depth > 0)
	 * may hold kernel state, it is told to end the run when it returns.
	 */
	if (!frame || user_mode(regs))
		return false;
	if (frame->helper_depth || !rax_ip_in_programs(regs->ip)) {
		WRITE_ONCE(frame->terminate, cause);
		return false;
	}
	frame->abort_cause = cause;
	/* Return from the exception into the landing pad, on the entry stack. */
	regs->di = frame->saved_sp;
	regs->ip = (unsigned long)rax_dispatch_escape;
	return true;
}

void rax_run_abort(struct rax_run_frame *frame, u32 cause)
{
	frame->abort_cause = cause;
	rax_dispatch_escape(frame->saved_sp);
	/*
	 * Not reached.  objtool (6.1) cannot know that a function of another
	 * object file does not return: the trap ends this function for it.
	 */
	BUG();
}

int rax_run_init(void)
{
	unsigned int cpu, i;

	BUILD_BUG_ON(offsetof(struct rax_run_frame, saved_sp) != RAX_FRAME_SAVED_SP);
	BUILD_BUG_ON(offsetof(struct rax_run_frame, memo_next) != RAX_FRAME_MEMO_NEXT);
	BUILD_BUG_ON(offsetof(struct rax_run_frame, left) != RAX_FRAME_LEFT);
	BUILD_BUG_ON(offsetof(struct rax_run_frame, terminate) != RAX_FRAME_CHECKS);
	BUILD_BUG_ON(offsetof(struct rax_run_frame, helper_depth) != RAX_FRAME_CHECKS + 12);
	for_each_possible_cpu(cpu) {
		struct rax_cpu_runs *runs = per_cpu_ptr(&rax_cpu_runs, cpu);

		for (i = 0; i < RAX_MAX_NESTING; i++) {
			runs->stacks[i] = vmalloc_node(RAX_STACK_SIZE, cpu_to_node(cpu));
			runs->frames[i].side = kzalloc_node(sizeof(*runs->frames[i].side),
							    GFP_KERNEL, cpu_to_node(cpu));
			if (!runs->stacks[i] || !runs->frames[i].side) {
				rax_run_exit();
				return -ENOMEM;
			}
		}
	}
	return 0;
}

void rax_run_exit(void)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct rax_cpu_runs *runs = per_cpu_ptr(&rax_cpu_runs, cpu);

		for (i = 0; i < RAX_MAX_NESTING; i++) {
			vfree(runs->stacks[i]);
			runs->stacks[i] = NULL;
			kfree(runs->frames[i].side);
			runs->frames[i].side = NULL;
		}
	}
}
