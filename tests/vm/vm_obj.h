/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A minimal reader of Rax objects (ET_REL) for the VM tests: it turns the
 * file into the arrays of a RAX_IOC_LOAD request without any of librax's
 * checks, so that the tests exercise the kernel's own checks too.
 */
#ifndef RAX_VM_OBJ_H
#define RAX_VM_OBJ_H

#include <stddef.h>

#include <rax/abi.h>
#include <rax/uapi/rax_ioctl.h>

struct vm_obj {
	unsigned char *image;
	size_t size;
	struct rax_ioc_section secs[RAX_LOAD_MAX_SECTIONS];
	unsigned int sec_cnt;
	struct rax_ioc_reloc *relocs;
	unsigned int reloc_cnt;
	struct rax_ioc_prog progs[RAX_LOAD_MAX_PROGS];
	unsigned int prog_cnt;
	struct rax_ioc_map maps[RAX_LOAD_MAX_MAPS];
	struct rax_map_def map_defs[RAX_LOAD_MAX_MAPS];	/* as in the file */
	unsigned int map_cnt;
	char license[128];
};

/* Read path; returns 0 or a negative errno (message on stderr). */
int vm_obj_open(struct vm_obj *o, const char *path);
void vm_obj_close(struct vm_obj *o);
/* Index of the program named name, or -1. */
int vm_obj_prog(const struct vm_obj *o, const char *name);
/* Fill a load request pointing into o (map fds must be set by the caller). */
void vm_obj_request(struct vm_obj *o, struct rax_ioc_load *req);

#endif /* RAX_VM_OBJ_H */
