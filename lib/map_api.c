// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Public map API: the rax_map__* accessors and element functions of
 * librax.h and the fd-based element functions of rax.h (libbpf 1.x
 * conventions: negative errno returned and errno set).
 *
 * A map of the in-process backend is a struct rax_umap reached through
 * map->umap or through its handle fd.  A map of the kernel backend IS a
 * kernel BPF map (map->umap NULL, map->fd a BPF map fd): element access
 * goes through bpf(2), so both backends behave the same to the caller.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "librax_internal.h"

/* ---- Kernel BPF maps ---------------------------------------------------------------- */
static int sys_bpf_map_op(enum bpf_cmd cmd, int fd, const void *key, void *value,
			  __u64 flags)
{
	union bpf_attr attr;
	long ret;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (__u64)(uintptr_t)key;
	if (cmd == BPF_MAP_GET_NEXT_KEY)
		attr.next_key = (__u64)(uintptr_t)value;
	else
		attr.value = (__u64)(uintptr_t)value;
	attr.flags = flags;
	ret = syscall(__NR_bpf, cmd, &attr, sizeof(attr));
	return ret < 0 ? -errno : 0;
}

/* True when fd refers to a kernel BPF map (its anon inode says so). */
static bool fd_is_bpf_map(int fd)
{
	char path[64], target[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, target, sizeof(target) - 1);
	if (len < 0)
		return false;
	target[len] = '\0';
	return strcmp(target, "anon_inode:bpf-map") == 0;
}

/* ---- Common checks -------------------------------------------------------------------- */

/* Where the elements of a map live. */
enum map_home {
	MAP_INPROC = 1,
	MAP_KERNEL = 2,
};

/*
 * The checks every rax_map__*_elem() call makes: the map is loaded and the
 * caller's sizes match its definition (the value size only when
 * @has_value).  Returns the map's home or -EINVAL.
 */
static int map_check(const struct rax_map *map, size_t key_sz, size_t value_sz,
		     bool has_value)
{
	int home;

	if (!map)
		return -EINVAL;
	if (map->umap) {
		home = MAP_INPROC;
	} else if (map->fd >= 0) {
		home = MAP_KERNEL;
	} else {
		pr_warn("map '%s': not loaded\n", map->name ? map->name : "");
		return -EINVAL;
	}
	if (key_sz != map->def.key_size) {
		pr_warn("map '%s': unexpected key size %zu provided, expected %u\n",
			map->name, key_sz, map->def.key_size);
		return -EINVAL;
	}
	if (has_value && value_sz != map->def.value_size) {
		pr_warn("map '%s': unexpected value size %zu provided, expected %u\n",
			map->name, value_sz, map->def.value_size);
		return -EINVAL;
	}
	return home;
}

/* ---- Accessors ---------------------------------------------------------------------- */

/**
 * @brief Name of the map (its symbol in the object).
 * @param map the map
 * @return the name, or NULL (errno EINVAL) for a NULL map
 */
const char *rax_map__name(const struct rax_map *map)
{
	if (!map)
		return librax_err_ptr(-EINVAL);
	return map->name;
}

/**
 * @brief Type of the map.
 * @param map the map
 * @return RAX_MAP_TYPE_*
 */
enum rax_map_type rax_map__type(const struct rax_map *map)
{
	return map ? (enum rax_map_type)map->def.type : 0;
}

/**
 * @brief Key size of the map in bytes.
 * @param map the map
 * @return the key size
 */
__u32 rax_map__key_size(const struct rax_map *map)
{
	return map ? map->def.key_size : 0;
}

/**
 * @brief Value size of the map in bytes.
 * @param map the map
 * @return the value size
 */
__u32 rax_map__value_size(const struct rax_map *map)
{
	return map ? map->def.value_size : 0;
}

/**
 * @brief Maximum number of elements of the map.
 * @param map the map
 * @return max_entries (after any rax_map__set_max_entries())
 */
__u32 rax_map__max_entries(const struct rax_map *map)
{
	return map ? map->def.max_entries : 0;
}

/**
 * @brief Change max_entries before the object is loaded.
 * @param map the map
 * @param max_entries the new maximum, non-zero
 * @return 0, -EBUSY once the map is created, -EINVAL for 0 or a NULL map
 */
int rax_map__set_max_entries(struct rax_map *map, __u32 max_entries)
{
	if (!map)
		return librax_err(-EINVAL);
	if (map->umap || map->fd >= 0 || (map->obj && map->obj->loaded))
		return librax_err(-EBUSY);
	if (!max_entries) {
		pr_warn("map '%s': max_entries must be non-zero\n", map->name);
		return librax_err(-EINVAL);
	}
	map->def.max_entries = max_entries;
	return 0;
}

/**
 * @brief Fd naming the created map, for rax.h's fd-based functions.
 * @param map the map
 * @return the fd, or -EINVAL before load
 */
int rax_map__fd(const struct rax_map *map)
{
	if (!map || map->fd < 0)
		return librax_err(-EINVAL);
	return map->fd;
}

/* ---- Element access through struct rax_map ---------------------------------------- */

/**
 * @brief Copy the value of @p key into @p value.
 * @param map a loaded map
 * @param key the key, @p key_sz bytes
 * @param key_sz must equal the map's key size
 * @param value output buffer, @p value_sz bytes
 * @param value_sz must equal the map's value size
 * @param flags must be 0 (BPF_F_LOCK is not supported)
 * @return 0, -ENOENT when absent, -EINVAL on bad arguments
 */
