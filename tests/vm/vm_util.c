// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "vm_util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#define SYSLOG_ACTION_READ_ALL 3

int vm_rax_info(struct rax_ioc_info *info)
{
	int fd = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC), err;

	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	err = fd < 0 ? -1 : ioctl(fd, RAX_IOC_INFO, info);
	if (fd >= 0)
		close(fd);
	return err;
}

int vm_prog_stats(int obj_fd, int prog, struct rax_ioc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->prog = (__u32)prog;
	return prog < 0 ? -1 : ioctl(obj_fd, RAX_IOC_STATS, st);
}

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vm_kernel_log_has(const char *needle)
{
	static char buf[1 << 17];
	int n = klogctl(SYSLOG_ACTION_READ_ALL, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}
