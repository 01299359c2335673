// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The adversarial suite of tests/adversarial, run in the kernel: every
 * object goes through librax's kernel backend (gate, BPF maps, rax.ko) and
 * must meet the in-process runtime's expectations (test_adversarial.c):
 * the aborted result, the right cause and message in rax_program__stats,
 * locks released, open reservations discarded, what the program wrote
 * before the abort kept, the next run normal.  The kernel's own cases
 * (tests/vm/adv_kernel): an endless loop in a kprobe program (interrupts
 * off: only the watchdog's NMI ends it) and the Rax lock in a hash value.
 * The kernel staying alive (no oops, WARN or stall) is vm_run.py's check.
 *
 * Time budgets: the endless loops run with a budget set through
 * rax_program__set_time_budget (librax's kernel path), the kprobe loop with
 * rax.ko's default.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <rax/librax.h>
#include <rax/uapi/rax_ioctl.h>

#define OBJDIR "/objs/"
#define PKT_LEN 64

static int failures;
static const char *current_test;
static bool current_ok;

/* One RAX-TEST line per test; CHECK records the first failed condition. */
static void fail_at(int line, const char *what)
{
	if (current_ok)
		printf("RAX-TEST: adv.%s FAIL line %d: %s\n", current_test, line, what);
	current_ok = false;
}

#define CHECK(cond)                                   \
	do {                                          \
		if (!(cond))                          \
			fail_at(__LINE__, #cond);     \
	} while (0)
/* Stop the test when the condition fails (what follows would crash). */
#define REQUIRE(cond)                                 \
	do {                                          \
		if (!(cond)) {                        \
			fail_at(__LINE__, #cond);     \
			return;                       \
		}                                     \
	} while (0)

static void run_test(const char *name, void (*fn)(void))
{
	current_test = name;
	current_ok = true;
	fn();
	if (current_ok)
		printf("RAX-TEST: adv.%s PASS\n", name);
	else
		failures++;
	fflush(stdout);
}

static int quiet_print(enum librax_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBRAX_WARN)
		vfprintf(stderr, fmt, ap);
	return 0;
}

static struct rax_object *load(const char *name)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_KERNEL);
	char path[256];
	struct rax_object *obj;

	snprintf(path, sizeof(path), OBJDIR "%s", name);
	obj = rax_object__open_file(path, &opts);
	if (!obj)
		return NULL;
	if (rax_object__load(obj)) {
		rax_object__close(obj);
		return NULL;
	}
	return obj;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* One XDP test run on a packet whose first bytes are b0, b1; ~0u on error. */
static __u32 run_xdp(struct rax_program *prog, __u8 b0, __u8 b1)
{
	__u8 pkt[PKT_LEN] = { b0, b1 };
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	if (rax_prog_test_run_opts(rax_program__fd(prog), &opts))
		return ~0u;
	return opts.retval;
}

static bool get_stats(struct rax_program *prog, struct rax_prog_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->sz = sizeof(*st);
	return rax_program__stats(prog, st) == 0;
}

static __u64 aborts_total(const struct rax_prog_stats *st)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < RAX_ABORT_CAUSE_MAX; i++)
		n += st->aborts[i];
	return n;
}

/* Exactly @n aborts so far, all of @cause, the last one's message naming msg_part. */
static bool aborts_are(struct rax_program *prog, enum rax_abort_cause cause, __u64 n,
		       const char *msg_part)
{
	struct rax_prog_stats st;

	if (!get_stats(prog, &st))
		return false;
	if (st.aborts[cause] != n || aborts_total(&st) != n || !strstr(st.last_abort_msg, msg_part)) {
		printf("stats: cause %d: %llu of %llu aborts, last message '%s'\n", cause,
		       (unsigned long long)st.aborts[cause], (unsigned long long)aborts_total(&st),
		       st.last_abort_msg);
		return false;
	}
	return true;
}

