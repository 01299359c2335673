// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers Rax programs import (RAX_HELPERS in rax/abi.h), as exported
 * functions of rax.ko.  They run on the program's stack with preemption
 * off and the RCU read lock held, possibly in interrupt or NMI context:
 * nothing here sleeps.  Each checks that it is called from a run and that
 * map definitions belong to the running object.
 */
#include <linux/bpf.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "rax_internal.h"

static DEFINE_PER_CPU(struct rnd_state, rax_rnd_state);

struct rax_map_ref *rax_map_of(const struct rax_map_def *def)
{
	struct rax_run_frame *frame = rax_run_current();

	return frame ? rax_object_map(frame->obj, def) : NULL;
}

/*
 * The value of key in ref's map, or NULL.  Arrays are indexed here as the
 * kernel's own array lookup does (bounds, then the Spectre mask); a hash map
 * goes through a direct call to its element search (rax_maps.c).
 */
static __always_inline void *rax_lookup(const struct rax_map_ref *ref, const void *key)
{
	if (ref->array_value) {
		u32 index = *(const u32 *)key;

		if (unlikely(index >= ref->max_entries))
			return NULL;
		return ref->array_value + (u64)ref->elem_size * (index & ref->index_mask);
	}
	if (likely(ref->hash_direct)) {
		u8 *elem = static_call(rax_hash_lookup)(ref->map, (void *)key);

		return elem ? elem + ref->hash_value_off : NULL;
	}
	return ref->map->ops->map_lookup_elem(ref->map, (void *)key);
}

/* rax_helper_check() for a helper that already has the run's frame. */
static __always_inline void rax_helper_check_frame(struct rax_run_frame *frame)
{
	if (unlikely(READ_ONCE(frame->terminate)))
		rax_run_abort(frame, READ_ONCE(frame->terminate));
}

long rax_map_lookup_elem(const struct rax_map_def *def, const void *key, void *value_out)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_map_ref *ref;
	void *value;

	if (!frame)
		return -EINVAL;
	ref = rax_object_map(frame->obj, def);
	if (!ref)
		return -EINVAL;
	if (!ref->prog_read)
		return -EPERM;
	value = rax_lookup(ref, key);
	rax_helper_check_frame(frame);
	if (!value)
		return -ENOENT;
	memcpy(value_out, value, ref->value_size);
	return 0;
}
EXPORT_SYMBOL_GPL(rax_map_lookup_elem);

void *rax_map_lookup_ptr(const struct rax_map_def *def, const void *key)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_map_ref *ref;
	void *value;

	if (unlikely(!frame))
		return NULL;
	ref = rax_object_map(frame->obj, def);
	/* The pointer allows writes: only for maps programs may write. */
	if (unlikely(!ref || !ref->prog_rw))
		return NULL;
	value = rax_lookup(ref, key);
	/* A lock in a hash value is taken through a pointer from here. */
	if (!ref->array_value && value) {
		u32 slot = frame->memo_next++ % RAX_LOOKUP_MEMO;

		frame->memo[slot].ref = ref;
		frame->memo[slot].value = value;
	}
	rax_helper_check_frame(frame);
	return value;
}
EXPORT_SYMBOL_GPL(rax_map_lookup_ptr);

/*
 * For programs that add the value offset themselves (abi.h, inline_lookup):
 * the element holding key in the hash maps the loader gave an offset, the
 * value itself in other hash maps.  The object's lookup stub answers the
 * first kind without coming here.
 */
void *rax_map_lookup_raw(const struct rax_map_def *def, const void *key)
{
	struct rax_run_frame *frame = rax_run_current();
	struct rax_map_ref *ref;
	void *elem;

	if (unlikely(!frame))
		return NULL;
	ref = rax_object_map(frame->obj, def);
	if (unlikely(!ref || ref->map->map_type != BPF_MAP_TYPE_HASH))
		return NULL;
	if (!ref->hash_inline)
		return rax_map_lookup_ptr(def, key);
	elem = static_call(rax_hash_lookup)(ref->map, (void *)key);
	rax_helper_check_frame(frame);
	return elem;
}
EXPORT_SYMBOL_GPL(rax_map_lookup_raw);

long rax_map_update_elem(const struct rax_map_def *def, const void *key, const void *value,
			 u64 flags)
{
	struct rax_map_ref *ref = rax_map_of(def);

	if (!ref)
		return -EINVAL;
	if (!ref->prog_write)
		return -EPERM;
	long err;

	if (flags > RAX_EXIST)
		return -EINVAL;
	err = ref->map->ops->map_update_elem(ref->map, (void *)key, (void *)value, flags);
	rax_helper_check();
	return err;
}
EXPORT_SYMBOL_GPL(rax_map_update_elem);

long rax_map_delete_elem(const struct rax_map_def *def, const void *key)
{
	struct rax_map_ref *ref = rax_map_of(def);

	if (!ref)
		return -EINVAL;
	long err;

	if (!ref->prog_write)
		return -EPERM;
	err = ref->map->ops->map_delete_elem(ref->map, (void *)key);
	rax_helper_check();
	return err;
}
EXPORT_SYMBOL_GPL(rax_map_delete_elem);

