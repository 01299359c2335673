// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of rax.ko's watchdog with objs/spin.o: runs that never return
 * are aborted with RAX_ABORT_TIMEOUT after the time budget, whether they
 * loop in program code, loop around a helper, or loop in a kprobe handler
 * with interrupts off (int3 kprobe: only the cross-CPU NMI can stop it);
 * the kernel stays healthy (the harness fails the run on RCU stalls and
 * lockup reports) and the next run is fine.  Per-program budgets: set in
 * the load request or with RAX_IOC_SET_BUDGET, a 20 or 30 ms budget ends
 * the loop (and the int3 kprobe, through the NMI) well before the default
 * 100 ms, invalid requests change nothing, 0 means the default.
 *
 * Usage: vm_watchdog [spin.o]
 * Prints "RAX-TEST: watchdog.<case> PASS|FAIL ..." per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm_obj.h"
#include "vm_util.h"

#define MS_NS 1000000ull
#define BUDGET_NS ((uint64_t)RAX_DEFAULT_TIME_BUDGET_MS * MS_NS)
/* Short budgets; a run must end before SHORT_LIMIT_MS (well before the default). */
#define SHORT_MS 20u
#define SET_MS 30u
#define SHORT_LIMIT_MS 75u
/* Tries of a short-budget run: the fastest must be under the limit (TCG hiccups). */
#define SHORT_TRIES 3u

static int failures;
static struct vm_obj obj;
static int obj_fd;

static void report(const char *name, int rc)
{
	printf("RAX-TEST: watchdog.%s %s\n", name, rc ? "FAIL" : "PASS");
	failures += rc != 0;
}

static int prog_index(const char *name)
{
	int i = vm_obj_prog(&obj, name);

	if (i < 0)
		printf("  program %s missing\n", name);
	return i;
}

/* One run of name on the object fd; *wall_ns: the ioctl's time seen from here. */
static int test_run_fd(int fd, const char *name, struct rax_ioc_test_run *tr, uint64_t *wall_ns)
{
	int prog = prog_index(name), rc;
	uint64_t t0;

	memset(tr, 0, sizeof(*tr));
	tr->size = sizeof(*tr);
	tr->prog = (__u32)prog;
	tr->repeat = 1;
	if (prog < 0)
		return -1;
	t0 = vm_now_ns();
	rc = ioctl(fd, RAX_IOC_TEST_RUN, tr);
	if (wall_ns)
		*wall_ns = vm_now_ns() - t0;
	return rc;
}

static int test_run(const char *name, struct rax_ioc_test_run *tr)
{
	return test_run_fd(obj_fd, name, tr, NULL);
}

static int stats_fd(int fd, const char *name, struct rax_ioc_stats *st)
{
	return vm_prog_stats(fd, prog_index(name), st);
}

static int stats(const char *name, struct rax_ioc_stats *st)
{
	return stats_fd(obj_fd, name, st);
}

/* RAX_IOC_SET_BUDGET with the whole struct; returns the ioctl's result. */
static int set_budget(int fd, int prog, __u32 ms)
{
	struct rax_ioc_set_budget sb = {
		.size = sizeof(sb),
		.prog = (__u32)prog,
		.time_budget_ms = ms,
	};

	return ioctl(fd, RAX_IOC_SET_BUDGET, &sb);
}

/*
 * Load spin.o again; budgets[i] (ms) goes into program i's record.  With
 * prog_rec_size, the records are cut to that size (an older caller's).
 */
static int load_copy(const __u32 *budgets, __u32 prog_rec_size)
{
	static unsigned char packed[RAX_LOAD_MAX_PROGS * sizeof(struct rax_ioc_prog)];
	struct rax_ioc_load req;
	unsigned int i;
	int dev, fd;

	for (i = 0; i < obj.prog_cnt; i++)
		obj.progs[i].time_budget_ms = budgets ? budgets[i] : 0;
	vm_obj_request(&obj, &req);
	if (prog_rec_size) {
		for (i = 0; i < obj.prog_cnt; i++)
			memcpy(packed + i * prog_rec_size, &obj.progs[i], prog_rec_size);
		req.progs = (__u64)(uintptr_t)packed;
		req.prog_rec_size = prog_rec_size;
	}
	dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	fd = dev < 0 ? -1 : ioctl(dev, RAX_IOC_LOAD, &req);
	if (dev >= 0)
		close(dev);
	for (i = 0; i < obj.prog_cnt; i++)
		obj.progs[i].time_budget_ms = 0;
	return fd;
}

