// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Detach while another CPU runs the hook: a thread calls getppid() in a
 * loop while the main thread, N times, attaches a kprobe program inside
 * __x64_sys_getppid and a raw tracepoint program on sys_enter, sleeps 1 ms
 * and detaches them.  The same loop runs with rax.ko (the trace_counter
 * sample, RAX_IOC_ATTACH and closing the link fds) or with the equivalent
 * eBPF programs through libbpf (ebpf/detach_busy.bpf.c), so a kernel or
 * emulator problem shows up on both and a rax.ko problem on one only.
 * Afterwards both programs must have counted while attached, nothing may
 * count once detached, and (rax) every link and object must be gone.
 *
 * Usage: vm_detach_busy [options]
 *   --backend rax|ebpf   (rax)
 *   --hooks kprobe|rawtp|both   (both)
 *   --iters N            attach/detach rounds (40)
 *   --offset N           kprobe offset into __x64_sys_getppid (5: past the
 *                        fentry call, an int3/jump probe; arming probes on
 *                        the ftrace site itself under load crashed the TCG
 *                        guest in earlier runs, a jump to 0 from the ftrace
 *                        trampoline, even with a handler doing nothing)
 *   --kprobe-opt 0|1     set /proc/sys/debug/kprobes-optimization first
 *   --keep-armed 0|1     (0) with 1, a second set of the same hooks (another
 *                        object) stays attached from before the load starts
 *                        until after it stops, so the kernel patches the
 *                        hook sites' code only while no other CPU runs them:
 *                        the rounds then only add and remove probes on
 *                        sites that stay armed (see docs/kernel-module.md)
 *   --rax-obj PATH       (/objs/trace_counter.rax.o)
 *   --bpf-obj PATH       (/objs/detach_busy.bpf.o)
 *   --name NAME          test name in the report (detach_busy)
 * Prints "RAX-TEST: <name> PASS|FAIL [detail]".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vm_btf.h"
#include "vm_obj.h"
#include "vm_util.h"

#define KPROBE_FUNC "__x64_sys_getppid"

struct options {
	const char *backend;
	bool kprobe, rawtp;
	int iters;
	unsigned int offset;
	const char *kprobe_opt;
	bool keep_armed;
	const char *rax_obj;
	const char *bpf_obj;
	const char *name;
};

/* One backend: maps to read, and attach/detach of one round's hooks. */
struct backend {
	int kprobe_map, syscall_map;
	int (*attach)(struct backend *b, const struct options *o);
	void (*detach)(struct backend *b);
	/* rax */
	struct vm_obj obj;
	int kprobe_prog, rawtp_prog;
	unsigned int sys_enter_args;
	int obj_fd, kprobe_link, rawtp_link;
	/* ebpf */
	struct bpf_object *bobj;
	struct bpf_link *links[2];
};

static atomic_bool stop_hammer;
static atomic_ulong hammered;

static void *hammer(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_hammer)) {
		syscall(SYS_getppid);
		atomic_fetch_add(&hammered, 1);
	}
	return NULL;
}

static uint64_t count_of(int map)
{
	uint32_t key = (uint32_t)getpid();
	uint64_t val = 0;

	if (bpf_map_lookup_elem(map, &key, &val))
		return 0;
	return val;
}

static int rax_attach_one(int fd, int prog, unsigned int kind, const char *target,
			  unsigned int nr_args, unsigned int offset)
{
	struct rax_ioc_attach at = {
		.size = sizeof(at),
		.prog = (__u32)prog,
		.kind = kind,
		.target = (__u64)(uintptr_t)target,
		.offset = offset,
		.nr_args = nr_args,
	};

	return ioctl(fd, RAX_IOC_ATTACH, &at);
}

static int rax_attach(struct backend *b, const struct options *o)
{
	struct rax_ioc_load req;
	int dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	b->kprobe_link = b->rawtp_link = -1;
	if (dev < 0)
		return -1;
	vm_obj_request(&b->obj, &req);
	b->obj_fd = ioctl(dev, RAX_IOC_LOAD, &req);
	close(dev);
	if (b->obj_fd < 0)
		return -1;
	if (o->kprobe)
		b->kprobe_link = rax_attach_one(b->obj_fd, b->kprobe_prog, RAX_ATTACH_KPROBE,
						KPROBE_FUNC, 0, o->offset);
	if (o->rawtp)
		b->rawtp_link = rax_attach_one(b->obj_fd, b->rawtp_prog, RAX_ATTACH_RAW_TP,
					       "sys_enter", b->sys_enter_args, 0);
	return (o->kprobe && b->kprobe_link < 0) || (o->rawtp && b->rawtp_link < 0) ? -1 : 0;
}

/* Object fd first: the links are then the last references. */
static void rax_detach(struct backend *b)
{
	if (b->obj_fd >= 0)
		close(b->obj_fd);
	if (b->kprobe_link >= 0)
		close(b->kprobe_link);
	if (b->rawtp_link >= 0)
		close(b->rawtp_link);
	b->obj_fd = b->kprobe_link = b->rawtp_link = -1;
}