static bool lookup(struct rax_object *obj, const char *map, const void *key, size_t key_sz,
		   void *value, size_t value_sz)
{
	struct rax_map *m = rax_object__find_map_by_name(obj, map);

	return m && rax_map__lookup_elem(m, key, key_sz, value, value_sz, 0) == 0;
}

static __u64 array_u64(struct rax_object *obj, const char *map, __u32 idx)
{
	__u64 v = ~0ull;

	lookup(obj, map, &idx, sizeof(idx), &v, sizeof(v));
	return v;
}

struct account {
	__u32 lock;
	__u32 balance;
};

struct event {
	__u64 seq;
	__u64 tag;
};

static bool event_is(struct rax_object *obj, __u32 idx, __u64 seq, __u64 tag)
{
	struct event e = { ~0ull, ~0ull };

	return lookup(obj, "EVENTS", &idx, sizeof(idx), &e, sizeof(e)) && e.seq == seq &&
	       e.tag == tag;
}

/* ---- Panics -------------------------------------------------------------------- */
static void test_oob(void)
{
	struct rax_object *obj = load("adv_oob.rax.o");
	struct rax_program *prog;
	struct rax_prog_stats st;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_oob");
	REQUIRE(prog);
	CHECK(run_xdp(prog, 1, 200) == RAX_XDP_ABORTED_RESULT);
	CHECK(aborts_are(prog, RAX_ABORT_PANIC, 1, "index out of bounds"));
	CHECK(array_u64(obj, "RUNS", 0) == 1);
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(array_u64(obj, "RUNS", 0) == 2);
	CHECK(get_stats(prog, &st) && st.run_cnt == 2 && st.missed == 0);
	rax_object__close(obj);
}

static void test_panic_lock(void)
{
	struct rax_object *obj = load("adv_panic_lock.rax.o");
	struct rax_program *prog;
	struct account a = { ~0u, ~0u };
	__u32 i, key = 0;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_panic_lock");
	REQUIRE(prog);
	CHECK(run_xdp(prog, 1, 0) == RAX_XDP_ABORTED_RESULT);
	CHECK(aborts_are(prog, RAX_ABORT_PANIC, 1, "explicit panic holding the lock"));
	/* the lock is free, the write made under it stays, no record reached the map */
	CHECK(lookup(obj, "ACCOUNTS", &key, sizeof(key), &a, sizeof(a)));
	CHECK(a.lock == 0 && a.balance == 1);
	for (i = 0; i < 4; i++)
		CHECK(event_is(obj, i, 0, 0));
	/* next run: the same lock again, and its record is the first one */
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(lookup(obj, "ACCOUNTS", &key, sizeof(key), &a, sizeof(a)));
	CHECK(a.lock == 0 && a.balance == 2);
	CHECK(event_is(obj, 0, 2, 0x52415821));
	CHECK(event_is(obj, 1, 0, 0));
	rax_object__close(obj);
}

static void test_leak(void)
{
	struct rax_object *obj = load("adv_leak.rax.o");
	struct rax_program *prog;
	struct rax_prog_stats st;
	struct account s0 = { ~0u, ~0u }, s1 = { ~0u, ~0u };
	__u32 k0 = 0, k1 = 1;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_leak");
	REQUIRE(prog);
	/* kept past the return: released when the run ended normally */
	CHECK(run_xdp(prog, 1, 0) == RAX_XDP_TX);
	CHECK(lookup(obj, "SLOTS", &k0, sizeof(k0), &s0, sizeof(s0)));
	CHECK(s0.lock == 0 && s0.balance == 1);
	CHECK(get_stats(prog, &st) && aborts_total(&st) == 0);
	/* a second lock while one is held: panic, both free afterwards */
	CHECK(run_xdp(prog, 2, 0) == RAX_XDP_ABORTED_RESULT);
	CHECK(aborts_are(prog, RAX_ABORT_PANIC, 1, "second lock"));
	CHECK(lookup(obj, "SLOTS", &k0, sizeof(k0), &s0, sizeof(s0)));
	CHECK(lookup(obj, "SLOTS", &k1, sizeof(k1), &s1, sizeof(s1)));
	CHECK(s0.lock == 0 && s0.balance == 2 && s1.lock == 0);
	/* anything still held would make this spin until the timeout */
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(lookup(obj, "SLOTS", &k0, sizeof(k0), &s0, sizeof(s0)));
	CHECK(s0.balance == 3);
	CHECK(get_stats(prog, &st) && aborts_total(&st) == 1);
	rax_object__close(obj);
}

