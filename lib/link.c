// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Links: a program attached to a kernel hook (kprobe, kretprobe, raw
 * tracepoint) through rax.ko's RAX_IOC_ATTACH.  A link is an fd, like a BPF
 * link: closing it detaches, and it keeps the loaded object alive in the
 * kernel, so it may outlive rax_object__close().  The in-process backend
 * has no kernel hooks: attaching there fails with EOPNOTSUPP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "backend_kernel.h"

struct rax_link {
	int fd;			/* link fd from rax.ko, -1 once destroyed */
	enum rax_attach_kind kind;
	char *target;		/* function or event */
};

/* Arity of raw tracepoint @event from BTF: the btf_trace_<event> typedef is
 * a pointer to a function whose first parameter is the probe's data. */
static int raw_tp_arity(const char *event, __u32 *nr_args)
{
	const struct btf_type *t;
	struct btf *btf;
	char name[RAX_ATTACH_TARGET_MAX + 16];
	int id, err = 0;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		err = -errno;
		pr_warn("raw_tp '%s': cannot read the kernel's BTF (needed for the argument count): %s\n",
			event, strerror(-err));
		return err;
	}
	snprintf(name, sizeof(name), "btf_trace_%s", event);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0) {
		pr_warn("raw_tp '%s': no such tracepoint in the kernel's BTF\n", event);
		err = -ENOENT;
		goto out;
	}
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_ptr(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 1 ||
	    btf_vlen(t) - 1u > RAX_RAW_TP_MAX_ARGS) {
		pr_warn("raw_tp '%s': unexpected BTF type for %s (or more than %u arguments)\n",
			event, name, RAX_RAW_TP_MAX_ARGS);
		err = -EINVAL;
		goto out;
	}
	*nr_args = btf_vlen(t) - 1u;
out:
	btf__free(btf);
	return err;
}

static const char *kind_str(enum rax_attach_kind kind)
{
	switch (kind) {
	case RAX_ATTACH_KPROBE:
		return "kprobe";
	case RAX_ATTACH_KRETPROBE:
		return "kretprobe";
	case RAX_ATTACH_RAW_TP:
		return "raw_tp";
	default:
		return "?";
	}
}

static int link_attach(const struct rax_program *prog, enum rax_attach_kind kind,
		       const char *target, __u64 offset, struct rax_link **out)
{
	struct rax_ioc_attach a;
	struct rax_link *link;
	enum rax_prog_type want = kind == RAX_ATTACH_RAW_TP ?
					  RAX_PROG_TYPE_RAW_TRACEPOINT : RAX_PROG_TYPE_KPROBE;
	int obj_fd, fd, err;

	if (!prog || !target || !*target)
		return -EINVAL;
	if (strlen(target) >= RAX_ATTACH_TARGET_MAX) {
		pr_warn("prog '%s': attach target name too long\n", prog->name);
		return -ENAMETOOLONG;
	}
	if (prog->type != want) {
		pr_warn("prog '%s': a program of section '%s' cannot attach as %s\n",
			prog->name, prog->sec_name, kind_str(kind));
		return -EINVAL;
	}
	if (!prog->obj->loaded) {
		pr_warn("prog '%s': attach: the object is not loaded\n", prog->name);
		return -EINVAL;
	}
	if (prog->obj->backend != RAX_BACKEND_KERNEL) {
		pr_warn("prog '%s': attach: the in-process backend has no kernel hooks; load with the kernel backend (rax.ko, RAX_BACKEND=kernel) to attach, or use rax_prog_test_run_opts()\n",
			prog->name);
		return -EOPNOTSUPP;
	}
	obj_fd = rax_kernel_object_fd(prog->obj);
	if (obj_fd < 0)
		return -EINVAL;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.prog = rax_kernel_prog_index(prog);
	a.kind = kind;
	a.target = (__u64)(uintptr_t)target;
	a.offset = offset;
	if (kind == RAX_ATTACH_RAW_TP) {
		err = raw_tp_arity(target, &a.nr_args);
		if (err)
			return err;
	}

	link = calloc(1, sizeof(*link));
	if (!link)
		return -ENOMEM;
	link->fd = -1;
	link->kind = kind;
	link->target = strdup(target);
	if (!link->target) {
		err = -ENOMEM;
		goto fail;
	}
	fd = ioctl(obj_fd, RAX_IOC_ATTACH, &a);
	if (fd < 0) {
		err = -errno;
		pr_warn("prog '%s': cannot attach to %s '%s': %s\n", prog->name,
			kind_str(kind), target, strerror(-err));
		goto fail;
	}
	link->fd = fd;
	pr_debug("prog '%s': attached to %s '%s' (link fd %d)\n", prog->name,
		 kind_str(kind), target, fd);
	*out = link;
	return 0;
fail:
	free(link->target);
	free(link);
	return err;
}

/**
 * @brief Attach a kprobe or kretprobe program to kernel function @p func_name.
 * @param prog a loaded program of type RAX_PROG_TYPE_KPROBE (kernel backend)
 * @param retprobe true for a kretprobe (runs when the function returns)
 * @param func_name the function; "func+offset" probes inside it (kprobe only)
 * @return the link, or NULL + errno (EOPNOTSUPP in-process, EINVAL for a
 * wrong type or unloaded object, ENOENT for an unknown function)
 */
