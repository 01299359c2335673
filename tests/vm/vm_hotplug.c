// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of rax.ko's watchdog across CPU hotplug (boot with -smp 3), with
 * objs/spin.o.  While a CPU is offline the buddies must form a ring of the
 * online CPUs: with CPU 1 down, CPU 0 watches CPU 2 (it watched CPU 1
 * before), so an endless int3 kprobe program (interrupts off, only the
 * buddy's NMI can end it) on CPU 2 or CPU 0 is still aborted.  A CPU that
 * comes online while programs are loaded gets its own tick (an endless
 * test-run there ends through the timer, not the NMI).  Hotplug while no
 * object is loaded, the last CPU alone, and unloading with a CPU offline
 * (rmmod at the end of the boot runs with CPU 1 down) are fine.
 *
 * Usage: vm_hotplug [spin.o]
 * Prints "RAX-TEST: hotplug.<case> PASS|FAIL ..." per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vm_obj.h"
#include "vm_util.h"

#define MS_NS 1000000ull
/* The budget of the endless programs; each abort must come before LIMIT_MS. */
#define BUDGET_MS 20u
#define LIMIT_MS 200u
#define SYSLOG_ACTION_CLEAR 5

static int failures;
static struct vm_obj obj;

static void report(const char *name, int rc)
{
	printf("RAX-TEST: hotplug.%s %s\n", name, rc ? "FAIL" : "PASS");
	failures += rc != 0;
}

static int set_online(unsigned int cpu, int on)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

/* Run this thread (and so its ioctls and probed syscalls) on cpu only. */
static int pin(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	return sched_getcpu() == (int)cpu ? 0 : -1;
}

static int objects_loaded(__u64 *n)
{
	struct rax_ioc_info info;
	int rc = vm_rax_info(&info);

	*n = info.objects;
	return rc;
}

/* spin.o loaded with a BUDGET_MS budget for every program; the object fd. */
static int load(void)
{
	struct rax_ioc_load req;
	unsigned int i;
	int dev, fd;

	for (i = 0; i < obj.prog_cnt; i++)
		obj.progs[i].time_budget_ms = BUDGET_MS;
	vm_obj_request(&obj, &req);
	dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	fd = dev < 0 ? -1 : ioctl(dev, RAX_IOC_LOAD, &req);
	if (dev >= 0)
		close(dev);
	return fd;
}

static int timeouts(int fd, const char *name, __u64 *n)
{
	struct rax_ioc_stats st;

	if (vm_prog_stats(fd, vm_obj_prog(&obj, name), &st))
		return -1;
	*n = st.aborted[RAX_ABORT_TIMEOUT];
	return 0;
}

/*
 * On cpu, getppid() with an endless int3 kprobe program (interrupts off):
 * each of two calls must come back after the budget, ended by the NMI of
 * the CPU that watches cpu.
 */
static int kprobe_irqs_off_on(int fd, unsigned int cpu)
{
	struct rax_ioc_attach at = {
		.size = sizeof(at),
		.kind = RAX_ATTACH_KPROBE,
		.target = (__u64)(uintptr_t)"__x64_sys_getppid",
		.offset = 5,	/* after the fentry call: an int3 probe */
	};
	int prog = vm_obj_prog(&obj, "spin_kprobe"), link;
	long ppid = getppid();
	__u64 before = 0, after = 0;

	CHECK(pin(cpu) == 0, "cannot run on CPU %u: %s", cpu, strerror(errno));
	CHECK(prog >= 0 && timeouts(fd, "spin_kprobe", &before) == 0, "STATS: %s",
	      strerror(errno));
	at.prog = (__u32)prog;
	link = ioctl(fd, RAX_IOC_ATTACH, &at);
	CHECK(link >= 0, "ATTACH: %s", strerror(errno));
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t t0 = vm_now_ns(), wall;
		long got = syscall(SYS_getppid);

		wall = vm_now_ns() - t0;
		if (got != ppid || wall < BUDGET_MS * MS_NS || wall >= LIMIT_MS * MS_NS) {
			close(link);
			CHECK(0, "CPU %u: getppid %ld (want %ld) took %llu us, budget %u ms", cpu,
			      got, ppid, (unsigned long long)wall / 1000, BUDGET_MS);
		}
	}
	close(link);
	CHECK(timeouts(fd, "spin_kprobe", &after) == 0 && after - before == 2,
	      "CPU %u: %llu timeouts for 2 calls", cpu, (unsigned long long)(after - before));
	return 0;
}

