// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cleanup registry: per run level, a fixed array of the runtime-owned
 * resources (Rax locks, output reservations) the run holds.  Helpers
 * register a resource in the same call that acquires it, so no resource is
 * ever held unregistered; the runtime releases what is left, last
 * registered first, when the run panics, times out, faults, runs out of
 * stack, and also when it returns normally (a guard the program leaked
 * must not outlive the run).  User Drop is never relied on.
 */
#include "librax_internal.h"
#include "runtime_inproc.h"

struct rax_cleanup_entry *rax_cleanup_push(struct rax_run_level *lvl, __u32 kind, void *obj)
{
	struct rax_cleanup_entry *e;

	if (lvl->cleanup_cnt >= RAX_CLEANUP_SLOTS)
		rax_inproc_abort(RAX_ABORT_PANIC,
				 "runtime: too many resources held at once (cleanup registry full)");
	e = &lvl->side->cleanup[lvl->cleanup_cnt++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->obj = obj;
	return e;
}

struct rax_cleanup_entry *rax_cleanup_find(struct rax_run_level *lvl, __u32 kind,
					   const void *obj)
{
	__u32 i = lvl->cleanup_cnt;

	while (i--) {
		struct rax_cleanup_entry *e = &lvl->side->cleanup[i];

		if (e->kind == kind && e->obj == obj)
			return e;
	}
	return NULL;
}

void rax_cleanup_drop(struct rax_run_level *lvl, struct rax_cleanup_entry *e)
{
	e->kind = RAX_CLEANUP_FREE;
	/* Released in LIFO order (the usual case): give the slots back. */
	while (lvl->cleanup_cnt &&
	       lvl->side->cleanup[lvl->cleanup_cnt - 1].kind == RAX_CLEANUP_FREE)
		lvl->cleanup_cnt--;
	/*
	 * Records released out of order give back only the last one's staging
	 * bytes; with nothing registered, no record is staged any more.
	 */
	if (!lvl->cleanup_cnt)
		lvl->out_used = 0;
}

void rax_cleanup_drain(struct rax_run_level *lvl)
{
	while (lvl->cleanup_cnt) {
		struct rax_cleanup_entry *e = &lvl->side->cleanup[--lvl->cleanup_cnt];

		switch (e->kind) {
		case RAX_CLEANUP_LOCK:
			rax_inproc_lock_cleanup(e);
			break;
		case RAX_CLEANUP_OUTPUT:
			rax_inproc_output_cleanup(lvl, e);
			break;
		default:
			break;
		}
		e->kind = RAX_CLEANUP_FREE;
	}
	lvl->out_used = 0;
}
