// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the in-process maps (map_inproc.c) and the public map API
 * (map_api.c): BPF semantics of both map types, iteration, pointer
 * stability, concurrency, argument checks of the public functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "librax_internal.h"

/* ---- helpers -------------------------------------------------------------------- */
static struct rax_umap *make_map(__u32 type, __u32 key_size, __u32 value_size,
				 __u32 max_entries, __u32 flags)
{
	struct rax_map_def def = {
		.type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
		.map_flags = flags,
	};
	struct rax_umap *m;
	int err = 12345;

	m = rax_umap_create(&def, "test", &err);
	assert_non_null(m);
	assert_int_equal(err, 0);
	return m;
}

static int create_err(__u32 type, __u32 key_size, __u32 value_size, __u32 max_entries,
		      __u32 flags)
{
	struct rax_map_def def = {
		.type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
		.map_flags = flags,
	};
	struct rax_umap *m;
	int err = 0;

	m = rax_umap_create(&def, "bad", &err);
	if (m) {
		rax_umap_free(m);
		return 0;
	}
	return err;
}

/* Deterministic pseudo-random numbers (xorshift) for key sets. */
static __u64 rng_next(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- creation ---------------------------------------------------------------------- */
static void test_create_invalid(void **state)
{
	struct rax_umap *m;
	int err = 0;

	(void)state;
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 0, 8, 16, 0), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 0, 16, 0), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 8, 0, 0), -EINVAL);
	assert_int_equal(create_err(0, 4, 8, 16, 0), -EINVAL);
	assert_int_equal(create_err(99, 4, 8, 16, 0), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 513, 8, 16, 0), -E2BIG);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, (1u << 20) + 1, 16, 0), -E2BIG);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 8, 16, 1u << 2), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 8, 16, 1u << 31), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 8, 16,
				    RAX_F_RDONLY_PROG | RAX_F_WRONLY_PROG), -EINVAL);
	/* Array: key must be a __u32, no NO_PREALLOC (as the kernel). */
	assert_int_equal(create_err(RAX_MAP_TYPE_ARRAY, 8, 8, 16, 0), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_ARRAY, 2, 8, 16, 0), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_ARRAY, 4, 8, 16, RAX_F_NO_PREALLOC), -EINVAL);
	assert_int_equal(create_err(RAX_MAP_TYPE_ARRAY, 4, 8, 0, 0), -EINVAL);

	/* Accepted edge cases. */
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 512, 1u << 20, 1, 0), 0);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 8, 16, RAX_F_NO_PREALLOC), 0);
	assert_int_equal(create_err(RAX_MAP_TYPE_HASH, 4, 8, 16, RAX_F_RDONLY_PROG), 0);
	assert_int_equal(create_err(RAX_MAP_TYPE_ARRAY, 4, 8, 16, RAX_F_WRONLY_PROG), 0);

	/* NULL def, NULL err pointer. */
	m = rax_umap_create(NULL, "x", &err);
	assert_null(m);
	assert_int_equal(err, -EINVAL);
	assert_null(rax_umap_create(&(struct rax_map_def){ .type = 99 }, "x", NULL));
	rax_umap_free(NULL);
}

static void test_create_def_copy(void **state)
{
	struct rax_map_def def = {
		.type = RAX_MAP_TYPE_HASH, .key_size = 12, .value_size = 20,
		.max_entries = 7, .map_flags = RAX_F_RDONLY_PROG,
		.inline_lookup = 0xdeadbeef,
	};
	struct rax_umap *m = rax_umap_create(&def, "copy", NULL);
	const struct rax_map_def *got;

	(void)state;
	assert_non_null(m);
	def.max_entries = 1000;	/* the map keeps its own copy */
	got = rax_umap_def(m);
	assert_int_equal(got->type, RAX_MAP_TYPE_HASH);
	assert_int_equal(got->key_size, 12);
	assert_int_equal(got->value_size, 20);
	assert_int_equal(got->max_entries, 7);
	assert_int_equal(got->map_flags, RAX_F_RDONLY_PROG);
	rax_umap_free(m);
}

