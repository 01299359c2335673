/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause) */
/*
 * The /dev/rax ioctl ABI, shared by rax.ko and librax.
 *
 * Every ioctl argument is a struct whose first field "size" is the size
 * the caller was compiled with (bpf(2) style): the kernel accepts a
 * smaller struct (missing fields read as zero) and a larger one only when
 * the unknown tail is all zero (-E2BIG otherwise).  Arrays passed by
 * pointer carry their own record size (*_rec_size) with the same rule.
 * Output fields are written back only within the caller's size.
 *
 * Objects: RAX_IOC_LOAD on /dev/rax returns a new fd (anon inode) for the
 * loaded object; every other per-object ioctl is issued on that fd, and
 * closing it releases the object (arena space, map references).
 */
#ifndef RAX_UAPI_RAX_IOCTL_H
#define RAX_UAPI_RAX_IOCTL_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <linux/types.h>
#include <sys/ioctl.h>
#endif

#define RAX_DEVICE_PATH "/dev/rax"
/*
 * Version of this ioctl ABI, reported by RAX_IOC_INFO.
 * 2: per-program time budgets (rax_ioc_prog.time_budget_ms, RAX_IOC_SET_BUDGET).
 */
#define RAX_IOCTL_VERSION 2

#define RAX_IOC_MAGIC 0xb7
/* The argument is a pointer to the struct named in each comment. */
#define RAX_IOC_INFO _IO(RAX_IOC_MAGIC, 0x00)	   /* struct rax_ioc_info, /dev/rax */
#define RAX_IOC_LOAD _IO(RAX_IOC_MAGIC, 0x01)	   /* struct rax_ioc_load, /dev/rax */
#define RAX_IOC_TEST_RUN _IO(RAX_IOC_MAGIC, 0x02) /* struct rax_ioc_test_run, object fd */
#define RAX_IOC_STATS _IO(RAX_IOC_MAGIC, 0x03)	   /* struct rax_ioc_stats, object fd */
#define RAX_IOC_ATTACH _IO(RAX_IOC_MAGIC, 0x04)   /* struct rax_ioc_attach, object fd */
#define RAX_IOC_DETACH _IO(RAX_IOC_MAGIC, 0x05)   /* struct rax_ioc_detach, link fd */
#define RAX_IOC_SET_BUDGET _IO(RAX_IOC_MAGIC, 0x06) /* struct rax_ioc_set_budget, object fd */

/* ---- RAX_IOC_LOAD ------------------------------------------------------ */

/* Where a section goes (the kernel also rejects a section that is both). */
#define RAX_SEC_F_EXEC (1u << 0)	/* code: placed in the executable arena */
#define RAX_SEC_F_WRITE (1u << 1)	/* writable data: placed in the data arena */
#define RAX_SEC_F_NOBITS (1u << 2)	/* zero-filled, "data" must be 0 */
/* A section with neither EXEC nor WRITE is read-only data (arena, not writable). */

struct rax_ioc_section {
	__u64 data;		/* user pointer to size bytes, 0 with NOBITS */
	__u64 size;
	__u32 align;		/* power of two, at most 4096; 0 means 1 */
	__u32 flags;		/* RAX_SEC_F_* */
};

/* What a relocation's symbol is. */
enum rax_reloc_sym_kind {
	RAX_RELOC_SYM_SECTION = 0,	/* sym_index: section, sym_value: offset in it */
	RAX_RELOC_SYM_HELPER = 1,	/* sym_index: position in RAX_HELPERS, sym_value 0 */
};

struct rax_ioc_reloc {
	__u32 section;		/* section patched (index into sections) */
	__u32 type;		/* R_X86_64_PLT32, PC32, 64, GOTPCREL, GOTPCRELX, REX_GOTPCRELX */
	__u64 offset;		/* offset of the patched field in that section */
	__s64 addend;
	__u32 sym_kind;		/* enum rax_reloc_sym_kind */
	__u32 sym_index;
	__u64 sym_value;
};

