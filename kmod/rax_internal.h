/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of rax.ko.
 */
#ifndef RAX_INTERNAL_H
#define RAX_INTERNAL_H

/* struct rax_run_frame offsets rax_dispatch.S uses. */
#define RAX_FRAME_SAVED_SP 0
#define RAX_FRAME_MEMO_NEXT 8
#define RAX_FRAME_LEFT 12
#define RAX_FRAME_CHECKS 16	/* two words: terminate..helper_depth */

#ifndef __ASSEMBLY__

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/static_call_types.h>

#include <rax/abi.h>
#include <rax/uapi/rax_ioctl.h>

struct bpf_map;

/* ---- Arenas (rax_arena.c) ------------------------------------------------ */
struct rax_arena {
	const char *name;
	unsigned long base;
	size_t size;
	unsigned long *bitmap;	/* one bit per RAX_ARENA_GRAIN bytes */
	unsigned long nbits;
	size_t used;
	struct mutex lock;
};

#define RAX_ARENA_GRAIN 64UL

extern struct rax_arena rax_text;
extern struct rax_arena rax_data;

int rax_arena_init(void);
void rax_arena_exit(void);
/* Returns the start address, or 0 when there is no room. */
unsigned long rax_arena_alloc(struct rax_arena *a, size_t size, size_t align);
void rax_arena_free(struct rax_arena *a, unsigned long addr, size_t size);
/* Write into the (read-only, executable) text arena through an RW alias. */
int rax_text_write(unsigned long dst, const void *src, size_t len);
int rax_text_fill(unsigned long dst, u8 byte, size_t len);

/* ---- Objects (rax_object.c, rax_load.c) ------------------------------- */
struct rax_prog {
	char name[RAX_OBJ_NAME_LEN];
	u32 type;			/* enum rax_prog_type */
	unsigned long entry;		/* address in the text arena */
	unsigned long run_loop;		/* its run loop (rax_run_loop.c) */
	atomic64_t run_cnt;
	atomic64_t run_time_ns;
	atomic64_t missed;
	atomic64_t aborted[RAX_ABORT_CAUSE_MAX];
	raw_spinlock_t msg_lock;	/* taken with trylock only: any context */
	char last_abort_msg[RAX_PANIC_MSG_LEN];
	/* One run's budget; 0 until the watchdog knows the program (load). */
	u32 time_budget_ms;
};

struct rax_map_ref {
	char name[RAX_OBJ_NAME_LEN];
	struct bpf_map *map;		/* reference held while loaded */
	unsigned long def_addr;		/* its struct rax_map_def in the data arena */
	u32 key_size;
	u32 value_size;
	bool prog_read;			/* programs may read it */
	bool prog_write;		/* programs may write it */
	bool prog_rw;			/* both: pointer lookups allowed */
	bool hash_direct;		/* HASH: rax_hash_lookup is its element search */
	bool hash_inline;		/* HASH: programs add the value offset (abi.h) */
	bool perf_output;		/* PERF_EVENT_ARRAY: programs may output to it */
	u32 hash_value_off;		/* HASH, direct: value offset in an element */
	/* ARRAY maps: the storage, so lookups need no call (NULL otherwise). */
	u8 *array_value;
	u32 elem_size;
	u32 index_mask;
	u32 max_entries;
	atomic64_t out_seq;		/* output map: next record's sequence number */
};

struct rax_object {
	char name[RAX_OBJ_NAME_LEN];
	refcount_t refs;		/* the object fd and each link */
	unsigned long text_addr;	/* arena allocation, 0 if none */
	size_t text_size;
	unsigned long data_addr;
	size_t data_size;
	struct rax_prog *progs;
	u32 prog_cnt;
	struct rax_map_ref *maps;
	u32 map_cnt;
	/*
	 * Map definitions by address, for helpers: def_index[(def - def_lo) / 8]
	 * is the map whose definition is at def, NULL for none.
	 */
	unsigned long def_lo;
	unsigned long def_slots;	/* entries in def_index */
	struct rax_map_ref **def_index;
	bool gpl;
	bool loaded;		/* counted in loads_total: its free is an unload */
};

