// SPDX-License-Identifier: GPL-2.0
/*
 * The Rax lock: a 32-bit word in an array or hash map value (0 free, 1 held) taken with
 * interrupts off on this CPU, like spin_lock_irqsave.  bpf_spin_lock is not
 * exported, so Rax owns its lock.  A run holds at most one (no deadlock
 * between programs), never in NMI context (the holder could be the code
 * the NMI interrupted), and acquiring registers the release in the run's
 * cleanup registry in the same call: a run that panics, times out or
 * faults leaves no lock held and interrupts as they were.  A run nested
 * into one holding a lock gets -EBUSY, as in NMI context.
 */
#include <linux/bpf.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/module.h>
#include <linux/processor.h>

#include "rax_internal.h"

/*
 * The lock word must lie inside one value of a map of the running object:
 * a program never makes the kernel write anywhere else.  Array values are
 * checked against the array's storage; a hash value must be one this run
 * got from rax_map_lookup_ptr (under the run's RCU read lock it stays
 * valid memory of the map until the run ends).
 */
static bool rax_lock_word_ok(const struct rax_run_frame *frame, const struct rax_map_ref *ref,
			     const u32 *word)
{
	const struct bpf_array *arr;
	unsigned long base, off;

	if ((unsigned long)word & 3)
		return false;
	if (ref->map->map_type == BPF_MAP_TYPE_HASH)
		return rax_run_looked_up(frame, ref, word, sizeof(*word));
	if (ref->map->map_type != BPF_MAP_TYPE_ARRAY)
		return false;
	arr = container_of(ref->map, struct bpf_array, map);
	base = (unsigned long)arr->value;
	off = (unsigned long)word - base;
	if ((unsigned long)word < base || off / arr->elem_size >= ref->map->max_entries)
		return false;
	return off % arr->elem_size + sizeof(*word) <= ref->value_size;
}

static bool rax_holds_lock(const struct rax_run_frame *frame)
{
	u32 i;

	for (i = 0; i < frame->cleanup_cnt; i++)
		if (frame->cleanup[i].kind == RAX_CLEANUP_LOCK)
			return true;
	return false;
}

/*
 * A run nested into one that holds a lock (a tracepoint or kprobe hit in a
 * helper the outer run called) must not wait for any lock: the outer run
 * cannot go on until the nested one ends.
 */
static bool rax_outer_holds_lock(const struct rax_run_frame *frame)
{
	struct rax_run_frame *outer;
	u32 i;

	for (i = 0; (outer = rax_run_outer(frame, i)); i++)
		if (rax_holds_lock(outer))
			return true;
	return false;
}

long rax_lock_acquire(const struct rax_map_def *def, void *lock)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_map_ref *ref = rax_map_of(def);
	struct rax_cleanup *c;
	unsigned long flags;
	u32 *word = lock;

	if (!frame || !ref || !ref->prog_write || !rax_lock_word_ok(frame, ref, word))
		return -EINVAL;
	if (in_nmi() || rax_outer_holds_lock(frame))
		return -EBUSY;
	if (rax_holds_lock(frame)) {
		rax_panic_msg(frame, "rax lock: taking a second lock while one is held");
		return -EDEADLK;	/* not reached */
	}
	/* Fail before taking the lock: a full registry must not leave it held. */
	if (frame->cleanup_cnt >= RAX_CLEANUP_SLOTS) {
		rax_panic_msg(frame, "runtime: too many resources held at once");
		return -ENOSPC;	/* not reached */
	}

	rax_helper_enter(frame);
	local_irq_save(flags);
	while (xchg(word, 1)) {
		while (READ_ONCE(*word)) {
			cpu_relax();
			/* Only the NMI watchdog can flag us here (interrupts off). */
			if (READ_ONCE(frame->terminate)) {
				local_irq_restore(flags);
				rax_helper_leave(frame);
			}
		}
	}
	c = &frame->cleanup[frame->cleanup_cnt++];
	c->kind = RAX_CLEANUP_LOCK;
	c->obj = word;
	c->irq_flags = flags;
	rax_helper_leave(frame);
	return 0;
}
EXPORT_SYMBOL_GPL(rax_lock_acquire);

void rax_lock_cleanup(struct rax_cleanup *c)
{
	/* The holder's writes to the value are seen before the lock is free. */
	smp_store_release((u32 *)c->obj, 0);
	local_irq_restore(c->irq_flags);
}

long rax_lock_release(void *lock)
{
	struct rax_run_frame *frame = rax_run_current();
	u32 i;

	if (!frame)
		return -EINVAL;
	for (i = frame->cleanup_cnt; i--;) {
		struct rax_cleanup *c = &frame->cleanup[i];

		if (c->kind != RAX_CLEANUP_LOCK || c->obj != lock)
			continue;
		rax_lock_cleanup(c);
		rax_cleanup_drop(frame, c);
		return 0;
	}
	return -ENOENT;	/* not held by this run */
}
EXPORT_SYMBOL_GPL(rax_lock_release);