struct rax_ioc_prog {
	char name[16];		/* NUL-terminated (RAX_OBJ_NAME_LEN) */
	__u32 type;		/* enum rax_prog_type */
	__u32 section;		/* executable section holding the entry */
	__u64 offset;		/* entry offset in that section */
	/* Since ioctl version 2 (a shorter record reads as 0): */
	__u32 time_budget_ms;	/* one run's time budget; 0: RAX_DEFAULT_TIME_BUDGET_MS,
				 * at most RAX_MAX_TIME_BUDGET_MS */
	__u32 reserved;		/* 0 */
};

/*
 * Longest time budget a program may get: runs hold their CPU with
 * preemption off, and much longer would come close to the kernel's own
 * soft lockup and RCU stall reports (about 20 s).
 */
#define RAX_MAX_TIME_BUDGET_MS 10000u

struct rax_ioc_map {
	char name[16];		/* NUL-terminated */
	__s32 fd;		/* BPF map fd of the caller */
	__u32 section;		/* writable section holding the definition */
	__u64 offset;		/* offset of its struct rax_map_def */
};

struct rax_ioc_load {
	__u32 size;		/* sizeof(struct rax_ioc_load) of the caller */
	__u32 flags;		/* reserved, 0 */
	char name[16];		/* object name, NUL-terminated */
	__u64 sections;		/* struct rax_ioc_section[section_cnt] */
	__u32 section_cnt;
	__u32 section_rec_size;
	__u64 relocs;		/* struct rax_ioc_reloc[reloc_cnt] */
	__u32 reloc_cnt;
	__u32 reloc_rec_size;
	__u64 progs;		/* struct rax_ioc_prog[prog_cnt] */
	__u32 prog_cnt;
	__u32 prog_rec_size;
	__u64 maps;		/* struct rax_ioc_map[map_cnt] */
	__u32 map_cnt;
	__u32 map_rec_size;
	__u64 license;		/* NUL-terminated string, at most 128 bytes */
	__u32 abi_version;	/* RAX_ABI_VERSION the object was built for */
	__u32 reserved;
	__u64 patches;		/* struct rax_ioc_patch[patch_cnt] (recursion entry checks) */
	__u32 patch_cnt;
	__u32 patch_rec_size;
};

/*
 * A function entry pad ("nopl 0x8(%rax,%rax,1)", 0f 1f 44 00 08, from
 * -Z patchable-function-entry=5) that the kernel turns into a call to its
 * stack check: the functions the safety gate found in recursive cycles.
 */
struct rax_ioc_patch {
	__u32 section;		/* executable section (index into sections) */
	__u32 reserved;		/* 0 */
	__u64 offset;		/* offset of the 5-byte pad in that section */
};

/* Limits the kernel enforces on one load request. */
#define RAX_LOAD_MAX_SECTIONS 64u
#define RAX_LOAD_MAX_RELOCS 65536u
#define RAX_LOAD_MAX_PROGS 64u
#define RAX_LOAD_MAX_MAPS 64u
#define RAX_LOAD_MAX_PATCHES 65536u

/* ---- RAX_IOC_TEST_RUN (object fd) -------------------------------------- */
struct rax_ioc_test_run {
	__u32 size;
	__u32 prog;		/* index into the load request's progs */
	__u64 data_in;		/* packet for XDP programs */
	__u64 data_out;		/* receives the packet after the last run (optional) */
	__u32 data_size_in;
	__u32 data_size_out;	/* in: buffer size; out: bytes of the packet */
	__u64 ctx_in;		/* context struct for non-packet types */
	__u32 ctx_size_in;
	__u32 repeat;		/* 0 means 1 */
	__u32 flags;		/* reserved, 0 */
	__u32 abort_cause;	/* out: enum rax_abort_cause of the last run */
	__u64 retval;		/* out: result of the last run */
	__u64 duration_ns;	/* out: average time of one run */
	__u64 ctx_out;		/* receives the context after the last run (optional) */
	__u32 ctx_size_out;	/* in: buffer size; out: bytes of the context */
	__u32 reserved;		/* 0 */
};