/* ---- hash ---------------------------------------------------------------------------- */
static void test_hash_flags(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 8, 16, 0);
	__u32 k = 7, absent = 8;
	__u64 v = 0, out = 0;

	(void)state;
	assert_int_equal(rax_umap_lookup(m, &k, &out), -ENOENT);
	assert_null(rax_umap_lookup_ptr(m, &k));
	assert_int_equal(rax_umap_delete(m, &k), -ENOENT);

	v = 100;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_EXIST), -ENOENT);
	assert_int_equal(rax_umap_lookup(m, &k, &out), -ENOENT);
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_NOEXIST), 0);
	assert_int_equal(rax_umap_lookup(m, &k, &out), 0);
	assert_int_equal(out, 100);

	v = 200;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_NOEXIST), -EEXIST);
	assert_int_equal(rax_umap_lookup(m, &k, &out), 0);
	assert_int_equal(out, 100);	/* NOEXIST failure left it alone */
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_EXIST), 0);
	assert_int_equal(rax_umap_lookup(m, &k, &out), 0);
	assert_int_equal(out, 200);
	v = 300;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_ANY), 0);
	assert_int_equal(*(__u64 *)rax_umap_lookup_ptr(m, &k), 300);

	/* Unknown flags. */
	assert_int_equal(rax_umap_update(m, &k, &v, 3), -EINVAL);
	assert_int_equal(rax_umap_update(m, &absent, &v, 4), -EINVAL);
	assert_int_equal(rax_umap_update(m, &absent, &v, 1ull << 40), -EINVAL);
	assert_int_equal(rax_umap_lookup(m, &absent, &out), -ENOENT);

	assert_int_equal(rax_umap_delete(m, &k), 0);
	assert_int_equal(rax_umap_lookup(m, &k, &out), -ENOENT);
	assert_int_equal(rax_umap_delete(m, &k), -ENOENT);
	rax_umap_free(m);
}

static void test_hash_full(void **state)
{
	const __u32 max = 10;
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 4, max, 0);
	__u32 k, v, out;

	(void)state;
	for (k = 0; k < max; k++) {
		v = k * 3;
		assert_int_equal(rax_umap_update(m, &k, &v, RAX_ANY), 0);
	}
	k = max;
	v = 1;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_ANY), -E2BIG);
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_NOEXIST), -E2BIG);
	/* Replacing an existing key still works in a full map. */
	k = 4;
	v = 1000;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_ANY), 0);
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_EXIST), 0);
	assert_int_equal(rax_umap_lookup(m, &k, &out), 0);
	assert_int_equal(out, 1000);

	/* Delete one, then a new key fits, then full again. */
	k = 2;
	assert_int_equal(rax_umap_delete(m, &k), 0);
	k = max + 5;
	v = 77;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_NOEXIST), 0);
	k = max + 6;
	assert_int_equal(rax_umap_update(m, &k, &v, RAX_ANY), -E2BIG);

	/* Every surviving key still has its own value. */
	for (k = 0; k < max; k++) {
		if (k == 2) {
			assert_int_equal(rax_umap_lookup(m, &k, &out), -ENOENT);
			continue;
		}
		assert_int_equal(rax_umap_lookup(m, &k, &out), 0);
		assert_int_equal(out, k == 4 ? 1000 : k * 3);
	}
	k = max + 5;
	assert_int_equal(rax_umap_lookup(m, &k, &out), 0);
	assert_int_equal(out, 77);
	rax_umap_free(m);
}

static void test_hash_delete_reinsert_reuse(void **state)
{
	const __u32 max = 64;
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 8, 16, max, 0);
	__u64 k, v[2], out[2];
	int round;

	(void)state;
	/* Many rounds of fill + empty: elements must be recycled, never leaked. */
	for (round = 0; round < 50; round++) {
		for (k = 0; k < max; k++) {
			v[0] = k + round;
			v[1] = ~k;
			assert_int_equal(rax_umap_update(m, &k, v, RAX_NOEXIST), 0);
		}
		k = max;
		assert_int_equal(rax_umap_update(m, &k, v, RAX_ANY), -E2BIG);
		for (k = 0; k < max; k++) {
			assert_int_equal(rax_umap_lookup(m, &k, out), 0);
			assert_int_equal(out[0], k + round);
			assert_int_equal(out[1], ~k);
			assert_int_equal(rax_umap_delete(m, &k), 0);
		}
		k = 0;
		assert_int_equal(rax_umap_get_next_key(m, NULL, &k), -ENOENT);
	}
	rax_umap_free(m);
}