int rax_map__lookup_elem(const struct rax_map *map, const void *key, size_t key_sz,
			 void *value, size_t value_sz, __u64 flags)
{
	int home = map_check(map, key_sz, value_sz, true);

	if (home < 0)
		return librax_err(home);
	if (!key || !value || flags)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_LOOKUP_ELEM, map->fd, key, value, 0));
	return librax_err(rax_umap_lookup(map->umap, key, value));
}

/**
 * @brief Create or replace the element of @p key.
 * @param map a loaded map
 * @param key the key, @p key_sz bytes
 * @param key_sz must equal the map's key size
 * @param value the value, @p value_sz bytes
 * @param value_sz must equal the map's value size
 * @param flags RAX_ANY, RAX_NOEXIST or RAX_EXIST
 * @return 0 or a negative errno (-EEXIST, -ENOENT, -E2BIG, -EINVAL)
 */
int rax_map__update_elem(const struct rax_map *map, const void *key, size_t key_sz,
			 const void *value, size_t value_sz, __u64 flags)
{
	int home = map_check(map, key_sz, value_sz, true);

	if (home < 0)
		return librax_err(home);
	if (!key || !value)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_UPDATE_ELEM, map->fd, key,
						 (void *)value, flags));
	return librax_err(rax_umap_update(map->umap, key, value, flags));
}

/**
 * @brief Delete the element of @p key.
 * @param map a loaded map
 * @param key the key, @p key_sz bytes
 * @param key_sz must equal the map's key size
 * @param flags must be 0
 * @return 0, -ENOENT when absent, -EINVAL (bad arguments, array map)
 */
int rax_map__delete_elem(const struct rax_map *map, const void *key, size_t key_sz,
			 __u64 flags)
{
	int home = map_check(map, key_sz, 0, false);

	if (home < 0)
		return librax_err(home);
	if (!key || flags)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_DELETE_ELEM, map->fd, key, NULL, 0));
	return librax_err(rax_umap_delete(map->umap, key));
}

/**
 * @brief Key following @p cur_key in iteration order.
 * @param map a loaded map
 * @param cur_key the current key, or NULL for the first key
 * @param next_key output, @p key_sz bytes
 * @param key_sz must equal the map's key size
 * @return 0, -ENOENT after the last key, -EINVAL on bad arguments
 */
int rax_map__get_next_key(const struct rax_map *map, const void *cur_key, void *next_key,
			  size_t key_sz)
{
	int home = map_check(map, key_sz, 0, false);

	if (home < 0)
		return librax_err(home);
	if (!next_key)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_GET_NEXT_KEY, map->fd, cur_key,
						 next_key, 0));
	return librax_err(rax_umap_get_next_key(map->umap, cur_key, next_key));
}

/* ---- Element access through an fd (rax.h) ------------------------------------------ */

/*
 * The in-process map behind fd, or NULL with *kernel set when fd is a
 * kernel BPF map; -EBADF for anything else.
 */
static int fd_to_umap(int fd, struct rax_umap **umap)
{
	struct rax_map *map = rax_handle_get(fd, RAX_HANDLE_MAP);

	*umap = NULL;
	if (map && map->umap) {
		*umap = map->umap;
		return MAP_INPROC;
	}
	if (!map && fd >= 0 && fd_is_bpf_map(fd))
		return MAP_KERNEL;
	return -EBADF;
}

/**
 * @brief Copy the value of @p key of the map named by @p fd into @p value.
 * @param fd a map fd from rax_map__fd() (or a kernel BPF map fd)
 * @param key the key (the map's key size)
 * @param value output buffer (the map's value size)
 * @return 0, -ENOENT when absent, -EBADF when fd is not a map
 */
int rax_map_lookup_elem(int fd, const void *key, void *value)
{
	struct rax_umap *umap;
	int home = fd_to_umap(fd, &umap);

	if (home < 0)
		return librax_err(home);
	if (!key || !value)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0));
	return librax_err(rax_umap_lookup(umap, key, value));
}

/**
 * @brief Create or replace the element of @p key in the map named by @p fd.
 * @param fd a map fd
 * @param key the key
 * @param value the value
 * @param flags RAX_ANY, RAX_NOEXIST or RAX_EXIST
 * @return 0 or a negative errno
 */
int rax_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	struct rax_umap *umap;
	int home = fd_to_umap(fd, &umap);

	if (home < 0)
		return librax_err(home);
	if (!key || !value)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_UPDATE_ELEM, fd, key, (void *)value,
						 flags));
	return librax_err(rax_umap_update(umap, key, value, flags));
}

/**
 * @brief Delete the element of @p key from the map named by @p fd.
 * @param fd a map fd
 * @param key the key
 * @return 0, -ENOENT when absent, -EINVAL for an array map
 */
int rax_map_delete_elem(int fd, const void *key)
{
	struct rax_umap *umap;
	int home = fd_to_umap(fd, &umap);

	if (home < 0)
		return librax_err(home);
	if (!key)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0));
	return librax_err(rax_umap_delete(umap, key));
}

/**
 * @brief Key following @p key in the map named by @p fd.
 * @param fd a map fd
 * @param key the current key, or NULL for the first key
 * @param next_key output (the map's key size)
 * @return 0, -ENOENT after the last key
 */
int rax_map_get_next_key(int fd, const void *key, void *next_key)
{
	struct rax_umap *umap;
	int home = fd_to_umap(fd, &umap);

	if (home < 0)
		return librax_err(home);
	if (!next_key)
		return librax_err(-EINVAL);
	if (home == MAP_KERNEL)
		return librax_err(sys_bpf_map_op(BPF_MAP_GET_NEXT_KEY, fd, key, next_key, 0));
	return librax_err(rax_umap_get_next_key(umap, key, next_key));
}
