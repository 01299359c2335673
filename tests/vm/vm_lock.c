// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of the Rax lock in rax.ko with objs/lock.o: a lock the program
 * never releases is released when the run returns; a run that times out
 * (interrupts off while it holds the lock: the NMI watchdog) or panics
 * holding it leaves it free; a second lock is a panic; a lock word outside
 * the map value is refused; a run nested into the holder gets -EBUSY
 * instead of waiting.  Each case is followed by lock_bump, which would
 * spin until its own timeout if the lock had been left held.
 *
 * Usage: vm_lock [lock.o]
 * Prints "RAX-TEST: lock.<case> PASS|FAIL ..." per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "vm_obj.h"
#include "vm_util.h"

static int failures;
static struct vm_obj obj;
static int obj_fd, map_fd;
static uint32_t bumps;	/* successful lock_bump runs so far */

static void report(const char *name, int rc)
{
	printf("RAX-TEST: lock.%s %s\n", name, rc ? "FAIL" : "PASS");
	failures += rc != 0;
}

static int run(const char *name, struct rax_ioc_test_run *tr)
{
	int prog = vm_obj_prog(&obj, name);

	memset(tr, 0, sizeof(*tr));
	tr->size = sizeof(*tr);
	tr->prog = (__u32)prog;
	tr->repeat = 1;
	return prog < 0 ? -1 : ioctl(obj_fd, RAX_IOC_TEST_RUN, tr);
}

/* lock_bump succeeds (the lock is free) and the map shows the lock free. */
static int check_free(void)
{
	struct rax_ioc_test_run tr;
	uint32_t key = 0, val[2] = { 1, 1 };

	CHECK(run("lock_bump", &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_NONE && tr.retval == 0, "lock_bump: cause %u retval %lld",
	      tr.abort_cause, (long long)tr.retval);
	bumps++;
	CHECK(bpf_map_lookup_elem(map_fd, &key, val) == 0, "lookup: %s", strerror(errno));
	CHECK(val[0] == 0, "lock word %u after the run", val[0]);
	CHECK(val[1] == bumps, "balance %u, expected %u", val[1], bumps);
	return 0;
}

static int case_aborted(const char *prog, uint32_t cause)
{
	struct rax_ioc_test_run tr;

	CHECK(run(prog, &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == cause, "%s: cause %u, expected %u", prog, tr.abort_cause, cause);
	return check_free();
}

static int case_outside(void)
{
	struct rax_ioc_test_run tr;

	CHECK(run("lock_outside", &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_NONE && (int64_t)tr.retval == -EINVAL,
	      "cause %u retval %lld", tr.abort_cause, (long long)tr.retval);
	return check_free();
}

static int stats_of(const char *name, struct rax_ioc_stats *st)
{
	return vm_prog_stats(obj_fd, vm_obj_prog(&obj, name), st);
}

/*
 * A run nested into one holding the lock (a kprobe on a helper the holder
 * calls, ftrace-based: not NMI context) gets -EBUSY at once: waiting would
 * spin until the watchdog ended it, the holder being stuck under it.
 */
static int case_nested(void)
{
	struct rax_ioc_attach at = {
		.size = sizeof(at),
		.kind = RAX_ATTACH_KPROBE,
		.target = (__u64)(uintptr_t)"rax_get_prandom_u32",
		.prog = (__u32)vm_obj_prog(&obj, "nested_lock"),
	};
	struct rax_ioc_stats before, after;
	struct rax_ioc_test_run tr;
	uint64_t aborts = 0;
	int link, rc;

	CHECK(stats_of("nested_lock", &before) == 0, "STATS: %s", strerror(errno));
	link = ioctl(obj_fd, RAX_IOC_ATTACH, &at);
	CHECK(link >= 0, "ATTACH: %s", strerror(errno));
	rc = run("lock_and_call", &tr);
	close(link);
	CHECK(rc == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_NONE && tr.retval == 0, "holder: cause %u retval %lld",
	      tr.abort_cause, (long long)tr.retval);
	/* Well below the 100 ms budget the nested run would have spun for. */
	CHECK(tr.duration_ns < 20000000ull, "holder ran %llu us",
	      (unsigned long long)tr.duration_ns / 1000);
	CHECK(stats_of("nested_lock", &after) == 0, "STATS: %s", strerror(errno));
	for (unsigned int i = 0; i < 8; i++)
		aborts += after.aborted[i] - before.aborted[i];
	CHECK(after.run_cnt - before.run_cnt == 1 && aborts == 0,
	      "nested run: %llu runs, %llu aborts (%s)",
	      (unsigned long long)(after.run_cnt - before.run_cnt), (unsigned long long)aborts,
	      after.last_abort_msg);
	bumps++;	/* the holder's */
	return check_free();
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/objs/lock.o";
	const struct rax_map_def *d = &obj.map_defs[0];
	struct rax_ioc_load req;
	int dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vm_obj_open(&obj, path) || obj.map_cnt != 1) {
		printf("RAX-TEST: lock.open FAIL %s\n", path);
		return 1;
	}
	map_fd = bpf_map_create(d->type, obj.maps[0].name, d->key_size, d->value_size,
				d->max_entries, NULL);
	obj.maps[0].fd = map_fd;
	vm_obj_request(&obj, &req);
	dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	obj_fd = dev < 0 || map_fd < 0 ? -1 : ioctl(dev, RAX_IOC_LOAD, &req);
	if (obj_fd < 0) {
		printf("RAX-TEST: lock.load FAIL %s\n", strerror(errno));
		return 1;
	}
	close(dev);

	report("leaked_guard_released", check_free() || check_free());
	report("timeout_holding_lock", case_aborted("lock_spin", RAX_ABORT_TIMEOUT));
	report("panic_holding_lock", case_aborted("lock_panic", RAX_ABORT_PANIC));
	report("second_lock_panics", case_aborted("lock_twice", RAX_ABORT_PANIC));
	report("word_outside_value", case_outside());
	report("nested_run_not_waiting", case_nested());
	close(obj_fd);
	vm_obj_close(&obj);
	return failures ? 1 : 0;
}
