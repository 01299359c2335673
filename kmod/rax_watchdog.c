// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog: ends runs that exceed their program's time budget without
 * any cost on the run path (the dispatcher only bumps a per-CPU generation).
 *
 * While objects are loaded every online CPU has a pinned hrtimer that
 * samples its own CPU's run generation at least every period, a quarter of
 * the shortest loaded budget rounded down to a power of two of
 * milliseconds.  The first sample that sees a generation running notes the
 * time ("since"): the run started after the previous sample, at most a
 * period earlier, and no later than since.  Once since + budget has passed
 * (the timer is set to fire then), the run has lasted at least its budget
 * and at most budget + period (1.25 budgets), and the interrupted program
 * is redirected into the landing pad.  The budget is the one of the CPU's
 * innermost run, read at every sample (so a changed budget counts at once);
 * a nested run bumps the generation, so after it the outer run is timed
 * again from there: never cut early, later at worst.
 *
 * A CPU running a program with interrupts off (an int3 kprobe, an IRQ-off
 * tracepoint) never takes its own tick, so each tick also samples a buddy
 * CPU: when the buddy is in a run and its own tick has not fired for two
 * periods, it sends the buddy an NMI.  The handler, on the stuck CPU, reads
 * the running program's budget (only that CPU may look at its run frame:
 * another one could read a program freed meanwhile) and either ends the
 * run or publishes when it will be due, for the buddy's next NMI.
 *
 * CPU hotplug: a state of the kernel's hotplug machine (registered at
 * module init) starts the timer of a CPU coming online while the watchdog
 * is armed and stops it on a CPU going down, and it keeps the buddies a
 * ring of the online CPUs.  Arming, disarming and the callbacks exclude
 * each other through the hotplug lock (read side here, write side during
 * the callbacks).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/irq_regs.h>
#include <asm/irq_vectors.h>
#include <asm/nmi.h>

#include "rax_internal.h"

/* Samples per shortest budget, at least: a run ends within 1 + 1/RAX_WD_TICKS budgets. */
#define RAX_WD_TICKS 4u
/* Periods without its own tick after which a CPU in a run gets the buddy's NMI. */
#define RAX_WD_STALE_PERIODS 2u
/* Budget classes: class k holds the budgets of [2^k, 2^(k+1)) ms. */
#define RAX_WD_CLASSES (ilog2(RAX_MAX_TIME_BUDGET_MS) + 1)

struct rax_wd_sample {
	u64 gen;
	u64 since;		/* when a sample first saw gen running */
	bool running;
};

struct rax_wd_cpu {
	struct hrtimer timer;
	struct rax_wd_sample self;
	struct rax_wd_sample buddy;
	unsigned int buddy_cpu;		/* written under the hotplug lock */
	unsigned int buddy_watched;	/* the buddy_cpu the buddy sample is of */
	u64 last_tick;		/* when this CPU's own tick last ran */
	/* Written by the buddy, read by this CPU's NMI handler. */
	u64 nmi_since;		/* the buddy's since for nmi_request */
	u64 nmi_request;	/* generation the NMI must end; 0: none */
	/* Written by the NMI handler, read by the buddy: gen is not due before until. */
	u64 nmi_defer_until;
	u64 nmi_defer_gen;
	u32 nmi_aborts;		/* runs the NMI ended (reported by the tick) */
	u32 nmi_aborts_reported;
	u32 nmi_abort_ms;	/* budget of the last run the NMI ended */
};

static DEFINE_PER_CPU(struct rax_wd_cpu, rax_wd_cpu);
/* Protects the users, the budget classes and period changes. */
static DEFINE_MUTEX(rax_wd_lock);
static unsigned int rax_wd_users;
static bool rax_wd_nmi_registered;
/* Timers run on the online CPUs; changed and read under the hotplug lock. */
static bool rax_wd_armed;
/* The dynamic hotplug state; 0: none. */
static int rax_wd_hp_state;
/* Loaded programs per budget class. */
static unsigned int rax_wd_class_cnt[RAX_WD_CLASSES];
static u64 rax_wd_period_ns;