static void test_hash_value_pointer_stability(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 24, 32, 0);
	__u32 k, other;
	__u8 v[24], *p, *q;

	(void)state;
	k = 5;
	memset(v, 0x11, sizeof(v));
	assert_int_equal(rax_umap_update(m, &k, v, RAX_ANY), 0);
	p = rax_umap_lookup_ptr(m, &k);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 8, 0);

	/* Updates to the key land in place. */
	memset(v, 0x22, sizeof(v));
	assert_int_equal(rax_umap_update(m, &k, v, RAX_EXIST), 0);
	assert_memory_equal(p, v, sizeof(v));
	/* Inserting other keys does not move it. */
	for (other = 100; other < 131; other++)
		assert_int_equal(rax_umap_update(m, &other, v, RAX_NOEXIST), 0);
	q = rax_umap_lookup_ptr(m, &k);
	assert_ptr_equal(p, q);
	/* Writes through the pointer are what lookups see. */
	p[0] = 0x99;
	assert_int_equal(rax_umap_lookup(m, &k, v), 0);
	assert_int_equal(v[0], 0x99);
	/* After delete the memory stays mapped (reads must not fault). */
	assert_int_equal(rax_umap_delete(m, &k), 0);
	(void)*(volatile __u8 *)p;
	rax_umap_free(m);
}

static void test_hash_odd_sizes(void **state)
{
	/* 13-byte keys (tail bytes), 5-byte values. */
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 13, 5, 200, 0);
	__u8 key[13], val[5], out[5];
	__u64 seed = 0x1234567;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		memset(key, 0, sizeof(key));
		key[12] = (__u8)i;	/* keys differ only in the last byte ... */
		key[0] = (__u8)(i >> 8);
		memset(val, i, sizeof(val));
		assert_int_equal(rax_umap_update(m, key, val, RAX_NOEXIST), 0);
	}
	for (i = 0; i < 200; i++) {
		void *p;

		memset(key, 0, sizeof(key));
		key[12] = (__u8)i;
		key[0] = (__u8)(i >> 8);
		memset(val, i, sizeof(val));
		assert_int_equal(rax_umap_lookup(m, key, out), 0);
		assert_memory_equal(out, val, sizeof(val));
		p = rax_umap_lookup_ptr(m, key);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
	}
	/* ... and one that differs from all in a middle byte is absent. */
	memset(key, 0, sizeof(key));
	key[6] = (__u8)rng_next(&seed) | 1;
	assert_int_equal(rax_umap_lookup(m, key, out), -ENOENT);
	rax_umap_free(m);
}

