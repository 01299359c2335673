/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The safety gate's private interfaces (gate_*.c).
 *
 * The gate does not trust the ELF reader: it re-reads the raw object bytes
 * with its own bounds-checked view (gate_elf.c), so it can also check an
 * image the reader refused and list every problem as a finding instead of
 * stopping at the first.  The passes run in a fixed order and each one
 * adds findings to one report:
 *
 *   gate_elf_check     ELF policy             rules elf.*
 *   gate_import_check  helper imports         rules import.*
 *   gate_meta_check    metadata, ABI, license rules meta.*
 *   gate_insn_check    instructions, control flow, call graph  rules insn.*
 *   gate_stack_check   stack bound, recursion rules stack.*
 */
#ifndef RAX_GATE_H
#define RAX_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <rax/librax.h>

/* ---- The report (owned by rax_object.gate) ------------------------------- */
struct gate_prog_result {
	char *name;		/* program symbol */
	char *sec_name;
	__u32 stack_depth;	/* bytes, frames + return addresses + entry call */
	char **checked_funcs;	/* functions needing the runtime's entry check
				 * (symbols: the loader matches them) */
	char **checked_names;	/* the same, demangled for people */
	size_t checked_cnt;
	const char **imports;	/* helpers its reachable code calls (names point
				 * into the object image) */
	size_t import_cnt;
};

struct rax_gate_report {
	struct rax_check_finding *findings;
	size_t finding_cnt;
	size_t finding_cap;
	struct gate_prog_result *progs;
	size_t prog_cnt;
};

/* ---- The gate's own view of the object ------------------------------------ */
struct gate_sec {
	const char *name;	/* "" when the name is out of bounds */
	__u32 type;
	__u64 flags;
	__u64 size;
	__u32 link;
	__u32 info;
	__u32 name_off;
	const __u8 *data;	/* NULL for NOBITS or out-of-bounds contents */
	bool exec;		/* SHF_ALLOC | SHF_EXECINSTR with contents */
};

struct gate_sym {
	const char *name;
	__u64 value;
	__u64 size;
	__u16 shndx;
	__u8 type;
	__u8 bind;
	bool valid;		/* shndx and value in bounds (or undefined) */
	int func;		/* index into gate_ctx.funcs, or -1 */
};

struct gate_rel {
	__u32 target;		/* section index the relocation patches */
	__u32 type;
	__u64 offset;
	__u32 sym;		/* index into syms, checked < sym_cnt */
	__s64 addend;
};

/* One function: a STT_FUNC symbol, or an entry found by control flow. */
struct gate_func {
	const char *name;
	__u32 shndx;
	__u64 off;		/* entry offset in its section */
	__u64 size;		/* symbol size (0 = unsized) */
	__s64 frame;		/* .stack_sizes entry, -1 when missing */
	bool is_prog;
	bool address_taken;
	bool indirect_calls;	/* call *reg, call [mem], thunk calls */
	bool indirect_jumps;	/* jmp *reg / jmp [mem]: jump table or tail call */
	bool jump_tables;	/* loads a jump table (explains indirect jumps) */
	__u64 prologue;		/* bytes its prologue pushes/subtracts */
	bool has_ret;		/* a return, or a tail jump to a returning helper */
	bool may_return;	/* has_ret, or a tail jump to a function that may */
	int *tails;		/* functions it tail-jumps to */
	size_t tail_cnt;
	size_t tail_cap;
	bool in_cycle;
	int *callees;		/* indices into gate_ctx.funcs, unique */
	size_t callee_cnt;
	size_t callee_cap;
	/* stack pass state */
	__u64 depth;		/* worst-case bytes from entry, incl. own return address */
	__u8 state;
	int low;
	int order;
};

struct gate_ctx {
	const __u8 *img;
	size_t size;
	bool reject_recursion;
	struct rax_gate_report *rep;

	struct gate_sec *secs;
	size_t sec_cnt;
	struct gate_sym *syms;
	size_t sym_cnt;
	/* every relocation of every SHT_RELA section */
	struct gate_rel *rels;
	size_t rel_cnt;
	/* relocations sorted by (target, offset), for the instruction pass */
	struct gate_rel **rel_sorted;

	struct gate_func *funcs;
	size_t func_cnt;
	size_t func_cap;
	int *func_sorted;	/* distinct entries, sorted by (shndx, off) */
	size_t func_sorted_cnt;
	int oom;		/* first allocation failure */
};

