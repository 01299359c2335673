// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of rax.ko's hooks with the trace_counter sample (the real Rust
 * object): its kprobe program on __x64_sys_getppid and its raw tracepoint
 * program on sys_enter must each count exactly the getppid() calls this
 * process makes, in the sample's two HASH maps keyed by tgid.  Also:
 * kretprobe, RAX_IOC_DETACH, links outliving the object fd, rmmod refused
 * while linked, bad attach requests, and that everything is released at the
 * end.  Detaching while another CPU runs the hook: vm_detach_busy.c.
 *
 * Usage: vm_trace_counter [object]
 * Prints "RAX-TEST: trace.<case> PASS|FAIL ..." per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "vm_btf.h"
#include "vm_obj.h"
#include "vm_util.h"

#define CALLS 1000u

static int failures;
static struct vm_obj obj;
static int kprobe_map, syscall_map;	/* BPF map fds */
static int kprobe_prog, rawtp_prog;	/* program indexes */
static unsigned int sys_enter_args;	/* arity from BTF */

static void report(const char *name, int rc)
{
	printf("RAX-TEST: trace.%s %s\n", name, rc ? "FAIL" : "PASS");
	failures += rc != 0;
}

static int map_fd(const char *name)
{
	for (unsigned int i = 0; i < obj.map_cnt; i++)
		if (!strcmp(obj.maps[i].name, name))
			return obj.maps[i].fd;
	return -1;
}

/* A fresh object fd (maps stay the same), or -1. */
static int load(void)
{
	struct rax_ioc_load req;
	int dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC), fd;

	if (dev < 0)
		return -1;
	vm_obj_request(&obj, &req);
	fd = ioctl(dev, RAX_IOC_LOAD, &req);
	close(dev);
	return fd;
}

static int attach(int fd, int prog, unsigned int kind, const char *target, unsigned int nr_args)
{
	struct rax_ioc_attach at = {
		.size = sizeof(at),
		.prog = (__u32)prog,
		.kind = kind,
		.target = (__u64)(uintptr_t)target,
		.nr_args = nr_args,
	};

	return ioctl(fd, RAX_IOC_ATTACH, &at);
}

static uint64_t count_of(int map)
{
	uint32_t key = (uint32_t)getpid();
	uint64_t val = 0;

	if (bpf_map_lookup_elem(map, &key, &val))
		return 0;
	return val;
}

