/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private interface of the kernel backend (backend_kernel.c): objects
 * loaded into rax.ko through /dev/rax, with their maps as real BPF maps.
 * Only object.c, test_run.c, link.c and the backend's unit tests use it.
 */
#ifndef RAX_BACKEND_KERNEL_H
#define RAX_BACKEND_KERNEL_H

#include <rax/uapi/rax_ioctl.h>
#include "librax_internal.h"

/*
 * A load request built from a parsed object: the arrays of struct
 * rax_ioc_load and the buffers they point into.  Built without touching
 * the kernel so it can be checked on its own (unit tests).
 */
struct rax_kernel_request {
	struct rax_ioc_load load;
	struct rax_ioc_section *secs;
	int *sec_idx;			/* ELF section index -> request index, or -1 */
	struct rax_ioc_reloc *relocs;
	struct rax_ioc_prog *progs;
	struct rax_ioc_map *maps;
	__u8 *maps_copy;		/* ".maps" with each map's effective definition */
	struct rax_ioc_patch *patches;	/* entry pads of the gate's checked functions */
};

/*
 * Fill @req from obj->elf, obj->progs and obj->maps (map fds as they are
 * now: -1 before the maps exist).  Returns 0 or a negative errno, logged.
 */
int rax_kernel_request_build(const struct rax_object *obj, struct rax_kernel_request *req);
void rax_kernel_request_free(struct rax_kernel_request *req);

/* Create the maps as BPF maps, then load the object into rax.ko. */
int rax_kernel_load(struct rax_object *obj);
/* Close the object fd and the map fds. */
void rax_kernel_unload(struct rax_object *obj);
/* The object fd of a loaded kernel object, or -EINVAL. */
int rax_kernel_object_fd(const struct rax_object *obj);
/* Index of @prog in the load request (what the object fd's ioctls take). */
__u32 rax_kernel_prog_index(const struct rax_program *prog);

/* rax_prog_test_run_opts() for a program of the kernel backend. */
int rax_kernel_test_run(struct rax_program *prog, struct rax_test_run_opts *opts);
/* Per-program counters from RAX_IOC_STATS. */
int rax_kernel_prog_stats(const struct rax_program *prog, struct rax_ioc_stats *st);
/*
 * The RAX_IOC_SET_BUDGET request for @prog (@ms 0: the default); -EINVAL,
 * logged, over RAX_MAX_TIME_BUDGET_MS.  No kernel needed (unit tests).
 */
int rax_kernel_budget_request(const struct rax_program *prog, __u32 ms,
			      struct rax_ioc_set_budget *req);
/* Change a loaded program's budget in rax.ko; -EOPNOTSUPP from a v1 rax.ko. */
int rax_kernel_prog_set_budget(const struct rax_program *prog, __u32 ms);

#endif /* RAX_BACKEND_KERNEL_H */