/* ---- Termination ---------------------------------------------------------------- */
/* Not the default (100 ms): the message shows which budget ended the run. */
#define ADV_LOOP_BUDGET_MS 30
#define ADV_STR_1(x) #x
#define ADV_STR(x) ADV_STR_1(x)

static void check_timeout(const char *file, const char *name)
{
	struct rax_object *obj = load(file);
	struct rax_program *prog;
	__u64 start, took;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, name);
	REQUIRE(prog);
	REQUIRE(rax_program__set_time_budget(prog, ADV_LOOP_BUDGET_MS) == 0);
	start = now_ns();
	CHECK(run_xdp(prog, 1, 0) == RAX_XDP_ABORTED_RESULT);
	took = now_ns() - start;
	CHECK(aborts_are(prog, RAX_ABORT_TIMEOUT, 1,
			 "ran past its " ADV_STR(ADV_LOOP_BUDGET_MS) " ms budget"));
	CHECK(took >= ADV_LOOP_BUDGET_MS * 1000000ull);
	CHECK(took < 3000000000ull);
	CHECK(array_u64(obj, "RUNS", 0) == 1);
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(array_u64(obj, "RUNS", 0) == 2);
	rax_object__close(obj);
}

static void test_loop(void)
{
	check_timeout("adv_loop.rax.o", "adv_loop");
}

static void test_loop_helper(void)
{
	check_timeout("adv_loop_helper.rax.o", "adv_loop_helper");
}

struct loop_thread {
	struct rax_program *prog;
	__u8 trigger;
	__u32 retval;
};

static void *loop_thread_main(void *arg)
{
	struct loop_thread *lt = arg;
	__u8 pkt[PKT_LEN] = { lt->trigger };
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		 .repeat = lt->trigger ? 1 : 2000);

	lt->retval = rax_prog_test_run_opts(rax_program__fd(lt->prog), &opts) ? 0xdead :
									       opts.retval;
	return NULL;
}

/* Stuck runs on several threads end one by one; short runs beside them do not. */
static void test_many_threads(void)
{
	struct rax_object *obj = load("adv_loop_helper.rax.o");
	struct rax_program *prog;
	struct loop_thread lt[6];
	struct rax_prog_stats st;
	pthread_t th[6];
	int i;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_loop_helper");
	REQUIRE(prog);
	for (i = 0; i < 6; i++) {
		lt[i].prog = prog;
		lt[i].trigger = i < 4;	/* 4 stuck, 2 normal */
		lt[i].retval = 0xffff;
		REQUIRE(pthread_create(&th[i], NULL, loop_thread_main, &lt[i]) == 0);
	}
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		CHECK(lt[i].retval == (i < 4 ? RAX_XDP_ABORTED_RESULT : RAX_XDP_PASS));
	}
	CHECK(get_stats(prog, &st));
	CHECK(st.aborts[RAX_ABORT_TIMEOUT] == 4 && aborts_total(&st) == 4);
	CHECK(st.run_cnt == 4 + 2 * 2000);
	rax_object__close(obj);
}

