/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One side of the comparison (eBPF through libbpf, or Rax through librax)
 * behind one interface, each in its own file; the runner only sees this.
 */
#ifndef BENCH_SIDE_H
#define BENCH_SIDE_H

#include <stdint.h>

#define BENCH_PROG_NAME "xdp_counter"
#define BENCH_NR_MAPS 3
#define BENCH_MAX_ROUNDS 101

/* PKT_STATS, PROTO_COUNTS, PORT_COUNTS: the maps both programs define. */
extern const char *const bench_map_names[BENCH_NR_MAPS];

struct bench_side {
	const char *name;
	void *obj;			/* the side's object, for close() */
	int prog_fd;
	int map_fds[BENCH_NR_MAPS];
	/* Run the program @repeat times on one frame (test-run semantics). */
	int (*test_run)(int prog_fd, const void *data, uint32_t len,
			int repeat, uint32_t *retval, uint32_t *duration_ns);
	/* u32 key -> u64 value map access through the side's fd API. */
	int (*lookup)(int map_fd, const uint32_t *key, uint64_t *value);
	int (*next_key)(int map_fd, const uint32_t *key, uint32_t *next_key);
	void (*close)(struct bench_side *side);
	double cpu_ns[BENCH_MAX_ROUNDS];	/* per round: thread CPU ns per run */
	double wall_ns[BENCH_MAX_ROUNDS];	/* per round: wall-clock ns per run */
	double reported_ns[BENCH_MAX_ROUNDS];	/* per round: runtime's own */
};

/**
 * @brief Open and load the eBPF object at @p path into the kernel.
 * @return 0, or -1 after printing why (s->close() is safe either way)
 */
int bench_side_bpf_open(struct bench_side *s, const char *path);

/**
 * @brief Open and load the Rax object at @p path into librax's in-process
 * runtime.
 * @return 0, or -1 after printing why (s->close() is safe either way)
 */
int bench_side_rax_open(struct bench_side *s, const char *path);

#endif /* BENCH_SIDE_H */