static u64 rax_wd_class_period(unsigned int k)
{
	return ((u64)NSEC_PER_MSEC << k) / RAX_WD_TICKS;
}

/* The budget of this CPU's innermost run; only this CPU may call it. */
static u64 rax_wd_budget_ns(void)
{
	struct rax_run_frame *frame = rax_run_current();
	u32 ms = frame ? READ_ONCE(frame->prog->time_budget_ms) : 0;

	return (u64)(ms ? ms : RAX_DEFAULT_TIME_BUDGET_MS) * NSEC_PER_MSEC;
}

/* Whether cpu is in a run; s then tells since when its generation runs. */
static bool rax_wd_observe(struct rax_wd_sample *s, unsigned int cpu, u64 now, u64 *gen)
{
	if (!rax_run_sample(cpu, gen)) {
		s->running = false;
		return false;
	}
	if (!s->running || *gen != s->gen) {
		s->gen = *gen;
		s->since = now;
		s->running = true;
	}
	return true;
}

/* Returns when the tick should look at the buddy again (U64_MAX: no need). */
static u64 rax_wd_check_buddy(struct rax_wd_cpu *wd, u64 now, u64 period)
{
	unsigned int cpu = READ_ONCE(wd->buddy_cpu);
	struct rax_wd_cpu *bw;
	u64 gen, until;

	/* A new buddy (hotplug): what was seen of the old one says nothing. */
	if (cpu != wd->buddy_watched) {
		wd->buddy_watched = cpu;
		wd->buddy.running = false;
	}
	if (cpu == smp_processor_id() || !cpu_online(cpu))
		return U64_MAX;
	if (!rax_wd_observe(&wd->buddy, cpu, now, &gen))
		return U64_MAX;
	bw = per_cpu_ptr(&rax_wd_cpu, cpu);
	/* Signed: the other CPU's clock reading may be a little ahead of ours. */
	if ((s64)(now - READ_ONCE(bw->last_tick)) < (s64)(RAX_WD_STALE_PERIODS * period))
		return U64_MAX;		/* its own tick handles its runs */
	if (READ_ONCE(bw->nmi_defer_gen) == gen) {
		smp_rmb();		/* until was written before gen */
		until = READ_ONCE(bw->nmi_defer_until);
		if ((s64)(until - now) > 0)
			return until;
	}
	/* Resent until the run ends: its code may be in a helper. */
	WRITE_ONCE(bw->nmi_since, wd->buddy.since);
	smp_wmb();		/* the handler reads since after the request */
	WRITE_ONCE(bw->nmi_request, gen);
	apic->send_IPI(cpu, NMI_VECTOR);
	return U64_MAX;
}

static enum hrtimer_restart rax_wd_tick(struct hrtimer *timer)
{
	struct rax_wd_cpu *wd = this_cpu_ptr(&rax_wd_cpu);
	struct pt_regs *regs = get_irq_regs();
	u64 period = READ_ONCE(rax_wd_period_ns);
	u64 now = ktime_get_mono_fast_ns(), next = now + period, gen, budget;

	WRITE_ONCE(wd->last_tick, now);
	/* Printing from the NMI itself would stretch it (slow consoles). */
	if (READ_ONCE(wd->nmi_aborts) != wd->nmi_aborts_reported) {
		wd->nmi_aborts_reported = READ_ONCE(wd->nmi_aborts);
		pr_notice_ratelimited("rax: run over its %u ms budget aborted (NMI, interrupts off)\n",
				      READ_ONCE(wd->nmi_abort_ms));
	}
	if (rax_wd_observe(&wd->self, smp_processor_id(), now, &gen)) {
		budget = rax_wd_budget_ns();
		if (now - wd->self.since < budget)
			next = min(next, wd->self.since + budget);
		else if (regs && rax_run_redirect(regs, RAX_ABORT_TIMEOUT))
			pr_notice_ratelimited("rax: run over its %llu ms budget aborted (timer)\n",
					      div_u64(budget, NSEC_PER_MSEC));
	}
	next = min(next, rax_wd_check_buddy(wd, now, period));
	hrtimer_set_expires(timer, ns_to_ktime(next));
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
	u64 req = READ_ONCE(wd->nmi_request), gen, since, budget;
	unsigned long old_ip = regs->ip;

