// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The in-process runtime: per-thread run state (nesting levels, dedicated
 * stacks with guard pages, run generation), the run entry point and the
 * panic path.
 *
 * rax_inproc_run() is the hot path: it makes no syscall, reads no clock
 * and leaves the signal mask alone.  Everything expensive happens once per
 * thread (stack allocation) or on the panic path.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct rax_run_level {
	struct rax_jmp jb;		/* entry state, for rax_escape() */
	struct rax_program *prog;	/* program running at this level */
	void *stack_top;		/* this level's dedicated stack */
};

struct rax_thread {
	__u32 depth;		/* levels in use */
	/*
	 * Bumped on every entry.  A watchdog (later) samples it from another
	 * thread to tell a long run from a sequence of short ones.
	 */
	__u64 generation;
	void *stacks;		/* one mapping: per level a guard page + stack */
	size_t stacks_size;
	struct rax_run_level level[RAX_MAX_NESTING];
};

/* initial-exec: a TLS access is one %fs-relative load, no __tls_get_addr. */
static __thread struct rax_thread rax_thread __attribute__((tls_model("initial-exec")));

static pthread_once_t rax_thread_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t rax_thread_key;
static int rax_thread_key_err;

static void rax_thread_release(void *arg)
{
	struct rax_thread *t = arg;

	if (t->stacks)
		munmap(t->stacks, t->stacks_size);
	t->stacks = NULL;
	t->stacks_size = 0;
}

static void rax_thread_key_create(void)
{
	rax_thread_key_err = pthread_key_create(&rax_thread_key, rax_thread_release);
}

/*
 * First run on this thread: map the stacks and arrange their release at
 * exit.  Out of line so the hot path keeps a small frame.
 */
static __attribute__((noinline, cold)) int rax_thread_init(struct rax_thread *t)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t stack = (RAX_STACK_SIZE + page - 1) & ~(page - 1);
	size_t per_level = page + stack;
	__u8 *mem;
	__u32 i;
	int err;

	pthread_once(&rax_thread_key_once, rax_thread_key_create);
	if (rax_thread_key_err) {
		pr_warn("runtime: cannot create the thread key: %s\n",
			strerror(rax_thread_key_err));
		return -rax_thread_key_err;
	}

	mem = mmap(NULL, per_level * RAX_MAX_NESTING, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		pr_warn("runtime: cannot map program stacks: %s\n", strerror(-err));
		return err;
	}
	/* The guard page of each level stays PROT_NONE, below its stack. */
	for (i = 0; i < RAX_MAX_NESTING; i++) {
		__u8 *lo = mem + i * per_level + page;

		if (mprotect(lo, stack, PROT_READ | PROT_WRITE)) {
			err = -errno;
			pr_warn("runtime: cannot map program stacks: %s\n", strerror(-err));
			munmap(mem, per_level * RAX_MAX_NESTING);
			return err;
		}
		t->level[i].stack_top = lo + stack;
	}
	err = pthread_setspecific(rax_thread_key, t);
	if (err) {
		pr_warn("runtime: cannot register thread state: %s\n", strerror(err));
		munmap(mem, per_level * RAX_MAX_NESTING);
		return -err;
	}
	t->stacks = mem;
	t->stacks_size = per_level * RAX_MAX_NESTING;
	return 0;
}

/*
 * Run and miss counters are plain relaxed load+store: a lock prefix would
 * cost about as much as the whole dispatch.  Concurrent runs of one
 * program on several threads may therefore lose an increment; abort
 * counters (cold path) are exact.
 */
static inline void rax_counter_inc_fast(__u64 *c)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

__u64 rax_inproc_aborted_result(enum rax_prog_type type)
{
	switch (type) {
	case RAX_PROG_TYPE_XDP:
		return RAX_XDP_ABORTED_RESULT;
	case RAX_PROG_TYPE_SCHED_CLS:
		return RAX_TC_ABORTED_RESULT;
	default:
		return RAX_TRACE_ABORTED_RESULT;
	}
}

/* A run arriving at the nesting limit is skipped, like BPF's recursion check. */
static __attribute__((noinline, cold)) int rax_run_missed(struct rax_program *prog,
							  struct rax_inproc_prog *st,
							  __u64 *result)
{
	__atomic_fetch_add(&st->stats.missed, 1, __ATOMIC_RELAXED);
	*result = rax_inproc_aborted_result(prog->type);
	return -EBUSY;
}

