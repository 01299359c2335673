/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private interfaces of the in-process backend: the loaded image, the
 * per-program runtime state, the dispatcher and the helper binding.
 * Only loader_inproc.c, runtime_inproc.c, helpers_inproc.c, test_run.c and
 * their unit tests include this header.
 */
#ifndef RAX_RUNTIME_INPROC_H
#define RAX_RUNTIME_INPROC_H

#include <stdint.h>
#include <pthread.h>
#include <rax/abi.h>
#include "librax_internal.h"

/* ---- Dispatcher (dispatch_x86_64.S) --------------------------------------- */
/*
 * Entry state saved by rax_dispatch() and restored by rax_escape().  The
 * offsets are used by the assembly: keep them in sync.
 */
struct rax_jmp {
	__u64 rbx;	/*  0 */
	__u64 rbp;	/*  8 */
	__u64 r12;	/* 16 */
	__u64 r13;	/* 24 */
	__u64 r14;	/* 32 */
	__u64 r15;	/* 40 */
	__u64 rsp;	/* 48: points at rax_dispatch()'s return address */
};

/*
 * Save the callee-saved registers and rsp into @jb, switch to @stack_top
 * (16-byte aligned), call entry(ctx) and return its result, or the value
 * given to rax_escape() on the same @jb.
 */
__u64 rax_dispatch(void *ctx, void *entry, void *stack_top, struct rax_jmp *jb);
/* Unwind to the rax_dispatch() that filled @jb and make it return @result. */
__attribute__((noreturn)) void rax_escape(struct rax_jmp *jb, __u64 result);

/* ---- Loaded image (loader_inproc.c) ----------------------------------------- */
/* Per-program counters; a later issue exposes them as stats. */
struct rax_inproc_stats {
	__u64 runs;
	__u64 aborts[RAX_ABORT_CAUSE_MAX];	/* by enum rax_abort_cause */
	__u64 missed;				/* skipped: nesting limit */
};

/* Runtime state of one loaded program. */
struct rax_inproc_prog {
	struct rax_inproc_stats stats;
	/* panic message rate limit: RAX_PANIC_LOG_BURST per second */
	__u64 panic_window_ns;
	__u32 panic_window_cnt;
	__u32 panic_suppressed;
	pthread_mutex_t panic_lock;	/* guards last_panic */
	char last_panic[RAX_PANIC_MSG_LEN];
};
#define RAX_PANIC_LOG_BURST 10u

/*
 * One reservation (< 2 GiB, so every PC32 between its parts fits) laid out
 * as three page-aligned ranges:
 *   text:   executable sections, then the PLT stubs          r-x
 *   rodata: read-only sections, .data.rel.ro*, the GOT      r-- (after relocation)
 *   data:   writable sections (.data, .bss, .maps, ...)     rw-
 */
struct rax_inproc_image {
	__u8 *base;
	size_t size;
	size_t text_size;	/* [base, base + text_size) */
	size_t rodata_off, rodata_size;
	size_t data_off, data_size;

	__u64 *sec_addr;	/* by section index: address in the image, 0 if not loaded */
	size_t sec_cnt;

	__u8 *plt;		/* one stub per import */
	__u64 *got;		/* imports first, then GOTPCREL targets */
	size_t got_cnt;

	__u8 *maps_base;	/* the image's copy of ".maps", NULL if none */
	size_t maps_size;

	struct rax_inproc_prog *progs;	/* parallel to obj->progs */
	size_t prog_cnt;
};

/* State of a loaded program (prog must belong to an in-process loaded object). */
static inline struct rax_inproc_prog *rax_inproc_prog_state(const struct rax_program *prog)
{
	return &prog->obj->inproc->progs[prog - prog->obj->progs];
}

/* ---- Runtime (runtime_inproc.c) ---------------------------------------------- */
/* The program the calling thread is running (innermost level), or NULL. */
struct rax_program *rax_inproc_current_prog(void);
/* Nesting depth of the calling thread (0 outside any run). */
__u32 rax_inproc_depth(void);
/* The result a run of @type returns when aborted. */
__u64 rax_inproc_aborted_result(enum rax_prog_type type);
/* Runtime state of a program: initialise / destroy (loader). */
int rax_inproc_prog_init(struct rax_inproc_prog *st);
void rax_inproc_prog_fini(struct rax_inproc_prog *st);
/*
 * The rax_panic helper: log (rate-limited), count, and escape from the run
 * with the aborted result.  Outside a run it aborts the process.
 */
__attribute__((noreturn)) void rax_inproc_panic(const char *msg, __u32 len);

/* ---- Helpers (helpers_inproc.c) ---------------------------------------------- */
/* Address of the implementation of helper import @name, or NULL. */
void *rax_inproc_helper_addr(const char *name);

#endif /* RAX_RUNTIME_INPROC_H */
