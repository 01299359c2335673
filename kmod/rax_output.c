// SPDX-License-Identifier: GPL-2.0
/*
 * Output records, with the in-process runtime's semantics: an output map
 * is an ARRAY map used as a ring of records (the n-th submitted record of
 * an object goes to element n % max_entries, zero-padded to the value
 * size), read by userspace like any array element.  A reserved record
 * lives in the run level's staging buffer until it is submitted, so a run
 * that aborts, or returns with a reservation still open, leaves no partial
 * record in the map: the cleanup registry discards it.  (The BPF ring
 * buffer's internals are not exported; this needs nothing but map ops.)
 */
#include <linux/bpf.h>
#include <linux/module.h>
#include <linux/string.h>

#include "rax_internal.h"

static u32 rax_output_aligned(u64 size)
{
	return (u32)ALIGN(size, 16);
}

void *rax_output_reserve(const struct rax_map_def *def, u64 size)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_map_ref *ref = rax_map_of(def);
	struct rax_cleanup *c;
	u8 *rec;

	if (!frame || !ref || !ref->prog_write || ref->map->map_type != BPF_MAP_TYPE_ARRAY ||
	    !ref->map->max_entries || !size || size > ref->value_size ||
	    rax_output_aligned(size) > RAX_OUTPUT_STAGING - frame->out_used)
		return NULL;
	if (frame->cleanup_cnt >= RAX_CLEANUP_SLOTS) {
		rax_panic_msg(frame, "runtime: too many resources held at once (cleanup registry full)");
		return NULL;	/* not reached */
	}
	rec = frame->side->out_buf + frame->out_used;
	frame->out_used += rax_output_aligned(size);
	memset(rec, 0, size);
	c = &frame->cleanup[frame->cleanup_cnt++];
	c->kind = RAX_CLEANUP_OUTPUT;
	c->obj = rec;
	c->size = (u32)size;
	c->ref = ref;
	return rec;
}
EXPORT_SYMBOL_GPL(rax_output_reserve);

/* Give the staging bytes back when the record is the last one reserved. */
static void rax_output_unstage(struct rax_run_frame *frame, const struct rax_cleanup *c)
{
	u32 end = (u32)((u8 *)c->obj - frame->side->out_buf) + rax_output_aligned(c->size);

	if (end == frame->out_used)
		frame->out_used -= rax_output_aligned(c->size);
}

long rax_output_submit(void *rec)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_map_ref *ref;
	struct rax_cleanup *c;
	u8 *value;
	u32 slot;

	if (!frame)
		return -EINVAL;
	c = rax_cleanup_find(frame, RAX_CLEANUP_OUTPUT, rec);
	if (!c)
		return -ENOENT;
	ref = c->ref;
	slot = (u32)((u64)atomic64_inc_return(&ref->out_seq) - 1) % ref->map->max_entries;
	value = ref->map->ops->map_lookup_elem(ref->map, &slot);
	if (value) {
		memcpy(value, rec, c->size);
		memset(value + c->size, 0, ref->value_size - c->size);
	}
	rax_output_unstage(frame, c);
	rax_cleanup_drop(frame, c);
	rax_helper_check();
	return value ? 0 : -ENOENT;
}
EXPORT_SYMBOL_GPL(rax_output_submit);

long rax_output_discard(void *rec)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_cleanup *c;

	if (!frame)
		return -EINVAL;
	c = rax_cleanup_find(frame, RAX_CLEANUP_OUTPUT, rec);
	if (!c)
		return -ENOENT;
	rax_output_unstage(frame, c);
	rax_cleanup_drop(frame, c);
	return 0;
}
EXPORT_SYMBOL_GPL(rax_output_discard);

void rax_output_cleanup(struct rax_run_frame *frame, struct rax_cleanup *c)
{
	/* Nothing reached the map: dropping the staged bytes discards it. */
	rax_output_unstage(frame, c);
}