static void test_hash_iteration(void **state)
{
	const __u32 max = 1000, n = 777;
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 8, 8, max, 0);
	__u64 *keys = calloc(n, sizeof(*keys));
	__u8 *seen = calloc(n, 1);
	__u64 seed = 42, cur, next, first, v;
	__u32 i, visited = 0;
	int ret;

	(void)state;
	assert_non_null(keys);
	assert_non_null(seen);
	assert_int_equal(rax_umap_get_next_key(m, NULL, &next), -ENOENT);
	cur = 5;
	assert_int_equal(rax_umap_get_next_key(m, &cur, &next), -ENOENT);

	/* Keys are i in the high bits (to find them back) and random low bits. */
	for (i = 0; i < n; i++) {
		keys[i] = ((__u64)i << 40) | (rng_next(&seed) & 0xffffffffffull);
		v = i;
		assert_int_equal(rax_umap_update(m, &keys[i], &v, RAX_NOEXIST), 0);
	}

	ret = rax_umap_get_next_key(m, NULL, &first);
	assert_int_equal(ret, 0);
	for (cur = first, ret = 0; ret == 0; cur = next) {
		i = (__u32)(cur >> 40);
		assert_true(i < n);
		assert_int_equal(cur, keys[i]);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		visited++;
		assert_true(visited <= n);
		ret = rax_umap_get_next_key(m, &cur, &next);
	}
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(visited, n);

	/* An absent key restarts at the first key. */
	cur = 0xffffffffffffffffull;
	assert_int_equal(rax_umap_get_next_key(m, &cur, &next), 0);
	assert_int_equal(next, first);

	/* The iteration-delete idiom (next key first, then delete) empties the map. */
	assert_int_equal(rax_umap_get_next_key(m, NULL, &cur), 0);
	for (visited = 0;; visited++) {
		ret = rax_umap_get_next_key(m, &cur, &next);
		assert_int_equal(rax_umap_delete(m, &cur), 0);
		if (ret)
			break;
		cur = next;
	}
	assert_int_equal(visited + 1, n);
	assert_int_equal(rax_umap_get_next_key(m, NULL, &next), -ENOENT);
	free(keys);
	free(seen);
	rax_umap_free(m);
}

/* ---- array ----------------------------------------------------------------------------- */
static void test_array_semantics(void **state)
{
	const __u32 max = 10;
	struct rax_umap *m = make_map(RAX_MAP_TYPE_ARRAY, 4, 12, max, 0);
	__u8 zero[12] = { 0 }, v[12], out[12];
	__u32 k, next;
	void *p;

	(void)state;
	for (k = 0; k < max; k++) {
		assert_int_equal(rax_umap_lookup(m, &k, out), 0);
		assert_memory_equal(out, zero, sizeof(zero));
		p = rax_umap_lookup_ptr(m, &k);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
	}
	k = max;
	assert_int_equal(rax_umap_lookup(m, &k, out), -ENOENT);
	assert_null(rax_umap_lookup_ptr(m, &k));
	memset(v, 0xab, sizeof(v));
	assert_int_equal(rax_umap_update(m, &k, v, RAX_ANY), -E2BIG);
	k = 0xffffffffu;
	assert_int_equal(rax_umap_update(m, &k, v, RAX_ANY), -E2BIG);

	k = 3;
	assert_int_equal(rax_umap_update(m, &k, v, RAX_NOEXIST), -EEXIST);
	assert_int_equal(rax_umap_update(m, &k, v, RAX_EXIST), 0);
	assert_int_equal(rax_umap_lookup(m, &k, out), 0);
	assert_memory_equal(out, v, sizeof(v));
	memset(v, 0xcd, sizeof(v));
	assert_int_equal(rax_umap_update(m, &k, v, RAX_ANY), 0);
	assert_memory_equal(rax_umap_lookup_ptr(m, &k), v, sizeof(v));
	assert_int_equal(rax_umap_update(m, &k, v, 3), -EINVAL);
	assert_int_equal(rax_umap_update(m, &k, v, 1ull << 33), -EINVAL);
	/* Neighbours untouched. */
	k = 2;
	assert_int_equal(rax_umap_lookup(m, &k, out), 0);
	assert_memory_equal(out, zero, sizeof(zero));
	k = 4;
	assert_int_equal(rax_umap_lookup(m, &k, out), 0);
	assert_memory_equal(out, zero, sizeof(zero));

	k = 3;
	assert_int_equal(rax_umap_delete(m, &k), -EINVAL);
	assert_int_equal(rax_umap_lookup(m, &k, out), 0);

	/* get_next_key: NULL or out of range -> 0, last -> -ENOENT. */
	assert_int_equal(rax_umap_get_next_key(m, NULL, &next), 0);
	assert_int_equal(next, 0);
	k = max + 100;
	next = 55;
	assert_int_equal(rax_umap_get_next_key(m, &k, &next), 0);
	assert_int_equal(next, 0);
	for (k = 0; k + 1 < max; k++) {
		assert_int_equal(rax_umap_get_next_key(m, &k, &next), 0);
		assert_int_equal(next, k + 1);
	}
	k = max - 1;
	assert_int_equal(rax_umap_get_next_key(m, &k, &next), -ENOENT);
	rax_umap_free(m);
}