/* On cpu, an endless test-run (interrupts on): a timeout after the budget. */
static int test_run_on(int fd, unsigned int cpu)
{
	struct rax_ioc_test_run tr = { .size = sizeof(tr), .repeat = 1 };
	int prog = vm_obj_prog(&obj, "spin_forever");

	CHECK(pin(cpu) == 0, "cannot run on CPU %u: %s", cpu, strerror(errno));
	CHECK(prog >= 0, "no spin_forever");
	tr.prog = (__u32)prog;
	CHECK(ioctl(fd, RAX_IOC_TEST_RUN, &tr) == 0, "TEST_RUN: %s", strerror(errno));
	CHECK(tr.abort_cause == RAX_ABORT_TIMEOUT && tr.duration_ns >= BUDGET_MS * MS_NS &&
	      tr.duration_ns < LIMIT_MS * MS_NS,
	      "CPU %u: cause %u after %llu us, budget %u ms", cpu, tr.abort_cause,
	      (unsigned long long)tr.duration_ns / 1000, BUDGET_MS);
	return 0;
}

/* Loaded, then CPU 1 goes down: CPUs 0 and 2 still watch each other. */
static int case_offline(int fd)
{
	CHECK(set_online(1, 0) == 0, "offline CPU 1: %s", strerror(errno));
	CHECK(kprobe_irqs_off_on(fd, 2) == 0, "on CPU 2");
	CHECK(kprobe_irqs_off_on(fd, 0) == 0, "on CPU 0");
	return test_run_on(fd, 2);
}

/*
 * CPU 1 back while loaded: its own tick ends a test-run there (the
 * kernel log says timer, not NMI), and CPU 0 watches it again.
 */
static int case_online(int fd)
{
	CHECK(set_online(1, 1) == 0, "online CPU 1: %s", strerror(errno));
	CHECK(klogctl(SYSLOG_ACTION_CLEAR, NULL, 0) == 0, "clear the log: %s", strerror(errno));
	CHECK(test_run_on(fd, 1) == 0, "test-run on CPU 1");
	CHECK(vm_kernel_log_has("rax: run over its 20 ms budget aborted (timer)") &&
	      !vm_kernel_log_has("(NMI"), "the run on CPU 1 was not ended by its own tick");
	return kprobe_irqs_off_on(fd, 1);
}

/* CPUs 1 and 2 down: CPU 0 alone still ends runs with interrupts on. */
static int case_last_cpu(int fd)
{
	CHECK(pin(0) == 0, "cannot run on CPU 0");
	CHECK(set_online(1, 0) == 0 && set_online(2, 0) == 0, "offline: %s", strerror(errno));
	CHECK(test_run_on(fd, 0) == 0, "test-run on CPU 0 alone");
	CHECK(set_online(1, 1) == 0 && set_online(2, 1) == 0, "online: %s", strerror(errno));
	return kprobe_irqs_off_on(fd, 2);
}

/* Hotplug while nothing is loaded, then a new load watches every CPU. */
static int case_unarmed(int *fd)
{
	__u64 n;

	close(*fd);
	*fd = -1;
	CHECK(objects_loaded(&n) == 0 && n == 0, "objects left: %llu", (unsigned long long)n);
	CHECK(pin(0) == 0, "cannot run on CPU 0");
	CHECK(set_online(2, 0) == 0 && set_online(2, 1) == 0, "CPU 2 off/on: %s", strerror(errno));
	*fd = load();
	CHECK(*fd >= 0, "LOAD: %s", strerror(errno));
	CHECK(kprobe_irqs_off_on(*fd, 2) == 0, "on CPU 2");
	CHECK(kprobe_irqs_off_on(*fd, 0) == 0, "on CPU 0");
	return test_run_on(*fd, 2);
}

/* Unloaded with CPU 1 offline; rmmod at the end of the boot keeps it down. */
static int case_unload_offline(int fd)
{
	__u64 n;

	CHECK(pin(0) == 0, "cannot run on CPU 0");
	CHECK(set_online(1, 0) == 0, "offline CPU 1: %s", strerror(errno));
	close(fd);
	CHECK(objects_loaded(&n) == 0 && n == 0, "objects left: %llu", (unsigned long long)n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/objs/spin.o";
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) != 3) {
		printf("RAX-TEST: hotplug.cpus FAIL need 3 CPUs online, have %ld\n",
		       sysconf(_SC_NPROCESSORS_ONLN));
		return 1;
	}
	if (vm_obj_open(&obj, path)) {
		printf("RAX-TEST: hotplug.open FAIL %s\n", path);
		return 1;
	}
	fd = load();
	if (fd < 0) {
		printf("RAX-TEST: hotplug.load FAIL %s\n", strerror(errno));
		return 1;
	}
	report("offline", case_offline(fd));
	report("online", case_online(fd));
	report("last_cpu", case_last_cpu(fd));
	report("unarmed", case_unarmed(&fd));
	if (fd >= 0)
		report("unload_offline", case_unload_offline(fd));
	vm_obj_close(&obj);
	return failures ? 1 : 0;
}
