// SPDX-License-Identifier: GPL-2.0
/*
 * The object fd: its lifetime (closing it frees the object), test runs and
 * per-program statistics.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "rax_internal.h"

/* Largest test-run packet and context. */
#define RAX_TEST_DATA_MAX (64u * 1024u)
#define RAX_TEST_CTX_MAX 4096u

void rax_object_free(struct rax_object *obj)
{
	bool loaded = obj->loaded;
	u32 i;

	for (i = 0; i < obj->prog_cnt; i++)
		rax_watchdog_prog_gone(&obj->progs[i]);
	for (i = 0; i < obj->map_cnt; i++)
		rax_map_unbind(&obj->maps[i]);
	if (obj->text_addr) {
		/* Freed code becomes int3 again before the space is reused. */
		rax_text_fill(obj->text_addr, 0xcc, obj->text_size);
		rax_arena_free(&rax_text, obj->text_addr, obj->text_size);
	}
	if (obj->data_addr) {
		memset((void *)obj->data_addr, 0, obj->data_size);
		rax_arena_free(&rax_data, obj->data_addr, obj->data_size);
	}
	kvfree(obj->def_index);
	kfree(obj->maps);
	kfree(obj->progs);
	kfree(obj);
	atomic64_dec(&rax_counters.objects);
	if (loaded)
		atomic64_inc(&rax_counters.frees_total);
	rax_watchdog_put();
}

void rax_object_get(struct rax_object *obj)
{
	refcount_inc(&obj->refs);
}

void rax_object_put(struct rax_object *obj)
{
	if (refcount_dec_and_test(&obj->refs))
		rax_object_free(obj);
}

int rax_object_index_maps(struct rax_object *obj)
{
	unsigned long lo = ULONG_MAX, hi = 0;
	u32 i;

	if (!obj->map_cnt)
		return 0;
	for (i = 0; i < obj->map_cnt; i++) {
		lo = min(lo, obj->maps[i].def_addr);
		hi = max(hi, obj->maps[i].def_addr);
	}
	/* Definitions are 8-byte aligned places in the object's data. */
	if ((hi - lo) / 8 >= obj->data_size / 8 + 1)
		return -EINVAL;
	obj->def_index = kvcalloc((hi - lo) / 8 + 1, sizeof(*obj->def_index), GFP_KERNEL);
	if (!obj->def_index)
		return -ENOMEM;
	for (i = 0; i < obj->map_cnt; i++) {
		unsigned long off = obj->maps[i].def_addr - lo;

		if (off % 8)
			return -EINVAL;	/* freed with the object */
		obj->def_index[off / 8] = &obj->maps[i];
	}
	obj->def_lo = lo;
	obj->def_slots = (hi - lo) / 8 + 1;
	return 0;
}

static int rax_object_release(struct inode *inode, struct file *file)
{
	/* Links keep the object (and its code) until they are detached. */
	rax_object_put(file->private_data);
	return 0;
}

static size_t rax_ctx_size(u32 prog_type)
{
	switch (prog_type) {
	case RAX_PROG_TYPE_XDP:
	case RAX_PROG_TYPE_SCHED_CLS:
		return sizeof(struct rax_xdp_ctx);
	case RAX_PROG_TYPE_KPROBE:
		return sizeof(struct rax_kprobe_ctx);
	case RAX_PROG_TYPE_RAW_TRACEPOINT:
		return sizeof(struct rax_raw_tp_ctx);
	default:
		return 0;
	}
}

/* Runs per rax_run_repeat call: how often the loop looks at the scheduler. */
#define RAX_TEST_BATCH 64u

/*
 * Run prog repeat times with preemption off, yielding when the scheduler
 * asks (a long repeat under TCG would otherwise stall RCU).  The time
 * spent yielding is not counted.
 */
static int rax_test_loop(struct rax_object *obj, struct rax_prog *prog, void *ctx,
			 u32 repeat, u64 *retval, u32 *cause, u64 *total_ns)
{
	u64 start, ns = 0;
	u32 i, n;

	preempt_disable();
	rcu_read_lock();
	start = ktime_get_ns();
	for (i = 0; i < repeat; i += n) {
		n = min(repeat - i, RAX_TEST_BATCH);
		*retval = rax_run_repeat(obj, prog, ctx, n, cause);
		if (need_resched() && i + n < repeat) {
			ns += ktime_get_ns() - start;
			rcu_read_unlock();
			preempt_enable();
			if (signal_pending(current)) {
				*total_ns = ns;
				return -EINTR;
			}
			cond_resched();
			preempt_disable();
			rcu_read_lock();
			start = ktime_get_ns();
		}
	}
	ns += ktime_get_ns() - start;
	rcu_read_unlock();
	preempt_enable();
	*total_ns = ns;
	return 0;
}

