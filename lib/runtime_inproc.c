// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The in-process runtime: per-thread run state (nesting levels, dedicated
 * stacks with guard pages, run generation), the run entry point and the
 * abort path that panics, timeouts, stack exhaustion and faults share.
 *
 * rax_inproc_run() is the hot path: it makes no syscall, reads no clock
 * and leaves the signal mask alone.  Everything expensive happens once per
 * thread (stack allocation) or on the abort path.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "librax_internal.h"
#include "runtime_inproc.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RAX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RAX_ASAN 1
#endif
#ifdef RAX_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define RAX_VALGRIND 1
#endif
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* The assembly reads these fields by offset. */
_Static_assert(offsetof(struct rax_thread, depth) == 0, "depth offset");
_Static_assert(offsetof(struct rax_thread, helper_depth) == RAX_THREAD_OFF_HELPER_DEPTH,
	       "helper_depth offset");
_Static_assert(offsetof(struct rax_thread, stack_limit) == RAX_THREAD_OFF_STACK_LIMIT,
	       "stack_limit offset");
_Static_assert(offsetof(struct rax_thread, terminate) == RAX_THREAD_OFF_TERMINATE,
	       "terminate offset");

/* initial-exec: a TLS access is one %fs-relative load, no __tls_get_addr. */
__thread struct rax_thread rax_thread __attribute__((tls_model("initial-exec")));

static pthread_once_t rax_thread_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t rax_thread_key;
static int rax_thread_key_err;

#ifdef RAX_VALGRIND
static __thread unsigned int rax_vg_stack_id[RAX_MAX_NESTING];
#endif

