// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rax_prog_test_run_opts(): run a loaded in-process program on a given
 * packet or context, with BPF_PROG_TEST_RUN's semantics.
 */
#include <stdlib.h>
#include <time.h>

#include "librax_internal.h"
#include "runtime_inproc.h"
#include "backend_kernel.h"

#define RAX_ETH_HLEN 14u
/* Largest packet / syscall context accepted (the kernel's limits are similar). */
#define RAX_TEST_RUN_MAX_DATA (64u * 1024u)
#define RAX_TEST_RUN_MAX_SYSCALL_CTX 0xffffu

static __u64 rax_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Run @repeat times, timing the loop as a whole (one clock read each side). */
static int rax_test_run_loop(struct rax_program *prog, void *ctx, __u32 repeat,
			     __u32 *retval, __u32 *duration)
{
	__u64 result = 0, start, elapsed;
	__u32 i;
	int err;

	start = rax_now_ns();
	for (i = 0; i < repeat; i++) {
		err = rax_inproc_run(prog, ctx, &result);
		if (err) {
			pr_debug("prog '%s': test run skipped: %s\n", prog->name, strerror(-err));
			return err;
		}
	}
	elapsed = rax_now_ns() - start;
	*retval = (__u32)result;
	elapsed /= repeat;
	*duration = elapsed > UINT32_MAX ? UINT32_MAX : (__u32)elapsed;
	return 0;
}

/* Copy @size bytes of @src to the caller's @out buffer of *@out_size bytes. */
static int rax_test_run_copy_out(void *out, __u32 *out_size, const void *src, __u32 size)
{
	int err = 0;
	__u32 n = size;

	if (out) {
		if (*out_size < size) {
			n = *out_size;
			err = -ENOSPC;
		}
		memcpy(out, src, n);
	}
	/* like the kernel: report the full size, so the caller learns what it needs */
	*out_size = size;
	return err;
}

static int rax_test_run_packet(struct rax_program *prog, struct rax_test_run_opts *opts,
			       __u32 repeat)
{
	const void *data_in = OPTS_GET(opts, data_in, NULL);
	__u32 size = OPTS_GET(opts, data_size_in, 0);
	const void *ctx_in = OPTS_GET(opts, ctx_in, NULL);
	__u32 ctx_size = OPTS_GET(opts, ctx_size_in, 0);
	struct rax_xdp_ctx ctx = { 0 };
	__u32 retval = 0, duration = 0, out_size;
	__u8 *buf;
	int err;

	if (!data_in) {
		pr_warn("prog '%s': test run needs data_in (a packet)\n", prog->name);
		return -EINVAL;
	}
	if (size < RAX_ETH_HLEN || size > RAX_TEST_RUN_MAX_DATA) {
		pr_warn("prog '%s': test run packet of %u bytes: must be %u..%u\n", prog->name,
			size, RAX_ETH_HLEN, RAX_TEST_RUN_MAX_DATA);
		return -EINVAL;
	}
	/* An optional rax_xdp_ctx supplies the ingress interface and queue. */
	if (ctx_in || ctx_size) {
		const struct rax_xdp_ctx *in = ctx_in;

		if (!ctx_in || ctx_size != sizeof(*in) || in->data || in->data_end) {
			pr_warn("prog '%s': test run ctx_in must be a struct rax_xdp_ctx with data and data_end 0\n",
				prog->name);
			return -EINVAL;
		}
		ctx.ingress_ifindex = in->ingress_ifindex;
		ctx.rx_queue_index = in->rx_queue_index;
	}
	if (OPTS_GET(opts, ctx_out, NULL)) {
		pr_warn("prog '%s': test run: ctx_out is not supported for packet programs\n",
			prog->name);
		return -EINVAL;
	}

	/* A private copy: the program may rewrite the packet. */
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, data_in, size);
	ctx.data = (__u64)(uintptr_t)buf;
	ctx.data_end = ctx.data + size;

	err = rax_test_run_loop(prog, &ctx, repeat, &retval, &duration);
	if (!err) {
		out_size = OPTS_GET(opts, data_size_out, 0);
		err = rax_test_run_copy_out(OPTS_GET(opts, data_out, NULL), &out_size, buf,
					    size);
		OPTS_SET(opts, data_size_out, out_size);
		OPTS_SET(opts, retval, retval);
		OPTS_SET(opts, duration, duration);
	}
	free(buf);
	return err;
}

static size_t rax_trace_ctx_size(enum rax_prog_type type)
{
	switch (type) {
	case RAX_PROG_TYPE_KPROBE:
		return sizeof(struct rax_kprobe_ctx);
	case RAX_PROG_TYPE_RAW_TRACEPOINT:
		return sizeof(struct rax_raw_tp_ctx);
	default:
		return 0;
	}
}

/*
 * Tracing types take their context struct in ctx_in; "syscall" programs,
 * like BPF_PROG_TYPE_SYSCALL, take any context of up to 64 KiB (or none).
 */
