// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * In-process maps: BPF-compatible hash and array maps for the in-process
 * runtime.
 *
 * Programs call these from helpers on many threads at once, so lookups are
 * on the hot path: no malloc, no syscall, and for the hash map no lock.
 *
 * Hash map: every element is preallocated at create (like BPF's prealloc
 * htab) so a value pointer handed to a program stays valid until the map is
 * freed; a deleted element goes back to a free stack and may be reused for
 * another key, exactly as in BPF.  Buckets are open-hashed chains with a
 * per-bucket spinlock taken by writers only.  Readers walk chains without
 * locks: a chain ends in a "nulls" marker that encodes its bucket, so a
 * reader that followed an element which was deleted and reused in another
 * bucket notices it ended in the wrong chain and restarts.
 *
 * Array map: one zeroed, 8-byte aligned slot per index; no locks at all
 * (as in BPF, an update races with readers of the same slot except for
 * 4- and 8-byte values, which are stored in one access).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "librax_internal.h"

/* Bounds like the kernel's: key on the BPF stack, value kmalloc-able. */
#define UMAP_MAX_KEY_SIZE 512u
#define UMAP_MAX_VALUE_SIZE (1u << 20)
#define UMAP_KNOWN_FLAGS (RAX_F_NO_PREALLOC | RAX_F_RDONLY_PROG | RAX_F_WRONLY_PROG)
#define UMAP_ARRAY_FLAGS (RAX_F_RDONLY_PROG | RAX_F_WRONLY_PROG)

/* ---- A small spinlock: critical sections are a few dozen instructions ---- */
struct umap_lock {
	atomic_uint held;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void umap_lock(struct umap_lock *l)
{
	unsigned int spins = 0;

	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire)) {
		while (atomic_load_explicit(&l->held, memory_order_relaxed)) {
			cpu_relax();
			/* The holder may have been preempted: let it run. */
			if (++spins % 1024 == 0)
				sched_yield();
		}
	}
}

static void umap_unlock(struct umap_lock *l)
{
	atomic_store_explicit(&l->held, 0, memory_order_release);
}

/* ---- Storage layout ------------------------------------------------------------ */

/*
 * Hash element: header, key padded to 8 bytes, value.  'next' is either an
 * element pointer or a nulls marker (odd: bucket index << 1 | 1).
 */
struct htab_elem {
	_Atomic uintptr_t next;
	_Atomic __u32 hash;
	__u32 index;		/* position in the element array, for the free stack */
	__u8 key[] __attribute__((aligned(8)));
};

struct htab_bucket {
	_Atomic uintptr_t head;
	struct umap_lock lock;
};

struct rax_umap {
	struct rax_map_def def;	/* copy of the definition it was created from */
	char *name;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 type;
	size_t value_stride;	/* array: value size rounded up to 8 */

	/* array */
	__u8 *values;

	/* hash */
	struct htab_bucket *buckets;
	__u32 bucket_mask;
	__u32 seed;
	size_t key_stride;	/* key size rounded up to 8 */
	size_t elem_size;
	__u8 *elems;
	struct umap_lock free_lock;
	__u32 *free_stack;	/* indices of free elements */
	__u32 free_top;		/* number of entries in free_stack */
};

static inline size_t round_up8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static inline uintptr_t nulls_marker(__u32 bucket)
{
	return ((uintptr_t)bucket << 1) | 1;
}

static inline bool is_nulls(uintptr_t p)
{
	return p & 1;
}

static inline struct htab_elem *elem_at(const struct rax_umap *m, __u32 idx)
{
	return (struct htab_elem *)(m->elems + (size_t)idx * m->elem_size);
}

static inline void *elem_value(const struct rax_umap *m, struct htab_elem *e)
{
	return e->key + m->key_stride;
}

/*
 * Copy a value.  4- and 8-byte values (counters) move in one access so a
 * concurrent lock-free reader never sees half of an update.
 */
