// SPDX-License-Identifier: GPL-2.0
/*
 * Links: a program attached to a kprobe, a kretprobe or a raw tracepoint.
 * Each link is an fd (anon inode) holding a reference on its object, so
 * the object's code outlives every hook that can still call it; closing the
 * fd (or RAX_IOC_DETACH) unregisters the hook and waits for runs in flight
 * on other CPUs before the reference is dropped.  The link file also holds
 * a module reference: rmmod is refused while a link exists.
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>

#include "rax_internal.h"

struct rax_link {
	struct rax_object *obj;		/* reference held */
	struct rax_prog *prog;
	u32 kind;			/* enum rax_attach_kind */
	u32 nr_args;			/* raw_tp arity */
	char *target;
	struct mutex lock;		/* serializes detach */
	bool attached;
	union {
		struct kprobe kp;
		struct kretprobe krp;
		struct tracepoint *tp;
	};
};

/* Entry arguments a kretprobe instance keeps for its return handler. */
struct rax_kret_args {
	u64 args[6];
};

static void rax_link_run(struct rax_link *link, void *ctx)
{
	u32 cause;

	/* Hooks run with preemption off; the run holds RCU for map access. */
	rcu_read_lock();
	rax_run_prog(link->obj, link->prog, ctx, &cause);
	rcu_read_unlock();
	atomic64_inc(&link->prog->run_cnt);
}

static void rax_regs_args(const struct pt_regs *regs, u64 *args)
{
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->cx;
	args[4] = regs->r8;
	args[5] = regs->r9;
}

static int rax_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct rax_link *link = container_of(kp, struct rax_link, kp);
	struct rax_kprobe_ctx ctx = {};

	rax_regs_args(regs, ctx.args);
	ctx.ret = regs->ax;
	ctx.ip = (unsigned long)kp->addr;
	ctx.sp = regs->sp;
	rax_link_run(link, &ctx);
	return 0;
}

static int rax_kretprobe_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	rax_regs_args(regs, ((struct rax_kret_args *)ri->data)->args);
	return 0;
}

static int rax_kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *krp = get_kretprobe(ri);
	struct rax_link *link;
	struct rax_kprobe_ctx ctx = {};

	if (!krp)
		return 0;
	link = container_of(krp, struct rax_link, krp);
	/* The registers of the entry are gone: report the saved ones. */
	memcpy(ctx.args, ((struct rax_kret_args *)ri->data)->args, sizeof(ctx.args));
	ctx.ret = regs->ax;
	ctx.ip = instruction_pointer(regs);
	ctx.sp = regs->sp;
	rax_link_run(link, &ctx);
	return 0;
}

/*
 * Tracepoints call their probes with (data, TP_PROTO arguments...); every
 * argument travels as one 64-bit register or stack slot, so one probe per
 * arity receives them all as u64 (what BPF's raw tracepoints assume too).
 */
static void rax_tp_run(void *data, const u64 *args, u32 n)
{
	struct rax_raw_tp_ctx ctx = {};

	memcpy(ctx.args, args, n * sizeof(u64));
	ctx.nr_args = n;
	rax_link_run(data, &ctx);
}

#define RAX_UNPACK(...) __VA_ARGS__
#define RAX_TP_PROBE(n, params, vals)					\
static void rax_tp_probe##n(void *data, RAX_UNPACK params)		\
{									\
	const u64 args[n] = { RAX_UNPACK vals };			\
									\
	rax_tp_run(data, args, n);					\
}

RAX_TP_PROBE(1, (u64 a0), (a0))
RAX_TP_PROBE(2, (u64 a0, u64 a1), (a0, a1))
RAX_TP_PROBE(3, (u64 a0, u64 a1, u64 a2), (a0, a1, a2))
RAX_TP_PROBE(4, (u64 a0, u64 a1, u64 a2, u64 a3), (a0, a1, a2, a3))
RAX_TP_PROBE(5, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4), (a0, a1, a2, a3, a4))
RAX_TP_PROBE(6, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5),
	     (a0, a1, a2, a3, a4, a5))
