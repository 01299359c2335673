// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of rax.ko's watchdog with objs/spin.o: runs that never return
 * are aborted with RAX_ABORT_TIMEOUT after the time budget, whether they
 * loop in program code, loop around a helper, or loop in a kprobe handler
 * with interrupts off (int3 kprobe: only the cross-CPU NMI can stop it);
 * the kernel stays healthy (the harness fails the run on RCU stalls and
 * lockup reports) and the next run is fine.
 *
 * Usage: vm_watchdog [spin.o]
 * Prints "RAX-TEST: watchdog.<case> PASS|FAIL ..." per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm_obj.h"

#define BUDGET_NS ((uint64_t)RAX_DEFAULT_TIME_BUDGET_MS * 1000000u)

static int failures;
static struct vm_obj obj;
static int obj_fd;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			printf("  check failed at line %d: %s: ", __LINE__, #cond); \
			printf(__VA_ARGS__);                          \
			printf("\n");                                 \
			return -1;                                    \
		}                                                     \
	} while (0)

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

static int test_run(const char *name, struct rax_ioc_test_run *tr)
{
	int prog = prog_index(name);

	memset(tr, 0, sizeof(*tr));
	tr->size = sizeof(*tr);
	tr->prog = (__u32)prog;
	tr->repeat = 1;
	return prog < 0 ? -1 : ioctl(obj_fd, RAX_IOC_TEST_RUN, tr);
}

static int stats(const char *name, struct rax_ioc_stats *st)
{
	int prog = prog_index(name);

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->prog = (__u32)prog;
	return prog < 0 ? -1 : ioctl(obj_fd, RAX_IOC_STATS, st);
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
	struct rax_ioc_stats st;

	CHECK(test_run(name, &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_TIMEOUT, "cause %u", tr.abort_cause);
	CHECK(tr.retval == RAX_TRACE_ABORTED_RESULT, "retval %llu",
	      (unsigned long long)tr.retval);
	/* Not before the budget, and not much later (generous for TCG). */
	CHECK(tr.duration_ns >= BUDGET_NS && tr.duration_ns < 20 * BUDGET_NS,
	      "ran %llu ns for a budget of %llu ns", (unsigned long long)tr.duration_ns,
	      (unsigned long long)BUDGET_NS);
	CHECK(stats(name, &st) == 0, "STATS: %s", strerror(errno));
	CHECK(st.aborted[RAX_ABORT_TIMEOUT] == 1 && st.run_cnt == 1, "aborted %llu runs %llu",
	      (unsigned long long)st.aborted[RAX_ABORT_TIMEOUT], (unsigned long long)st.run_cnt);
	return case_next_run();
}

static int kernel_log_has(const char *needle)
{
	static char buf[1 << 17];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/*
 * A kprobe program that never returns.  offset 5 (after the fentry call)
 * makes it an int3 probe, whose handler runs with interrupts off; offset 0
 * is the ftrace probe, interrupts on.
 */
static int case_kprobe(unsigned int offset, unsigned int calls, const char *log_needle)
{
	struct rax_ioc_attach at = {
		.size = sizeof(at),
		.kind = RAX_ATTACH_KPROBE,
		.target = (__u64)(uintptr_t)"__x64_sys_getppid",
		.offset = offset,
	};
	struct rax_ioc_stats before, after;
	int prog = prog_index("spin_kprobe"), link;
	long ppid = getppid();

	CHECK(prog >= 0 && stats("spin_kprobe", &before) == 0, "STATS: %s", strerror(errno));
	at.prog = (__u32)prog;
	link = ioctl(obj_fd, RAX_IOC_ATTACH, &at);
	CHECK(link >= 0, "ATTACH: %s", strerror(errno));
	for (unsigned int i = 0; i < calls; i++)
		CHECK(syscall(SYS_getppid) == ppid, "getppid changed under the probe");
	close(link);
	CHECK(stats("spin_kprobe", &after) == 0, "STATS: %s", strerror(errno));
	CHECK(after.aborted[RAX_ABORT_TIMEOUT] - before.aborted[RAX_ABORT_TIMEOUT] == calls,
	      "%llu timeouts for %u calls",
	      (unsigned long long)(after.aborted[RAX_ABORT_TIMEOUT] -
				   before.aborted[RAX_ABORT_TIMEOUT]), calls);
	CHECK(kernel_log_has(log_needle), "no \"%s\" in the kernel log", log_needle);
	return case_next_run();
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
	close(obj_fd);
	vm_obj_close(&obj);
	return failures ? 1 : 0;
}
