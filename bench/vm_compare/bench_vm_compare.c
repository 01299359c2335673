// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rax in the kernel vs eBPF, inside one VM boot (run.sh boots it): the
 * empty XDP program and xdp_counter, each under rax.ko's test-run (through
 * librax's kernel backend) and under BPF_PROG_TEST_RUN (the eBPF twins:
 * "r0 = XDP_PASS; exit" and bench/test_run_xdp/xdp_counter.bpf.c), with
 * the same packet and the same repeat.  Both kernels' test-run loops time
 * the runs themselves (ktime around the loop, divided by the repeat): the
 * figure is their per-run time.  Rounds alternate the two sides; the
 * median of each side is reported (the verdict) and the best round of each
 * (the least disturbed by the host).  TCG distorts absolute times: the
 * ratio is the figure.
 *
 * usage: bench_vm_compare [REPEAT [ROUNDS]]  (paths are run.sh's)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <rax/librax.h>

#define RAX_EMPTY_OBJ "/objs/bench_progs.o"
#define RAX_COUNTER_OBJ "/objs/xdp_counter.rax.o"
#define BPF_COUNTER_OBJ "/objs/xdp_counter.bpf.o"
#define MAX_ROUNDS 64

/* An Ethernet/IPv4/UDP frame: xdp_counter takes its longest path on it. */
static void make_packet(__u8 *pkt, size_t len)
{
	struct ethhdr *eth = (struct ethhdr *)pkt;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);

	memset(pkt, 0, len);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((__u16)(len - sizeof(*eth)));
	udp->source = htons(40000);
	udp->dest = htons(53);
	udp->len = htons((__u16)(len - sizeof(*eth) - sizeof(*ip)));
}

/* Per-run ns of one test-run of @repeat runs, or < 0. */
static double rax_round(struct rax_program *prog, __u8 *pkt, __u32 len, int repeat)
{
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = len, .repeat = repeat);

	if (rax_prog_test_run_opts(rax_program__fd(prog), &opts) || opts.retval != XDP_PASS)
		return -1;
	return opts.duration;
}

static double bpf_round(int fd, __u8 *pkt, __u32 len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts) || opts.retval != XDP_PASS)
		return -1;
	return opts.duration;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Rounds alternate Rax and eBPF (drift hits both alike).  duration is in
 * whole ns: the repeat must make a round long enough for that to matter
 * little, which it does at TCG speeds.
 */
static int compare(const char *what, struct rax_program *prog, int bpf_fd, int repeat,
		   int rounds, double target)
{
	double rax[MAX_ROUNDS], bpf[MAX_ROUNDS], r, b;
	__u8 pkt[64];
	int i;

	make_packet(pkt, sizeof(pkt));
	/* warm-up: caches, the maps' first inserts */
	if (rax_round(prog, pkt, sizeof(pkt), repeat / 10 + 1) < 0 ||
	    bpf_round(bpf_fd, pkt, sizeof(pkt), repeat / 10 + 1) < 0) {
		printf("%s: a warm-up run failed\n", what);
		return -1;
	}
	for (i = 0; i < rounds; i++) {
		rax[i] = rax_round(prog, pkt, sizeof(pkt), repeat);
		bpf[i] = bpf_round(bpf_fd, pkt, sizeof(pkt), repeat);
		if (rax[i] < 0 || bpf[i] < 0) {
			printf("%s: round %d failed\n", what, i);
			return -1;
		}
	}
	r = median(rax, rounds);
	b = median(bpf, rounds);
	printf("BENCH: %-12s Rax %8.1f ns/run  eBPF %8.1f ns/run  ratio %.3f (target <= %.2f) %s\n",
	       what, r, b, b > 0 ? r / b : 0.0, target,
	       b > 0 && r / b <= target ? "met" : "NOT met");
	/*
	 * Interference from the host (other vCPU, other processes) only ever
	 * adds time: the fastest round of each side is the least disturbed.
	 * median() sorted both arrays.
	 */
	printf("BENCH: %-12s best round: Rax %8.1f  eBPF %8.1f  ratio %.3f\n", what, rax[0],
	       bpf[0], bpf[0] > 0 ? rax[0] / bpf[0] : 0.0);
	return 0;
}

static struct rax_object *rax_load(const char *path)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_KERNEL);
	struct rax_object *obj = rax_object__open_file(path, &opts);

	if (obj && rax_object__load(obj)) {
		rax_object__close(obj);
		obj = NULL;
	}
	if (!obj)
		printf("%s: cannot load into rax.ko\n", path);
	return obj;
}

static int bench_empty(int repeat, int rounds)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct rax_object *obj = rax_load(RAX_EMPTY_OBJ);
	struct rax_program *prog;
	int fd, err = -1;

	if (!obj)
		return -1;
	prog = rax_object__find_program_by_name(obj, "bench_empty");
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "rax_bench_empty", "GPL", insns, 2, NULL);
	if (prog && fd >= 0)
		err = compare("empty", prog, fd, repeat, rounds, 1.05);
	else
		printf("empty: program or eBPF load missing (%s)\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	rax_object__close(obj);
	return err;
}

static int bench_counter(int repeat, int rounds)
{
	struct rax_object *obj = rax_load(RAX_COUNTER_OBJ);
	struct bpf_object *bobj = bpf_object__open_file(BPF_COUNTER_OBJ, NULL);
	struct bpf_program *bprog;
	struct rax_program *prog;
	int err = -1;

	if (!obj || libbpf_get_error(bobj) || bpf_object__load(bobj)) {
		printf("xdp_counter: cannot load both programs\n");
		goto out;
	}
	prog = rax_object__find_program_by_name(obj, "xdp_counter");
	bprog = bpf_object__find_program_by_name(bobj, "xdp_counter");
	if (prog && bprog)
		err = compare("xdp_counter", prog, bpf_program__fd(bprog), repeat, rounds, 1.0);
out:
	if (!libbpf_get_error(bobj))
		bpf_object__close(bobj);
	rax_object__close(obj);
	return err;
}

int main(int argc, char **argv)
{
	int repeat = argc > 1 ? atoi(argv[1]) : 200000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	int err;

	if (repeat < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: %s [REPEAT [ROUNDS <= %d]]\n", argv[0], MAX_ROUNDS);
		return 2;
	}
	printf("BENCH: repeat %d, %d rounds, median per side\n", repeat, rounds);
	err = bench_empty(repeat, rounds);
	err |= bench_counter(repeat, rounds);
	return err ? 1 : 0;
}