/* Module-wide counters (RAX_IOC_INFO, leak checks). */
struct rax_counters {
	atomic64_t objects;
	atomic64_t map_refs;
	atomic64_t loads_total;	/* loads that succeeded */
	atomic64_t frees_total;	/* of those, unloaded again */
	atomic64_t links;
};
extern struct rax_counters rax_counters;

long rax_ioctl_load(void __user *uarg);
void rax_object_free(struct rax_object *obj);
void rax_object_get(struct rax_object *obj);
/* Frees the object with its last reference; no run of it may be in flight. */
void rax_object_put(struct rax_object *obj);
int rax_object_install_fd(struct rax_object *obj);
long rax_ioctl_test_run(struct rax_object *obj, void __user *uarg);

/* ---- Hooks (rax_link.c) ---------------------------------------------- */
/* RAX_IOC_ATTACH on an object fd: returns a link fd. */
long rax_ioctl_attach(struct rax_object *obj, void __user *uarg);

/* ---- Relocation (rax_reloc.c) ------------------------------------------ */
/* Where each loaded section ended up. */
struct rax_placed_section {
	u32 flags;		/* RAX_SEC_F_* */
	u64 size;
	unsigned long addr;	/* final address */
	u8 *stage;		/* staging copy the relocations patch, NULL for NOBITS */
};

struct rax_got {
	unsigned long addr;	/* final address of slot 0 */
	u64 *stage;		/* staging copy of the slots */
	u32 used;
	u32 cap;
};

/* Where an object's calls of the lookup helpers go instead (0: the helper). */
struct rax_stub_entries {
	unsigned long lookup_ptr;
	unsigned long lookup_raw;
};
int rax_reloc_apply(const struct rax_ioc_reloc *r, struct rax_placed_section *secs,
		    u32 sec_cnt, struct rax_got *got, const struct rax_stub_entries *stub);
u32 rax_reloc_needs_got(u32 type);

/* ---- Maps (rax_maps.c) ------------------------------------------------- */
typedef void *rax_map_lookup_fn(struct bpf_map *map, void *key);
/* The hash maps' element search, called directly (see rax_maps.c). */
DECLARE_STATIC_CALL(rax_hash_lookup, rax_map_lookup_fn);
int rax_map_bind(struct rax_map_ref *ref, int fd, const struct rax_map_def *def);
void rax_map_unbind(struct rax_map_ref *ref);

/* ---- Helpers (rax_helpers.c) ------------------------------------------- */
/* Address of helper number idx in RAX_HELPERS order, 0 if out of range. */
unsigned long rax_helper_addr(u32 idx);
bool rax_helper_gpl_only(u32 idx);
/* obj's map bound to the definition at def, or NULL: O(1), any def value. */
static inline struct rax_map_ref *rax_object_map(const struct rax_object *obj,
						  const struct rax_map_def *def)
{
	/* Rotated: a misaligned def becomes a huge slot number. */
	unsigned long slot = ror64((unsigned long)def - obj->def_lo, 3);

	return slot < obj->def_slots ? obj->def_index[slot] : NULL;
}
/* The running object's map bound to def, or NULL (not in a run, not its map). */
struct rax_map_ref *rax_map_of(const struct rax_map_def *def);
/* Build obj->def_index once every map's def_addr is known. */
int rax_object_index_maps(struct rax_object *obj);
void rax_helpers_init(void);

void *rax_map_lookup_ptr(const struct rax_map_def *def, const void *key);
void *rax_map_lookup_raw(const struct rax_map_def *def, const void *key);

/* ---- Lookup stubs (rax_stub.c) ----------------------------------------- */
/* Objects with more maps get no stub (the compares would cost more). */
#define RAX_STUB_MAX_MAPS 16u
/* Bytes of text an object with map_cnt maps needs for its stub, 0: none. */
size_t rax_stub_size(u32 map_cnt);
/* The stub's entry points when it is placed at address at. */
void rax_stub_entries(unsigned long at, u32 map_cnt, struct rax_stub_entries *out);
/*
 * Write obj's stub (bound maps) into buf, which ends up at address at;
 * hash_ok: the object takes no Rax lock, hash lookups may skip the helper.
 */
void rax_stub_emit(u8 *buf, size_t size, unsigned long at, const struct rax_object *obj,
		   bool hash_ok);

