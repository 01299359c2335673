// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog: ends runs that exceed the time budget without any cost on
 * the run path (the dispatcher only bumps a per-CPU generation).
 *
 * While objects are loaded every online CPU has a pinned hrtimer ticking
 * every budget/RAX_WD_TICKS.  A tick samples its own CPU's run generation:
 * the same generation with a run in progress for RAX_WD_TICKS ticks means
 * one run has lasted the budget, and the interrupted program is redirected
 * into the landing pad.  A CPU running a program with interrupts off (an
 * int3 kprobe, an IRQ-off tracepoint) never takes its own tick, so each
 * tick also samples a buddy CPU and, once the buddy's run is clearly past
 * the budget, sends it an NMI whose handler does the redirect.
 */
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/irq_regs.h>
#include <asm/irq_vectors.h>
#include <asm/nmi.h>

#include "rax_internal.h"

/* Ticks per budget: a run is aborted between 1 and 1 + 1/RAX_WD_TICKS budgets. */
#define RAX_WD_TICKS 4u
/* Ticks after which the buddy steps in: the CPU's own tick had its chance. */
#define RAX_WD_NMI_TICKS (RAX_WD_TICKS + 2u)
#define RAX_WD_PERIOD_NS ((u64)RAX_DEFAULT_TIME_BUDGET_MS * NSEC_PER_MSEC / RAX_WD_TICKS)

struct rax_wd_sample {
	u64 gen;
	u32 ticks;		/* consecutive ticks that saw gen running */
};

struct rax_wd_cpu {
	struct hrtimer timer;
	struct rax_wd_sample self;
	struct rax_wd_sample buddy;
	unsigned int buddy_cpu;
	u64 nmi_request;	/* generation the NMI must end; 0: none */
	u32 nmi_aborts;		/* runs the NMI ended (reported by the tick) */
	u32 nmi_aborts_reported;
};

static DEFINE_PER_CPU(struct rax_wd_cpu, rax_wd_cpu);
static DEFINE_MUTEX(rax_wd_lock);
static unsigned int rax_wd_users;
static bool rax_wd_nmi_registered;

/* Returns the number of ticks cpu's current run has been seen for. */
static u32 rax_wd_observe(struct rax_wd_sample *s, unsigned int cpu, u64 *gen)
{
	u32 depth = rax_run_sample(cpu, gen);

	if (!depth || *gen != s->gen) {
		s->gen = *gen;
		s->ticks = depth ? 1 : 0;
		return s->ticks;
	}
	return ++s->ticks;
}

static void rax_wd_check_buddy(struct rax_wd_cpu *wd)
{
	unsigned int cpu = wd->buddy_cpu;
	u64 gen;

	if (cpu == smp_processor_id() || !cpu_online(cpu))
		return;
	if (rax_wd_observe(&wd->buddy, cpu, &gen) < RAX_WD_NMI_TICKS)
		return;
	/* Resent every tick until the run ends: its code may be in a helper. */
	WRITE_ONCE(per_cpu(rax_wd_cpu, cpu).nmi_request, gen);
	apic->send_IPI(cpu, NMI_VECTOR);
}

static enum hrtimer_restart rax_wd_tick(struct hrtimer *timer)
{
	struct rax_wd_cpu *wd = this_cpu_ptr(&rax_wd_cpu);
	struct pt_regs *regs = get_irq_regs();
	u64 gen;

	/* Printing from the NMI itself would stretch it (slow consoles). */
	if (READ_ONCE(wd->nmi_aborts) != wd->nmi_aborts_reported) {
		wd->nmi_aborts_reported = READ_ONCE(wd->nmi_aborts);
		pr_notice_ratelimited("rax: run over its %u ms budget aborted (NMI, interrupts off)\n",
				      RAX_DEFAULT_TIME_BUDGET_MS);
	}
	if (rax_wd_observe(&wd->self, smp_processor_id(), &gen) > RAX_WD_TICKS && regs &&
	    rax_run_redirect(regs, RAX_ABORT_TIMEOUT))
		pr_notice_ratelimited("rax: run over its %u ms budget aborted (timer)\n",
				      RAX_DEFAULT_TIME_BUDGET_MS);
	rax_wd_check_buddy(wd);
	hrtimer_forward_now(timer, ns_to_ktime(RAX_WD_PERIOD_NS));
	return HRTIMER_RESTART;
}