u64 rax_ktime_get_ns(void)
{
	/* The NMI-safe clock: programs may run in any context. */
	u64 now = ktime_get_mono_fast_ns();

	rax_helper_check();
	return now;
}
EXPORT_SYMBOL_GPL(rax_ktime_get_ns);

u32 rax_get_prandom_u32(void)
{
	u32 r = prandom_u32_state(this_cpu_ptr(&rax_rnd_state));

	rax_helper_check();
	return r;
}
EXPORT_SYMBOL_GPL(rax_get_prandom_u32);

u32 rax_get_smp_processor_id(void)
{
	return raw_smp_processor_id();
}
EXPORT_SYMBOL_GPL(rax_get_smp_processor_id);

u64 rax_get_current_pid_tgid(void)
{
	return (u64)current->tgid << 32 | (u32)current->pid;
}
EXPORT_SYMBOL_GPL(rax_get_current_pid_tgid);

long rax_get_current_comm(char *buf, u32 size)
{
	if (!size)
		return -EINVAL;
	strscpy_pad(buf, current->comm, size);
	return 0;
}
EXPORT_SYMBOL_GPL(rax_get_current_comm);

long rax_probe_read_kernel(void *dst, u32 size, const void *src)
{
	long err = copy_from_kernel_nofault(dst, src, size);

	if (err)
		memset(dst, 0, size);
	return err;
}
EXPORT_SYMBOL_GPL(rax_probe_read_kernel);

/* Largest record, as a perf sample's raw data size is a u32 with headers. */
#define RAX_PERF_OUTPUT_MAX (64u * 1024u)

long rax_perf_event_output(void *ctx, const struct rax_map_def *def, u64 flags,
			   const void *data, u64 size)
{
	struct rax_map_ref *ref = rax_map_of(def);
	long err;

	/* ctx is the program's own view: nothing of it reaches the kernel. */
	(void)ctx;
	if (!ref)
		return -EINVAL;
	if (!ref->perf_output)
		return -EPERM;
	if ((flags & ~BPF_F_INDEX_MASK) || !size || size > RAX_PERF_OUTPUT_MAX)
		return -EINVAL;
	err = (long)bpf_event_output(ref->map, flags, (void *)data, size, NULL, 0, NULL);
	rax_helper_check();
	return err;
}
EXPORT_SYMBOL_GPL(rax_perf_event_output);

long rax_trace_printk(const char *msg, u32 len)
{
	struct rax_run_frame *frame = rax_run_current();
	char buf[128];

	if (!frame)
		return -EINVAL;
	len = min_t(u32, len, sizeof(buf) - 1);
	if (copy_from_kernel_nofault(buf, msg, len))
		return -EFAULT;
	buf[len] = '\0';
	pr_info_ratelimited("rax: %s/%s: %s\n", frame->obj->name,
			    frame->prog->name, buf);
	return len;
}
EXPORT_SYMBOL_GPL(rax_trace_printk);

void rax_panic_msg(struct rax_run_frame *frame, const char *msg)
{
	rax_run_set_msg(frame, msg);
	pr_notice_ratelimited("rax: %s/%s: panic: %s\n", frame->obj->name,
			      frame->prog->name, msg);
	rax_run_abort(frame, RAX_ABORT_PANIC);
}

void rax_panic(const char *msg, u32 len)
{
	struct rax_run_frame *frame = rax_run_current();
	char buf[RAX_PANIC_MSG_LEN];

	if (WARN_ON_ONCE(!frame))
		return;
	len = min_t(u32, len, sizeof(buf) - 1);
	if (copy_from_kernel_nofault(buf, msg, len))
		len = 0;
	buf[len] = '\0';
	rax_run_set_msg(frame, buf);
	pr_notice_ratelimited("rax: %s/%s: panic: %s\n", frame->obj->name,
			      frame->prog->name, buf);
	rax_run_abort(frame, RAX_ABORT_PANIC);
}
EXPORT_SYMBOL_GPL(rax_panic);

/* The import table, in RAX_HELPERS order (the ioctl names helpers by index). */
#define RAX_HELPER_ENTRY(name, gpl, since) { (unsigned long)name, gpl },
static struct {
	unsigned long addr;
	bool gpl_only;
} rax_helper_table[] = {
	RAX_HELPERS(RAX_HELPER_ENTRY)
};

unsigned long rax_helper_addr(u32 idx)
{
	return idx < ARRAY_SIZE(rax_helper_table) ? rax_helper_table[idx].addr : 0;
}

bool rax_helper_gpl_only(u32 idx)
{
	return idx < ARRAY_SIZE(rax_helper_table) && rax_helper_table[idx].gpl_only;
}

void rax_helpers_init(void)
{
	prandom_seed_full_state(&rax_rnd_state);
}