/* ---- Per-program run loops (rax_run_loop.c) ---------------------------- */
/* Bytes of text one program's run loop takes. */
size_t rax_run_loop_size(void);
/*
 * Write the run loop of the program at entry into buf, which ends up at
 * address at; false when entry is out of reach of a direct call.
 */
bool rax_run_loop_emit(u8 *buf, unsigned long at, unsigned long entry);

/* ---- Faults in program code (rax_faults.c) ----------------------------- */
int rax_faults_init(void);
void rax_faults_exit(void);

/* ---- Watchdog (rax_watchdog.c) ------------------------------------------ */
int rax_watchdog_init(void);
void rax_watchdog_exit(void);
/* Armed while at least one object is loaded. */
void rax_watchdog_get(void);
void rax_watchdog_put(void);
/*
 * Set prog's time budget (0: RAX_DEFAULT_TIME_BUDGET_MS, at most
 * RAX_MAX_TIME_BUDGET_MS): the watchdog samples often enough for the
 * shortest budget loaded.  May sleep.
 */
void rax_watchdog_prog_budget(struct rax_prog *prog, u32 ms);
/* prog is being freed: its budget no longer counts.  May sleep. */
void rax_watchdog_prog_gone(struct rax_prog *prog);

/* ---- Runs (rax_run.c, rax_dispatch.S) ---------------------------------- */
struct rax_run_frame;
/* The frame of the innermost run on this CPU, NULL outside runs. */
DECLARE_PER_CPU(struct rax_run_frame *, rax_run_cur);

/* The run the current CPU is in, or NULL (helpers' view). */
static inline struct rax_run_frame *rax_run_current(void)
{
	return this_cpu_read(rax_run_cur);
}
/*
 * Leave the current run through the landing pad with the given cause.
 * Never returns, but not declared __noreturn: objtool (6.1) cannot see that
 * across object files and would report the callers as falling through.
 */
void rax_run_abort(struct rax_run_frame *frame, u32 cause);

/* A runtime-owned resource a run holds, released when the run ends. */
enum rax_cleanup_kind {
	RAX_CLEANUP_FREE = 0,
	RAX_CLEANUP_LOCK = 1,		/* obj: the lock word; irq_flags saved */
	RAX_CLEANUP_OUTPUT = 2,		/* obj: the staged record; size, ref */
};

struct rax_cleanup {
	u32 kind;
	u32 size;
	void *obj;
	unsigned long irq_flags;
	struct rax_map_ref *ref;
};

/* Staging bytes for output records of one run level. */
#define RAX_OUTPUT_STAGING 4096u
/* Values returned by rax_map_lookup_ptr a run remembers (for hash locks). */
#define RAX_LOOKUP_MEMO 4u

/* Per-CPU, per-level memory too large for the per-CPU area. */
struct rax_run_side {
	u8 out_buf[RAX_OUTPUT_STAGING] __aligned(16);
	char abort_msg[RAX_PANIC_MSG_LEN];
};

/*
 * The head of a run frame is read and written by rax_dispatch_batch (the
 * offsets below, checked at build time in rax_run.c): it resets memo_next
 * and counts down left at every run, and hands back to C as soon as any of
 * terminate, cleanup_cnt, out_used, helper_depth (two 8-byte words) is not
 * zero after a run.
 */
struct rax_run_frame {
	unsigned long saved_sp;		/* written by rax_dispatch_batch */
	u32 memo_next;
	u32 left;			/* runs still to do in this batch */
	u32 terminate;			/* cause to end the run with at helper return */
	u32 cleanup_cnt;
	u32 out_used;			/* staging bytes in use */
	u32 helper_depth;
	u32 abort_cause;
	struct rax_object *obj;
	struct rax_prog *prog;
	struct rax_cleanup cleanup[RAX_CLEANUP_SLOTS];	/* LIFO */
	struct rax_run_side *side;
	struct {
		struct rax_map_ref *ref;
		void *value;
	} memo[RAX_LOOKUP_MEMO];	/* last values rax_map_lookup_ptr handed out */
};