static size_t rax_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static void rax_thread_release(void *arg)
{
	struct rax_thread *t = arg;

	rax_watchdog_thread_del(t);
	rax_altstack_release(t);
#ifdef RAX_VALGRIND
	for (__u32 i = 0; i < RAX_MAX_NESTING; i++)
		VALGRIND_STACK_DEREGISTER(rax_vg_stack_id[i]);
#endif
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
 * First run on this thread: map the stacks (each with a guard page below
 * it) and the levels' side areas, give the thread an alternate signal
 * stack, register it with the watchdog and arrange the release at exit.
 * Out of line so the hot path keeps a small frame.
 */
static __attribute__((noinline, cold)) int rax_thread_init(struct rax_thread *t)
{
	size_t page = rax_page_size();
	size_t stack = (RAX_STACK_SIZE + page - 1) & ~(page - 1);
	size_t per_level = page + stack;
	size_t side = (sizeof(struct rax_level_side) * RAX_MAX_NESTING + page - 1) & ~(page - 1);
	size_t total = per_level * RAX_MAX_NESTING + side;
	struct rax_level_side *sides;
	__u8 *mem;
	__u32 i;
	int err;

	pthread_once(&rax_thread_key_once, rax_thread_key_create);
	if (rax_thread_key_err) {
		pr_warn("runtime: cannot create the thread key: %s\n",
			strerror(rax_thread_key_err));
		return -rax_thread_key_err;
	}

	mem = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		pr_warn("runtime: cannot map program stacks: %s\n", strerror(-err));
		return err;
	}
	/* The guard page of each level stays PROT_NONE, below its stack. */
	for (i = 0; i < RAX_MAX_NESTING; i++) {
		__u8 *lo = mem + i * per_level + page;

		if (mprotect(lo, stack, PROT_READ | PROT_WRITE))
			goto fail_errno;
		t->level[i].stack_top = lo + stack;
		/* A checked entry below this leaves too little for helpers and the panic path. */
		t->stack_limit[i + 1] = (__u64)(uintptr_t)(lo + stack - RAX_STACK_BUDGET);
	}
	sides = (struct rax_level_side *)(void *)(mem + per_level * RAX_MAX_NESTING);
	if (mprotect(sides, side, PROT_READ | PROT_WRITE))
		goto fail_errno;
	for (i = 0; i < RAX_MAX_NESTING; i++)
		t->level[i].side = &sides[i];

	err = rax_altstack_ensure(t);
	if (err)
		goto fail;
	err = -pthread_setspecific(rax_thread_key, t);
	if (err) {
		pr_warn("runtime: cannot register thread state: %s\n", strerror(-err));
		rax_altstack_release(t);
		goto fail;
	}
#ifdef RAX_VALGRIND
	for (i = 0; i < RAX_MAX_NESTING; i++)
		rax_vg_stack_id[i] = VALGRIND_STACK_REGISTER(
			(__u8 *)t->level[i].stack_top - stack, t->level[i].stack_top);
#endif
	t->tid = (int)syscall(SYS_gettid);
	t->stacks = mem;
	t->stacks_size = total;
	rax_watchdog_thread_add(t);
	return 0;

fail_errno:
	err = -errno;
	pr_warn("runtime: cannot map program stacks: %s\n", strerror(-err));
fail:
	munmap(mem, total);
	return err;
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

#ifdef RAX_ASAN
/*
 * Under ASan the program is entered through this trampoline so the stack
 * switch is announced from both sides (fiber annotations): instrumented
 * helpers and the abort path then run on the program stack without false
 * reports.
 */
struct rax_asan_level {
	void *entry;
	const void *old_bottom;
	size_t old_size;
};
static __thread struct rax_asan_level rax_asan_level[RAX_MAX_NESTING];

static __u64 rax_asan_trampoline(void *ctx)
{
	struct rax_asan_level *a = &rax_asan_level[rax_thread.depth - 1];
	__u64 (*entry)(void *) = (__u64 (*)(void *))a->entry;
	__u64 ret;

	__sanitizer_finish_switch_fiber(NULL, &a->old_bottom, &a->old_size);
	ret = entry(ctx);
	__sanitizer_start_switch_fiber(NULL, a->old_bottom, a->old_size);
	return ret;
}

static void rax_asan_leave_level(struct rax_thread *t)
{
	struct rax_asan_level *a = &rax_asan_level[t->depth - 1];

	__sanitizer_start_switch_fiber(NULL, a->old_bottom, a->old_size);
}
#endif

static __attribute__((noinline, cold)) void rax_run_drain(struct rax_thread *t,
							  struct rax_run_level *lvl)
{
	rax_cleanup_drain(lvl);
	t->terminate = 0;
}

int rax_inproc_run(struct rax_program *prog, void *ctx, __u64 *result)
{
	struct rax_thread *t = &rax_thread;
	__u32 depth = t->depth;
	struct rax_inproc_prog *st;
	struct rax_run_level *lvl;
	void *entry = prog->entry;
	int err;

	if (unlikely(!entry || !prog->obj->inproc))
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
	lvl->helper_base = t->helper_depth;
	/*
	 * The new generation first: a watchdog signal for the previous run
	 * that lands in between finds the old depth or a newer generation.
	 */
	__atomic_store_n(&t->generation, t->generation + 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->depth = depth + 1;
	rax_counter_inc_fast(&st->stats.runs);

#ifdef RAX_ASAN
	rax_asan_level[depth].entry = entry;
	entry = (void *)rax_asan_trampoline;
	__sanitizer_start_switch_fiber(NULL, (__u8 *)lvl->stack_top - RAX_STACK_SIZE,
				       RAX_STACK_SIZE);
#endif
	*result = rax_dispatch(ctx, entry, lvl->stack_top, &lvl->jb);
#ifdef RAX_ASAN
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif

	/* Resources the program did not release (leaked guards) end with the run. */
	if (unlikely(lvl->cleanup_cnt | t->terminate))
		rax_run_drain(t, lvl);
	lvl->prog = NULL;
	t->depth = depth;
	return 0;
}

struct rax_program *rax_inproc_current_prog(void)
{
	struct rax_thread *t = &rax_thread;

	return t->depth ? t->level[t->depth - 1].prog : NULL;
}

struct rax_run_level *rax_inproc_current_level(void)
{
	struct rax_thread *t = &rax_thread;

	return t->depth ? &t->level[t->depth - 1] : NULL;
}

__u32 rax_inproc_depth(void)
{
	return rax_thread.depth;
}

int rax_inproc_prog_init(struct rax_inproc_prog *st, __u32 budget_ms)
{
	memset(st, 0, sizeof(*st));
	st->budget_ns = (__u64)(budget_ms ? budget_ms : RAX_DEFAULT_TIME_BUDGET_MS) * 1000000ull;
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
 * aborts on every packet cannot flood the log.  Returns the number of
 * messages suppressed in the previous window through *suppressed.
 */
static bool rax_abort_record(struct rax_inproc_prog *st, const char *msg, size_t len,
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

static const char *rax_abort_what(__u32 cause)
{
	switch (cause) {
	case RAX_ABORT_PANIC: return "panicked";
	case RAX_ABORT_TIMEOUT: return "timed out";
	case RAX_ABORT_STACK: return "ran out of stack";
	case RAX_ABORT_FAULT: return "faulted";
	default: return "aborted";
	}
}

static void rax_abort_default_msg(char *buf, size_t size, __u32 cause,
				  const struct rax_inproc_prog *st)
{
	switch (cause) {
	case RAX_ABORT_TIMEOUT:
		snprintf(buf, size, "timeout: ran past its %llu ms budget",
			 (unsigned long long)(st->budget_ns / 1000000ull));
		break;
	case RAX_ABORT_STACK:
		snprintf(buf, size, "stack: a recursive call found less than %u bytes left",
			 RAX_STACK_RESERVE);
		break;
	case RAX_ABORT_FAULT:
		snprintf(buf, size, "fault: the program's code raised a hardware exception");
		break;
	default:
		snprintf(buf, size, "aborted");
	}
}

void rax_inproc_abort(__u32 cause, const char *msg)
{
	struct rax_thread *t = &rax_thread;
	char buf[RAX_PANIC_MSG_LEN];
	struct rax_run_level *lvl;
	struct rax_inproc_prog *st;
	struct rax_program *prog;
	__u32 suppressed;
	size_t len;

	if (t->depth == 0) {
		fprintf(stderr, "librax: run aborted outside a program run: %s\n",
			msg ? msg : rax_abort_what(cause));
		abort();
	}
	if (cause >= RAX_ABORT_CAUSE_MAX || cause == RAX_ABORT_NONE)
		cause = RAX_ABORT_PANIC;
	lvl = &t->level[t->depth - 1];
	prog = lvl->prog;
	st = rax_inproc_prog_state(prog);
	__atomic_fetch_add(&st->stats.aborts[cause], 1, __ATOMIC_RELAXED);

	if (!msg) {
		rax_abort_default_msg(buf, sizeof(buf), cause, st);
		msg = buf;
	}
	len = strnlen(msg, RAX_PANIC_MSG_LEN - 1);
	if (rax_abort_record(st, msg, len, &suppressed)) {
		if (suppressed)
			pr_warn("prog '%s': %u abort messages suppressed\n", prog->name,
				suppressed);
		pr_warn("prog '%s': %s: %.*s\n", prog->name, rax_abort_what(cause), (int)len, msg);
	}

	/* Nothing unwinds: the runtime releases what the run registered. */
	rax_cleanup_drain(lvl);
	t->terminate = 0;
	t->helper_depth = lvl->helper_base;
#ifdef RAX_ASAN
	rax_asan_leave_level(t);
#endif
	rax_escape(&lvl->jb, rax_inproc_aborted_result(prog->type));
}

void rax_inproc_panic(const char *msg, __u32 len)
{
	struct rax_thread *t = &rax_thread;
	struct rax_run_level *lvl;
	char *buf;

	if (t->depth == 0) {
		fprintf(stderr, "librax: rax_panic called outside a program run\n");
		abort();
	}
	lvl = &t->level[t->depth - 1];
	buf = lvl->side->panic_msg;
	if (!msg) {
		msg = "(no message)";
		len = (__u32)strlen(msg);
	}
	if (len > RAX_PANIC_MSG_LEN - 1)
		len = RAX_PANIC_MSG_LEN - 1;
	/* The program's message is not NUL-terminated; it may hold NULs. */
	memcpy(buf, msg, len);
	buf[len] = '\0';
	/*
	 * The program may have used its whole stack budget: report on a fresh
	 * frame at the top (logging can take more than the reserve).
	 */
	rax_abort_on_stack(lvl->stack_top, RAX_ABORT_PANIC, buf);
}

/* Entered from rax_stack_check() (assembly) when a checked entry finds the stack short. */
__attribute__((noreturn)) void rax_inproc_stack_overflow(void);
void rax_inproc_stack_overflow(void)
{
	struct rax_thread *t = &rax_thread;

	/* About RAX_STACK_RESERVE is left here: finish on a fresh frame at the top. */
	rax_abort_on_stack(t->level[t->depth - 1].stack_top, RAX_ABORT_STACK, NULL);
}

/* Entered from the helper thunk when the watchdog asked the run to end. */
__attribute__((noreturn)) void rax_inproc_helper_terminate(void);
void rax_inproc_helper_terminate(void)
{
	rax_inproc_abort(RAX_ABORT_TIMEOUT, NULL);
}
