/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private interfaces of the in-process backend: the loaded image, the
 * per-program runtime state, the dispatcher and the helper binding.
 * Only the in-process backend's files (loader, runtime, helpers, cleanup,
 * lock, output, watchdog, faults, stats, test-run) and their tests include
 * this header.
 */
#ifndef RAX_RUNTIME_INPROC_H
#define RAX_RUNTIME_INPROC_H

#include <stdbool.h>
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
/* Per-program counters (rax_program__stats() reports them). */
struct rax_inproc_stats {
	__u64 runs;
	__u64 run_time_ns;			/* sampled by the watchdog */
	__u64 aborts[RAX_ABORT_CAUSE_MAX];	/* by enum rax_abort_cause */
	__u64 missed;				/* skipped: nesting limit */
};

/* Runtime state of one loaded program. */
struct rax_inproc_prog {
	struct rax_inproc_stats stats;
	__u64 budget_ns;		/* time budget of one run */
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

	__u8 *plt;		/* one stub per import, then the stack-check stub */
	__u64 *got;		/* imports, GOTPCREL targets, then the runtime's slots */
	size_t got_cnt;
	size_t patched_cnt;	/* function entries given the stack check */

	__u8 *maps_base;	/* the image's copy of ".maps", NULL if none */
	size_t maps_size;
	__u64 *out_seq;		/* per map: next output record slot */

	struct rax_inproc_prog *progs;	/* parallel to obj->progs */
	size_t prog_cnt;
};

/* State of a loaded program (prog must belong to an in-process loaded object). */
static inline struct rax_inproc_prog *rax_inproc_prog_state(const struct rax_program *prog)
{
	return &prog->obj->inproc->progs[prog - prog->obj->progs];
}

/* True when @pc lies in the code of @prog's image (signal-safe). */
static inline bool rax_inproc_pc_in_prog(const struct rax_program *prog, __u64 pc)
{
	const struct rax_inproc_image *img;

	if (!prog || !prog->obj || !prog->obj->inproc)
		return false;
	img = prog->obj->inproc;
	return pc >= (__u64)(uintptr_t)img->base &&
	       pc < (__u64)(uintptr_t)img->base + img->text_size;
}

/* ---- Per-thread run state (runtime_inproc.c) ---------------------------------- */
/* A runtime-owned resource to release when its run ends (cleanup_inproc.c). */
enum rax_cleanup_kind {
	RAX_CLEANUP_FREE = 0,	/* released early by its owner: skip */
	RAX_CLEANUP_LOCK = 1,	/* obj: the lock word */
	RAX_CLEANUP_OUTPUT = 2,	/* obj: the record; map, size: where it would go */
};

struct rax_cleanup_entry {
	__u32 kind;
	__u32 size;
	void *obj;
	struct rax_umap *map;
	__u32 map_idx;
};

/* Bytes of output records one run level can hold reserved at once. */
#define RAX_OUTPUT_STAGING 4096u

/* Per level memory that does not belong in TLS (mapped with the stacks). */
struct rax_level_side {
	struct rax_cleanup_entry cleanup[RAX_CLEANUP_SLOTS];
	char panic_msg[RAX_PANIC_MSG_LEN];	/* a panic's message, off the program stack */
	__u8 out_buf[RAX_OUTPUT_STAGING] __attribute__((aligned(16)));
};

struct rax_run_level {
	struct rax_jmp jb;		/* entry state, for rax_escape() */
	struct rax_program *prog;	/* program running at this level */
	void *stack_top;		/* this level's dedicated stack */
	struct rax_level_side *side;	/* cleanup registry, output staging */
	__u32 cleanup_cnt;		/* registry entries in use */
	__u32 out_used;			/* staging bytes in use */
	__u32 helper_base;		/* thread's helper depth when the run began */
};

/*
 * The calling thread's run state.  dispatch_x86_64.S and
 * stackcheck_x86_64.S read depth, helper_depth, terminate and stack_limit
 * at the offsets asserted in runtime_inproc.c: keep them first.
 */
struct rax_thread {
	__u32 depth;			/*  0: levels in use */
	__u32 helper_depth;		/*  4: helpers being executed (thunk) */
	__u64 stack_limit[RAX_MAX_NESTING + 1];	/*  8: by depth: lowest rsp allowed at a checked entry */
	volatile __u32 terminate;	/* 48: watchdog asks the run to end at helper return */
	__u32 locks_held;		/* Rax locks held by the innermost run */
	/*
	 * Bumped on every entry.  The watchdog samples it from another
	 * thread to tell a long run from a sequence of short ones.
	 */
	__u64 generation;
	__u64 wd_target_gen;		/* generation the watchdog signalled */
	/* watchdog bookkeeping (watchdog_inproc.c, under its lock) */
	__u64 wd_seen_gen;
	__u64 wd_seen_ns;
	__u64 wd_signal_ns;
	struct rax_thread *wd_next;
	struct rax_thread **wd_pprev;
	int tid;
	void *stacks;			/* one mapping: per level a guard page + stack, then the side areas */
	size_t stacks_size;
	void *altstack;			/* our alternate signal stack, if we installed it */
	size_t altstack_size;
	struct rax_run_level level[RAX_MAX_NESTING];
};
#define RAX_THREAD_OFF_HELPER_DEPTH 4
#define RAX_THREAD_OFF_STACK_LIMIT 8
#define RAX_THREAD_OFF_TERMINATE 48

