/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Low-level, fd-based librax API (the counterpart of libbpf's bpf.h).
 * Program and map fds come from rax_program__fd()/rax_map__fd().
 * Errors: negative errno returned and errno set.
 */
#ifndef RAX_RAX_H
#define RAX_RAX_H

#include <stddef.h>
#include <string.h>
#include <rax/abi.h>

#ifndef LIBRAX_API
#define LIBRAX_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Option structs follow libbpf: first field sz, trailing size_t :0. */
#define RAX_OPTS(TYPE, NAME, ...)                                  \
	struct TYPE NAME = ({                                      \
		memset(&NAME, 0, sizeof(struct TYPE));             \
		(struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ }; \
	})

struct rax_test_run_opts {
	size_t sz;		/* sizeof(struct rax_test_run_opts) */
	const void *data_in;	/* packet for XDP/tc programs */
	void *data_out;		/* optional: packet after the run */
	__u32 data_size_in;
	__u32 data_size_out;	/* in: size of data_out; out: bytes written */
	const void *ctx_in;	/* context for tracing types (e.g. rax_raw_tp_ctx) */
	void *ctx_out;
	__u32 ctx_size_in;
	__u32 ctx_size_out;
	__u32 retval;		/* out: result of the last run */
	int repeat;		/* runs; 0 means 1 */
	__u32 duration;		/* out: average ns per run */
	__u32 flags;		/* must be 0 */
	__u32 cpu;		/* must be 0 */
	__u32 batch_size;	/* must be 0 */
	size_t :0;
};
#define rax_test_run_opts__last_field batch_size

/**
 * @brief Run a loaded program on the given input, like BPF_PROG_TEST_RUN.
 * @return 0 (the program's result is in opts->retval), or a negative errno
 */
LIBRAX_API int rax_prog_test_run_opts(int prog_fd, struct rax_test_run_opts *opts);

LIBRAX_API int rax_map_lookup_elem(int fd, const void *key, void *value);
LIBRAX_API int rax_map_update_elem(int fd, const void *key, const void *value,
				   __u64 flags);
LIBRAX_API int rax_map_delete_elem(int fd, const void *key);
LIBRAX_API int rax_map_get_next_key(int fd, const void *key, void *next_key);

#ifdef __cplusplus
}
#endif

#endif /* RAX_RAX_H */
