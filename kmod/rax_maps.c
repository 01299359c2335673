// SPDX-License-Identifier: GPL-2.0
/*
 * Binding a program's map definitions to the caller's BPF maps: the map
 * must be of an allowed type and match its definition, and programs never
 * get more access than the caller's fd and the map's *_PROG flags grant.
 */
#include <linux/bpf.h>
#include <linux/file.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/static_call.h>
#include <linux/string.h>

#include "rax_internal.h"

/*
 * Every BPF_MAP_TYPE_HASH map has the same element search.  Helpers call it
 * directly through this static call, as JITed eBPF does, instead of the
 * map's lookup through its ops (one more call, and a retpoline).  Set at the
 * first hash map's bind and never changed after.
 */
DEFINE_STATIC_CALL_NULL(rax_hash_lookup, rax_map_lookup_fn);
static DEFINE_MUTEX(rax_hash_lookup_lock);

/*
 * The element search and the value's offset in an element, read from the
 * inline lookup the map gives BPF's verifier: a call to the search, a NULL
 * test, an add of the offset.  False when it does not have that shape.
 */
static bool rax_hash_decode(struct bpf_map *map, rax_map_lookup_fn **fn, u32 *value_off)
{
	struct bpf_insn insn[16];
	int n;

	if (!map->ops->map_gen_lookup)
		return false;
	n = map->ops->map_gen_lookup(map, insn);
	if (n != 3 || insn[0].code != (BPF_JMP | BPF_CALL) || insn[0].src_reg ||
	    insn[1].code != (BPF_JMP | BPF_JEQ | BPF_K) || insn[1].dst_reg != BPF_REG_0 ||
	    insn[1].imm || insn[1].off != 1 ||
	    insn[2].code != (BPF_ALU64 | BPF_ADD | BPF_K) || insn[2].dst_reg != BPF_REG_0 ||
	    insn[2].imm <= 0)
		return false;
	*fn = (rax_map_lookup_fn *)((unsigned long)__bpf_call_base + (long)insn[0].imm);
	*value_off = insn[2].imm;
	return true;
}

/* Sets ref's direct hash lookup when the map's search is rax_hash_lookup's. */
static void rax_hash_lookup_bind(struct rax_map_ref *ref, struct bpf_map *map)
{
	rax_map_lookup_fn *fn;
	u32 value_off;

	if (!rax_hash_decode(map, &fn, &value_off))
		return;
	mutex_lock(&rax_hash_lookup_lock);
	if (!static_call_query(rax_hash_lookup))
		static_call_update(rax_hash_lookup, fn);
	if (static_call_query(rax_hash_lookup) == fn) {
		ref->hash_value_off = value_off;
		ref->hash_direct = true;
	}
	mutex_unlock(&rax_hash_lookup_lock);
}

static bool rax_map_type_allowed(u32 type)
{
	/*
	 * No type that holds fds programs could use or needs helpers Rax does
	 * not have.  A perf event array holds perf event fds, but programs only
	 * ever output to it (rax_perf_event_output); element access is refused.
	 */
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_ARRAY ||
	       type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
}

int rax_map_bind(struct rax_map_ref *ref, int fd, const struct rax_map_def *def)
{
	struct bpf_map *map;
	struct file *file;
	fmode_t mode;

	file = fget(fd);
	if (!file)
		return -EBADF;
	map = bpf_map_get(fd);
	if (IS_ERR(map)) {
		fput(file);
		return PTR_ERR(map);
	}
	/* The fd table may have changed between the two lookups. */
	if (file->private_data != map) {
		fput(file);
		bpf_map_put(map);
		return -EBADF;
	}
	mode = file->f_mode;
	fput(file);

	/* a perf event array defined with 0 entries has one per possible CPU */
	if (!rax_map_type_allowed(map->map_type) || def->type != map->map_type ||
	    def->key_size != map->key_size || def->value_size != map->value_size ||
	    (def->max_entries != map->max_entries &&
	     !(map->map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !def->max_entries))) {
		bpf_map_put(map);
		return -EINVAL;
	}

	if (map->map_type == BPF_MAP_TYPE_ARRAY) {
		struct bpf_array *array = container_of(map, struct bpf_array, map);

		ref->array_value = (u8 *)array->value;
		ref->elem_size = array->elem_size;
		ref->index_mask = array->index_mask;
		ref->max_entries = map->max_entries;
	} else if (map->map_type == BPF_MAP_TYPE_HASH) {
		rax_hash_lookup_bind(ref, map);
	}
	ref->map = map;
	ref->key_size = map->key_size;
	ref->value_size = map->value_size;
	ref->prog_read = (mode & FMODE_CAN_READ) && !(map->map_flags & BPF_F_WRONLY_PROG);
	ref->prog_write = (mode & FMODE_CAN_WRITE) && !(map->map_flags & BPF_F_RDONLY_PROG);
	ref->prog_rw = ref->prog_read && ref->prog_write;
	if (map->map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		/* its values are perf event fds: output only, as for eBPF */
		ref->perf_output = ref->prog_write;
		ref->prog_read = false;
		ref->prog_write = false;
		ref->prog_rw = false;
	}
	atomic64_inc(&rax_counters.map_refs);
	return 0;
}

void rax_map_unbind(struct rax_map_ref *ref)
{
	if (!ref->map)
		return;
	bpf_map_put(ref->map);
	ref->map = NULL;
	atomic64_dec(&rax_counters.map_refs);
}