static int objects_loaded(__u64 *n)
{
	struct rax_ioc_info info;
	int rc = vm_rax_info(&info);

	*n = info.objects;
	return rc;
}

static int case_next_run(void)
{
	struct rax_ioc_test_run tr;

	CHECK(test_run("ret_seven", &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_NONE && tr.retval == 7, "cause %u retval %llu",
	      tr.abort_cause, (unsigned long long)tr.retval);
	return 0;
}

/* An endless loop with interrupts on: the CPU's own tick ends it. */
static int case_loop(const char *name)
{
	struct rax_ioc_test_run tr;
	struct rax_ioc_stats st, before;

	CHECK(stats(name, &before) == 0, "STATS: %s", strerror(errno));
	CHECK(test_run(name, &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_TIMEOUT, "cause %u", tr.abort_cause);
	CHECK(tr.retval == RAX_TRACE_ABORTED_RESULT, "retval %llu",
	      (unsigned long long)tr.retval);
	/* Not before the budget, and not much later (generous for TCG). */
	CHECK(tr.duration_ns >= BUDGET_NS && tr.duration_ns < 20 * BUDGET_NS,
	      "ran %llu ns for a budget of %llu ns", (unsigned long long)tr.duration_ns,
	      (unsigned long long)BUDGET_NS);
	CHECK(stats(name, &st) == 0, "STATS: %s", strerror(errno));
	CHECK(st.aborted[RAX_ABORT_TIMEOUT] - before.aborted[RAX_ABORT_TIMEOUT] == 1 &&
	      st.run_cnt - before.run_cnt == 1, "aborted %llu runs %llu",
	      (unsigned long long)st.aborted[RAX_ABORT_TIMEOUT], (unsigned long long)st.run_cnt);
	/* No budget set (or set back to 0): the default, named in the message. */
	CHECK(st.time_budget_ms == RAX_DEFAULT_TIME_BUDGET_MS, "budget %u ms", st.time_budget_ms);
	CHECK(!strcmp(st.last_abort_msg, "timeout: ran past its 100 ms budget"), "message \"%s\"",
	      st.last_abort_msg);
	return case_next_run();
}

/*
 * spin_forever on fd has a budget of ms: every run is a timeout after at
 * least ms (kernel and wall clock), the fastest of SHORT_TRIES ends before
 * limit_ms, and the message names ms.
 */
static int check_short_loop(int fd, __u32 ms, __u32 limit_ms)
{
	uint64_t best = UINT64_MAX, wall;
	struct rax_ioc_test_run tr;
	struct rax_ioc_stats before, after;
	char msg[64];

	CHECK(stats_fd(fd, "spin_forever", &before) == 0, "STATS: %s", strerror(errno));
	CHECK(before.time_budget_ms == ms, "budget %u ms, want %u", before.time_budget_ms, ms);
	for (unsigned int i = 0; i < SHORT_TRIES; i++) {
		CHECK(test_run_fd(fd, "spin_forever", &tr, &wall) == 0, "TEST_RUN: %s",
		      strerror(errno));
		CHECK(tr.abort_cause == RAX_ABORT_TIMEOUT, "cause %u", tr.abort_cause);
		CHECK(tr.duration_ns >= ms * MS_NS && wall >= ms * MS_NS,
		      "ran %llu ns (%llu ns wall) for a budget of %u ms",
		      (unsigned long long)tr.duration_ns, (unsigned long long)wall, ms);
		printf("  %u ms budget: ran %llu us (%llu us wall)\n", ms,
		       (unsigned long long)tr.duration_ns / 1000, (unsigned long long)wall / 1000);
		if (tr.duration_ns < best)
			best = tr.duration_ns;
	}
	CHECK(best < limit_ms * MS_NS, "fastest of %u runs took %llu ns, limit %u ms", SHORT_TRIES,
	      (unsigned long long)best, limit_ms);
	CHECK(stats_fd(fd, "spin_forever", &after) == 0, "STATS: %s", strerror(errno));
	CHECK(after.aborted[RAX_ABORT_TIMEOUT] - before.aborted[RAX_ABORT_TIMEOUT] == SHORT_TRIES,
	      "%llu timeouts", (unsigned long long)(after.aborted[RAX_ABORT_TIMEOUT] -
						      before.aborted[RAX_ABORT_TIMEOUT]));
	snprintf(msg, sizeof(msg), "timeout: ran past its %u ms budget", ms);
	CHECK(!strcmp(after.last_abort_msg, msg), "message \"%s\"", after.last_abort_msg);
	return 0;
}

/* The budget in the load request: per program, the others keep the default. */
static int case_load_budget(void)
{
	__u32 budgets[RAX_LOAD_MAX_PROGS] = { 0 };
	struct rax_ioc_test_run tr;
	struct rax_ioc_stats st;
	int fd, rc;

	budgets[prog_index("spin_forever")] = SHORT_MS;
	fd = load_copy(budgets, 0);
	CHECK(fd >= 0, "LOAD: %s", strerror(errno));
	rc = check_short_loop(fd, SHORT_MS, SHORT_LIMIT_MS);
	/* The neighbour in the same object still gets the default. */
	if (!rc && (test_run_fd(fd, "spin_in_helper", &tr, NULL) || stats_fd(fd, "spin_in_helper", &st) ||
		    tr.abort_cause != RAX_ABORT_TIMEOUT || tr.duration_ns < BUDGET_NS ||
		    st.time_budget_ms != RAX_DEFAULT_TIME_BUDGET_MS)) {
		printf("  spin_in_helper: cause %u, ran %llu ns, budget %u ms\n", tr.abort_cause,
		       (unsigned long long)tr.duration_ns, st.time_budget_ms);
		rc = -1;
	}
	close(fd);
	return rc;
}

/* A load request with an invalid budget is refused and leaves nothing loaded. */
static int case_load_invalid(void)
{
	__u32 budgets[RAX_LOAD_MAX_PROGS] = { 0 };
	struct rax_ioc_stats st;
	__u64 before, after;
	int fd;

	CHECK(objects_loaded(&before) == 0, "INFO: %s", strerror(errno));
	budgets[0] = RAX_MAX_TIME_BUDGET_MS + 1;
	fd = load_copy(budgets, 0);
	CHECK(fd < 0 && errno == EINVAL, "over the maximum: fd %d errno %d", fd, errno);
	obj.progs[0].reserved = 1;
	fd = load_copy(NULL, 0);
	obj.progs[0].reserved = 0;
	CHECK(fd < 0 && errno == EINVAL, "reserved set: fd %d errno %d", fd, errno);
	CHECK(objects_loaded(&after) == 0 && after == before, "objects %llu -> %llu",
	      (unsigned long long)before, (unsigned long long)after);
	/* The maximum itself is fine; so is a record from before the budget field. */
	budgets[0] = RAX_MAX_TIME_BUDGET_MS;
	fd = load_copy(budgets, 0);
	CHECK(fd >= 0, "LOAD at the maximum: %s", strerror(errno));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.prog = 0;
	CHECK(ioctl(fd, RAX_IOC_STATS, &st) == 0 && st.time_budget_ms == RAX_MAX_TIME_BUDGET_MS,
	      "budget %u ms", st.time_budget_ms);
	close(fd);
	budgets[0] = SHORT_MS;
	fd = load_copy(budgets, offsetof(struct rax_ioc_prog, time_budget_ms));
	CHECK(fd >= 0, "LOAD with short records: %s", strerror(errno));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	CHECK(ioctl(fd, RAX_IOC_STATS, &st) == 0 && st.time_budget_ms == RAX_DEFAULT_TIME_BUDGET_MS,
	      "short record: budget %u ms", st.time_budget_ms);
	close(fd);
	return 0;
}

/* RAX_IOC_SET_BUDGET on the loaded object: takes effect, 0 is the default. */
static int case_set_budget(void)
{
	int prog = prog_index("spin_forever");

	CHECK(prog >= 0 && set_budget(obj_fd, prog, SET_MS) == 0, "SET_BUDGET: %s",
	      strerror(errno));
	return check_short_loop(obj_fd, SET_MS, SHORT_LIMIT_MS);
}

/* Invalid RAX_IOC_SET_BUDGET requests: refused, no budget changes. */
static int case_set_budget_invalid(void)
{
	struct rax_ioc_set_budget sb = { .size = sizeof(sb), .time_budget_ms = 1 };
	struct { struct rax_ioc_set_budget sb; __u32 extra; } big = { 0 };
	struct rax_ioc_stats st;
	int prog = prog_index("spin_forever");
	__u32 before[RAX_LOAD_MAX_PROGS];
	unsigned int i;

	CHECK(prog >= 0, "no spin_forever");
	for (i = 0; i < obj.prog_cnt; i++) {
		CHECK(stats(obj.progs[i].name, &st) == 0, "STATS: %s", strerror(errno));
		before[i] = st.time_budget_ms;
	}
	errno = 0;
	CHECK(set_budget(obj_fd, (int)obj.prog_cnt, 1) < 0 && errno == EINVAL,
	      "bad index: errno %d", errno);
	errno = 0;
	CHECK(set_budget(obj_fd, prog, RAX_MAX_TIME_BUDGET_MS + 1) < 0 && errno == EINVAL,
	      "over the maximum: errno %d", errno);
	sb.prog = (__u32)prog;
	sb.size = RAX_SET_BUDGET_SIZE_VER0 - 4;
	errno = 0;
	CHECK(ioctl(obj_fd, RAX_IOC_SET_BUDGET, &sb) < 0 && errno == EINVAL, "short struct: errno %d",
	      errno);
	sb.size = sizeof(sb);
	sb.flags = 1;
	errno = 0;
	CHECK(ioctl(obj_fd, RAX_IOC_SET_BUDGET, &sb) < 0 && errno == EINVAL, "flags: errno %d",
	      errno);
	/* A larger struct with a nonzero unknown tail (the ABI's rule). */
	big.sb = (struct rax_ioc_set_budget){ .size = sizeof(big), .prog = (__u32)prog,
					      .time_budget_ms = 1 };
	big.extra = 1;
	errno = 0;
	CHECK(ioctl(obj_fd, RAX_IOC_SET_BUDGET, &big) < 0 && errno == E2BIG, "big: errno %d",
	      errno);
	for (i = 0; i < obj.prog_cnt; i++) {
		CHECK(stats(obj.progs[i].name, &st) == 0, "STATS: %s", strerror(errno));
		CHECK(st.time_budget_ms == before[i], "%s: budget %u ms -> %u ms", obj.progs[i].name,
		      before[i], st.time_budget_ms);
	}
	/* And the runs still see the budget set before. */
	return check_short_loop(obj_fd, before[prog], SHORT_LIMIT_MS);
}

/* Budget 0 is the default again; the maximum is accepted. */
static int case_set_budget_default(void)
{
	struct rax_ioc_stats st;
	int prog = prog_index("ret_seven");

	CHECK(prog >= 0 && set_budget(obj_fd, prog, RAX_MAX_TIME_BUDGET_MS) == 0,
	      "SET_BUDGET max: %s", strerror(errno));
	CHECK(stats("ret_seven", &st) == 0 && st.time_budget_ms == RAX_MAX_TIME_BUDGET_MS,
	      "budget %u ms", st.time_budget_ms);
	CHECK(set_budget(obj_fd, prog, 0) == 0, "SET_BUDGET 0: %s", strerror(errno));
	prog = prog_index("spin_forever");
	CHECK(prog >= 0 && set_budget(obj_fd, prog, 0) == 0, "SET_BUDGET 0: %s", strerror(errno));
	CHECK(stats("spin_forever", &st) == 0 && st.time_budget_ms == RAX_DEFAULT_TIME_BUDGET_MS,
	      "budget %u ms", st.time_budget_ms);
	return case_loop("spin_forever");
}

/*
 * A kprobe program that never returns.  offset 5 (after the fentry call)
 * makes it an int3 probe, whose handler runs with interrupts off; offset 0
 * is the ftrace probe, interrupts on.  Each probed call lasts at least the
 * program's budget (ms); with limit_ms, the fastest ends before it.
 */
static int case_kprobe_fd(int fd, unsigned int offset, unsigned int calls, const char *log_needle,
			  __u32 ms, __u32 limit_ms)
{
	struct rax_ioc_attach at = {
		.size = sizeof(at),
		.kind = RAX_ATTACH_KPROBE,
		.target = (__u64)(uintptr_t)"__x64_sys_getppid",
		.offset = offset,
	};
	struct rax_ioc_stats before, after;
	int prog = prog_index("spin_kprobe"), link;
	uint64_t best = UINT64_MAX;
	long ppid = getppid();

	CHECK(prog >= 0 && stats_fd(fd, "spin_kprobe", &before) == 0, "STATS: %s", strerror(errno));
	CHECK(before.time_budget_ms == ms, "budget %u ms, want %u", before.time_budget_ms, ms);
	at.prog = (__u32)prog;
	link = ioctl(fd, RAX_IOC_ATTACH, &at);
	CHECK(link >= 0, "ATTACH: %s", strerror(errno));
	for (unsigned int i = 0; i < calls; i++) {
		uint64_t t0 = vm_now_ns(), wall;
		long got = syscall(SYS_getppid);

		wall = vm_now_ns() - t0;
		CHECK(got == ppid, "getppid changed under the probe");
		CHECK(wall >= ms * MS_NS, "getppid took %llu ns, budget %u ms",
		      (unsigned long long)wall, ms);
		if (wall < best)
			best = wall;
	}
	close(link);
	printf("  kprobe at +%u, %u ms budget: fastest call %llu us\n", offset, ms,
	       (unsigned long long)best / 1000);
	CHECK(!limit_ms || best < limit_ms * MS_NS, "fastest of %u calls took %llu ns, limit %u ms",
	      calls, (unsigned long long)best, limit_ms);
	CHECK(stats_fd(fd, "spin_kprobe", &after) == 0, "STATS: %s", strerror(errno));
	CHECK(after.aborted[RAX_ABORT_TIMEOUT] - before.aborted[RAX_ABORT_TIMEOUT] == calls,
	      "%llu timeouts for %u calls",
	      (unsigned long long)(after.aborted[RAX_ABORT_TIMEOUT] -
				   before.aborted[RAX_ABORT_TIMEOUT]), calls);
	CHECK(vm_kernel_log_has(log_needle), "no \"%s\" in the kernel log", log_needle);
	return case_next_run();
}

static int case_kprobe(unsigned int offset, unsigned int calls, const char *log_needle)
{
	return case_kprobe_fd(obj_fd, offset, calls, log_needle, RAX_DEFAULT_TIME_BUDGET_MS, 0);
}

/* A short budget through the NMI path (int3 kprobe, interrupts off). */
static int case_kprobe_short(void)
{
	__u32 budgets[RAX_LOAD_MAX_PROGS] = { 0 };
	int fd, rc;

	budgets[prog_index("spin_kprobe")] = SHORT_MS;
	fd = load_copy(budgets, 0);
	CHECK(fd >= 0, "LOAD: %s", strerror(errno));
	rc = case_kprobe_fd(fd, 5, SHORT_TRIES, "rax: run over its 20 ms budget aborted (NMI",
			    SHORT_MS, SHORT_LIMIT_MS);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/objs/spin.o";
	struct rax_ioc_load req;
	int dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vm_obj_open(&obj, path)) {
		printf("RAX-TEST: watchdog.open FAIL %s\n", path);
		return 1;
	}
	vm_obj_request(&obj, &req);
	dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	obj_fd = dev < 0 ? -1 : ioctl(dev, RAX_IOC_LOAD, &req);
	if (obj_fd < 0) {
		printf("RAX-TEST: watchdog.load FAIL %s\n", strerror(errno));
		return 1;
	}
	close(dev);

	report("loop", case_loop("spin_forever"));
	report("loop_in_helper", case_loop("spin_in_helper"));
	report("kprobe_irqs_off", case_kprobe(5, 3, "aborted (NMI, interrupts off)"));
	report("kprobe_ftrace", case_kprobe(0, 2, "aborted (timer)"));
	report("budget_load", case_load_budget());
	report("budget_load_invalid", case_load_invalid());
	report("budget_kprobe_irqs_off", case_kprobe_short());
	report("budget_set", case_set_budget());
	report("budget_set_invalid", case_set_budget_invalid());
	report("budget_set_default", case_set_budget_default());
	close(obj_fd);
	vm_obj_close(&obj);
	return failures ? 1 : 0;
}
