// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Public runtime statistics and time budgets of loaded programs
 * (in-process backend; rax.ko's counters and budgets for the kernel backend).
 */
#include "backend_kernel.h"
#include "librax_internal.h"
#include "runtime_inproc.h"

/* rax.ko's counters (RAX_IOC_STATS) in the public layout. */
static int kernel_prog_stats(const struct rax_program *prog, struct rax_prog_stats *s)
{
	struct rax_ioc_stats k;
	int i, err;

	err = rax_kernel_prog_stats(prog, &k);
	if (err)
		return err;
	s->run_cnt = k.run_cnt;
	s->run_time_ns = k.run_time_ns;
	s->missed = k.missed;
	for (i = 0; i < RAX_ABORT_CAUSE_MAX; i++)
		s->aborts[i] = k.aborted[i];
	memcpy(s->last_abort_msg, k.last_abort_msg, sizeof(s->last_abort_msg));
	return 0;
}

static int prog_stats(const struct rax_program *prog, struct rax_prog_stats *out)
{
	struct rax_prog_stats s;
	struct rax_inproc_prog *st;
	size_t n;
	int i;

	if (!prog || !out || out->sz < sizeof(out->sz) || !OPTS_VALID(out, rax_prog_stats))
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	if (prog->obj->backend == RAX_BACKEND_KERNEL && prog->obj->loaded) {
		int err = kernel_prog_stats(prog, &s);

		if (err)
			return err;
		goto out;
	}
	if (!prog->obj->inproc)
		return -ENOENT;
	st = rax_inproc_prog_state(prog);

	s.run_cnt = __atomic_load_n(&st->stats.runs, __ATOMIC_RELAXED);
	s.run_time_ns = __atomic_load_n(&st->stats.run_time_ns, __ATOMIC_RELAXED);
	for (i = 0; i < RAX_ABORT_CAUSE_MAX; i++)
		s.aborts[i] = __atomic_load_n(&st->stats.aborts[i], __ATOMIC_RELAXED);
	s.missed = __atomic_load_n(&st->stats.missed, __ATOMIC_RELAXED);
	pthread_mutex_lock(&st->panic_lock);
	memcpy(s.last_abort_msg, st->last_panic, sizeof(s.last_abort_msg));
	pthread_mutex_unlock(&st->panic_lock);
	s.last_abort_msg[sizeof(s.last_abort_msg) - 1] = '\0';
out:

	/* An older caller's smaller struct gets the fields it knows. */
	n = out->sz < sizeof(s) ? out->sz : sizeof(s);
	memcpy((char *)out + sizeof(out->sz), (char *)&s + sizeof(s.sz), n - sizeof(out->sz));
	return 0;
}

/**
 * @brief Read a loaded program's runtime statistics.
 * @param prog a program of a loaded object
 * @param stats filled up to stats->sz (set sz first)
 * @return 0, or a negative errno (errno set)
 */
int rax_program__stats(const struct rax_program *prog, struct rax_prog_stats *stats)
{
	return librax_err(prog_stats(prog, stats));
}

/**
 * @brief Set a loaded program's time budget (0: the default).
 * @param prog a program of a loaded object
 * @param ms budget in milliseconds
 * @return 0, or a negative errno (errno set): -ENOENT before load; on the
 *         kernel backend -EINVAL over RAX_MAX_TIME_BUDGET_MS
 */
int rax_program__set_time_budget(struct rax_program *prog, __u32 ms)
{
	__u64 ns;

	if (!prog)
		return librax_err(-EINVAL);
	if (prog->obj->backend == RAX_BACKEND_KERNEL && prog->obj->loaded)
		return librax_err(rax_kernel_prog_set_budget(prog, ms));
	if (!prog->obj->inproc)
		return librax_err(-ENOENT);
	ns = (__u64)(ms ? ms : RAX_DEFAULT_TIME_BUDGET_MS) * 1000000ull;
	__atomic_store_n(&rax_inproc_prog_state(prog)->budget_ns, ns, __ATOMIC_RELAXED);
	rax_watchdog_budget_hint(ns);
	return 0;
}