/* ---- Stack ------------------------------------------------------------------------- */
static void test_deep_recursion(void)
{
	struct rax_object *obj = load("adv_deep_recursion.rax.o");
	struct rax_program *prog;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_deep_recursion");
	REQUIRE(prog);
	CHECK(rax_program__checked_func_cnt(prog) > 0);
	CHECK(run_xdp(prog, 1, 255) == RAX_XDP_ABORTED_RESULT);
	CHECK(aborts_are(prog, RAX_ABORT_STACK, 1, "stack"));
	CHECK(array_u64(obj, "RESULT", 0) == 0);
	/* 16 levels fit: descend(16) = sum over n=1..16 of n */
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(array_u64(obj, "RESULT", 0) == 16 * 17 / 2);
	rax_object__close(obj);
}

static void test_unbounded_recursion(void)
{
	struct rax_object *obj = load("adv_unbounded_recursion.rax.o");
	struct rax_program *prog;
	int i;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_unbounded_recursion");
	REQUIRE(prog);
	/* several times: every abort starts from a clean stack */
	for (i = 0; i < 3; i++)
		CHECK(run_xdp(prog, 1, 0) == RAX_XDP_ABORTED_RESULT);
	CHECK(aborts_are(prog, RAX_ABORT_STACK, 3, "stack"));
	CHECK(array_u64(obj, "RUNS", 0) == 3);
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(array_u64(obj, "RUNS", 0) == 4);
	rax_object__close(obj);
}

/* ---- Faults -------------------------------------------------------------------------- */
static __u32 run_syscall(struct rax_program *prog, __u64 *counter)
{
	RAX_OPTS(rax_test_run_opts, opts, .ctx_in = counter, .ctx_size_in = sizeof(*counter),
		 .ctx_out = counter, .ctx_size_out = sizeof(*counter));

	if (rax_prog_test_run_opts(rax_program__fd(prog), &opts))
		return ~0u;
	return opts.retval;
}

static void test_faults(void)
{
	static const char *const names[] = { "adv_fault_ud2", "adv_fault_div", "adv_fault_null" };
	struct rax_object *obj = load("adv_fault.o");
	struct rax_program *prog;
	__u64 counter;
	size_t i;

	REQUIRE(obj);
	for (i = 0; i < 3; i++) {
		prog = rax_object__find_program_by_name(obj, names[i]);
		REQUIRE(prog);
		/*
		 * A load from address 0 is a page fault: fatal in the kernel
		 * by design (DESIGN.md 5), the gate's job to keep out.
		 */
		if (!strcmp(names[i], "adv_fault_null"))
			continue;
		counter = 0;
		CHECK(run_syscall(prog, &counter) == RAX_TRACE_ABORTED_RESULT);
		CHECK(counter == 1);
		CHECK(aborts_are(prog, RAX_ABORT_FAULT, 1, "fault"));
	}
	prog = rax_object__find_program_by_name(obj, "adv_fault_ok");
	REQUIRE(prog);
	counter = 5;
	CHECK(run_syscall(prog, &counter) == 42);
	CHECK(counter == 6);
	{
		/* A context buffer too small: -ENOSPC and the size needed, as in-process. */
		__u64 in = 5;
		__u32 small = 0;
		RAX_OPTS(rax_test_run_opts, cut, .ctx_in = &in, .ctx_size_in = sizeof(in),
			 .ctx_out = &small, .ctx_size_out = sizeof(small));

		CHECK(rax_prog_test_run_opts(rax_program__fd(prog), &cut) == -ENOSPC &&
		      errno == ENOSPC);
		CHECK(cut.ctx_size_out == sizeof(in));
		CHECK(small == 6);	/* the part that fits */
	}
	rax_object__close(obj);
}