static int rax_setup(struct backend *b, const struct options *o)
{
	int arity;

	if (vm_obj_open(&b->obj, o->rax_obj))
		return -1;
	b->kprobe_map = b->syscall_map = -1;
	for (unsigned int i = 0; i < b->obj.map_cnt; i++) {
		const struct rax_map_def *d = &b->obj.map_defs[i];
		int fd = bpf_map_create(d->type, b->obj.maps[i].name, d->key_size,
					d->value_size, d->max_entries, NULL);

		if (fd < 0)
			return -1;
		b->obj.maps[i].fd = fd;
		if (!strcmp(b->obj.maps[i].name, "KPROBE_HITS"))
			b->kprobe_map = fd;
		else if (!strcmp(b->obj.maps[i].name, "SYSCALL_HITS"))
			b->syscall_map = fd;
	}
	b->kprobe_prog = vm_obj_prog(&b->obj, "count_getppid");
	b->rawtp_prog = vm_obj_prog(&b->obj, "count_sys_enter");
	arity = vm_tp_arity("sys_enter");
	if (b->kprobe_map < 0 || b->syscall_map < 0 || b->kprobe_prog < 0 ||
	    b->rawtp_prog < 0 || arity <= 0)
		return -1;
	b->sys_enter_args = (unsigned int)arity;
	b->attach = rax_attach;
	b->detach = rax_detach;
	return 0;
}

static int ebpf_attach(struct backend *b, const struct options *o)
{
	LIBBPF_OPTS(bpf_kprobe_opts, kopts, .offset = o->offset);

	b->links[0] = b->links[1] = NULL;
	if (o->kprobe)
		b->links[0] = bpf_program__attach_kprobe_opts(
			bpf_object__find_program_by_name(b->bobj, "count_getppid"),
			KPROBE_FUNC, &kopts);
	if (o->rawtp)
		b->links[1] = bpf_program__attach_raw_tracepoint(
			bpf_object__find_program_by_name(b->bobj, "count_sys_enter"),
			"sys_enter");
	return (o->kprobe && !b->links[0]) || (o->rawtp && !b->links[1]) ? -1 : 0;
}

static void ebpf_detach(struct backend *b)
{
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(b->links[i]);
		b->links[i] = NULL;
	}
}

static int ebpf_setup(struct backend *b, const struct options *o)
{
	b->bobj = bpf_object__open_file(o->bpf_obj, NULL);
	if (!b->bobj || bpf_object__load(b->bobj))
		return -1;
	b->kprobe_map = bpf_map__fd(bpf_object__find_map_by_name(b->bobj, "KPROBE_HITS"));
	b->syscall_map = bpf_map__fd(bpf_object__find_map_by_name(b->bobj, "SYSCALL_HITS"));
	if (b->kprobe_map < 0 || b->syscall_map < 0)
		return -1;
	b->attach = ebpf_attach;
	b->detach = ebpf_detach;
	return 0;
}

