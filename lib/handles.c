// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Handle fds for programs and maps of the in-process backend.
 *
 * Each handle is a real fd (an empty memfd named "rax-prog:<name>" or
 * "rax-map:<name>") so the fd-based API and libbpf-style loaders work
 * unchanged and the handle shows up in /proc/<pid>/fd.  A table indexed by
 * fd maps it back to the program or map.  Each memfd holds a unique token:
 * if the application closed the fd behind our back and the number was
 * reused, lookups and closes must not mistake the new file for the handle.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "librax_internal.h"

/* memfd names are limited to 249 bytes plus the NUL. */
#define HANDLE_NAME_MAX 250

struct handle_entry {
	enum rax_handle_kind kind;	/* 0: free slot */
	void *ptr;
	__u64 token;
};

static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle_entry *handles;	/* indexed by fd */
static size_t handles_cap;
static __u64 next_token = 0x5241584841000000ull;	/* "RAXHA" */

static int handles_reserve(size_t fd)
{
	struct handle_entry *grown;
	size_t cap = handles_cap ? handles_cap : 64;

	if (fd < handles_cap)
		return 0;
	while (cap <= fd)
		cap *= 2;
	grown = realloc(handles, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memset(grown + handles_cap, 0, (cap - handles_cap) * sizeof(*grown));
	handles = grown;
	handles_cap = cap;
	return 0;
}

/* Locked: the live entry for fd, or NULL if fd is not (or no longer) ours. */
static struct handle_entry *handle_lookup(int fd)
{
	struct handle_entry *h;
	__u64 token;

	if (fd < 0 || (size_t)fd >= handles_cap)
		return NULL;
	h = &handles[fd];
	if (!h->kind)
		return NULL;
	if (pread(fd, &token, sizeof(token), 0) != sizeof(token) ||
	    token != h->token)
		return NULL;
	return h;
}

int rax_handle_new(enum rax_handle_kind kind, void *ptr, const char *name)
{
	char memfd_name[HANDLE_NAME_MAX];
	__u64 token = __atomic_fetch_add(&next_token, 1, __ATOMIC_RELAXED);
	int fd, err;

	if ((kind != RAX_HANDLE_PROG && kind != RAX_HANDLE_MAP) || !ptr)
		return -EINVAL;
	snprintf(memfd_name, sizeof(memfd_name), "rax-%s:%s",
		 kind == RAX_HANDLE_PROG ? "prog" : "map", name ? name : "");
	fd = memfd_create(memfd_name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, &token, sizeof(token), 0) != sizeof(token)) {
		err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}

	pthread_mutex_lock(&handles_lock);
	err = handles_reserve(fd);
	if (!err) {
		handles[fd].kind = kind;
		handles[fd].ptr = ptr;
		handles[fd].token = token;
	}
	pthread_mutex_unlock(&handles_lock);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void *rax_handle_get(int fd, enum rax_handle_kind kind)
{
	struct handle_entry *h;
	void *ptr = NULL;

	pthread_mutex_lock(&handles_lock);
	h = handle_lookup(fd);
	if (h && h->kind == kind)
		ptr = h->ptr;
	pthread_mutex_unlock(&handles_lock);
	return ptr;
}

void rax_handle_close(int fd)
{
	struct handle_entry *h;
	bool ours;

	pthread_mutex_lock(&handles_lock);
	h = handle_lookup(fd);
	ours = h != NULL;
	if (fd >= 0 && (size_t)fd < handles_cap)
		memset(&handles[fd], 0, sizeof(handles[fd]));
	/* Close under the lock so the number cannot be reused in between. */
	if (ours)
		close(fd);
	pthread_mutex_unlock(&handles_lock);
}