/* ---- concurrency ------------------------------------------------------------------------- */
#define CONC_THREADS 4
#define CONC_ITERS 200000
#define CONC_KEYS 8

struct conc_arg {
	struct rax_umap *m;
	unsigned int id;
	__u64 bumps[CONC_KEYS];	/* how often this thread incremented each key */
	int failures;
};

static void *counter_thread(void *p)
{
	struct conc_arg *a = p;
	__u64 seed = 0x9e37 + a->id;
	int i;

	for (i = 0; i < CONC_ITERS; i++) {
		__u32 k = (__u32)(rng_next(&seed) % CONC_KEYS);
		__u64 *v = rax_umap_lookup_ptr(a->m, &k);

		if (!v) {
			a->failures++;
			continue;
		}
		__atomic_fetch_add(v, 1, __ATOMIC_RELAXED);
		a->bumps[k]++;
	}
	return NULL;
}

static void run_counters(struct rax_umap *m)
{
	struct conc_arg args[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	__u64 expect, got;
	__u32 k;
	int t;

	memset(args, 0, sizeof(args));
	for (t = 0; t < CONC_THREADS; t++) {
		args[t].m = m;
		args[t].id = t;
		assert_int_equal(pthread_create(&th[t], NULL, counter_thread, &args[t]), 0);
	}
	for (t = 0; t < CONC_THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	for (k = 0; k < CONC_KEYS; k++) {
		expect = 0;
		for (t = 0; t < CONC_THREADS; t++) {
			assert_int_equal(args[t].failures, 0);
			expect += args[t].bumps[k];
		}
		assert_int_equal(rax_umap_lookup(m, &k, &got), 0);
		assert_int_equal(got, expect);
	}
}

static void test_concurrent_counters_hash(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 8, 64, 0);
	__u64 zero = 0, sum = 0, v;
	__u32 k;

	(void)state;
	for (k = 0; k < CONC_KEYS; k++)
		assert_int_equal(rax_umap_update(m, &k, &zero, RAX_NOEXIST), 0);
	run_counters(m);
	for (k = 0; k < CONC_KEYS; k++) {
		assert_int_equal(rax_umap_lookup(m, &k, &v), 0);
		sum += v;
	}
	assert_int_equal(sum, (__u64)CONC_THREADS * CONC_ITERS);
	rax_umap_free(m);
}

static void test_concurrent_counters_array(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_ARRAY, 4, 8, CONC_KEYS, 0);
	__u64 sum = 0, v;
	__u32 k;

	(void)state;
	run_counters(m);
	for (k = 0; k < CONC_KEYS; k++) {
		assert_int_equal(rax_umap_lookup(m, &k, &v), 0);
		sum += v;
	}
	assert_int_equal(sum, (__u64)CONC_THREADS * CONC_ITERS);
	rax_umap_free(m);
}

/*
 * Writers insert and delete their own keys (so elements are reused across
 * buckets all the time) while readers look up keys that are never deleted:
 * the lock-free lookup must find every stable key, every time, with its value.
 */
#define CHURN_STABLE 32
#define CHURN_MAX 64
#define CHURN_ITERS 400000

struct churn_arg {
	struct rax_umap *m;
	unsigned int id;
	int failures;
	int *stop;
};

static void *churn_writer(void *p)
{
	struct churn_arg *a = p;
	__u64 seed = 77 + a->id;
	int i;

	for (i = 0; i < CHURN_ITERS; i++) {
		/* Writer-owned key space, disjoint from the stable keys. */
		__u32 k = 1000000 * (a->id + 1) + (__u32)(rng_next(&seed) % 64);
		__u64 v = k;
		int ret = rax_umap_update(a->m, &k, &v, RAX_NOEXIST);

		if (ret && ret != -EEXIST && ret != -E2BIG)
			a->failures++;
		k = 1000000 * (a->id + 1) + (__u32)(rng_next(&seed) % 64);
		ret = rax_umap_delete(a->m, &k);
		if (ret && ret != -ENOENT)
			a->failures++;
	}
	return NULL;
}