	if (!req)
		return NMI_DONE;	/* not ours */
	WRITE_ONCE(wd->nmi_request, 0);
	smp_rmb();		/* since was written before the request */
	since = READ_ONCE(wd->nmi_since);
	/* The run the request was for may have ended meanwhile. */
	if (!rax_run_sample(smp_processor_id(), &gen) || gen != req)
		return NMI_HANDLED;
	/* Under the run: its program (and budget) cannot go away here. */
	budget = rax_wd_budget_ns();
	/* ktime_get_mono_fast_ns: the NMI-safe clock. */
	if ((s64)(ktime_get_mono_fast_ns() - since) < (s64)budget) {
		WRITE_ONCE(wd->nmi_defer_until, since + budget);
		smp_wmb();	/* the buddy reads until after gen */
		WRITE_ONCE(wd->nmi_defer_gen, gen);
		return NMI_HANDLED;
	}
	if (!rax_run_redirect(regs, RAX_ABORT_TIMEOUT))
		return NMI_HANDLED;
	if (((unsigned long *)(regs + 1))[0] == old_ip)
		rax_nmi_fix_iret_copy(regs);
	WRITE_ONCE(wd->nmi_abort_ms, (u32)div_u64(budget, NSEC_PER_MSEC));
	wd->nmi_aborts++;
	return NMI_HANDLED;
}

/* The online CPU after cpu in the ring, skipping skip (a CPU going down). */
static unsigned int rax_wd_next_online(unsigned int cpu, unsigned int skip)
{
	unsigned int next = cpu;

	do {
		next = cpumask_next(next, cpu_online_mask);
		if (next >= nr_cpu_ids)
			next = cpumask_first(cpu_online_mask);
	} while (next == skip && next != cpu);
	return next;
}

/*
 * Each online CPU but skip watches the next one; called with the hotplug
 * lock held.  With one CPU left, it is its own buddy: nobody can send it
 * an NMI.
 */
static void rax_wd_assign_buddies(unsigned int skip)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (cpu != skip)
			WRITE_ONCE(per_cpu(rax_wd_cpu, cpu).buddy_cpu,
				   rax_wd_next_online(cpu, skip));
}

