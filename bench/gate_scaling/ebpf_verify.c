// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The eBPF side of bench/gate_scaling: build an XDP program of BLOCKS
 * blocks with the same logic as gen_text.py's x86 code, load it with
 * libbpf (the host kernel verifies and JITs it) and print
 *   "<insns> <verification usec> <load ms> <processed insns>"
 * with the verifier's own time from its statistics log (log_level 4), or
 *   "<insns> refused <errno>"  when the kernel refuses it (size limits).
 *
 * Usage: ebpf_verify BLOCKS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define PER_FUNC 64

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	long blocks = argc > 1 ? atol(argv[1]) : 0, b;
	size_t cap, n = 0, log_size = 1 << 20;
	struct bpf_insn *p;
	char *log;
	double t0, t1;
	long long usec = -1, processed = -1;
	const char *s;
	int fd;

	if (blocks < 1) {
		fprintf(stderr, "usage: ebpf_verify BLOCKS\n");
		return 2;
	}
	cap = (size_t)blocks * 5 + (size_t)blocks / PER_FUNC * 5 + 16;
	p = calloc(cap, sizeof(*p));
	log = calloc(1, log_size);
	if (!p || !log)
		return 1;
	/* r1 = ctx->ingress_ifindex (a scalar); r0 = 0 */
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 1, 1, 12, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	for (b = 0; b < blocks; b++) {
		if (b % PER_FUNC == 0) {
			/* the helper call each x86 function makes */
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
			p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ktime_get_ns);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		}
		p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 1, 0, 0);	/* r2 = r1 */
		p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xff);	/* r2 &= 0xff */
		p[n++] = INSN(BPF_JMP | BPF_JGT | BPF_K, 2, 0, 1, 100);	/* if r2 > 100 skip */
		p[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0);	/* r0 += r2 */
		p[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 7);	/* r1 += 7 */
	}
	p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 3);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_level = 4, .log_buf = log,
		    .log_size = (__u32)log_size);
	t0 = now_ms();
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "gate_scaling", "GPL", p, n, &opts);
	t1 = now_ms();
	if (fd < 0) {
		printf("%zu refused %d\n", n, errno);
		return 0;
	}
	if ((s = strstr(log, "verification time ")))
		usec = atoll(s + strlen("verification time "));
	if ((s = strstr(log, "processed ")))
		processed = atoll(s + strlen("processed "));
	printf("%zu %lld %.3f %lld\n", n, usec, t1 - t0, processed);
	close(fd);
	free(p);
	free(log);
	return 0;
}