static void *churn_reader(void *p)
{
	struct churn_arg *a = p;
	__u32 k = 0;

	while (!__atomic_load_n(a->stop, __ATOMIC_ACQUIRE)) {
		__u64 *v = rax_umap_lookup_ptr(a->m, &k);
		__u64 copy;

		if (!v || __atomic_load_n(v, __ATOMIC_RELAXED) != (__u64)k * 7 + 1)
			a->failures++;
		if (rax_umap_lookup(a->m, &k, &copy) || copy != (__u64)k * 7 + 1)
			a->failures++;
		k = (k + 1) % CHURN_STABLE;
	}
	return NULL;
}

static void test_concurrent_churn(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 8, CHURN_MAX, 0);
	struct churn_arg w[2], r[2];
	pthread_t wt[2], rt[2];
	int stop = 0;
	__u32 k;
	__u64 v;
	int t;

	(void)state;
	for (k = 0; k < CHURN_STABLE; k++) {
		v = (__u64)k * 7 + 1;
		assert_int_equal(rax_umap_update(m, &k, &v, RAX_NOEXIST), 0);
	}
	for (t = 0; t < 2; t++) {
		w[t] = (struct churn_arg){ .m = m, .id = t, .stop = &stop };
		r[t] = (struct churn_arg){ .m = m, .id = t, .stop = &stop };
		assert_int_equal(pthread_create(&rt[t], NULL, churn_reader, &r[t]), 0);
		assert_int_equal(pthread_create(&wt[t], NULL, churn_writer, &w[t]), 0);
	}
	for (t = 0; t < 2; t++)
		assert_int_equal(pthread_join(wt[t], NULL), 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (t = 0; t < 2; t++) {
		assert_int_equal(pthread_join(rt[t], NULL), 0);
		assert_int_equal(w[t].failures, 0);
		assert_int_equal(r[t].failures, 0);
	}
	rax_umap_free(m);
}

/* ---- public API (struct rax_map built by hand around a umap) ------------------------------ */
static char last_log[512];

static int capture_print(enum librax_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vsnprintf(last_log, sizeof(last_log), fmt, args);
}

static struct rax_map make_rax_map(char *name, struct rax_umap *umap)
{
	struct rax_map map;

	memset(&map, 0, sizeof(map));
	map.name = name;
	map.def = *rax_umap_def(umap);
	map.umap = umap;
	map.fd = -1;
	return map;
}

static void test_api_accessors(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 16, 33, 0);
	char name[] = "flows";
	struct rax_map map = make_rax_map(name, m);

	(void)state;
	assert_string_equal(rax_map__name(&map), "flows");
	assert_int_equal(rax_map__type(&map), RAX_MAP_TYPE_HASH);
	assert_int_equal(rax_map__key_size(&map), 4);
	assert_int_equal(rax_map__value_size(&map), 16);
	assert_int_equal(rax_map__max_entries(&map), 33);
	errno = 0;
	assert_int_equal(rax_map__fd(&map), -EINVAL);
	assert_int_equal(errno, EINVAL);
	map.fd = 42;
	assert_int_equal(rax_map__fd(&map), 42);
	map.fd = -1;

	/* set_max_entries: refused once created, allowed before. */
	errno = 0;
	assert_int_equal(rax_map__set_max_entries(&map, 50), -EBUSY);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(rax_map__max_entries(&map), 33);
	map.umap = NULL;
	librax_set_print(capture_print);
	assert_int_equal(rax_map__set_max_entries(&map, 0), -EINVAL);
	assert_int_equal(rax_map__max_entries(&map), 33);
	assert_int_equal(rax_map__set_max_entries(&map, 50), 0);
	assert_int_equal(rax_map__max_entries(&map), 50);
	librax_set_print(NULL);
	rax_umap_free(m);
}

