// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The helper imports of the in-process runtime (RAX_HELPERS in abi.h).
 *
 * Programs call these through the PLT stubs of their image; they are bound
 * by name from the table below, never through the dynamic linker, so the
 * C functions carry their own names (rax_h_*) and stay local to librax
 * (the public fd-based rax_map_lookup_elem() has nothing to do with the
 * helper of the same import name).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

/* Bytes of a trace_printk message logged. */
#define RAX_TRACE_MSG_MAX 256u

/* ---- Maps --------------------------------------------------------------------- */
/*
 * Index in obj->maps of the map whose definition in the running image is
 * exactly @def; -1 otherwise (outside a run, a pointer elsewhere in ".maps",
 * a definition outside ".maps" which has no slot).
 */
static int rax_map_index_in(const struct rax_object *obj, const struct rax_map_def *def)
{
	const struct rax_inproc_image *img = obj->inproc;
	uintptr_t base = (uintptr_t)img->maps_base, p = (uintptr_t)def;
	size_t lo = 0, hi = obj->map_cnt;

	if (!base || p < base || p >= base + img->maps_size)
		return -1;
	/* object.c sorts maps by def_off and rejects shared definitions. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t at = base + obj->maps[mid].def_off;

		if (p == at)
			return (int)mid;
		if (p < at)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int rax_inproc_map_index(const struct rax_map_def *def)
{
	struct rax_program *prog = rax_inproc_current_prog();

	return prog ? rax_map_index_in(prog->obj, def) : -1;
}

/*
 * The umap behind @def for a helper call, or NULL with *err set: -EINVAL
 * when @def is not a map of the running object, -EPERM when its map_flags
 * include @deny (the side programs may not use).
 */
static struct rax_umap *rax_h_map_of(const struct rax_map_def *def, __u32 deny, long *err)
{
	struct rax_program *prog = rax_inproc_current_prog();
	int idx = prog ? rax_map_index_in(prog->obj, def) : -1;
	struct rax_umap *m;

	*err = -EINVAL;
	if (idx < 0)
		return NULL;
	m = prog->obj->maps[idx].umap;
	if (m && (prog->obj->maps[idx].def.map_flags & deny)) {
		*err = -EPERM;
		return NULL;
	}
	return m;
}

static long rax_h_map_lookup_elem(const struct rax_map_def *def, const void *key,
				  void *value_out)
{
	long err;
	struct rax_umap *m = rax_h_map_of(def, RAX_F_WRONLY_PROG, &err);

	return m ? rax_umap_lookup(m, key, value_out) : err;
}

static void *rax_h_map_lookup_ptr(const struct rax_map_def *def, const void *key)
{
	long err;
	struct rax_umap *m = rax_h_map_of(def, RAX_F_WRONLY_PROG, &err);

	return m ? rax_umap_lookup_ptr(m, key) : NULL;
}

/*
 * The in-process loader leaves every HASH definition's inline_lookup at 0
 * (abi.h): the value itself, as rax_map_lookup_ptr; NULL for other types.
 */
static void *rax_h_map_lookup_raw(const struct rax_map_def *def, const void *key)
{
	long err;
	struct rax_umap *m = rax_h_map_of(def, RAX_F_WRONLY_PROG, &err);

	if (!m || rax_umap_def(m)->type != RAX_MAP_TYPE_HASH)
		return NULL;
	return rax_umap_lookup_ptr(m, key);
}

static long rax_h_map_update_elem(const struct rax_map_def *def, const void *key,
				  const void *value, __u64 flags)
{
	long err;
	struct rax_umap *m = rax_h_map_of(def, RAX_F_RDONLY_PROG, &err);

	return m ? rax_umap_update(m, key, value, flags) : err;
}

static long rax_h_map_delete_elem(const struct rax_map_def *def, const void *key)
{
	long err;
	struct rax_umap *m = rax_h_map_of(def, RAX_F_RDONLY_PROG, &err);

	return m ? rax_umap_delete(m, key) : err;
}

/* ---- Time, randomness, identity ------------------------------------------------- */
static __u64 rax_h_ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static __thread __u64 rax_h_prandom_state;

static __u32 rax_h_get_prandom_u32(void)
{
	__u64 x = rax_h_prandom_state;

	if (!x) {
		/* Seed once per thread; fall back to something thread-distinct. */
		if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
			x = rax_h_ktime_get_ns() ^ ((__u64)(uintptr_t)&rax_h_prandom_state << 16);
		if (!x)
			x = 0x9e3779b97f4a7c15ull;
	}
	/* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rax_h_prandom_state = x;
	return (__u32)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static __u32 rax_h_get_smp_processor_id(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : (__u32)cpu;
}

static __u64 rax_h_get_current_pid_tgid(void)
{
	return (__u64)(__u32)getpid() << 32 | (__u32)syscall(SYS_gettid);
}

static long rax_h_get_current_comm(char *buf, __u32 size)
{
	char comm[17] = "";
	size_t n;
	int err;

	if (!buf || !size)
		return -EINVAL;
	/*
	 * prctl(PR_GET_NAME) for the calling thread; <sys/prctl.h> pulls in
	 * <linux/types.h>, whose __u64 conflicts with abi.h's.
	 */
	err = pthread_getname_np(pthread_self(), comm, sizeof(comm));
	if (err) {
		memset(buf, 0, size);
		return -err;
	}
	n = strnlen(comm, sizeof(comm) - 1);
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, comm, n);
	buf[n] = '\0';
	return 0;
}