static inline void value_copy(void *dst, const void *src, __u32 size)
{
	if (size == 8 && !((uintptr_t)dst & 7)) {
		__u64 v;

		memcpy(&v, src, 8);
		__atomic_store_n((__u64 *)dst, v, __ATOMIC_RELAXED);
	} else if (size == 4 && !((uintptr_t)dst & 3)) {
		__u32 v;

		memcpy(&v, src, 4);
		__atomic_store_n((__u32 *)dst, v, __ATOMIC_RELAXED);
	} else {
		memcpy(dst, src, size);
	}
}

static inline void value_read(void *dst, const void *src, __u32 size)
{
	if (size == 8 && !((uintptr_t)src & 7)) {
		__u64 v = __atomic_load_n((const __u64 *)src, __ATOMIC_RELAXED);

		memcpy(dst, &v, 8);
	} else if (size == 4 && !((uintptr_t)src & 3)) {
		__u32 v = __atomic_load_n((const __u32 *)src, __ATOMIC_RELAXED);

		memcpy(dst, &v, 4);
	} else {
		memcpy(dst, src, size);
	}
}

/* ---- Hashing ----------------------------------------------------------------------
 * Multiply-xorshift mixing over 8-byte words with a per-map random seed (so
 * chosen keys cannot target one bucket across processes).  Keys of 4 and 8
 * bytes, the common case, take a branch-free path.
 */
#define MIX_K1 0x9e3779b97f4a7c15ull	/* 2^64 / golden ratio */
#define MIX_K2 0xd6e8feb86659fd93ull	/* odd constant with well-spread bits */

static inline __u64 mix64(__u64 x)
{
	x ^= x >> 32;
	x *= MIX_K2;
	x ^= x >> 29;
	x *= MIX_K1;
	x ^= x >> 32;
	return x;
}

static inline __u32 key_hash(const struct rax_umap *m, const void *key)
{
	const __u8 *p = key;
	__u64 h = ((__u64)m->seed << 32) ^ m->key_size;
	__u32 left = m->key_size;
	__u64 w;

	if (left == 4) {
		__u32 k;

		memcpy(&k, p, 4);
		return (__u32)mix64(h ^ ((__u64)k * MIX_K1));
	}
	while (left >= 8) {
		memcpy(&w, p, 8);
		h = mix64(h ^ (w * MIX_K1)) + MIX_K2;
		p += 8;
		left -= 8;
	}
	if (left) {
		w = 0;
		memcpy(&w, p, left);
		h = mix64(h ^ (w * MIX_K1) ^ ((__u64)left << 56));
	}
	return (__u32)mix64(h);
}

static inline bool key_equal(const struct rax_umap *m, const void *a, const void *b)
{
	__u64 x, y;
	__u32 u, v;

	switch (m->key_size) {
	case 4:
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	case 8:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x == y;
	default:
		return !memcmp(a, b, m->key_size);
	}
}

/* ---- Creation ---------------------------------------------------------------------- */
static int umap_check_def(const struct rax_map_def *def)
{
	if (!def->key_size || !def->value_size || !def->max_entries)
		return -EINVAL;
	switch (def->type) {
	case RAX_MAP_TYPE_HASH:
		if (def->map_flags & ~UMAP_KNOWN_FLAGS)
			return -EINVAL;
		break;
	case RAX_MAP_TYPE_ARRAY:
		/* The kernel refuses BPF_F_NO_PREALLOC on arrays too. */
		if (def->map_flags & ~UMAP_ARRAY_FLAGS)
			return -EINVAL;
		if (def->key_size != sizeof(__u32))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if ((def->map_flags & RAX_F_RDONLY_PROG) && (def->map_flags & RAX_F_WRONLY_PROG))
		return -EINVAL;
	if (def->key_size > UMAP_MAX_KEY_SIZE || def->value_size > UMAP_MAX_VALUE_SIZE)
		return -E2BIG;
	return 0;
}

static __u32 random_seed(void)
{
	struct timespec ts;
	__u32 seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u32)mix64((__u64)ts.tv_nsec ^ ((__u64)ts.tv_sec << 30));
}

static int array_init(struct rax_umap *m)
{
	size_t total;

	if (__builtin_mul_overflow((size_t)m->max_entries, m->value_stride, &total))
		return -E2BIG;
	/* calloc memory is 16-byte aligned, so every stride-8 slot is 8-aligned. */
	m->values = calloc(1, total);
	return m->values ? 0 : -ENOMEM;
}

