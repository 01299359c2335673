// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Rax lock of the in-process runtime: a 32-bit spin lock word embedded
 * in a map value (0 free, 1 held).  A run holds at most one at a time, so
 * two programs can never deadlock on two locks; acquiring registers the
 * release in the run's cleanup registry in the same helper call.  A waiter
 * keeps honouring the watchdog: a run that spins past its budget ends
 * with a timeout like any other.
 */
#include <sched.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

static inline void rax_cpu_relax(void)
{
	__builtin_ia32_pause();
}

long rax_inproc_lock_acquire(const struct rax_map_def *def, void *lock)
{
	struct rax_run_level *lvl = rax_inproc_current_level();
	struct rax_thread *t = &rax_thread;
	__u32 *word = lock;
	unsigned int spins = 0;

	if (!lvl || rax_inproc_map_index(def) < 0)
		return -EINVAL;
	if (!word || ((uintptr_t)word & (sizeof(*word) - 1)))
		return -EINVAL;
	if (t->locks_held)
		rax_inproc_abort(RAX_ABORT_PANIC,
				 "rax lock: taking a second lock while one is held");
	/* Fail before taking the lock: a full registry must not leave it held. */
	if (lvl->cleanup_cnt >= RAX_CLEANUP_SLOTS)
		rax_inproc_abort(RAX_ABORT_PANIC,
				 "runtime: too many resources held at once (cleanup registry full)");

	while (__atomic_exchange_n(word, 1u, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(word, __ATOMIC_RELAXED)) {
			rax_cpu_relax();
			if (t->terminate)
				rax_inproc_abort(RAX_ABORT_TIMEOUT,
						 "timeout: waited for a Rax lock past the budget");
			/* The holder may have been preempted: let it run. */
			if (++spins % 1024 == 0)
				sched_yield();
		}
	}
	rax_cleanup_push(lvl, RAX_CLEANUP_LOCK, word);
	t->locks_held++;
	return 0;
}

static void rax_lock_drop(__u32 *word)
{
	__atomic_store_n(word, 0u, __ATOMIC_RELEASE);
	rax_thread.locks_held--;
}

long rax_inproc_lock_release(void *lock)
{
	struct rax_run_level *lvl = rax_inproc_current_level();
	struct rax_cleanup_entry *e;

	if (!lvl)
		return -EINVAL;
	e = rax_cleanup_find(lvl, RAX_CLEANUP_LOCK, lock);
	if (!e)
		return -ENOENT;	/* not held by this run */
	rax_lock_drop(lock);
	rax_cleanup_drop(lvl, e);
	return 0;
}

void rax_inproc_lock_cleanup(struct rax_cleanup_entry *e)
{
	rax_lock_drop(e->obj);
}