/* ---- Tracing ------------------------------------------------------------------------ */
static long rax_h_probe_read_kernel(void *dst, __u32 size, const void *src)
{
	(void)src;
	/* In-process there is no kernel memory to read. */
	if (dst && size)
		memset(dst, 0, size);
	return -EOPNOTSUPP;
}

static long rax_h_perf_event_output(void *ctx, const struct rax_map_def *def, __u64 flags,
				    const void *data, __u64 size)
{
	(void)ctx;
	(void)def;
	(void)flags;
	(void)data;
	(void)size;
	/* Documented in-process limitation: no perf event arrays. */
	return -EOPNOTSUPP;
}

static long rax_h_trace_printk(const char *msg, __u32 len)
{
	struct rax_program *prog = rax_inproc_current_prog();

	if (!prog || !msg)
		return -EINVAL;
	if (len > RAX_TRACE_MSG_MAX)
		len = RAX_TRACE_MSG_MAX;
	pr_info("prog '%s': %.*s\n", prog->name, (int)len, msg);
	return len;
}

/* ---- Runtime-owned resources (lock_inproc.c, output_inproc.c) -------------------- */
#define rax_h_lock_acquire rax_inproc_lock_acquire
#define rax_h_lock_release rax_inproc_lock_release
#define rax_h_output_reserve rax_inproc_output_reserve
#define rax_h_output_submit rax_inproc_output_submit
#define rax_h_output_discard rax_inproc_output_discard

/* ---- Binding by name ---------------------------------------------------------------- */
#define rax_h_panic rax_inproc_panic

struct rax_helper_impl {
	const char *name;
	void *addr;
};

/* One entry per RAX_HELPERS entry: a helper missing here fails the build. */
#define RAX_HELPER_IMPL(name, gpl, since) { #name, (void *)rax_h_##name##_impl },
#define rax_h_rax_map_lookup_elem_impl rax_h_map_lookup_elem
#define rax_h_rax_map_lookup_ptr_impl rax_h_map_lookup_ptr
#define rax_h_rax_map_update_elem_impl rax_h_map_update_elem
#define rax_h_rax_map_delete_elem_impl rax_h_map_delete_elem
#define rax_h_rax_ktime_get_ns_impl rax_h_ktime_get_ns
#define rax_h_rax_get_prandom_u32_impl rax_h_get_prandom_u32
#define rax_h_rax_get_smp_processor_id_impl rax_h_get_smp_processor_id
#define rax_h_rax_get_current_pid_tgid_impl rax_h_get_current_pid_tgid
#define rax_h_rax_get_current_comm_impl rax_h_get_current_comm
#define rax_h_rax_probe_read_kernel_impl rax_h_probe_read_kernel
#define rax_h_rax_perf_event_output_impl rax_h_perf_event_output
#define rax_h_rax_trace_printk_impl rax_h_trace_printk
#define rax_h_rax_panic_impl rax_h_panic
#define rax_h_rax_lock_acquire_impl rax_h_lock_acquire
#define rax_h_rax_lock_release_impl rax_h_lock_release
#define rax_h_rax_output_reserve_impl rax_h_output_reserve
#define rax_h_rax_output_submit_impl rax_h_output_submit
#define rax_h_rax_output_discard_impl rax_h_output_discard
#define rax_h_rax_map_lookup_raw_impl rax_h_map_lookup_raw

static const struct rax_helper_impl rax_helper_impls[] = {
	RAX_HELPERS(RAX_HELPER_IMPL)
};

_Static_assert(sizeof(rax_helper_impls) / sizeof(rax_helper_impls[0]) == RAX_HELPER_COUNT,
	       "every helper of RAX_HELPERS needs an in-process implementation");

void *rax_inproc_helper_addr(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(rax_helper_impls) / sizeof(rax_helper_impls[0]); i++) {
		if (!strcmp(rax_helper_impls[i].name, name))
			return rax_helper_impls[i].addr;
	}
	return NULL;
}
