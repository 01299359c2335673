// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Output reservations of the in-process runtime.  A program reserves a
 * record for an output map (an array map used as a ring of records: each
 * submitted record goes to the next slot, seq % max_entries, zero-padded
 * to the value size), fills it and submits or discards it.  The record
 * lives in the run level's staging area until submitted, so a run that
 * aborts leaves no partial record anywhere: the cleanup registry discards
 * it, as it does for a reservation the program never finished.
 */
#include "librax_internal.h"
#include "runtime_inproc.h"

static __u32 rax_output_aligned(__u64 size)
{
	return (__u32)((size + 15) & ~15ull);
}

void *rax_inproc_output_reserve(const struct rax_map_def *def, __u64 size)
{
	struct rax_run_level *lvl = rax_inproc_current_level();
	const struct rax_map *map;
	struct rax_cleanup_entry *e;
	__u8 *rec;
	int idx;

	if (!lvl)
		return NULL;
	idx = rax_inproc_map_index(def);
	if (idx < 0)
		return NULL;
	map = &lvl->prog->obj->maps[idx];
	if (map->def.type != RAX_MAP_TYPE_ARRAY || (map->def.map_flags & RAX_F_RDONLY_PROG) ||
	    !map->def.max_entries || !size || size > map->def.value_size ||
	    size > RAX_OUTPUT_STAGING - lvl->out_used ||
	    rax_output_aligned(size) > RAX_OUTPUT_STAGING - lvl->out_used)
		return NULL;

	rec = lvl->side->out_buf + lvl->out_used;
	e = rax_cleanup_push(lvl, RAX_CLEANUP_OUTPUT, rec);
	lvl->out_used += rax_output_aligned(size);
	memset(rec, 0, size);
	e->size = (__u32)size;
	e->map = map->umap;
	e->map_idx = (__u32)idx;
	return rec;
}

/* Give the staging bytes back when the record is the last one reserved. */
static void rax_output_unstage(struct rax_run_level *lvl, const struct rax_cleanup_entry *e)
{
	__u32 end = (__u32)((__u8 *)e->obj - lvl->side->out_buf) + rax_output_aligned(e->size);

	if (end == lvl->out_used)
		lvl->out_used -= rax_output_aligned(e->size);
}

long rax_inproc_output_submit(void *rec)
{
	struct rax_run_level *lvl = rax_inproc_current_level();
	const struct rax_inproc_image *img;
	struct rax_cleanup_entry *e;
	__u32 value_size, slot;
	__u8 *value;

	if (!lvl)
		return -EINVAL;
	e = rax_cleanup_find(lvl, RAX_CLEANUP_OUTPUT, rec);
	if (!e)
		return -ENOENT;
	img = lvl->prog->obj->inproc;
	value_size = lvl->prog->obj->maps[e->map_idx].def.value_size;
	slot = (__u32)(__atomic_fetch_add(&img->out_seq[e->map_idx], 1, __ATOMIC_RELAXED) %
		       lvl->prog->obj->maps[e->map_idx].def.max_entries);
	value = rax_umap_lookup_ptr(e->map, &slot);
	if (value) {
		memcpy(value, rec, e->size);
		memset(value + e->size, 0, value_size - e->size);
	}
	rax_output_unstage(lvl, e);
	rax_cleanup_drop(lvl, e);
	return value ? 0 : -ENOENT;
}

long rax_inproc_output_discard(void *rec)
{
	struct rax_run_level *lvl = rax_inproc_current_level();
	struct rax_cleanup_entry *e;

	if (!lvl)
		return -EINVAL;
	e = rax_cleanup_find(lvl, RAX_CLEANUP_OUTPUT, rec);
	if (!e)
		return -ENOENT;
	rax_output_unstage(lvl, e);
	rax_cleanup_drop(lvl, e);
	return 0;
}

void rax_inproc_output_cleanup(struct rax_run_level *lvl, struct rax_cleanup_entry *e)
{
	/* Nothing reached the map: dropping the staged bytes discards the record. */
	rax_output_unstage(lvl, e);
}