/* The message the stats report if this run aborts as a panic. */
void rax_run_set_msg(struct rax_run_frame *frame, const char *msg);
/* Release what the run still holds, last registered first. */
void rax_cleanup_drain(struct rax_run_frame *frame);
void rax_lock_cleanup(struct rax_cleanup *c);
void rax_output_cleanup(struct rax_run_frame *frame, struct rax_cleanup *c);
/* Forget cleanup entry c (released by its owner); shrinks the registry. */
void rax_cleanup_drop(struct rax_run_frame *frame, struct rax_cleanup *c);
struct rax_cleanup *rax_cleanup_find(struct rax_run_frame *frame, u32 kind, const void *obj);
/* True when value lies in a value of ref that this run looked up. */
bool rax_run_looked_up(const struct rax_run_frame *frame, const struct rax_map_ref *ref,
		       const void *p, size_t len);
/*
 * Every helper ends with this: a run the watchdog flagged while it was
 * outside program code (in a helper) ends here.
 */
static inline void rax_helper_check(void)
{
	struct rax_run_frame *frame = rax_run_current();

	if (frame && unlikely(READ_ONCE(frame->terminate)))
		rax_run_abort(frame, READ_ONCE(frame->terminate));
}

/* The lock helpers (rax_lock.c), in the helper table. */
long rax_lock_acquire(const struct rax_map_def *def, void *lock);
long rax_lock_release(void *lock);
/* The output helpers (rax_output.c), in the helper table. */
void *rax_output_reserve(const struct rax_map_def *def, u64 size);
long rax_output_submit(void *rec);
long rax_output_discard(void *rec);
/* End the run as a panic with a runtime message (never returns). */
void rax_panic_msg(struct rax_run_frame *frame, const char *msg);
/* The recursion entry check's slow path: end the run, RAX_ABORT_STACK. */
void rax_stack_overflow(void);
/* Called by the entry pads of checked functions (rax_dispatch.S). */
void rax_stack_check(void);

/*
 * Helpers that may wait bracket their work with these: the watchdog does
 * not cut a helper short, it flags the run, which ends when the helper
 * returns.
 */
static inline void rax_helper_enter(struct rax_run_frame *frame)
{
	frame->helper_depth++;
	barrier();
}

static inline void rax_helper_leave(struct rax_run_frame *frame)
{
	barrier();
	frame->helper_depth--;
	if (unlikely(READ_ONCE(frame->terminate)))
		rax_run_abort(frame, READ_ONCE(frame->terminate));
}

int rax_run_init(void);
void rax_run_exit(void);
/*
 * Run prog n (>= 1) times on ctx; preemption must be off.  Returns the last
 * run's result and sets *cause to the last run's abort cause.
 */
u64 rax_run_repeat(struct rax_object *obj, struct rax_prog *prog, void *ctx, u32 n, u32 *cause);
/* Run prog once; preemption must be off.  Sets *cause. */
static inline u64 rax_run_prog(struct rax_object *obj, struct rax_prog *prog, void *ctx,
			       u32 *cause)
{
	return rax_run_repeat(obj, prog, ctx, 1, cause);
}
/* Depth and run generation of cpu's runs (the watchdog's sample). */
u32 rax_run_sample(unsigned int cpu, u64 *gen);
/*
 * The runs on this CPU that frame (the current run) interrupted, outermost
 * first: the i-th, or NULL past the last.  They are suspended, so their
 * frames hold still.
 */
struct rax_run_frame *rax_run_outer(const struct rax_run_frame *frame, u32 i);
bool rax_ip_in_programs(unsigned long ip);
struct pt_regs;
/*
 * From an exception or interrupt on this CPU: make the interrupted program
 * code return into the landing pad with cause.  Returns false (and flags the
 * run to end at helper return) when the interrupted code is not program code.
 */
bool rax_run_redirect(struct pt_regs *regs, u32 cause);

/*
 * Calls the run loop of a program (rax_run_loop.c) on the stack ending at
 * stack_top: it runs the program on ctx frame->left times, bumping *gen
 * before each run, and returns the last result early when a run leaves work
 * for C (see struct rax_run_frame); 0 after an abort.
 */
u64 rax_dispatch_batch(void *ctx, unsigned long run_loop, unsigned long stack_top,
		       struct rax_run_frame *frame, u64 *gen);
/* Never returns; not declared __noreturn so rax_run_abort() can end in BUG(). */
void rax_dispatch_escape(unsigned long saved_sp);

#endif /* !__ASSEMBLY__ */
#endif /* RAX_INTERNAL_H */