/*
 * 6.1's NMI entry returns through a private copy of the iret frame placed
 * right after pt_regs; rewriting regs->ip alone would be ignored.  The copy
 * is only trusted when it matches regs (a nested NMI changes it).
 */
static void rax_nmi_fix_iret_copy(struct pt_regs *regs)
{
	unsigned long *copy = (unsigned long *)(regs + 1);

	if (copy[1] == regs->cs && copy[2] == regs->flags && copy[3] == regs->sp &&
	    copy[4] == regs->ss)
		copy[0] = regs->ip;
}

static int rax_wd_nmi(unsigned int cmd, struct pt_regs *regs)
{
	struct rax_wd_cpu *wd = this_cpu_ptr(&rax_wd_cpu);
	u64 req = READ_ONCE(wd->nmi_request), gen;
	unsigned long old_ip = regs->ip;

	if (!req)
		return NMI_DONE;	/* not ours */
	WRITE_ONCE(wd->nmi_request, 0);
	/* The run the request was for may have ended meanwhile. */
	if (!rax_run_sample(smp_processor_id(), &gen) || gen != req)
		return NMI_HANDLED;
	if (!rax_run_redirect(regs, RAX_ABORT_TIMEOUT))
		return NMI_HANDLED;
	if (((unsigned long *)(regs + 1))[0] == old_ip)
		rax_nmi_fix_iret_copy(regs);
	wd->nmi_aborts++;
	return NMI_HANDLED;
}

static void rax_wd_start_local(void *unused)
{
	struct rax_wd_cpu *wd = this_cpu_ptr(&rax_wd_cpu);
	unsigned int cpu = smp_processor_id();

	wd->buddy_cpu = cpumask_next(cpu, cpu_online_mask);
	if (wd->buddy_cpu >= nr_cpu_ids)
		wd->buddy_cpu = cpumask_first(cpu_online_mask);
	wd->self.ticks = 0;
	wd->buddy.ticks = 0;
	hrtimer_start(&wd->timer, ns_to_ktime(RAX_WD_PERIOD_NS), HRTIMER_MODE_REL_PINNED_HARD);
}

void rax_watchdog_get(void)
{
	mutex_lock(&rax_wd_lock);
	if (!rax_wd_users++) {
		cpus_read_lock();
		on_each_cpu(rax_wd_start_local, NULL, 1);
		cpus_read_unlock();
	}
	mutex_unlock(&rax_wd_lock);
}

void rax_watchdog_put(void)
{
	unsigned int cpu;

	mutex_lock(&rax_wd_lock);
	if (!--rax_wd_users)
		for_each_possible_cpu(cpu)
			hrtimer_cancel(&per_cpu(rax_wd_cpu, cpu).timer);
	mutex_unlock(&rax_wd_lock);
}

int rax_watchdog_init(void)
{
	unsigned int cpu;
	int err;

	for_each_possible_cpu(cpu)
		hrtimer_init(&per_cpu(rax_wd_cpu, cpu).timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_PINNED_HARD);
	for_each_possible_cpu(cpu)
		per_cpu(rax_wd_cpu, cpu).timer.function = rax_wd_tick;
	err = register_nmi_handler(NMI_LOCAL, rax_wd_nmi, 0, "rax_watchdog");
	if (err)
		return err;
	rax_wd_nmi_registered = true;
	return 0;
}

void rax_watchdog_exit(void)
{
	unsigned int cpu;

	/* No object is left (each holds the module): the timers are idle. */
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu(rax_wd_cpu, cpu).timer);
	if (rax_wd_nmi_registered)
		unregister_nmi_handler(NMI_LOCAL, "rax_watchdog");
	rax_wd_nmi_registered = false;
}