/* ---- The kernel's own cases (adv_kernel) ------------------------------------------------ */
static void test_kprobe_loop(void)
{
	struct rax_object *obj = load("adv_kernel.rax.o");
	struct rax_map *target;
	struct rax_program *prog;
	struct rax_link *link;
	__u32 key = 0, tgid = (__u32)getpid(), none = 0;
	__u64 start, took, runs;
	pid_t ppid;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_kprobe_loop");
	target = rax_object__find_map_by_name(obj, "TARGET");
	REQUIRE(prog && target);
	link = rax_program__attach(prog);
	REQUIRE(link);
	/* from now on this process's getppid() spins in an int3 handler */
	REQUIRE(rax_map__update_elem(target, &key, sizeof(key), &tgid, sizeof(tgid), 0) == 0);
	start = now_ns();
	ppid = getppid();
	took = now_ns() - start;
	CHECK(ppid > 0);
	CHECK(aborts_are(prog, RAX_ABORT_TIMEOUT, 1, "budget"));
	CHECK(took >= RAX_DEFAULT_TIME_BUDGET_MS * 1000000ull);
	CHECK(took < 3000000000ull);
	/* the next run is normal */
	REQUIRE(rax_map__update_elem(target, &key, sizeof(key), &none, sizeof(none), 0) == 0);
	runs = array_u64(obj, "RUNS", 0);
	getppid();
	CHECK(array_u64(obj, "RUNS", 0) > runs);
	CHECK(aborts_are(prog, RAX_ABORT_TIMEOUT, 1, "budget"));
	rax_link__destroy(link);
	rax_object__close(obj);
}

static bool account_is(struct rax_object *obj, __u32 lock, __u32 balance)
{
	struct account a = { ~0u, ~0u };
	__u32 key = 7;

	return lookup(obj, "ACCOUNTS", &key, sizeof(key), &a, sizeof(a)) && a.lock == lock &&
	       a.balance == balance;
}

static void test_hash_lock(void)
{
	struct rax_object *obj = load("adv_kernel.rax.o");
	struct rax_program *prog;
	struct rax_prog_stats st;

	REQUIRE(obj);
	prog = rax_object__find_program_by_name(obj, "adv_hash_lock");
	REQUIRE(prog);
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(account_is(obj, 0, 1));
	CHECK(event_is(obj, 0, 1, 0x52415821));
	/* panic holding the lock and a filled reservation */
	CHECK(run_xdp(prog, 1, 0) == RAX_XDP_ABORTED_RESULT);
	CHECK(aborts_are(prog, RAX_ABORT_PANIC, 1, "hash lock"));
	CHECK(account_is(obj, 0, 2));
	CHECK(event_is(obj, 1, 0, 0));
	/* a guard kept past the return */
	CHECK(run_xdp(prog, 2, 0) == RAX_XDP_TX);
	CHECK(account_is(obj, 0, 3));
	/* the second submitted record takes the second slot */
	CHECK(run_xdp(prog, 0, 0) == RAX_XDP_PASS);
	CHECK(account_is(obj, 0, 4));
	CHECK(event_is(obj, 1, 4, 0x52415821));
	CHECK(event_is(obj, 2, 0, 0));
	CHECK(get_stats(prog, &st) && aborts_total(&st) == 1 && st.run_cnt == 4);
	rax_object__close(obj);
}

static void test_released(void)
{
	struct rax_ioc_info info = { .size = sizeof(info) };
	int dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	REQUIRE(dev >= 0);
	CHECK(ioctl(dev, RAX_IOC_INFO, &info) == 0);
	close(dev);
	CHECK(info.objects == 0 && info.map_refs == 0 && info.links == 0);
	CHECK(info.text_arena_used == 0 && info.data_arena_used == 0);
}

int main(void)
{
	librax_set_print(quiet_print);
	run_test("oob", test_oob);
	run_test("panic_lock", test_panic_lock);
	run_test("leak", test_leak);
	run_test("loop", test_loop);
	run_test("loop_helper", test_loop_helper);
	run_test("many_threads", test_many_threads);
	run_test("deep_recursion", test_deep_recursion);
	run_test("unbounded_recursion", test_unbounded_recursion);
	run_test("faults", test_faults);
	run_test("kprobe_loop", test_kprobe_loop);
	run_test("hash_lock", test_hash_lock);
	run_test("released", test_released);
	return failures ? 1 : 0;
}