static int rax_test_run_ctx(struct rax_program *prog, struct rax_test_run_opts *opts,
			    __u32 repeat)
{
	const void *ctx_in = OPTS_GET(opts, ctx_in, NULL);
	__u32 size = OPTS_GET(opts, ctx_size_in, 0);
	size_t want = rax_trace_ctx_size(prog->type);
	__u32 retval = 0, duration = 0, out_size;
	void *ctx = NULL;
	int err;

	if (OPTS_GET(opts, data_in, NULL) || OPTS_GET(opts, data_out, NULL) ||
	    OPTS_GET(opts, data_size_in, 0)) {
		pr_warn("prog '%s': test run: this program type takes ctx_in, not data\n",
			prog->name);
		return -EINVAL;
	}
	if (prog->type == RAX_PROG_TYPE_SYSCALL) {
		if (!ctx_in != !size || size > RAX_TEST_RUN_MAX_SYSCALL_CTX) {
			pr_warn("prog '%s': test run: ctx_in/ctx_size_in inconsistent or too large\n",
				prog->name);
			return -EINVAL;
		}
	} else if (!ctx_in || size != want) {
		pr_warn("prog '%s': test run needs ctx_in of %zu bytes (got %u)\n", prog->name,
			want, ctx_in ? size : 0);
		return -EINVAL;
	}
	if (prog->type == RAX_PROG_TYPE_RAW_TRACEPOINT &&
	    ((const struct rax_raw_tp_ctx *)ctx_in)->nr_args > RAX_RAW_TP_MAX_ARGS) {
		pr_warn("prog '%s': test run: nr_args above %u\n", prog->name,
			RAX_RAW_TP_MAX_ARGS);
		return -EINVAL;
	}

	if (size) {
		ctx = malloc(size);
		if (!ctx)
			return -ENOMEM;
		memcpy(ctx, ctx_in, size);
	}
	err = rax_test_run_loop(prog, ctx, repeat, &retval, &duration);
	if (!err) {
		OPTS_SET(opts, retval, retval);
		OPTS_SET(opts, duration, duration);
		if (OPTS_GET(opts, ctx_out, NULL)) {
			out_size = OPTS_GET(opts, ctx_size_out, 0);
			err = rax_test_run_copy_out(OPTS_GET(opts, ctx_out, NULL), &out_size,
						    ctx, size);
			OPTS_SET(opts, ctx_size_out, out_size);
		}
	}
	free(ctx);
	return err;
}

static int rax_prog_test_run(int prog_fd, struct rax_test_run_opts *opts)
{
	struct rax_program *prog;
	int repeat;

	if (!opts || !OPTS_VALID(opts, rax_test_run_opts))
		return -EINVAL;
	prog = rax_handle_get(prog_fd, RAX_HANDLE_PROG);
	if (!prog) {
		pr_warn("test run: fd %d is not a loaded program\n", prog_fd);
		return -EINVAL;
	}
	/* Programs in rax.ko run there (backend_kernel.c). */
	if (prog->obj->backend == RAX_BACKEND_KERNEL)
		return rax_kernel_test_run(prog, opts);
	if (!prog->entry) {
		pr_warn("prog '%s': test run: not loaded in-process\n", prog->name);
		return -EINVAL;
	}
	if (OPTS_GET(opts, flags, 0) || OPTS_GET(opts, cpu, 0) ||
	    OPTS_GET(opts, batch_size, 0)) {
		pr_warn("prog '%s': test run: flags, cpu and batch_size must be 0\n", prog->name);
		return -EINVAL;
	}
	repeat = OPTS_GET(opts, repeat, 0);
	if (repeat < 0) {
		pr_warn("prog '%s': test run: negative repeat\n", prog->name);
		return -EINVAL;
	}
	if (!repeat)
		repeat = 1;

	switch (prog->type) {
	case RAX_PROG_TYPE_XDP:
	case RAX_PROG_TYPE_SCHED_CLS:
		return rax_test_run_packet(prog, opts, (__u32)repeat);
	case RAX_PROG_TYPE_KPROBE:
	case RAX_PROG_TYPE_RAW_TRACEPOINT:
	case RAX_PROG_TYPE_SYSCALL:
		return rax_test_run_ctx(prog, opts, (__u32)repeat);
	default:
		pr_warn("prog '%s': test run: program type %d cannot be test-run\n", prog->name,
			prog->type);
		return -EOPNOTSUPP;
	}
}

/**
 * @brief Run a loaded program on the given input, like BPF_PROG_TEST_RUN.
 * @param prog_fd handle fd of a program loaded in-process (rax_program__fd())
 * @param opts input (data_in or ctx_in, repeat) and output (retval,
 * duration, data_out/ctx_out) fields; flags, cpu and batch_size must be 0
 * @return 0, -EINVAL (bad fd or options), -ENOSPC (data_out/ctx_out too
 * small: what fits is copied), -EBUSY (nesting limit reached), -ENOMEM;
 * errno is set
 */
LIBRAX_API int rax_prog_test_run_opts(int prog_fd, struct rax_test_run_opts *opts)
{
	return librax_err(rax_prog_test_run(prog_fd, opts));
}