static int htab_init(struct rax_umap *m)
{
	size_t nbuckets = 1, total;
	__u32 i;

	/* One bucket per element at least, keeping chains short. */
	while (nbuckets < m->max_entries)
		nbuckets <<= 1;
	if (nbuckets > (size_t)1 << 31)
		return -E2BIG;
	m->bucket_mask = (__u32)(nbuckets - 1);
	m->key_stride = round_up8(m->key_size);
	m->elem_size = sizeof(struct htab_elem) + m->key_stride + m->value_stride;
	if (__builtin_mul_overflow((size_t)m->max_entries, m->elem_size, &total))
		return -E2BIG;

	m->buckets = calloc(nbuckets, sizeof(*m->buckets));
	m->elems = calloc(1, total);
	m->free_stack = calloc(m->max_entries, sizeof(*m->free_stack));
	if (!m->buckets || !m->elems || !m->free_stack)
		return -ENOMEM;

	for (i = 0; i < nbuckets; i++)
		atomic_init(&m->buckets[i].head, nulls_marker(i));
	/* Hand out low indices first: better locality for small maps. */
	for (i = 0; i < m->max_entries; i++) {
		elem_at(m, i)->index = i;
		m->free_stack[i] = m->max_entries - 1 - i;
	}
	m->free_top = m->max_entries;
	m->seed = random_seed();
	return 0;
}

struct rax_umap *rax_umap_create(const struct rax_map_def *def, const char *name, int *err)
{
	struct rax_umap *m;
	int ret;

	ret = def ? umap_check_def(def) : -EINVAL;
	if (ret)
		goto fail;
	m = calloc(1, sizeof(*m));
	if (!m) {
		ret = -ENOMEM;
		goto fail;
	}
	m->def = *def;
	m->def.inline_lookup = 0;
	m->type = def->type;
	m->key_size = def->key_size;
	m->value_size = def->value_size;
	m->max_entries = def->max_entries;
	m->value_stride = round_up8(def->value_size);
	m->name = strdup(name ? name : "");
	if (!m->name) {
		ret = -ENOMEM;
	} else if (m->type == RAX_MAP_TYPE_ARRAY) {
		ret = array_init(m);
	} else {
		ret = htab_init(m);
	}
	if (ret) {
		rax_umap_free(m);
		goto fail;
	}
	if (err)
		*err = 0;
	return m;
fail:
	if (err)
		*err = ret;
	return NULL;
}

void rax_umap_free(struct rax_umap *m)
{
	if (!m)
		return;
	free(m->values);
	free(m->buckets);
	free(m->elems);
	free(m->free_stack);
	free(m->name);
	free(m);
}

const struct rax_map_def *rax_umap_def(const struct rax_umap *m)
{
	return &m->def;
}

/* ---- Array ---------------------------------------------------------------------------- */
static inline void *array_slot(const struct rax_umap *m, const void *key)
{
	__u32 idx;

	memcpy(&idx, key, sizeof(idx));
	if (idx >= m->max_entries)
		return NULL;
	return m->values + (size_t)idx * m->value_stride;
}

static int array_update(struct rax_umap *m, const void *key, const void *value, __u64 flags)
{
	void *slot;

	if (flags > RAX_EXIST)
		return -EINVAL;
	slot = array_slot(m, key);
	if (!slot)
		return -E2BIG;
	/* Every element of an array always exists. */
	if (flags == RAX_NOEXIST)
		return -EEXIST;
	value_copy(slot, value, m->value_size);
	return 0;
}

static int array_get_next_key(struct rax_umap *m, const void *key, void *next_key)
{
	__u32 idx, next;

	if (!key) {
		next = 0;
	} else {
		memcpy(&idx, key, sizeof(idx));
		if (idx >= m->max_entries)
			next = 0;
		else if (idx == m->max_entries - 1)
			return -ENOENT;
		else
			next = idx + 1;
	}
	memcpy(next_key, &next, sizeof(next));
	return 0;
}

/* ---- Hash --------------------------------------------------------------------------- */

