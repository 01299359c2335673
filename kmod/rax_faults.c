// SPDX-License-Identifier: GPL-2.0
/*
 * Containment of #UD, #GP and #DE raised by program code: the die chain
 * sees them before the kernel oopses, and a run whose program faulted
 * leaves through the landing pad with RAX_ABORT_FAULT.  Page faults and
 * stack guard hits are not recoverable here (the oops comes first): the
 * static stack bound and safe Rust must make them unreachable.
 */
#include <linux/kdebug.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <asm/trapnr.h>

#include "rax_internal.h"

static int rax_die_notify(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	struct pt_regs *regs = args->regs;
	struct rax_run_frame *frame;

	if (val == DIE_TRAP) {
		if (args->trapnr != X86_TRAP_UD && args->trapnr != X86_TRAP_DE)
			return NOTIFY_DONE;
	} else if (val != DIE_GPF) {
		return NOTIFY_DONE;
	}
	if (!regs || user_mode(regs) || !rax_ip_in_programs(regs->ip))
		return NOTIFY_DONE;
	frame = rax_run_current();
	if (!frame)
		return NOTIFY_DONE;

	pr_notice_ratelimited("rax: %s/%s: %s at code offset %#lx, run aborted\n",
			      frame->obj->name, frame->prog->name,
			      val == DIE_GPF ? "#GP" : args->trapnr == X86_TRAP_UD ? "#UD" : "#DE",
			      regs->ip - frame->obj->text_addr);
	frame->abort_cause = RAX_ABORT_FAULT;
	/* Return from the exception into the landing pad, on the entry stack. */
	regs->di = frame->saved_sp;
	regs->ip = (unsigned long)rax_dispatch_escape;
	return NOTIFY_STOP;
}

static struct notifier_block rax_die_nb = {
	.notifier_call = rax_die_notify,
	.priority = INT_MAX,
};

int rax_faults_init(void)
{
	return register_die_notifier(&rax_die_nb);
}

void rax_faults_exit(void)
{
	unregister_die_notifier(&rax_die_nb);
}