RAX_TP_PROBE(7, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6),
	     (a0, a1, a2, a3, a4, a5, a6))
RAX_TP_PROBE(8, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 a7),
	     (a0, a1, a2, a3, a4, a5, a6, a7))
RAX_TP_PROBE(9, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 a7,
		 u64 a8), (a0, a1, a2, a3, a4, a5, a6, a7, a8))
RAX_TP_PROBE(10, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 a7,
		  u64 a8, u64 a9), (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9))
RAX_TP_PROBE(11, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 a7,
		  u64 a8, u64 a9, u64 a10), (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10))
RAX_TP_PROBE(12, (u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6, u64 a7,
		  u64 a8, u64 a9, u64 a10, u64 a11),
	     (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11))

static void *const rax_tp_probes[RAX_RAW_TP_MAX_ARGS + 1] = {
	NULL, rax_tp_probe1, rax_tp_probe2, rax_tp_probe3, rax_tp_probe4,
	rax_tp_probe5, rax_tp_probe6, rax_tp_probe7, rax_tp_probe8,
	rax_tp_probe9, rax_tp_probe10, rax_tp_probe11, rax_tp_probe12,
};

struct rax_tp_search {
	const char *name;
	struct tracepoint *tp;
};

static void rax_tp_match(struct tracepoint *tp, void *priv)
{
	struct rax_tp_search *s = priv;

	if (!s->tp && !strcmp(tp->name, s->name))
		s->tp = tp;
}

/*
 * Enable a probe registered disabled, unless it lies in the text arena:
 * the loader rewrites arena code behind the kprobe machinery's back, so a
 * probe there could restore a stale byte into another object's code.
 */
static int rax_kprobe_arm(struct kprobe *kp, struct kretprobe *krp)
{
	int err = -EINVAL;

	if (!rax_ip_in_programs((unsigned long)kp->addr))
		err = enable_kprobe(kp);
	if (err) {
		if (krp)
			unregister_kretprobe(krp);
		else
			unregister_kprobe(kp);
	}
	return err;
}

static int rax_link_register(struct rax_link *link, u64 offset, u32 maxactive)
{
	struct rax_tp_search search = { .name = link->target };
	int err;

	switch (link->kind) {
	case RAX_ATTACH_KPROBE:
		link->kp.symbol_name = link->target;
		link->kp.offset = offset;
		link->kp.pre_handler = rax_kprobe_pre;
		link->kp.flags = KPROBE_FLAG_DISABLED;
		err = register_kprobe(&link->kp);
		if (err)
			return err;
		return rax_kprobe_arm(&link->kp, NULL);
	case RAX_ATTACH_KRETPROBE:
		link->krp.kp.symbol_name = link->target;
		link->krp.kp.flags = KPROBE_FLAG_DISABLED;
		link->krp.entry_handler = rax_kretprobe_entry;
		link->krp.handler = rax_kretprobe_ret;
		link->krp.data_size = sizeof(struct rax_kret_args);
		link->krp.maxactive = maxactive;
		err = register_kretprobe(&link->krp);
		if (err)
			return err;
		return rax_kprobe_arm(&link->krp.kp, &link->krp);
	case RAX_ATTACH_RAW_TP:
		/* Built-in tracepoints only: they never go away. */
		for_each_kernel_tracepoint(rax_tp_match, &search);
		if (!search.tp)
			return -ENOENT;
		err = tracepoint_probe_register(search.tp, rax_tp_probes[link->nr_args], link);
		if (!err)
			link->tp = search.tp;
		return err;
	default:
		return -EINVAL;
	}
}