/* Lock-free chain walk (see the file comment for why it restarts). */
static struct htab_elem *htab_find(const struct rax_umap *m, const void *key, __u32 hash)
{
	__u32 bucket = hash & m->bucket_mask;
	const struct htab_bucket *b = &m->buckets[bucket];
	uintptr_t p;

again:
	p = atomic_load_explicit(&b->head, memory_order_acquire);
	while (!is_nulls(p)) {
		struct htab_elem *e = (struct htab_elem *)p;

		if (atomic_load_explicit(&e->hash, memory_order_relaxed) == hash &&
		    key_equal(m, e->key, key))
			return e;
		p = atomic_load_explicit(&e->next, memory_order_acquire);
	}
	if (p != nulls_marker(bucket))
		goto again;
	return NULL;
}

/* With the bucket lock held: the element for key and its predecessor link. */
static struct htab_elem *htab_find_locked(const struct rax_umap *m, struct htab_bucket *b,
					  const void *key, __u32 hash,
					  _Atomic uintptr_t **link_out)
{
	_Atomic uintptr_t *link = &b->head;
	uintptr_t p;

	for (p = atomic_load_explicit(link, memory_order_relaxed); !is_nulls(p);
	     p = atomic_load_explicit(link, memory_order_relaxed)) {
		struct htab_elem *e = (struct htab_elem *)p;

		if (atomic_load_explicit(&e->hash, memory_order_relaxed) == hash &&
		    key_equal(m, e->key, key)) {
			if (link_out)
				*link_out = link;
			return e;
		}
		link = &e->next;
	}
	return NULL;
}

static struct htab_elem *htab_alloc_elem(struct rax_umap *m)
{
	struct htab_elem *e = NULL;

	umap_lock(&m->free_lock);
	if (m->free_top)
		e = elem_at(m, m->free_stack[--m->free_top]);
	umap_unlock(&m->free_lock);
	return e;
}

static void htab_free_elem(struct rax_umap *m, struct htab_elem *e)
{
	umap_lock(&m->free_lock);
	m->free_stack[m->free_top++] = e->index;
	umap_unlock(&m->free_lock);
}

static int htab_lookup(struct rax_umap *m, const void *key, void *value)
{
	__u32 hash = key_hash(m, key);
	struct htab_bucket *b = &m->buckets[hash & m->bucket_mask];
	struct htab_elem *e;

	/* 4- and 8-byte values are written in one access: no lock needed. */
	if (m->value_size == 4 || m->value_size == 8) {
		e = htab_find(m, key, hash);
		if (!e)
			return -ENOENT;
		value_read(value, elem_value(m, e), m->value_size);
		return 0;
	}
	/* Under the lock so the copy is never torn by a concurrent update. */
	umap_lock(&b->lock);
	e = htab_find_locked(m, b, key, hash, NULL);
	if (e)
		memcpy(value, elem_value(m, e), m->value_size);
	umap_unlock(&b->lock);
	return e ? 0 : -ENOENT;
}

static int htab_update(struct rax_umap *m, const void *key, const void *value, __u64 flags)
{
	__u32 hash = key_hash(m, key);
	__u32 bucket = hash & m->bucket_mask;
	struct htab_bucket *b = &m->buckets[bucket];
	struct htab_elem *e;
	int ret = 0;

	if (flags > RAX_EXIST)
		return -EINVAL;
	umap_lock(&b->lock);
	e = htab_find_locked(m, b, key, hash, NULL);
	if (e) {
		if (flags == RAX_NOEXIST) {
			ret = -EEXIST;
		} else {
			/* In place: pointers held by running programs see the new value. */
			value_copy(elem_value(m, e), value, m->value_size);
		}
		goto out;
	}
	if (flags == RAX_EXIST) {
		ret = -ENOENT;
		goto out;
	}
	e = htab_alloc_elem(m);
	if (!e) {
		ret = -E2BIG;
		goto out;
	}
	memcpy(e->key, key, m->key_size);
	memcpy(elem_value(m, e), value, m->value_size);
	atomic_store_explicit(&e->hash, hash, memory_order_relaxed);
	atomic_store_explicit(&e->next, atomic_load_explicit(&b->head, memory_order_relaxed),
			      memory_order_release);
	/* Publish: readers that see the element see its key and value. */
	atomic_store_explicit(&b->head, (uintptr_t)e, memory_order_release);
out:
	umap_unlock(&b->lock);
	return ret;
}