/* ---- Growable arrays ------------------------------------------------------- */
/*
 * Room for one more @elem-byte item in @arr holding @cnt of *@cap: @arr
 * itself while there is room, else a doubled copy (@first items when
 * empty) with *@cap updated.  NULL on allocation failure, @arr untouched.
 */
static inline void *gate_grow(void *arr, size_t *cap, size_t cnt, size_t elem,
			      size_t first)
{
	size_t n;
	void *p;

	if (cnt < *cap)
		return arr;
	n = *cap ? *cap * 2 : first;
	p = realloc(arr, n * elem);
	if (p)
		*cap = n;
	return p;
}

/* Order of two code positions: by section, then offset (-1, 0, 1). */
static inline int gate_pos_cmp(__u32 sec_a, __u64 off_a, __u32 sec_b, __u64 off_b)
{
	if (sec_a != sec_b)
		return sec_a < sec_b ? -1 : 1;
	if (off_a != off_b)
		return off_a < off_b ? -1 : 1;
	return 0;
}

/* ---- Findings (gate_api.c) -------------------------------------------------- */
/*
 * Record one finding.  @func may be NULL; @offset is within the function
 * (or the section when there is no function).  Allocation failures are
 * remembered in ctx->oom and reported by the caller of the passes.
 */
void gate_finding(struct gate_ctx *ctx, const char *rule, const char *func,
		  __u64 offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Run every pass on an image and return a new report (the number of
 * findings in *count).  Never reads outside [buf, buf + size).
 */
int gate_check_image(const void *buf, size_t size,
		     const struct rax_check_opts *opts,
		     struct rax_gate_report **out);

/* ---- Passes ----------------------------------------------------------------- */
/* Parse the image into ctx (gate_elf.c); findings for malformed parts. */
int gate_elf_parse(struct gate_ctx *ctx);
void gate_elf_check(struct gate_ctx *ctx);
void gate_elf_free(struct gate_ctx *ctx);
/* Section by name, or NULL. */
const struct gate_sec *gate_elf_section(const struct gate_ctx *ctx, const char *name,
					__u32 *idx);
/* True for a libbpf-style program section name. */
bool gate_is_prog_section(const char *name);

void gate_import_check(struct gate_ctx *ctx);
void gate_meta_check(struct gate_ctx *ctx);
/* The NUL-terminated license string, or NULL (gate_meta.c). */
const char *gate_license(const struct gate_ctx *ctx);

/* Builds ctx->funcs and the call graph, checks instructions (gate_insn.c). */
void gate_insn_check(struct gate_ctx *ctx);
/* Function index at (shndx, off) exactly, or -1. */
int gate_func_at(const struct gate_ctx *ctx, __u32 shndx, __u64 off);
/* Function whose entry is the last one at or before (shndx, off), or -1. */
int gate_func_containing(const struct gate_ctx *ctx, __u32 shndx, __u64 off);
int gate_func_add(struct gate_ctx *ctx, const char *name, __u32 shndx, __u64 off,
		  __u64 size);
void gate_func_add_callee(struct gate_ctx *ctx, int caller, int callee);
/* First relocation of section shndx at offset >= off (index into rel_sorted). */
size_t gate_rel_lower(const struct gate_ctx *ctx, __u32 shndx, __u64 off);

/* ---- Source lines (gate_lineinfo.c) ------------------------------------------ */
struct gate_lines;
/*
 * Read the object's DWARF line tables (.debug_line and its relocations).
 * Returns 0 with *out NULL when there is no usable line information, or
 * -ENOMEM.
 */
int gate_lines_load(const struct gate_ctx *ctx, struct gate_lines **out);
/* "dir/file.rs:line" of the code at (shndx, off) in *out (NULL if unknown). */
int gate_lines_source(const struct gate_lines *lines, __u32 shndx, __u64 off, char **out);
void gate_lines_free(struct gate_lines *lines);

/* Stack sizes, depth, recursion; fills rep->progs (gate_stack.c). */
void gate_stack_check(struct gate_ctx *ctx);

/* Is @name a retpoline thunk (indirect call/jump through a register)? */
bool gate_is_retpoline_thunk(const char *name);
/* Is @name the kernel's return thunk (jmp to it = ret)? */
bool gate_is_return_thunk(const char *name);

#endif /* RAX_GATE_H */