int rax_inproc_run(struct rax_program *prog, void *ctx, __u64 *result)
{
	struct rax_thread *t = &rax_thread;
	__u32 depth = t->depth;
	struct rax_inproc_prog *st;
	struct rax_run_level *lvl;
	int err;

	if (unlikely(!prog->entry || !prog->obj->inproc))
		return -EINVAL;
	st = rax_inproc_prog_state(prog);
	if (unlikely(depth >= RAX_MAX_NESTING))
		return rax_run_missed(prog, st, result);
	if (unlikely(!t->stacks)) {
		err = rax_thread_init(t);
		if (err)
			return err;
	}

	lvl = &t->level[depth];
	lvl->prog = prog;
	t->depth = depth + 1;
	__atomic_store_n(&t->generation, t->generation + 1, __ATOMIC_RELAXED);
	rax_counter_inc_fast(&st->stats.runs);

	*result = rax_dispatch(ctx, prog->entry, lvl->stack_top, &lvl->jb);

	lvl->prog = NULL;
	t->depth = depth;
	return 0;
}

struct rax_program *rax_inproc_current_prog(void)
{
	struct rax_thread *t = &rax_thread;

	return t->depth ? t->level[t->depth - 1].prog : NULL;
}

__u32 rax_inproc_depth(void)
{
	return rax_thread.depth;
}

int rax_inproc_prog_init(struct rax_inproc_prog *st)
{
	memset(st, 0, sizeof(*st));
	return -pthread_mutex_init(&st->panic_lock, NULL);
}

void rax_inproc_prog_fini(struct rax_inproc_prog *st)
{
	pthread_mutex_destroy(&st->panic_lock);
}

static __u64 rax_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/*
 * Record the message and decide whether to log it: at most
 * RAX_PANIC_LOG_BURST messages per second per program, so a program that
 * panics on every packet cannot flood the log.  Returns the number of
 * messages suppressed in the previous window through *suppressed.
 */
static bool rax_panic_record(struct rax_inproc_prog *st, const char *msg, __u32 len,
			     __u32 *suppressed)
{
	__u64 now = rax_monotonic_ns();
	bool log;

	*suppressed = 0;
	pthread_mutex_lock(&st->panic_lock);
	memcpy(st->last_panic, msg, len);
	st->last_panic[len] = '\0';
	if (now - st->panic_window_ns >= 1000000000ull) {
		*suppressed = st->panic_suppressed;
		st->panic_window_ns = now;
		st->panic_window_cnt = 0;
		st->panic_suppressed = 0;
	}
	log = st->panic_window_cnt < RAX_PANIC_LOG_BURST;
	if (log)
		st->panic_window_cnt++;
	else
		st->panic_suppressed++;
	pthread_mutex_unlock(&st->panic_lock);
	return log;
}

void rax_inproc_panic(const char *msg, __u32 len)
{
	struct rax_thread *t = &rax_thread;
	struct rax_run_level *lvl;
	struct rax_inproc_prog *st;
	struct rax_program *prog;
	__u32 suppressed;

	if (!msg) {
		msg = "(no message)";
		len = (__u32)strlen(msg);
	}
	if (len > RAX_PANIC_MSG_LEN - 1)
		len = RAX_PANIC_MSG_LEN - 1;
	if (t->depth == 0) {
		fprintf(stderr, "librax: rax_panic called outside a program run: %.*s\n",
			(int)len, msg);
		abort();
	}

	lvl = &t->level[t->depth - 1];
	prog = lvl->prog;
	st = rax_inproc_prog_state(prog);
	__atomic_fetch_add(&st->stats.aborts[RAX_ABORT_PANIC], 1, __ATOMIC_RELAXED);
	if (rax_panic_record(st, msg, len, &suppressed)) {
		if (suppressed)
			pr_warn("prog '%s': %u panic messages suppressed\n",
				prog->name, suppressed);
		pr_warn("prog '%s': panicked: %.*s\n", prog->name, (int)len, msg);
	}
	rax_escape(&lvl->jb, rax_inproc_aborted_result(prog->type));
}