static void rax_wd_start_local(void *unused)
{
	struct rax_wd_cpu *wd = this_cpu_ptr(&rax_wd_cpu);

	wd->self.running = false;
	wd->buddy.running = false;
	/* Requests left from before the CPU went down are stale. */
	WRITE_ONCE(wd->nmi_request, 0);
	WRITE_ONCE(wd->nmi_defer_gen, 0);
	WRITE_ONCE(wd->last_tick, ktime_get_mono_fast_ns());
	hrtimer_start(&wd->timer, ns_to_ktime(READ_ONCE(rax_wd_period_ns)),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

/* The period got shorter: a tick due later than one new period comes sooner. */
static void rax_wd_rearm_local(void *unused)
{
	struct hrtimer *timer = this_cpu_ptr(&rax_wd_cpu.timer);
	ktime_t due = ktime_add_ns(ktime_get(), READ_ONCE(rax_wd_period_ns));

	if (ktime_after(hrtimer_get_expires(timer), due))
		hrtimer_start(timer, due, HRTIMER_MODE_ABS_PINNED_HARD);
}

/* Called with rax_wd_lock held, after a change of the budget classes. */
static void rax_wd_update_period(void)
{
	u64 old = rax_wd_period_ns;
	unsigned int k;

	for (k = 0; k < RAX_WD_CLASSES && !rax_wd_class_cnt[k]; k++)
		;
	/* No program loaded: the default budget's period. */
	if (k == RAX_WD_CLASSES)
		k = ilog2(RAX_DEFAULT_TIME_BUDGET_MS);
	WRITE_ONCE(rax_wd_period_ns, rax_wd_class_period(k));
	if (rax_wd_period_ns < old && rax_wd_users) {
		cpus_read_lock();
		on_each_cpu(rax_wd_rearm_local, NULL, 1);
		cpus_read_unlock();
	}
}

void rax_watchdog_prog_budget(struct rax_prog *prog, u32 ms)
{
	ms = min_t(u32, ms ? ms : RAX_DEFAULT_TIME_BUDGET_MS, RAX_MAX_TIME_BUDGET_MS);
	mutex_lock(&rax_wd_lock);
	if (prog->time_budget_ms)
		rax_wd_class_cnt[ilog2(prog->time_budget_ms)]--;
	rax_wd_class_cnt[ilog2(ms)]++;
	WRITE_ONCE(prog->time_budget_ms, ms);
	rax_wd_update_period();
	mutex_unlock(&rax_wd_lock);
}

void rax_watchdog_prog_gone(struct rax_prog *prog)
{
	if (!prog->time_budget_ms)
		return;
	mutex_lock(&rax_wd_lock);
	rax_wd_class_cnt[ilog2(prog->time_budget_ms)]--;
	prog->time_budget_ms = 0;
	rax_wd_update_period();
	mutex_unlock(&rax_wd_lock);
}

/* Hotplug startup, on the CPU coming online (nothing can fail here). */
static int rax_wd_cpu_online(unsigned int cpu)
{
	rax_wd_assign_buddies(nr_cpu_ids);
	if (rax_wd_armed)
		smp_call_function_single(cpu, rax_wd_start_local, NULL, 1);
	return 0;
}

/* Hotplug teardown, on the CPU going down (still in cpu_online_mask). */
static int rax_wd_cpu_offline(unsigned int cpu)
{
	rax_wd_assign_buddies(cpu);
	if (!rax_wd_armed)
		return 0;
	/*
	 * A tick that read the old buddy may still be about to send cpu an
	 * NMI: the ticks run with interrupts off, so a grace period waits
	 * them out, and the next ones watch the new buddy.
	 */
	synchronize_rcu();
	hrtimer_cancel(&per_cpu(rax_wd_cpu, cpu).timer);
	return 0;
}

void rax_watchdog_get(void)
{
	mutex_lock(&rax_wd_lock);
	if (!rax_wd_users++) {
		cpus_read_lock();
		rax_wd_armed = true;
		rax_wd_assign_buddies(nr_cpu_ids);
		on_each_cpu(rax_wd_start_local, NULL, 1);
		cpus_read_unlock();
	}
	mutex_unlock(&rax_wd_lock);
}

void rax_watchdog_put(void)
{
	unsigned int cpu;

	mutex_lock(&rax_wd_lock);
	if (!--rax_wd_users) {
		cpus_read_lock();
		rax_wd_armed = false;
		/* Offline CPUs' timers were stopped when they went down. */
		for_each_online_cpu(cpu)
			hrtimer_cancel(&per_cpu(rax_wd_cpu, cpu).timer);
		cpus_read_unlock();
	}
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
	rax_wd_period_ns = rax_wd_class_period(ilog2(RAX_DEFAULT_TIME_BUDGET_MS));
	err = register_nmi_handler(NMI_LOCAL, rax_wd_nmi, 0, "rax_watchdog");
	if (err)
		return err;
	rax_wd_nmi_registered = true;
	/* Nothing to start yet: the first object arms the watchdog. */
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "rax/watchdog:online",
					rax_wd_cpu_online, rax_wd_cpu_offline);
	if (err < 0) {
		unregister_nmi_handler(NMI_LOCAL, "rax_watchdog");
		rax_wd_nmi_registered = false;
		return err;
	}
	rax_wd_hp_state = err;
	return 0;
}

void rax_watchdog_exit(void)
{
	unsigned int cpu;

	if (rax_wd_hp_state > 0)
		cpuhp_remove_state_nocalls(rax_wd_hp_state);
	rax_wd_hp_state = 0;
	/* No object is left (each holds the module): the timers are idle. */
	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu(rax_wd_cpu, cpu).timer);
	if (rax_wd_nmi_registered)
		unregister_nmi_handler(NMI_LOCAL, "rax_watchdog");
	rax_wd_nmi_registered = false;
}
