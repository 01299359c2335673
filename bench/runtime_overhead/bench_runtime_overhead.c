// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Cost of one run of an empty program, measured in one process:
 *  - Rax: through the full in-process runtime (rax_inproc_run: nesting
 *    check, run generation bump, dedicated stack switch, cleanup check);
 *  - plain: an indirect call of the same loaded code, no runtime;
 *  - eBPF: the empty XDP program (r0 = XDP_PASS; exit) under
 *    BPF_PROG_TEST_RUN with a large repeat (the kernel's own per-run time);
 * and the cost of a Rax lock: acquire-and-register + release (two helper
 * calls through the helper thunk), as the lock program minus the empty one.
 *
 * usage: bench_runtime_overhead OBJDIR [RUNS]
 */
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static double bench_runtime(struct rax_program *prog, void *ctx, __u64 runs)
{
	__u64 result = 0, start, i;

	/* warm up: thread stacks, caches */
	for (i = 0; i < runs / 10 + 1; i++)
		rax_inproc_run(prog, ctx, &result);
	start = now_ns();
	for (i = 0; i < runs; i++)
		rax_inproc_run(prog, ctx, &result);
	return (double)(now_ns() - start) / (double)runs;
}

static double bench_plain(void *entry, void *ctx, __u64 runs)
{
	__u64 (*volatile fn)(void *) = (__u64 (*)(void *))entry;
	__u64 start, i, sum = 0;

	for (i = 0; i < runs / 10 + 1; i++)
		sum += fn(ctx);
	start = now_ns();
	for (i = 0; i < runs; i++)
		sum += fn(ctx);
	if (sum == 1)
		printf("unreachable\n");
	return (double)(now_ns() - start) / (double)runs;
}

/* Per-run ns of the empty XDP program under BPF_PROG_TEST_RUN, or < 0. */
static double bench_ebpf(__u32 repeat)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rax_bench_empty", "GPL", insns, 2, NULL);
	if (fd < 0) {
		fprintf(stderr, "eBPF: cannot load the empty XDP program: %s\n", strerror(-fd));
		return -1;
	}
	err = bpf_prog_test_run_opts(fd, &opts);
	close(fd);
	if (err) {
		fprintf(stderr, "eBPF: BPF_PROG_TEST_RUN failed: %s\n", strerror(-err));
		return -1;
	}
	return (double)opts.duration;
}

static struct rax_object *load(const char *dir, const char *file)
{
	struct rax_object *obj;
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	obj = rax_object__open_file(path, NULL);
	if (!obj || rax_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", path);
		exit(1);
	}
	return obj;
}

int main(int argc, char **argv)
{
	__u64 runs = argc > 2 ? strtoull(argv[2], NULL, 0) : 20000000ull;
	struct rax_program *empty, *lock;
	struct rax_object *obj;
	unsigned char pkt[64] = { 0 };
	struct rax_xdp_ctx ctx = {
		.data = (__u64)(uintptr_t)pkt,
		.data_end = (__u64)(uintptr_t)(pkt + sizeof(pkt)),
	};
	__u32 lock_ctx[4] = { 0 };
	double rax_ns, plain_ns, ebpf_ns, lock_ns;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJDIR [RUNS]\n", argv[0]);
		return 2;
	}
	obj = load(argv[1], "bench_progs.o");
	empty = rax_object__find_program_by_name(obj, "bench_empty");
	lock = rax_object__find_program_by_name(obj, "bench_lock");
	if (!empty || !lock)
		return 1;

	plain_ns = bench_plain(empty->entry, &ctx, runs);
	rax_ns = bench_runtime(empty, &ctx, runs);
	ebpf_ns = bench_ebpf(runs > 0xffffffffull ? 0xffffffffu : (__u32)runs);
	lock_ns = bench_runtime(lock, lock_ctx, runs / 4) - bench_runtime(empty, lock_ctx, runs / 4);

	printf("empty program, ns per run (%llu runs):\n", (unsigned long long)runs);
	printf("  plain indirect call    %6.2f\n", plain_ns);
	printf("  Rax in-process runtime %6.2f  (runtime overhead %.2f ns, target <= 5)\n",
	       rax_ns, rax_ns - plain_ns);
	if (ebpf_ns >= 0)
		printf("  eBPF BPF_PROG_TEST_RUN %6.2f  (Rax / eBPF = %.2f, target <= 1)\n",
		       ebpf_ns, ebpf_ns > 0 ? rax_ns / ebpf_ns : 0.0);
	else
		printf("  eBPF BPF_PROG_TEST_RUN   n/a\n");
	printf("  Rax / plain = %.2f\n", plain_ns > 0 ? rax_ns / plain_ns : 0.0);
	printf("Rax lock acquire+register + release: %.2f ns (Rex paper: 183 ns, eBPF 130 ns)\n",
	       lock_ns);
	if (lock_ctx[0] != 0)
		printf("warning: the lock word was left held\n");
	rax_object__close(obj);
	return 0;
}