static void test_api_elem_checks(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_HASH, 4, 8, 8, 0);
	char name[] = "counts";
	struct rax_map map = make_rax_map(name, m);
	__u32 k = 1, next;
	__u64 v = 5, out = 0;

	(void)state;
	librax_set_print(capture_print);

	/* Wrong sizes: -EINVAL with a message naming map and sizes. */
	last_log[0] = '\0';
	errno = 0;
	assert_int_equal(rax_map__update_elem(&map, &k, 8, &v, 8, RAX_ANY), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(last_log, "counts"));
	assert_non_null(strstr(last_log, "8"));
	assert_non_null(strstr(last_log, "4"));
	last_log[0] = '\0';
	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 4, RAX_ANY), -EINVAL);
	assert_non_null(strstr(last_log, "counts"));
	assert_non_null(strstr(last_log, "value size 4"));
	assert_non_null(strstr(last_log, "expected 8"));
	assert_int_equal(rax_map__lookup_elem(&map, &k, 2, &out, 8, 0), -EINVAL);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 16, 0), -EINVAL);
	assert_int_equal(rax_map__delete_elem(&map, &k, 3, 0), -EINVAL);
	assert_int_equal(rax_map__get_next_key(&map, NULL, &next, 8), -EINVAL);

	/* NULL key / value, non-zero lookup and delete flags. */
	assert_int_equal(rax_map__update_elem(&map, NULL, 4, &v, 8, RAX_ANY), -EINVAL);
	assert_int_equal(rax_map__update_elem(&map, &k, 4, NULL, 8, RAX_ANY), -EINVAL);
	assert_int_equal(rax_map__lookup_elem(&map, NULL, 4, &out, 8, 0), -EINVAL);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, NULL, 8, 0), -EINVAL);
	assert_int_equal(rax_map__delete_elem(&map, NULL, 4, 0), -EINVAL);
	assert_int_equal(rax_map__get_next_key(&map, NULL, NULL, 4), -EINVAL);

	/* The real thing. */
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 8, 0), -ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 8, RAX_NOEXIST), 0);
	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 8, RAX_NOEXIST), -EEXIST);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 8, 7), -EINVAL);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 8, 1), -EINVAL);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 8, 0), 0);
	assert_int_equal(out, 5);
	assert_int_equal(rax_map__get_next_key(&map, NULL, &next, 4), 0);
	assert_int_equal(next, 1);
	assert_int_equal(rax_map__get_next_key(&map, &k, &next, 4), -ENOENT);
	assert_int_equal(rax_map__delete_elem(&map, &k, 4, 1), -EINVAL);
	assert_int_equal(rax_map__delete_elem(&map, &k, 4, 0), 0);
	assert_int_equal(rax_map__delete_elem(&map, &k, 4, 0), -ENOENT);
	assert_int_equal(errno, ENOENT);

	/* Not loaded yet. */
	map.umap = NULL;
	last_log[0] = '\0';
	errno = 0;
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 8, 0), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(last_log, "counts"));
	assert_non_null(strstr(last_log, "not loaded"));
	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 8, 0), -EINVAL);
	assert_int_equal(rax_map__delete_elem(&map, &k, 4, 0), -EINVAL);
	assert_int_equal(rax_map__get_next_key(&map, NULL, &next, 4), -EINVAL);
	assert_int_equal(rax_map__lookup_elem(NULL, &k, 4, &out, 8, 0), -EINVAL);

	librax_set_print(NULL);
	rax_umap_free(m);
}

