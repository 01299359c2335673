// SPDX-License-Identifier: GPL-2.0
/*
 * Binding a program's map definitions to the caller's BPF maps: the map
 * must be of an allowed type and match its definition, and programs never
 * get more access than the caller's fd and the map's *_PROG flags grant.
 */
#include <linux/bpf.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/string.h>

#include "rax_internal.h"

static bool rax_map_type_allowed(u32 type)
{
	/* No type that holds fds or needs helpers Rax does not have. */
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_ARRAY;
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

	if (!rax_map_type_allowed(map->map_type) || def->type != map->map_type ||
	    def->key_size != map->key_size || def->value_size != map->value_size ||
	    def->max_entries != map->max_entries) {
		bpf_map_put(map);
		return -EINVAL;
	}

	ref->map = map;
	ref->key_size = map->key_size;
	ref->value_size = map->value_size;
	ref->prog_read = (mode & FMODE_CAN_READ) && !(map->map_flags & BPF_F_WRONLY_PROG);
	ref->prog_write = (mode & FMODE_CAN_WRITE) && !(map->map_flags & BPF_F_RDONLY_PROG);
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
