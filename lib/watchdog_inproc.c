// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Termination for the in-process runtime.  Runs cost nothing here: the
 * dispatcher only bumps its thread's run generation.  A watchdog thread,
 * running only while objects are loaded, samples every registered
 * thread's generation; a thread whose generation it has seen for longer
 * than the running program's budget gets a signal (tgkill, delivered on
 * the alternate stack).  The handler re-checks the generation, so a run
 * that ended meanwhile is never hit, then either redirects the
 * interrupted program to the abort path (its PC is program code and it is
 * not inside a helper) or asks the run to end when the helper returns.
 *
 * The same samples give each program's run time: every tick, the tick's
 * length goes to the program each thread is running at that instant.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

#define RAX_WD_TICK_MIN_NS 1000000ull		/* 1 ms */
#define RAX_WD_TICK_MAX_NS 20000000ull		/* 20 ms */
/* The signal the watchdog sends: a real-time signal applications rarely use. */
#define RAX_WATCHDOG_SIGNAL (SIGRTMAX - 3)

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
static pthread_once_t wd_once = PTHREAD_ONCE_INIT;
static int wd_once_err;
static unsigned int wd_armed;		/* loaded in-process objects */
static bool wd_running;
/*
 * Bumped to stop the running watchdog thread: each thread runs while the
 * epoch it was started with is current, so a thread stopped by a disarm
 * still stops when an arm starts the next one before it woke up.
 */
static unsigned long wd_epoch;
static bool wd_handler_installed;
static pthread_t wd_thread;
static struct rax_thread *wd_threads;	/* registered threads */
static __u64 wd_min_budget_ns = RAX_DEFAULT_TIME_BUDGET_MS * 1000000ull;

static __u64 wd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void wd_once_init(void)
{
	pthread_condattr_t attr;

	wd_once_err = pthread_condattr_init(&attr);
	if (wd_once_err)
		return;
	wd_once_err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!wd_once_err)
		wd_once_err = pthread_cond_init(&wd_cond, &attr);
	pthread_condattr_destroy(&attr);
}

void rax_watchdog_thread_add(struct rax_thread *t)
{
	pthread_mutex_lock(&wd_lock);
	t->wd_next = wd_threads;
	t->wd_pprev = &wd_threads;
	if (wd_threads)
		wd_threads->wd_pprev = &t->wd_next;
	wd_threads = t;
	pthread_mutex_unlock(&wd_lock);
}

void rax_watchdog_thread_del(struct rax_thread *t)
{
	pthread_mutex_lock(&wd_lock);
	if (t->wd_pprev) {
		*t->wd_pprev = t->wd_next;
		if (t->wd_next)
			t->wd_next->wd_pprev = t->wd_pprev;
	}
	t->wd_next = NULL;
	t->wd_pprev = NULL;
	pthread_mutex_unlock(&wd_lock);
}

void rax_watchdog_budget_hint(__u64 budget_ns)
{
	pthread_mutex_lock(&wd_lock);
	if (budget_ns && budget_ns < wd_min_budget_ns)
		wd_min_budget_ns = budget_ns;
	pthread_mutex_unlock(&wd_lock);
}

/* Sample one thread (wd_lock held: no object is unloaded meanwhile). */
static void wd_sample(struct rax_thread *t, __u64 now, __u64 elapsed, __u64 tick)
{
	__u32 depth = __atomic_load_n(&t->depth, __ATOMIC_RELAXED);
	struct rax_inproc_prog *st;
	struct rax_program *prog;
	__u64 gen;

	if (!depth || depth > RAX_MAX_NESTING)
		return;
	gen = __atomic_load_n(&t->generation, __ATOMIC_RELAXED);
	prog = __atomic_load_n(&t->level[depth - 1].prog, __ATOMIC_RELAXED);
	if (!prog || !prog->obj->inproc)
		return;
	st = rax_inproc_prog_state(prog);
	__atomic_fetch_add(&st->stats.run_time_ns, elapsed, __ATOMIC_RELAXED);

	if (gen != t->wd_seen_gen) {
		t->wd_seen_gen = gen;
		t->wd_seen_ns = now;
		t->wd_signal_ns = 0;
		return;
	}
	if (now - t->wd_seen_ns < st->budget_ns)
		return;
	/* Still there after a signal: its helper did not return yet; ask again. */
	if (t->wd_signal_ns && now - t->wd_signal_ns < 4 * tick)
		return;
	__atomic_store_n(&t->wd_target_gen, gen, __ATOMIC_RELEASE);
	t->wd_signal_ns = now;
	syscall(SYS_tgkill, getpid(), t->tid, RAX_WATCHDOG_SIGNAL);
}