extern __thread struct rax_thread rax_thread __attribute__((tls_model("initial-exec")));

/* ---- Runtime (runtime_inproc.c) ---------------------------------------------- */
/* The program the calling thread is running (innermost level), or NULL. */
struct rax_program *rax_inproc_current_prog(void);
/* Nesting depth of the calling thread (0 outside any run). */
__u32 rax_inproc_depth(void);
/* The innermost run level of the calling thread, or NULL outside a run. */
struct rax_run_level *rax_inproc_current_level(void);
/* The result a run of @type returns when aborted. */
__u64 rax_inproc_aborted_result(enum rax_prog_type type);
/* Runtime state of a program: initialise / destroy (loader). */
int rax_inproc_prog_init(struct rax_inproc_prog *st, __u32 budget_ms);
void rax_inproc_prog_fini(struct rax_inproc_prog *st);
/*
 * The rax_panic helper: log (rate-limited), count, and escape from the run
 * with the aborted result.  Outside a run it aborts the process.
 */
__attribute__((noreturn)) void rax_inproc_panic(const char *msg, __u32 len);
/*
 * End the innermost run: count an abort of @cause, record and log @msg
 * (rate-limited), release the run's resources LIFO and leave through the
 * level's landing record with the type's aborted result.
 */
__attribute__((noreturn)) void rax_inproc_abort(__u32 cause, const char *msg);
/*
 * Assembly (dispatch_x86_64.S): switch to @stack_top and call
 * rax_inproc_abort(@cause, NULL).  Signal handlers redirect a run here.
 */
__attribute__((noreturn)) void rax_abort_on_stack(void *stack_top, __u64 cause, const char *msg);
/* Assembly: the helper thunk and the recursion entry check (stackcheck_x86_64.S). */
void rax_helper_thunk(void);
void rax_stack_check(void);

/* ---- Cleanup registry (cleanup_inproc.c) -------------------------------------- */
/* Register a resource at the innermost level; panics when the registry is full. */
struct rax_cleanup_entry *rax_cleanup_push(struct rax_run_level *lvl, __u32 kind, void *obj);
/* The live entry of @kind for @obj at @lvl, or NULL. */
struct rax_cleanup_entry *rax_cleanup_find(struct rax_run_level *lvl, __u32 kind,
					   const void *obj);
/* Forget an entry whose resource its owner released. */
void rax_cleanup_drop(struct rax_run_level *lvl, struct rax_cleanup_entry *e);
/* Release everything registered at @lvl, last registered first. */
void rax_cleanup_drain(struct rax_run_level *lvl);

/* ---- Resources (lock_inproc.c, output_inproc.c) ------------------------------- */
long rax_inproc_lock_acquire(const struct rax_map_def *def, void *lock);
long rax_inproc_lock_release(void *lock);
void rax_inproc_lock_cleanup(struct rax_cleanup_entry *e);
void *rax_inproc_output_reserve(const struct rax_map_def *def, __u64 size);
long rax_inproc_output_submit(void *rec);
long rax_inproc_output_discard(void *rec);
void rax_inproc_output_cleanup(struct rax_run_level *lvl, struct rax_cleanup_entry *e);

/* ---- Watchdog and faults (watchdog_inproc.c, faults_inproc.c) ----------------- */
/* Arm (first loaded object) / disarm (last one): thread + signal handlers. */
int rax_watchdog_arm(void);
void rax_watchdog_disarm(void);
/* Thread registry: the watchdog watches registered threads only. */
void rax_watchdog_thread_add(struct rax_thread *t);
void rax_watchdog_thread_del(struct rax_thread *t);
/* A program's budget changed: the watchdog may need to sample faster. */
void rax_watchdog_budget_hint(__u64 budget_ns);
int rax_faults_install(void);
void rax_faults_uninstall(void);
/* Give the calling thread an alternate signal stack if it has none. */
int rax_altstack_ensure(struct rax_thread *t);
void rax_altstack_release(struct rax_thread *t);
/* Redirect the interrupted context @uc (a ucontext_t) to the abort path. */
void rax_redirect_to_abort(void *uc, struct rax_run_level *lvl, __u32 cause);

/* ---- Helpers (helpers_inproc.c) ---------------------------------------------- */
/* Address of the implementation of helper import @name, or NULL. */
void *rax_inproc_helper_addr(const char *name);
/*
 * Index in obj->maps of the running object's map whose definition is
 * exactly @def (in its image's ".maps"), or -1.
 */
int rax_inproc_map_index(const struct rax_map_def *def);

#endif /* RAX_RUNTIME_INPROC_H */