/* Unregister and wait until no CPU can still be running the program. */
static void rax_link_detach(struct rax_link *link)
{
	mutex_lock(&link->lock);
	if (!link->attached)
		goto out;
	switch (link->kind) {
	case RAX_ATTACH_KPROBE:
		unregister_kprobe(&link->kp);	/* waits for handlers */
		break;
	case RAX_ATTACH_KRETPROBE:
		unregister_kretprobe(&link->krp);	/* waits for handlers */
		break;
	case RAX_ATTACH_RAW_TP:
		tracepoint_probe_unregister(link->tp, rax_tp_probes[link->nr_args], link);
		tracepoint_synchronize_unregister();
		break;
	}
	link->attached = false;
	atomic64_dec(&rax_counters.links);
out:
	mutex_unlock(&link->lock);
}

static void rax_link_free(struct rax_link *link)
{
	rax_object_put(link->obj);
	kfree(link->target);
	kfree(link);
}

static int rax_link_release(struct inode *inode, struct file *file)
{
	struct rax_link *link = file->private_data;

	rax_link_detach(link);
	rax_link_free(link);
	return 0;
}

static long rax_ioctl_detach(struct rax_link *link, void __user *uarg)
{
	struct rax_ioc_detach req;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.flags)
		return -EINVAL;
	rax_link_detach(link);
	return 0;
}

static long rax_link_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case RAX_IOC_DETACH:
		return rax_ioctl_detach(file->private_data, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations rax_link_fops = {
	.owner = THIS_MODULE,
	.release = rax_link_release,
	.unlocked_ioctl = rax_link_ioctl,
	.llseek = noop_llseek,
};

static int rax_attach_check(const struct rax_ioc_attach *req, const struct rax_prog *prog)
{
	if (req->flags)
		return -EINVAL;
	switch (req->kind) {
	case RAX_ATTACH_KPROBE:
		if (prog->type != RAX_PROG_TYPE_KPROBE || req->nr_args || req->maxactive)
			return -EINVAL;
		return 0;
	case RAX_ATTACH_KRETPROBE:
		if (prog->type != RAX_PROG_TYPE_KPROBE || req->nr_args || req->offset)
			return -EINVAL;
		return 0;
	case RAX_ATTACH_RAW_TP:
		if (prog->type != RAX_PROG_TYPE_RAW_TRACEPOINT || req->offset || req->maxactive ||
		    !req->nr_args || req->nr_args > RAX_RAW_TP_MAX_ARGS)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

long rax_ioctl_attach(struct rax_object *obj, void __user *uarg)
{
	struct rax_ioc_attach req;
	struct rax_link *link;
	u32 usize;
	int err, fd;

	/* A hook runs the program on every event of the whole system. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	err = copy_struct_from_user(&req, sizeof(req), uarg, usize);
	if (err)
		return err;
	if (req.prog >= obj->prog_cnt)
		return -EINVAL;
	err = rax_attach_check(&req, &obj->progs[req.prog]);
	if (err)
		return err;
	if (req.offset > INT_MAX || req.maxactive > RAX_ATTACH_MAXACTIVE_MAX)
		return -EINVAL;

	link = kzalloc(sizeof(*link), GFP_KERNEL);
	if (!link)
		return -ENOMEM;
	link->target = strndup_user(u64_to_user_ptr(req.target), RAX_ATTACH_TARGET_MAX);
	if (IS_ERR(link->target)) {
		err = PTR_ERR(link->target);
		kfree(link);
		return err;
	}
	mutex_init(&link->lock);
	rax_object_get(obj);
	link->obj = obj;
	link->prog = &obj->progs[req.prog];
	link->kind = req.kind;
	link->nr_args = req.nr_args;

	err = rax_link_register(link, req.offset, req.maxactive);
	if (err) {
		rax_link_free(link);
		return err;
	}
	link->attached = true;
	atomic64_inc(&rax_counters.links);

	fd = anon_inode_getfd("rax-link", &rax_link_fops, link, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rax_link_detach(link);
		rax_link_free(link);
	}
	return fd;
}