static void *wd_main(void *arg)
{
	unsigned long epoch = (unsigned long)(uintptr_t)arg;
	__u64 last = wd_now_ns();

	pthread_mutex_lock(&wd_lock);
	while (wd_epoch == epoch) {
		__u64 tick = wd_min_budget_ns / 8, deadline, now;
		struct timespec ts;
		struct rax_thread *t;

		if (tick < RAX_WD_TICK_MIN_NS)
			tick = RAX_WD_TICK_MIN_NS;
		if (tick > RAX_WD_TICK_MAX_NS)
			tick = RAX_WD_TICK_MAX_NS;
		deadline = last + tick;
		ts.tv_sec = (time_t)(deadline / 1000000000ull);
		ts.tv_nsec = (long)(deadline % 1000000000ull);
		pthread_cond_timedwait(&wd_cond, &wd_lock, &ts);
		if (wd_epoch != epoch)
			break;
		now = wd_now_ns();
		if (now < deadline)
			continue;	/* woken early */
		for (t = wd_threads; t; t = t->wd_next)
			wd_sample(t, now, now - last, tick);
		last = now;
	}
	pthread_mutex_unlock(&wd_lock);
	return NULL;
}

static void wd_signal_handler(int sig, siginfo_t *si, void *uc)
{
	struct rax_thread *t = &rax_thread;
	int saved_errno = errno;
	struct rax_run_level *lvl;
	__u32 depth = t->depth;
	__u64 pc;

	(void)sig;
	if (si->si_code != SI_TKILL || !depth ||
	    t->generation != __atomic_load_n(&t->wd_target_gen, __ATOMIC_ACQUIRE))
		goto out;	/* not ours, or the run it meant is over */
	lvl = &t->level[depth - 1];
	pc = (__u64)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
	if (t->helper_depth == lvl->helper_base && rax_inproc_pc_in_prog(lvl->prog, pc))
		rax_redirect_to_abort(uc, lvl, RAX_ABORT_TIMEOUT);
	else if (t->helper_depth > lvl->helper_base)
		t->terminate = 1;	/* in a helper: end at its return */
	/*
	 * Otherwise the run is entering or leaving (librax's own code, outside
	 * any helper): a flag set now could outlive it and end the next run.
	 * The watchdog asks again if the run is still there.
	 */
out:
	errno = saved_errno;
}

static int wd_install_handler(void)
{
	struct sigaction sa;

	if (wd_handler_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = wd_signal_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(RAX_WATCHDOG_SIGNAL, &sa, NULL))
		return -errno;
	/*
	 * Stays installed after the last unload: a signal sent just before
	 * must not meet the default action (terminate).  It ignores signals
	 * outside runs.
	 */
	wd_handler_installed = true;
	return 0;
}

int rax_watchdog_arm(void)
{
	int err = 0;

	pthread_once(&wd_once, wd_once_init);
	if (wd_once_err)
		return -wd_once_err;
	pthread_mutex_lock(&wd_lock);
	if (wd_armed++)
		goto out;
	err = wd_install_handler();
	if (!err)
		err = rax_faults_install();
	if (!err && !wd_running) {
		err = -pthread_create(&wd_thread, NULL, wd_main, (void *)(uintptr_t)wd_epoch);
		if (!err)
			wd_running = true;
		else
			rax_faults_uninstall();
	}
	if (err) {
		wd_armed--;
		pr_warn("runtime: cannot start the watchdog: %s\n", strerror(-err));
	}
out:
	pthread_mutex_unlock(&wd_lock);
	return err;
}

void rax_watchdog_disarm(void)
{
	bool join = false;
	pthread_t thread;

	pthread_mutex_lock(&wd_lock);
	if (wd_armed && !--wd_armed && wd_running) {
		wd_epoch++;
		/* An arm may start the next thread before this one woke up. */
		pthread_cond_broadcast(&wd_cond);
		rax_faults_uninstall();
		thread = wd_thread;
		join = true;
		wd_running = false;
		wd_min_budget_ns = RAX_DEFAULT_TIME_BUDGET_MS * 1000000ull;
	}
	pthread_mutex_unlock(&wd_lock);
	if (join)
		pthread_join(thread, NULL);
}
