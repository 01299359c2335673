// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Perf event output, in the VM: the getppid_events sample (a kprobe that
 * outputs one record per getppid() call to a perf event array) is loaded
 * through librax's kernel backend and attached; this process reads the
 * records with libbpf's perf_buffer and must receive exactly one record
 * per call it made, carrying its own process and thread ids.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <rax/librax.h>

#define CALLS 50

/* The record of samples/getppid_events/src/lib.rs. */
struct getppid_event {
	__u32 tgid;
	__u32 pid;
	__u32 cpu;
	__u32 pad;
	__u64 ktime_ns;
};

struct tally {
	unsigned int mine, others, bad_size, bad_cpu;
	unsigned long long lost;
	int ncpus;
};

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct tally *t = ctx;
	struct getppid_event ev;

	if (size < sizeof(ev)) {
		t->bad_size++;
		return;
	}
	memcpy(&ev, data, sizeof(ev));
	if ((int)ev.cpu != cpu || cpu >= t->ncpus)
		t->bad_cpu++;
	if (ev.tgid == (__u32)getpid() && ev.pid == (__u32)syscall(SYS_gettid))
		t->mine++;
	else
		t->others++;
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	(void)cpu;
	((struct tally *)ctx)->lost += cnt;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/objs/getppid_events.rax.o";
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_KERNEL);
	struct tally t = { .ncpus = libbpf_num_possible_cpus() };
	struct perf_buffer *pb = NULL;
	struct rax_link *link = NULL;
	struct rax_program *prog;
	struct rax_object *obj;
	int fd, i, ok = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	obj = rax_object__open_file(path, &opts);
	if (!obj || rax_object__load(obj)) {
		printf("  load %s: %s\n", path, strerror(errno));
		goto out;
	}
	prog = rax_object__find_program_by_name(obj, "on_getppid");
	fd = rax_map__fd(rax_object__find_map_by_name(obj, "EVENTS"));
	if (!prog || fd < 0) {
		printf("  program or map missing\n");
		goto out;
	}
	pb = perf_buffer__new(fd, 8, on_sample, on_lost, &t, NULL);
	if (!pb) {
		printf("  perf_buffer__new: %s\n", strerror(errno));
		goto out;
	}
	link = rax_program__attach(prog);
	if (!link) {
		printf("  attach: %s\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < CALLS; i++)
		syscall(SYS_getppid);
	rax_link__destroy(link);
	link = NULL;
	/* Detached: these must not produce records. */
	for (i = 0; i < 10; i++)
		syscall(SYS_getppid);
	for (i = 0; i < 20 && t.mine < CALLS; i++)
		perf_buffer__poll(pb, 100);
	perf_buffer__consume(pb);
	printf("  records: mine %u others %u lost %llu bad_size %u bad_cpu %u\n", t.mine,
	       t.others, t.lost, t.bad_size, t.bad_cpu);
	ok = t.mine == CALLS && !t.lost && !t.bad_size && !t.bad_cpu;
out:
	rax_link__destroy(link);
	perf_buffer__free(pb);
	rax_object__close(obj);
	printf("RAX-TEST: perf_events %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
