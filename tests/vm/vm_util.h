/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the VM test binaries share: the check macro of their cases, the
 * module's own counters, the clock and the kernel log.
 */
#ifndef RAX_VM_UTIL_H
#define RAX_VM_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include <rax/uapi/rax_ioctl.h>

/* In a case returning int: print what failed and return -1. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("  check failed at line %d: %s: ", __LINE__, #cond); \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
			return -1;                                             \
		}                                                              \
	} while (0)

/* RAX_IOC_INFO on /dev/rax (objects, links, arena use); 0 or -1 and errno. */
int vm_rax_info(struct rax_ioc_info *info);
/* RAX_IOC_STATS of program prog (-1: none, fails) on an object fd. */
int vm_prog_stats(int obj_fd, int prog, struct rax_ioc_stats *st);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t vm_now_ns(void);
/* Whether the kernel log holds needle. */
int vm_kernel_log_has(const char *needle);

#endif /* RAX_VM_UTIL_H */