static int set_kprobe_opt(const char *value)
{
	int fd = open("/proc/sys/debug/kprobes-optimization", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int parse(int argc, char **argv, struct options *o)
{
	*o = (struct options){
		.backend = "rax", .kprobe = true, .rawtp = true, .iters = 40, .offset = 5,
		.rax_obj = "/objs/trace_counter.rax.o", .bpf_obj = "/objs/detach_busy.bpf.o",
		.name = "detach_busy",
	};
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--backend"))
			o->backend = v;
		else if (!strcmp(k, "--hooks")) {
			o->kprobe = strcmp(v, "rawtp") != 0;
			o->rawtp = strcmp(v, "kprobe") != 0;
		} else if (!strcmp(k, "--iters"))
			o->iters = atoi(v);
		else if (!strcmp(k, "--offset"))
			o->offset = (unsigned int)atoi(v);
		else if (!strcmp(k, "--kprobe-opt"))
			o->kprobe_opt = v;
		else if (!strcmp(k, "--keep-armed"))
			o->keep_armed = atoi(v) != 0;
		else if (!strcmp(k, "--rax-obj"))
			o->rax_obj = v;
		else if (!strcmp(k, "--bpf-obj"))
			o->bpf_obj = v;
		else if (!strcmp(k, "--name"))
			o->name = v;
		else
			return -1;
	}
	return argc % 2 == 1 && o->iters > 0 &&
	       (!strcmp(o->backend, "rax") || !strcmp(o->backend, "ebpf")) ? 0 : -1;
}

static int info_counts(uint64_t *objects, uint64_t *links)
{
	struct rax_ioc_info info;
	int err = vm_rax_info(&info);

	*objects = info.objects;
	*links = info.links;
	return err;
}

/* The keeper's hooks were attached all along: they saw every call once. */
static int check_keeper(const struct options *o, struct backend *k, unsigned long calls,
			char *why, size_t len)
{
	uint64_t kc = count_of(k->kprobe_map), sc = count_of(k->syscall_map);

	if ((o->kprobe && kc != calls) || (o->rawtp && sc != calls)) {
		snprintf(why, len, "armed hooks counted kprobe %llu raw_tp %llu of %lu calls",
			 (unsigned long long)kc, (unsigned long long)sc, calls);
		return -1;
	}
	return 0;
}

static int run(const struct options *o, struct backend *b, struct backend *keeper,
	       char *why, size_t len)
{
	uint64_t k0 = count_of(b->kprobe_map), s0 = count_of(b->syscall_map), k1, s1;
	unsigned long calls;
	pthread_t th;
	int i, rc = 0;

	if (keeper && keeper->attach(keeper, o)) {
		snprintf(why, len, "attach the armed hooks: %s", strerror(errno));
		keeper->detach(keeper);
		return -1;
	}
	/* The kprobe optimizer patches the site a few jiffies after attach. */
	if (keeper)
		usleep(200000);
	if (pthread_create(&th, NULL, hammer, NULL)) {
		snprintf(why, len, "pthread_create");
		if (keeper)
			keeper->detach(keeper);
		return -1;
	}
	for (i = 0; i < o->iters && !rc; i++) {
		rc = b->attach(b, o);
		usleep(1000);
		b->detach(b);
		if ((i + 1) % 100 == 0 && i + 1 < o->iters)
			printf("  %s: %d rounds\n", o->name, i + 1);
	}
	atomic_store(&stop_hammer, true);
	pthread_join(th, NULL);
	if (keeper)
		keeper->detach(keeper);
	calls = atomic_load(&hammered);
	if (rc) {
		snprintf(why, len, "round %d: attach: %s", i, strerror(errno));
		return -1;
	}
	if (keeper && check_keeper(o, keeper, calls, why, len))
		return -1;
	k1 = count_of(b->kprobe_map);
	s1 = count_of(b->syscall_map);
	/* The hooks ran on the hammer's CPU while attached... */
	if ((o->kprobe && k1 == k0) || (o->rawtp && s1 == s0)) {
		snprintf(why, len, "no run while attached (kprobe %llu raw_tp %llu, %lu calls)",
			 (unsigned long long)(k1 - k0), (unsigned long long)(s1 - s0), calls);
		return -1;
	}
	/* ...and not once detached. */
	for (i = 0; i < 100; i++)
		syscall(SYS_getppid);
	if (count_of(b->kprobe_map) != k1 || count_of(b->syscall_map) != s1 ||
	    (keeper && check_keeper(o, keeper, calls, why, len))) {
		snprintf(why, len, "counted after detach");
		return -1;
	}
	printf("  %s: %d rounds, %lu getppid calls, kprobe ran %llu, raw_tp ran %llu times\n",
	       o->name, o->iters, calls, (unsigned long long)(k1 - k0),
	       (unsigned long long)(s1 - s0));
	return 0;
}

int main(int argc, char **argv)
{
	struct backend b = { .obj_fd = -1, .kprobe_link = -1, .rawtp_link = -1 };
	struct backend keeper = b;
	struct options o;
	uint64_t objects, links;
	char why[256] = "";
	bool rax;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: vm_detach_busy [--backend rax|ebpf] [--hooks kprobe|rawtp|both] "
			"[--iters N] [--offset N] [--kprobe-opt 0|1] [--rax-obj PATH] "
			"[--bpf-obj PATH] [--name NAME]\n");
		return 2;
	}
	rax = !strcmp(o.backend, "rax");
	if (o.kprobe_opt && set_kprobe_opt(o.kprobe_opt)) {
		printf("RAX-TEST: %s FAIL kprobes-optimization: %s\n", o.name, strerror(errno));
		return 1;
	}
	if ((rax ? rax_setup(&b, &o) : ebpf_setup(&b, &o)) ||
	    (o.keep_armed && (rax ? rax_setup(&keeper, &o) : ebpf_setup(&keeper, &o)))) {
		printf("RAX-TEST: %s FAIL setup (%s backend): %s\n", o.name, o.backend,
		       strerror(errno));
		return 1;
	}
	rc = run(&o, &b, o.keep_armed ? &keeper : NULL, why, sizeof(why));
	if (!rc && rax && (info_counts(&objects, &links) || objects || links)) {
		snprintf(why, sizeof(why), "rax.ko still has %llu objects, %llu links",
			 (unsigned long long)objects, (unsigned long long)links);
		rc = -1;
	}
	printf("RAX-TEST: %s %s%s%s\n", o.name, rc ? "FAIL" : "PASS", *why ? " " : "", why);
	if (rax) {
		vm_obj_close(&b.obj);
		if (o.keep_armed)
			vm_obj_close(&keeper.obj);
	} else {
		bpf_object__close(b.bobj);
		bpf_object__close(keeper.bobj);
	}
	return rc ? 1 : 0;
}