struct rax_link *rax_program__attach_kprobe(const struct rax_program *prog, bool retprobe,
					    const char *func_name)
{
	struct rax_link *link = NULL;
	unsigned long long offset = 0;
	char func[RAX_ATTACH_TARGET_MAX];
	const char *plus;
	char *end;
	int err;

	if (!prog || !func_name)
		return librax_err_ptr(-EINVAL);
	if (strlen(func_name) >= sizeof(func))
		return librax_err_ptr(-ENAMETOOLONG);
	strcpy(func, func_name);
	plus = strchr(func_name, '+');
	if (plus) {
		errno = 0;
		offset = strtoull(plus + 1, &end, 0);
		if (errno || end == plus + 1 || *end || retprobe) {
			pr_warn("prog '%s': bad kprobe target '%s' (func+offset, kprobe only)\n",
				prog->name, func_name);
			return librax_err_ptr(-EINVAL);
		}
		func[plus - func_name] = '\0';
	}
	err = link_attach(prog, retprobe ? RAX_ATTACH_KRETPROBE : RAX_ATTACH_KPROBE, func,
			  offset, &link);
	if (err)
		return librax_err_ptr(err);
	return link;
}

/**
 * @brief Attach a raw tracepoint program to tracepoint @p tp_name (the raw
 * TP_PROTO arguments; their count comes from the kernel's BTF).
 * @param prog a loaded program of type RAX_PROG_TYPE_RAW_TRACEPOINT (kernel backend)
 * @param tp_name the event, e.g. "sys_enter"
 * @return the link, or NULL + errno (EOPNOTSUPP in-process, ENOENT for an
 * unknown event)
 */
struct rax_link *rax_program__attach_raw_tracepoint(const struct rax_program *prog,
						    const char *tp_name)
{
	struct rax_link *link = NULL;
	int err;

	err = link_attach(prog, RAX_ATTACH_RAW_TP, tp_name, 0, &link);
	if (err)
		return librax_err_ptr(err);
	return link;
}

/**
 * @brief Attach a program where its section name says: "kprobe/<func>",
 * "kretprobe/<func>", "raw_tp/<event>" or "raw_tracepoint/<event>".
 * @param prog a loaded program (kernel backend)
 * @return the link, or NULL + errno (EOPNOTSUPP for a section with no
 * attach target, or in-process)
 */
struct rax_link *rax_program__attach(const struct rax_program *prog)
{
	static const struct {
		const char *prefix;
		int kind;
	} autos[] = {
		{ "kprobe/", RAX_ATTACH_KPROBE },
		{ "kretprobe/", RAX_ATTACH_KRETPROBE },
		{ "raw_tp/", RAX_ATTACH_RAW_TP },
		{ "raw_tracepoint/", RAX_ATTACH_RAW_TP },
	};
	size_t i;

	if (!prog)
		return librax_err_ptr(-EINVAL);
	for (i = 0; i < sizeof(autos) / sizeof(autos[0]); i++) {
		size_t len = strlen(autos[i].prefix);
		const char *target = prog->sec_name + len;

		if (strncmp(prog->sec_name, autos[i].prefix, len) != 0 || !*target)
			continue;
		if (autos[i].kind == RAX_ATTACH_RAW_TP)
			return rax_program__attach_raw_tracepoint(prog, target);
		return rax_program__attach_kprobe(prog, autos[i].kind == RAX_ATTACH_KRETPROBE,
						  target);
	}
	pr_warn("prog '%s': section '%s' names no attach target (kprobe/<func>, kretprobe/<func>, raw_tp/<event>)\n",
		prog->name, prog->sec_name);
	return librax_err_ptr(-EOPNOTSUPP);
}

/**
 * @brief The link's fd (closing it would detach; use rax_link__destroy()).
 * @param link the link
 * @return the fd, or -EINVAL (errno set)
 */
int rax_link__fd(const struct rax_link *link)
{
	if (!link || link->fd < 0)
		return librax_err(-EINVAL);
	return link->fd;
}

/**
 * @brief Detach now, keeping the link object (its fd stays open, inert)
 * until rax_link__destroy().
 * @param link the link
 * @return 0, or a negative errno (errno set)
 */
int rax_link__detach(struct rax_link *link)
{
	struct rax_ioc_detach d = { .size = sizeof(d) };

	if (!link || link->fd < 0)
		return librax_err(-EINVAL);
	if (ioctl(link->fd, RAX_IOC_DETACH, &d))
		return librax_err(-errno);
	return 0;
}

/**
 * @brief Detach (waiting for runs in flight) and free the link; NULL is a no-op.
 * @param link the link, or NULL
 * @return 0, or a negative errno (errno set)
 */
int rax_link__destroy(struct rax_link *link)
{
	int err = 0;

	if (!link)
		return 0;
	if (link->fd >= 0 && close(link->fd))
		err = -errno;
	free(link->target);
	free(link);
	return librax_err(err);
}