static void call_getppid(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* Both programs count exactly the getppid() calls of this process. */
static int case_count(void)
{
	uint64_t k0 = count_of(kprobe_map), s0 = count_of(syscall_map);
	int fd = load(), lk, lt;

	CHECK(fd >= 0, "load: %s", strerror(errno));
	lk = attach(fd, kprobe_prog, RAX_ATTACH_KPROBE, "__x64_sys_getppid", 0);
	CHECK(lk >= 0, "attach kprobe: %s", strerror(errno));
	lt = attach(fd, rawtp_prog, RAX_ATTACH_RAW_TP, "sys_enter", sys_enter_args);
	CHECK(lt >= 0, "attach raw_tp: %s", strerror(errno));
	call_getppid(CALLS);
	close(lk);
	close(lt);
	close(fd);
	CHECK(count_of(kprobe_map) - k0 == CALLS, "kprobe counted %llu, expected %u",
	      (unsigned long long)(count_of(kprobe_map) - k0), CALLS);
	CHECK(count_of(syscall_map) - s0 == CALLS, "raw_tp counted %llu, expected %u",
	      (unsigned long long)(count_of(syscall_map) - s0), CALLS);
	/* Detached: no more counting. */
	call_getppid(10);
	CHECK(count_of(kprobe_map) - k0 == CALLS, "kprobe counted after detach");
	CHECK(count_of(syscall_map) - s0 == CALLS, "raw_tp counted after detach");
	return 0;
}

static int case_kretprobe(void)
{
	uint64_t k0 = count_of(kprobe_map);
	int fd = load(), l;

	CHECK(fd >= 0, "load: %s", strerror(errno));
	l = attach(fd, kprobe_prog, RAX_ATTACH_KRETPROBE, "__x64_sys_getppid", 0);
	CHECK(l >= 0, "attach kretprobe: %s", strerror(errno));
	call_getppid(CALLS);
	close(l);
	close(fd);
	CHECK(count_of(kprobe_map) - k0 == CALLS, "kretprobe counted %llu, expected %u",
	      (unsigned long long)(count_of(kprobe_map) - k0), CALLS);
	return 0;
}

/* The link keeps the object after its fd is closed; DETACH stops it. */
static int case_link_lifetime(void)
{
	struct rax_ioc_detach det = { .size = sizeof(det) };
	struct rax_ioc_info info;
	uint64_t s0 = count_of(syscall_map);
	int fd = load(), l, rc;

	CHECK(fd >= 0, "load: %s", strerror(errno));
	l = attach(fd, rawtp_prog, RAX_ATTACH_RAW_TP, "sys_enter", sys_enter_args);
	CHECK(l >= 0, "attach raw_tp: %s", strerror(errno));
	close(fd);
	call_getppid(100);
	CHECK(count_of(syscall_map) - s0 == 100, "counted %llu after closing the object fd",
	      (unsigned long long)(count_of(syscall_map) - s0));
	CHECK(vm_rax_info(&info) == 0 && info.links == 1 && info.objects == 1,
	      "links %llu objects %llu", (unsigned long long)info.links,
	      (unsigned long long)info.objects);
	/* A module with a link attached must not go away. */
	rc = system("rmmod rax 2>/dev/null");
	CHECK(rc != 0, "rmmod succeeded with a link attached");
	CHECK(ioctl(l, RAX_IOC_DETACH, &det) == 0, "DETACH: %s", strerror(errno));
	CHECK(ioctl(l, RAX_IOC_DETACH, &det) == 0, "second DETACH: %s", strerror(errno));
	call_getppid(100);
	CHECK(count_of(syscall_map) - s0 == 100, "counted after DETACH");
	CHECK(vm_rax_info(&info) == 0 && info.links == 0 && info.objects == 1, "after DETACH");
	close(l);
	CHECK(vm_rax_info(&info) == 0 && info.objects == 0, "object not freed with its last link");
	return 0;
}

static int case_bad_requests(void)
{
	struct rax_ioc_info info;
	struct rax_ioc_attach at;
	int fd = load(), l;

	CHECK(fd >= 0, "load: %s", strerror(errno));
	/* Kind must fit the program type. */
	l = attach(fd, kprobe_prog, RAX_ATTACH_RAW_TP, "sys_enter", sys_enter_args);
	CHECK(l < 0 && errno == EINVAL, "kprobe program on a raw_tp");
	l = attach(fd, rawtp_prog, RAX_ATTACH_KPROBE, "__x64_sys_getppid", 0);
	CHECK(l < 0 && errno == EINVAL, "raw_tp program on a kprobe");
	l = attach(fd, rawtp_prog, RAX_ATTACH_RAW_TP, "sys_enter", 0);
	CHECK(l < 0 && errno == EINVAL, "nr_args 0");
	l = attach(fd, rawtp_prog, RAX_ATTACH_RAW_TP, "sys_enter", RAX_RAW_TP_MAX_ARGS + 1);
	CHECK(l < 0 && errno == EINVAL, "nr_args too large");
	l = attach(fd, rawtp_prog, RAX_ATTACH_RAW_TP, "no_such_event_rax", 2);
	CHECK(l < 0 && errno == ENOENT, "unknown event: %s", strerror(errno));
	l = attach(fd, kprobe_prog, RAX_ATTACH_KPROBE, "no_such_function_rax", 0);
	CHECK(l < 0, "unknown function attached");
	l = attach(fd, 99, RAX_ATTACH_KPROBE, "__x64_sys_getppid", 0);
	CHECK(l < 0 && errno == EINVAL, "program index out of range");
	l = attach(fd, kprobe_prog, 7, "__x64_sys_getppid", 0);
	CHECK(l < 0 && errno == EINVAL, "unknown kind");
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.kind = RAX_ATTACH_KPROBE;
	at.prog = (__u32)kprobe_prog;
	at.target = 8;	/* unmapped user address */
	CHECK(ioctl(fd, RAX_IOC_ATTACH, &at) < 0 && errno == EFAULT, "bad target pointer");
	at.target = (__u64)(uintptr_t)"__x64_sys_getppid";
	at.flags = 1;
	CHECK(ioctl(fd, RAX_IOC_ATTACH, &at) < 0 && errno == EINVAL, "flags");
	/* More kretprobe instances than the kernel's own kprobe_events allows. */
	at.flags = 0;
	at.kind = RAX_ATTACH_KRETPROBE;
	at.maxactive = RAX_ATTACH_MAXACTIVE_MAX + 1;
	CHECK(ioctl(fd, RAX_IOC_ATTACH, &at) < 0 && errno == EINVAL, "maxactive over the cap");
	at.maxactive = RAX_ATTACH_MAXACTIVE_MAX;
	l = ioctl(fd, RAX_IOC_ATTACH, &at);
	CHECK(l >= 0, "maxactive at the cap: %s", strerror(errno));
	close(l);
	/*
	 * Not inside the text arena (this object's code is at its start): the
	 * loader rewrites arena code behind the kprobe machinery's back.
	 */
	errno = 0;
	l = attach(fd, kprobe_prog, RAX_ATTACH_KPROBE, "rax_text_arena", 0);
	CHECK(l < 0 && errno == EINVAL, "kprobe in the text arena: fd %d, %s", l, strerror(errno));
	CHECK(vm_rax_info(&info) == 0 && info.links == 0, "links left: %llu",
	      (unsigned long long)info.links);
	close(fd);
	return 0;
}

/*
 * 200 load/attach/detach/unload cycles: every run counts, and afterwards the
 * module's own counters (objects, links, map references, arena use) are
 * back where they were, with 200 more loads and frees.
 */
#define ATTACH_CYCLES 200
static int case_attach_cycles(void)
{
	uint64_t k0 = count_of(kprobe_map), s0 = count_of(syscall_map);
	struct rax_ioc_info before, after;

	CHECK(vm_rax_info(&before) == 0, "INFO: %s", strerror(errno));
	for (int i = 0; i < ATTACH_CYCLES; i++) {
		int fd = load(), lk, lt;

		CHECK(fd >= 0, "cycle %d: load: %s", i, strerror(errno));
		lk = attach(fd, kprobe_prog, RAX_ATTACH_KPROBE, "__x64_sys_getppid", 0);
		lt = attach(fd, rawtp_prog, RAX_ATTACH_RAW_TP, "sys_enter", sys_enter_args);
		if (lk < 0 || lt < 0) {
			if (lk >= 0)
				close(lk);
			if (lt >= 0)
				close(lt);
			close(fd);
			CHECK(0, "cycle %d: attach: %s", i, strerror(errno));
		}
		call_getppid(1);
		CHECK(ioctl(lk, RAX_IOC_DETACH, &(struct rax_ioc_detach){ .size = sizeof(struct rax_ioc_detach) }) == 0,
		      "cycle %d: detach: %s", i, strerror(errno));
		close(lk);
		close(lt);
		close(fd);
	}
	CHECK(count_of(kprobe_map) - k0 == ATTACH_CYCLES, "kprobe counted %llu in %d cycles",
	      (unsigned long long)(count_of(kprobe_map) - k0), ATTACH_CYCLES);
	CHECK(count_of(syscall_map) - s0 == ATTACH_CYCLES, "raw_tp counted %llu in %d cycles",
	      (unsigned long long)(count_of(syscall_map) - s0), ATTACH_CYCLES);
	CHECK(vm_rax_info(&after) == 0, "INFO: %s", strerror(errno));
	CHECK(after.objects == before.objects && after.links == before.links &&
	      after.map_refs == before.map_refs &&
	      after.text_arena_used == before.text_arena_used &&
	      after.data_arena_used == before.data_arena_used &&
	      after.loads_total == before.loads_total + ATTACH_CYCLES &&
	      after.frees_total == before.frees_total + ATTACH_CYCLES,
	      "after %d cycles: objects %llu links %llu refs %llu text %llu data %llu",
	      ATTACH_CYCLES, (unsigned long long)after.objects, (unsigned long long)after.links,
	      (unsigned long long)after.map_refs, (unsigned long long)after.text_arena_used,
	      (unsigned long long)after.data_arena_used);
	return 0;
}

static int case_released(void)
{
	struct rax_ioc_info info;

	CHECK(vm_rax_info(&info) == 0, "INFO: %s", strerror(errno));
	CHECK(info.objects == 0 && info.links == 0, "objects %llu links %llu left",
	      (unsigned long long)info.objects, (unsigned long long)info.links);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/objs/trace_counter.rax.o";
	int arity;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vm_obj_open(&obj, path)) {
		printf("RAX-TEST: trace.open FAIL %s\n", path);
		return 1;
	}
	for (unsigned int i = 0; i < obj.map_cnt; i++) {
		const struct rax_map_def *d = &obj.map_defs[i];

		obj.maps[i].fd = bpf_map_create(d->type, obj.maps[i].name, d->key_size,
						d->value_size, d->max_entries, NULL);
		if (obj.maps[i].fd < 0) {
			printf("RAX-TEST: trace.maps FAIL %s\n", strerror(errno));
			return 1;
		}
	}
	kprobe_map = map_fd("KPROBE_HITS");
	syscall_map = map_fd("SYSCALL_HITS");
	kprobe_prog = vm_obj_prog(&obj, "count_getppid");
	rawtp_prog = vm_obj_prog(&obj, "count_sys_enter");
	arity = vm_tp_arity("sys_enter");
	if (kprobe_map < 0 || syscall_map < 0 || kprobe_prog < 0 || rawtp_prog < 0 || arity <= 0) {
		printf("RAX-TEST: trace.setup FAIL maps/programs/arity (%d) missing\n", arity);
		return 1;
	}
	sys_enter_args = (unsigned int)arity;

	report("count", case_count());
	report("kretprobe", case_kretprobe());
	report("link_lifetime", case_link_lifetime());
	report("bad_requests", case_bad_requests());
	report("attach_cycles", case_attach_cycles());
	report("released", case_released());
	vm_obj_close(&obj);
	return failures ? 1 : 0;
}