long rax_ioctl_test_run(struct rax_object *obj, void __user *uarg)
{
	struct rax_ioc_test_run req;
	size_t ctx_size, ctx_alloc;
	void *data = NULL, *ctx = NULL;
	struct rax_prog *prog;
	u64 retval = 0, ns = 0;
	u32 usize, cause = 0, repeat;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.flags || req.reserved || req.prog >= obj->prog_cnt)
		return -EINVAL;
	prog = &obj->progs[req.prog];
	/* A packet context holds kernel addresses: never copied out. */
	if (req.ctx_out && (prog->type == RAX_PROG_TYPE_XDP ||
			    prog->type == RAX_PROG_TYPE_SCHED_CLS))
		return -EINVAL;
	repeat = req.repeat ? req.repeat : 1;
	ctx_size = rax_ctx_size(prog->type);

	if (req.ctx_size_in > RAX_TEST_CTX_MAX || req.data_size_in > RAX_TEST_DATA_MAX)
		return -E2BIG;
	ctx_alloc = max_t(size_t, ctx_size, req.ctx_size_in);
	ctx = kzalloc(max_t(size_t, ctx_alloc, 8), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	if (req.ctx_size_in &&
	    copy_from_user(ctx, u64_to_user_ptr(req.ctx_in), req.ctx_size_in)) {
		err = -EFAULT;
		goto out;
	}

	if (prog->type == RAX_PROG_TYPE_XDP || prog->type == RAX_PROG_TYPE_SCHED_CLS) {
		struct rax_xdp_ctx *x = ctx;

		/* An empty packet is valid: data == data_end. */
		data = kmalloc(max_t(u32, req.data_size_in, 1), GFP_KERNEL);
		if (!data) {
			err = -ENOMEM;
			goto out;
		}
		if (copy_from_user(data, u64_to_user_ptr(req.data_in), req.data_size_in)) {
			err = -EFAULT;
			goto out;
		}
		x->data = (u64)(unsigned long)data;
		x->data_end = x->data + req.data_size_in;
	} else if (req.data_size_in) {
		err = -EINVAL;
		goto out;
	}

	err = rax_test_loop(obj, prog, ctx, repeat, &retval, &cause, &ns);
	atomic64_add(repeat, &prog->run_cnt);
	atomic64_add(ns, &prog->run_time_ns);
	if (err)
		goto out;

	req.retval = retval;
	req.abort_cause = cause;
	req.duration_ns = div_u64(ns, repeat);
	if (data && req.data_out) {
		u32 n = min(req.data_size_out, req.data_size_in);

		if (copy_to_user(u64_to_user_ptr(req.data_out), data, n)) {
			err = -EFAULT;
			goto out;
		}
		req.data_size_out = req.data_size_in;
	}
	if (req.ctx_out) {
		/* Context-only programs (syscall) return results through it. */
		u32 n = min_t(size_t, req.ctx_size_out, ctx_alloc);

		if (copy_to_user(u64_to_user_ptr(req.ctx_out), ctx, n)) {
			err = -EFAULT;
			goto out;
		}
		req.ctx_size_out = ctx_alloc;
	}
	if (copy_to_user(uarg, &req, min_t(size_t, usize, sizeof(req))))
		err = -EFAULT;
out:
	kfree(data);
	kfree(ctx);
	return err;
}

static long rax_ioctl_stats(struct rax_object *obj, void __user *uarg)
{
	struct rax_ioc_stats st;
	struct rax_prog *prog;
	unsigned long flags;
	u32 usize, i;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(&st, sizeof(st), uarg, usize);
	if (err)
		return err;
	if (st.prog >= obj->prog_cnt)
		return -EINVAL;
	prog = &obj->progs[st.prog];
	st.run_cnt = atomic64_read(&prog->run_cnt);
	st.run_time_ns = atomic64_read(&prog->run_time_ns);
	st.missed = atomic64_read(&prog->missed);
	memset(st.aborted, 0, sizeof(st.aborted));
	for (i = 0; i < RAX_ABORT_CAUSE_MAX && i < ARRAY_SIZE(st.aborted); i++)
		st.aborted[i] = atomic64_read(&prog->aborted[i]);
	raw_spin_lock_irqsave(&prog->msg_lock, flags);
	strscpy_pad(st.last_abort_msg, prog->last_abort_msg, sizeof(st.last_abort_msg));
	raw_spin_unlock_irqrestore(&prog->msg_lock, flags);
	st.time_budget_ms = READ_ONCE(prog->time_budget_ms);
	st.reserved = 0;
	if (copy_to_user(uarg, &st, min_t(size_t, usize, sizeof(st))))
		return -EFAULT;
	return 0;
}

/* RAX_IOC_SET_BUDGET: checked in full before anything changes. */
static long rax_ioctl_set_budget(struct rax_object *obj, void __user *uarg)
{
	struct rax_ioc_set_budget req;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < RAX_SET_BUDGET_SIZE_VER0)
		return -EINVAL;
	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.flags || req.prog >= obj->prog_cnt ||
	    req.time_budget_ms > RAX_MAX_TIME_BUDGET_MS)
		return -EINVAL;
	rax_watchdog_prog_budget(&obj->progs[req.prog], req.time_budget_ms);
	return 0;
}

static long rax_object_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct rax_object *obj = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case RAX_IOC_TEST_RUN:
		return rax_ioctl_test_run(obj, uarg);
	case RAX_IOC_STATS:
		return rax_ioctl_stats(obj, uarg);
	case RAX_IOC_ATTACH:
		return rax_ioctl_attach(obj, uarg);
	case RAX_IOC_SET_BUDGET:
		return rax_ioctl_set_budget(obj, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations rax_object_fops = {
	.owner = THIS_MODULE,
	.release = rax_object_release,
	.unlocked_ioctl = rax_object_ioctl,
	.llseek = noop_llseek,
};

int rax_object_install_fd(struct rax_object *obj)
{
	/* The file holds a module reference: rmmod waits for every object. */
	return anon_inode_getfd("rax-object", &rax_object_fops, obj, O_RDWR | O_CLOEXEC);
}
