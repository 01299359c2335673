/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Rax object ABI and runtime contract, version 1.
 *
 * This header is the single C definition of everything a compiled Rax
 * extension and a runtime (librax's in-process runtime, rax.ko) agree on:
 * program types and their results, context layouts, the map definition
 * layout in ".maps", the metadata record, the helper import table and the
 * runtime constants.  Its Rust mirror is rust/rax-kernel-crate/src/abi.rs;
 * every object carries the crate's view of these layouts in ".rax.abi"
 * (struct rax_abi_layout) and librax compares it with this header on load.
 *
 * Changing anything here is an ABI change: bump RAX_ABI_VERSION, change
 * abi.rs in the same commit and update docs/abi.md.
 */
#ifndef RAX_ABI_H
#define RAX_ABI_H

/* __u32 & co, as in the kernel's uapi headers (kernel and userspace alike) */
#include <linux/types.h>

#define RAX_ABI_VERSION 1

/* ---- Program types (from the section name, libbpf style) ---------------- */
enum rax_prog_type {
	RAX_PROG_TYPE_UNSPEC = 0,
	RAX_PROG_TYPE_XDP = 1,		/* "xdp", "xdp/..."            */
	RAX_PROG_TYPE_KPROBE = 2,	/* "kprobe/<fn>", "kretprobe/<fn>" */
	RAX_PROG_TYPE_RAW_TRACEPOINT = 3, /* "raw_tp/<event>", "raw_tracepoint/<event>" */
	RAX_PROG_TYPE_SCHED_CLS = 4,	/* "tc", "classifier"          */
	RAX_PROG_TYPE_SYSCALL = 5,	/* "syscall" (test-run only)   */
	RAX_PROG_TYPE_MAX,
};

/* XDP results: the kernel's values, so programs port unchanged. */
enum rax_xdp_action {
	RAX_XDP_ABORTED = 0,
	RAX_XDP_DROP = 1,
	RAX_XDP_PASS = 2,
	RAX_XDP_TX = 3,
	RAX_XDP_REDIRECT = 4,
};

/*
 * The result a run returns when the runtime aborts it (panic, timeout,
 * stack exhaustion, fault).  XDP: XDP_ABORTED, like a BPF program that the
 * kernel considers to have failed; tc: TC_ACT_SHOT (2); tracing: 0.
 */
#define RAX_XDP_ABORTED_RESULT 0u
#define RAX_TC_ABORTED_RESULT 2u
#define RAX_TRACE_ABORTED_RESULT 0u

/* Why a run was aborted (per-program stats keep one counter per cause). */
enum rax_abort_cause {
	RAX_ABORT_NONE = 0,
	RAX_ABORT_PANIC = 1,	/* Rust panic (bounds check, unwrap, explicit) */
	RAX_ABORT_TIMEOUT = 2,	/* ran past its time budget                   */
	RAX_ABORT_STACK = 3,	/* recursion entry check found the stack short */
	RAX_ABORT_FAULT = 4,	/* #UD/#GP/#DE (SIGILL/SIGSEGV/SIGFPE) in program code */
	RAX_ABORT_CAUSE_MAX,
};

/* ---- Program entry and contexts ------------------------------------------
 * Every program symbol is
 *	__u64 prog(void *ctx);      (System V x86-64 calling convention)
 * and ctx points to the context struct of its type below.  Contexts are
 * Rax's own stable structs, filled by the runtime from the hook's native
 * context, so one object runs on every kernel and in-process.
 */
struct rax_xdp_ctx {
	__u64 data;		/* address of the first packet byte   */
	__u64 data_end;		/* address one past the last byte     */
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
};

struct rax_kprobe_ctx {
	__u64 args[6];		/* di, si, dx, cx, r8, r9 at entry    */
	__u64 ret;		/* ax: the return value (kretprobe)   */
	__u64 ip;
	__u64 sp;
};

#define RAX_RAW_TP_MAX_ARGS 12
struct rax_raw_tp_ctx {
	__u64 args[RAX_RAW_TP_MAX_ARGS];	/* raw TP_PROTO arguments */
	__u32 nr_args;
	__u32 reserved;
};

/* ---- Maps ---------------------------------------------------------------
 * Map types use the kernel's BPF numbering: in the kernel a Rax map IS a
 * BPF map of that type.
 */
enum rax_map_type {
	RAX_MAP_TYPE_HASH = 1,		/* BPF_MAP_TYPE_HASH  */
	RAX_MAP_TYPE_ARRAY = 2,		/* BPF_MAP_TYPE_ARRAY */
	/* Output only (rax_perf_event_output); kernel backend only.  Key and
	 * value are 4 bytes (CPU index -> perf event fd, set by userspace);
	 * max_entries 0 means one entry per possible CPU, as in libbpf. */
	RAX_MAP_TYPE_PERF_EVENT_ARRAY = 4,	/* BPF_MAP_TYPE_PERF_EVENT_ARRAY */
};

/* Update flags: BPF's values. */
#define RAX_ANY 0ull
#define RAX_NOEXIST 1ull
#define RAX_EXIST 2ull

/* Map flags honoured by Rax (BPF's values). */
#define RAX_F_NO_PREALLOC (1u << 0)
#define RAX_F_RDONLY_PROG (1u << 7)
#define RAX_F_WRONLY_PROG (1u << 8)

/* rax_perf_event_output flags: the running CPU's ring (BPF_F_CURRENT_CPU). */
#define RAX_F_CURRENT_CPU 0xffffffffull

/*
 * One definition per map, in section ".maps", one global object symbol per
 * definition (the symbol name is the map name, at most RAX_OBJ_NAME_LEN-1
 * bytes).  Helpers receive a pointer to the definition and check that it
 * lies inside the running object's ".maps".
 *
 * inline_lookup is the runtime's, never the file's: before the first run
 * the loader writes it for EVERY definition, and program code cannot write
 * it (the crate keeps definitions private to itself).  Not 0, it lets the
 * rax crate look up without rax_map_lookup_ptr, as JITed eBPF inlines its
 * map lookups:
 *   ARRAY that programs may read and write (no RAX_F_RDONLY_PROG/WRONLY_PROG;
 *     kernel: a map fd opened read-write): the address of element 0, elements
 *     lying round_up(value_size, 8) bytes apart, valid while loaded;
 *   HASH that programs may read and write, in an object that takes no Rax
 *     lock (kernel backend only): the offset of the value in the element
 *     rax_map_lookup_raw returns.
 * Otherwise 0: array lookups take rax_map_lookup_ptr, and
 * rax_map_lookup_raw gives hash values themselves.
 */
struct rax_map_def {
	__u32 type;		/* enum rax_map_type */
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	__u32 pinning;		/* 0: none (reserved for LIBBPF_PIN_BY_NAME) */
	__u64 inline_lookup;	/* written by the loader, see above */
};
#define RAX_OBJ_NAME_LEN 16

/* ---- Sections of a Rax object (see docs/abi.md) ------------------------- */
#define RAX_SEC_MAPS ".maps"
#define RAX_SEC_META ".rax.meta"	/* metadata record, written by raxtool build */
#define RAX_SEC_ABI ".rax.abi"		/* struct rax_abi_layout, from the rax crate */
#define RAX_SEC_LICENSE "license"	/* NUL-terminated license string */

/*
 * Metadata record in ".rax.meta": this header followed by strings_size
 * bytes of NUL-terminated "key=value" strings.  Keys of ABI v1:
 *   crate, crate_version, rax_crate_version, rustc, cargo, flags_id,
 *   rustflags, policy
 */
/* Identifier of the frozen rustc flag set of ABI v1 (docs/abi.md); the
 * "flags_id" metadata key must equal it. */
#define RAX_FLAGS_ID "rax-flags-v1"
#define RAX_META_MAGIC "RAXMETA"	/* 8 bytes with the NUL */
struct rax_meta_hdr {
	char magic[8];
	__u32 abi_version;
	__u32 hdr_size;		/* sizeof(struct rax_meta_hdr) */
	__u32 strings_size;
	__u32 flags;		/* reserved, 0 */
};

/*
 * The crate's view of this ABI, emitted by the rax crate into ".rax.abi" of
 * every object.  librax builds the same struct from this header
 * (rax_abi_layout_expected()) and refuses an object whose record differs.
 */
#define RAX_ABI_LAYOUT_MAGIC 0x58415241u	/* "ARAX" little endian */
struct rax_abi_layout {
	__u32 magic;
	__u32 abi_version;
	__u32 size;		/* sizeof(struct rax_abi_layout) */
	__u32 map_def_size;
	__u32 map_def_off_type;
	__u32 map_def_off_key_size;
	__u32 map_def_off_value_size;
	__u32 map_def_off_max_entries;
	__u32 map_def_off_map_flags;
	__u32 map_def_off_pinning;
	__u32 map_def_off_inline_lookup;
	__u32 xdp_ctx_size;
	__u32 xdp_ctx_off_data;
	__u32 xdp_ctx_off_data_end;
	__u32 xdp_ctx_off_ingress_ifindex;
	__u32 xdp_ctx_off_rx_queue_index;
	__u32 kprobe_ctx_size;
	__u32 kprobe_ctx_off_ret;
	__u32 raw_tp_ctx_size;
	__u32 raw_tp_ctx_off_nr_args;
	__u32 helper_count;	/* entries in RAX_HELPERS known to the crate */
	__u32 stack_size;
	__u32 stack_budget;
	__u32 reserved;
};

/* ---- Runtime constants (both runtimes) ---------------------------------- */
/* Size of one dedicated program stack (per thread / per CPU and level). */
#define RAX_STACK_SIZE (32u * 1024u)
/*
 * Part of a stack the static bound must leave free: helpers' own frames,
 * interrupt/exception frames and int3/ftrace handlers that run on the
 * current stack, and the panic path.  A program's maximum call depth
 * (frames + return addresses) must fit RAX_STACK_BUDGET.
 */
#define RAX_STACK_RESERVE (8u * 1024u)
#define RAX_STACK_BUDGET (RAX_STACK_SIZE - RAX_STACK_RESERVE)
/* Nested runs per thread/CPU; a run arriving at this depth is missed. */
#define RAX_MAX_NESTING 4u
/* Cleanup entries per run level; overflow is a panic. */
#define RAX_CLEANUP_SLOTS 16u
/* Default time budget of one run, in milliseconds. */
#define RAX_DEFAULT_TIME_BUDGET_MS 100u
/* Bytes of a panic message kept (file:line and text). */
#define RAX_PANIC_MSG_LEN 160u

/* ---- Helper imports -------------------------------------------------------
 * The ONLY undefined symbols an object may have.  X(name, gpl_only, since)
 * Signatures (all System V x86-64):
 *  long  rax_map_lookup_elem(const struct rax_map_def *, const void *key, void *value_out)
 *        copies the value out; 0 or -ENOENT.
 *  void *rax_map_lookup_ptr(const struct rax_map_def *, const void *key)
 *        address of the value in the map (shared memory: access it only
 *        through volatile/atomic operations), NULL if absent.
 *  void *rax_map_lookup_raw(const struct rax_map_def *, const void *key)
 *        HASH maps: p such that the value lies at p + the definition's
 *        inline_lookup (the element when that is an offset, else the value
 *        as rax_map_lookup_ptr gives it), NULL if absent; NULL for others.
 *  long  rax_map_update_elem(const struct rax_map_def *, const void *key, const void *value, __u64 flags)
 *  long  rax_map_delete_elem(const struct rax_map_def *, const void *key)
 *  __u64 rax_ktime_get_ns(void)                 CLOCK_MONOTONIC
 *  __u32 rax_get_prandom_u32(void)
 *  __u32 rax_get_smp_processor_id(void)
 *  __u64 rax_get_current_pid_tgid(void)         tgid << 32 | pid
 *  long  rax_get_current_comm(char *buf, __u32 size)
 *  long  rax_probe_read_kernel(void *dst, __u32 size, const void *src)
 *  long  rax_perf_event_output(void *ctx, const struct rax_map_def *, __u64 flags, const void *data, __u64 size)
 *  long  rax_trace_printk(const char *msg, __u32 len)
 *  void  rax_panic(const char *msg, __u32 len)     never returns
 * Runtime-owned resources (acquire-and-register happens inside the helper):
 *  long  rax_lock_acquire(const struct rax_map_def *, void *lock)   lock is a __u32 in a map value
 *  long  rax_lock_release(void *lock)
 *  void *rax_output_reserve(const struct rax_map_def *, __u64 size)
 *  long  rax_output_submit(void *rec)
 *  long  rax_output_discard(void *rec)
 */
#define RAX_HELPERS(X)                                 \
	X(rax_map_lookup_elem, 0, 1)                   \
	X(rax_map_lookup_ptr, 0, 1)                    \
	X(rax_map_update_elem, 0, 1)                   \
	X(rax_map_delete_elem, 0, 1)                   \
	X(rax_ktime_get_ns, 0, 1)                      \
	X(rax_get_prandom_u32, 0, 1)                   \
	X(rax_get_smp_processor_id, 0, 1)              \
	X(rax_get_current_pid_tgid, 0, 1)              \
	X(rax_get_current_comm, 0, 1)                  \
	X(rax_probe_read_kernel, 1, 1)                 \
	X(rax_perf_event_output, 1, 1)                 \
	X(rax_trace_printk, 1, 1)                      \
	X(rax_panic, 0, 1)                             \
	X(rax_lock_acquire, 0, 1)                      \
	X(rax_lock_release, 0, 1)                      \
	X(rax_output_reserve, 0, 1)                    \
	X(rax_output_submit, 0, 1)                     \
	X(rax_output_discard, 0, 1)                    \
	X(rax_map_lookup_raw, 0, 1)

#define RAX__HELPER_COUNT_ONE(name, gpl, since) +1
#define RAX_HELPER_COUNT (0 RAX_HELPERS(RAX__HELPER_COUNT_ONE))

#endif /* RAX_ABI_H */