static void test_api_fd(void **state)
{
	struct rax_umap *m = make_map(RAX_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	char name[] = "by_fd";
	struct rax_map map = make_rax_map(name, m);
	__u32 k = 2, next;
	__u64 v = 99, out = 0;
	int fd, other;

	(void)state;
	fd = rax_handle_new(RAX_HANDLE_MAP, &map, map.name);
	assert_true(fd >= 0);
	map.fd = fd;
	assert_int_equal(rax_map__fd(&map), fd);

	assert_int_equal(rax_map_update_elem(fd, &k, &v, RAX_ANY), 0);
	assert_int_equal(rax_map_lookup_elem(fd, &k, &out), 0);
	assert_int_equal(out, 99);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 8, 0), 0);
	assert_int_equal(out, 99);
	assert_int_equal(rax_map_update_elem(fd, &k, &v, RAX_NOEXIST), -EEXIST);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(rax_map_delete_elem(fd, &k), -EINVAL);
	assert_int_equal(rax_map_get_next_key(fd, NULL, &next), 0);
	assert_int_equal(next, 0);
	k = 3;
	assert_int_equal(rax_map_get_next_key(fd, &k, &next), -ENOENT);
	k = 4;
	assert_int_equal(rax_map_lookup_elem(fd, &k, &out), -ENOENT);
	assert_int_equal(rax_map_lookup_elem(fd, NULL, &out), -EINVAL);

	/* fds that are not map handles. */
	other = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(other >= 0);
	errno = 0;
	assert_int_equal(rax_map_lookup_elem(other, &k, &out), -EBADF);
	assert_int_equal(errno, EBADF);
	assert_int_equal(rax_map_update_elem(other, &k, &v, 0), -EBADF);
	assert_int_equal(rax_map_delete_elem(other, &k), -EBADF);
	assert_int_equal(rax_map_get_next_key(other, NULL, &next), -EBADF);
	close(other);
	assert_int_equal(rax_map_lookup_elem(-1, &k, &out), -EBADF);

	other = rax_handle_new(RAX_HANDLE_PROG, &map, "not_a_map");
	assert_true(other >= 0);
	assert_int_equal(rax_map_lookup_elem(other, &k, &out), -EBADF);
	rax_handle_close(other);

	rax_handle_close(fd);
	assert_int_equal(rax_map_lookup_elem(fd, &k, &out), -EBADF);
	rax_umap_free(m);
}

/*
 * Kernel backend: a struct rax_map whose fd is a kernel BPF array map goes
 * through bpf(2).  Skipped where this process may not create BPF maps.
 */
static void test_api_kernel_map(void **state)
{
	union bpf_attr attr;
	struct rax_map map;
	char name[] = "kmap";
	__u32 k = 1, next;
	__u64 v = 1234, out = 0;
	int fd;

	(void)state;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 4;
	fd = (int)syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		skip();
	memset(&map, 0, sizeof(map));
	map.name = name;
	map.def = (struct rax_map_def){ .type = RAX_MAP_TYPE_ARRAY, .key_size = 4,
					.value_size = 8, .max_entries = 4 };
	map.fd = fd;

	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 8, RAX_ANY), 0);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 4, &out, 8, 0), 0);
	assert_int_equal(out, 1234);
	assert_int_equal(rax_map__update_elem(&map, &k, 4, &v, 8, RAX_NOEXIST), -EEXIST);
	assert_int_equal(rax_map__lookup_elem(&map, &k, 8, &out, 8, 0), -EINVAL);
	out = 0;
	assert_int_equal(rax_map_lookup_elem(fd, &k, &out), 0);
	assert_int_equal(out, 1234);
	k = 3;
	assert_int_equal(rax_map_get_next_key(fd, &k, &next), -ENOENT);
	assert_int_equal(rax_map__get_next_key(&map, NULL, &next, 4), 0);
	assert_int_equal(next, 0);
	assert_int_equal(rax_map_delete_elem(fd, &k), -EINVAL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_create_def_copy),
		cmocka_unit_test(test_hash_flags),
		cmocka_unit_test(test_hash_full),
		cmocka_unit_test(test_hash_delete_reinsert_reuse),
		cmocka_unit_test(test_hash_value_pointer_stability),
		cmocka_unit_test(test_hash_odd_sizes),
		cmocka_unit_test(test_hash_iteration),
		cmocka_unit_test(test_array_semantics),
		cmocka_unit_test(test_concurrent_counters_hash),
		cmocka_unit_test(test_concurrent_counters_array),
		cmocka_unit_test(test_concurrent_churn),
		cmocka_unit_test(test_api_accessors),
		cmocka_unit_test(test_api_elem_checks),
		cmocka_unit_test(test_api_fd),
		cmocka_unit_test(test_api_kernel_map),
	};

	return cmocka_run_group_tests_name("maps", tests, NULL, NULL);
}