static int htab_delete(struct rax_umap *m, const void *key)
{
	__u32 hash = key_hash(m, key);
	struct htab_bucket *b = &m->buckets[hash & m->bucket_mask];
	_Atomic uintptr_t *link;
	struct htab_elem *e;

	umap_lock(&b->lock);
	e = htab_find_locked(m, b, key, hash, &link);
	if (e) {
		/* e->next is left intact: a reader standing on e can go on walking. */
		atomic_store_explicit(link, atomic_load_explicit(&e->next, memory_order_relaxed),
				      memory_order_release);
	}
	umap_unlock(&b->lock);
	if (!e)
		return -ENOENT;
	htab_free_elem(m, e);
	return 0;
}

/* First key of the chains from bucket 'from' on, copied under each bucket's lock. */
static int htab_first_key_from(struct rax_umap *m, __u32 from, void *next_key)
{
	size_t i;

	for (i = from; i <= m->bucket_mask; i++) {
		struct htab_bucket *b = &m->buckets[i];
		uintptr_t p;

		umap_lock(&b->lock);
		p = atomic_load_explicit(&b->head, memory_order_relaxed);
		if (!is_nulls(p))
			memcpy(next_key, ((struct htab_elem *)p)->key, m->key_size);
		umap_unlock(&b->lock);
		if (!is_nulls(p))
			return 0;
	}
	return -ENOENT;
}

static int htab_get_next_key(struct rax_umap *m, const void *key, void *next_key)
{
	struct htab_bucket *b;
	struct htab_elem *e;
	__u32 hash, bucket;
	uintptr_t p;

	if (!key)
		return htab_first_key_from(m, 0, next_key);
	hash = key_hash(m, key);
	bucket = hash & m->bucket_mask;
	b = &m->buckets[bucket];
	umap_lock(&b->lock);
	e = htab_find_locked(m, b, key, hash, NULL);
	if (!e) {
		/* Absent key: restart the walk, as the kernel does. */
		umap_unlock(&b->lock);
		return htab_first_key_from(m, 0, next_key);
	}
	p = atomic_load_explicit(&e->next, memory_order_relaxed);
	if (!is_nulls(p))
		memcpy(next_key, ((struct htab_elem *)p)->key, m->key_size);
	umap_unlock(&b->lock);
	if (!is_nulls(p))
		return 0;
	if (bucket == m->bucket_mask)
		return -ENOENT;
	return htab_first_key_from(m, bucket + 1, next_key);
}

/* ---- Dispatch ------------------------------------------------------------------------- */
void *rax_umap_lookup_ptr(struct rax_umap *m, const void *key)
{
	struct htab_elem *e;

	if (m->type == RAX_MAP_TYPE_ARRAY)
		return array_slot(m, key);
	e = htab_find(m, key, key_hash(m, key));
	return e ? elem_value(m, e) : NULL;
}

int rax_umap_lookup(struct rax_umap *m, const void *key, void *value)
{
	void *slot;

	if (m->type == RAX_MAP_TYPE_HASH)
		return htab_lookup(m, key, value);
	slot = array_slot(m, key);
	if (!slot)
		return -ENOENT;
	value_read(value, slot, m->value_size);
	return 0;
}

int rax_umap_update(struct rax_umap *m, const void *key, const void *value, __u64 flags)
{
	if (m->type == RAX_MAP_TYPE_ARRAY)
		return array_update(m, key, value, flags);
	return htab_update(m, key, value, flags);
}

int rax_umap_delete(struct rax_umap *m, const void *key)
{
	/* Array elements cannot be deleted (the kernel says EINVAL too). */
	if (m->type == RAX_MAP_TYPE_ARRAY)
		return -EINVAL;
	return htab_delete(m, key);
}

int rax_umap_get_next_key(struct rax_umap *m, const void *key, void *next_key)
{
	if (m->type == RAX_MAP_TYPE_ARRAY)
		return array_get_next_key(m, key, next_key);
	return htab_get_next_key(m, key, next_key);
}