/* ---- RAX_IOC_STATS (object fd): per-program counters ------------------- */
struct rax_ioc_stats {
	__u32 size;
	__u32 prog;		/* in: program index */
	__u64 run_cnt;
	__u64 run_time_ns;
	__u64 missed;		/* runs skipped: nesting limit reached */
	__u64 aborted[8];	/* per enum rax_abort_cause (index 0 unused) */
	char last_abort_msg[160];	/* out: why the last abort happened, "" if never */
	/* Since ioctl version 2: */
	__u32 time_budget_ms;	/* out: one run's time budget now */
	__u32 reserved;		/* 0 */
};

/* ---- RAX_IOC_ATTACH (object fd): attach a program to a hook ----------
 * Returns a new fd (anon inode) for the link: closing it detaches (after
 * waiting for runs in flight), like a BPF link.  The link holds the object,
 * so the object fd may be closed while links stay attached.
 */
enum rax_attach_kind {
	RAX_ATTACH_KPROBE = 1,		/* RAX_PROG_TYPE_KPROBE, target: function */
	RAX_ATTACH_KRETPROBE = 2,	/* RAX_PROG_TYPE_KPROBE, target: function */
	RAX_ATTACH_RAW_TP = 3,		/* RAX_PROG_TYPE_RAW_TRACEPOINT, target: event */
};

/* Longest target name, terminating NUL included (the kernel's KSYM_NAME_LEN). */
#define RAX_ATTACH_TARGET_MAX 512u

/* The most kretprobe instances a link may ask for (as the kernel's kprobe_events). */
#define RAX_ATTACH_MAXACTIVE_MAX 4096u

struct rax_ioc_attach {
	__u32 size;
	__u32 prog;		/* index into the load request's progs */
	__u32 kind;		/* enum rax_attach_kind, must fit the program type */
	__u32 flags;		/* reserved, 0 */
	__u64 target;		/* user pointer: NUL-terminated function or event name */
	__u64 offset;		/* kprobe: offset into the function (0 for kretprobe) */
	__u32 nr_args;		/* raw_tp: TP_PROTO arity (1..RAX_RAW_TP_MAX_ARGS), from
				 * BTF btf_trace_<event>; the kernel copies that many */
	__u32 maxactive;	/* kretprobe: instances in flight, 0 = kernel default,
				 * at most RAX_ATTACH_MAXACTIVE_MAX */
};

/* ---- RAX_IOC_DETACH (link fd): detach now; the fd stays valid, inert ---- */
struct rax_ioc_detach {
	__u32 size;
	__u32 flags;		/* reserved, 0 */
};

/* ---- RAX_IOC_SET_BUDGET (object fd): change a loaded program's budget ---
 * Takes effect at once: the watchdog reads the running program's budget
 * each time it looks, runs in progress included.  The whole struct is
 * required (a smaller size is -EINVAL, like a bad program index, a budget
 * over RAX_MAX_TIME_BUDGET_MS or nonzero flags); on error nothing changes.
 */
struct rax_ioc_set_budget {
	__u32 size;
	__u32 prog;		/* index into the load request's progs */
	__u32 time_budget_ms;	/* 0: RAX_DEFAULT_TIME_BUDGET_MS */
	__u32 flags;		/* reserved, 0 */
};
/* Smallest size accepted: the fields above. */
#define RAX_SET_BUDGET_SIZE_VER0 16u

/* ---- RAX_IOC_INFO (/dev/rax): module-wide counters --------------------- */
struct rax_ioc_info {
	__u32 size;
	__u32 ioctl_version;	/* RAX_IOCTL_VERSION */
	__u32 abi_version;	/* RAX_ABI_VERSION of the runtime */
	__u32 helper_count;	/* RAX_HELPER_COUNT of the runtime */
	__u64 text_arena_size;
	__u64 text_arena_used;
	__u64 data_arena_size;
	__u64 data_arena_used;
	__u64 objects;		/* currently loaded */
	__u64 map_refs;		/* BPF map references currently held */
	__u64 loads_total;	/* successful loads */
	__u64 frees_total;	/* loaded objects freed again (failed loads count in neither) */
	__u64 links;		/* currently attached */
};

#endif /* RAX_UAPI_RAX_IOCTL_H */
