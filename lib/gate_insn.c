// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Instruction policy and control flow (rules insn.*), and the call graph
 * for the stack pass.
 *
 * Approach: recursive traversal.  Roots are the function symbols of the
 * executable sections; more roots appear while decoding (targets of direct
 * branches and calls, code addresses the code or data takes, jump-table
 * entries).  Each byte of an executable section is decoded at most once:
 * a per-byte state array records instruction starts and bodies, which is
 * both the decode cache and the overlap check (a branch into the middle
 * of an instruction).  Bytes no path reached must be nop/int3 padding.
 *
 * Decoding uses LLVM's C disassembler (llvm-c/Disassembler.h) in Intel
 * syntax; instructions are classified from the printed text: prefixes
 * (lock, rep, data16, segment overrides, ...) are skipped to find the
 * mnemonic, the operands are split into words to find registers (xmm/ymm/
 * zmm/mm/st/k: SSE, AVX, MMX, x87; cr/dr: privileged) and memory operands
 * (base rsp with a negative displacement: red zone).  Branch displacements
 * are printed relative to the end of the instruction; a relocation inside
 * the instruction takes precedence over the printed number.
 */
#include <ctype.h>
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Disassembler.h>
#include <llvm-c/Target.h>

#include "librax_internal.h"
#include "gate.h"

#ifndef R_X86_64_GOTPCRELX
#define R_X86_64_GOTPCRELX 41
#endif
#ifndef R_X86_64_REX_GOTPCRELX
#define R_X86_64_REX_GOTPCRELX 42
#endif

enum byte_state {
	B_NONE = 0,
	B_START = 1,	/* first byte of a decoded instruction */
	B_BODY = 2,	/* later byte of a decoded instruction */
};

/* Instruction classes, from the mnemonic and operands. */
enum insn_kind {
	K_PLAIN,
	K_RET,
	K_JMP,
	K_JCC,		/* conditional: jcc, loop*, jrcxz */
	K_CALL,
	K_TRAP,		/* ud2 and friends: ends the path */
	K_INT3,
	K_NOP,
};

struct insn {
	__u64 off;
	unsigned int len;
	enum insn_kind kind;
	bool direct;		/* branch operand is a displacement */
	__s64 disp;
	char text[160];
	const char *mnem;	/* into text */
	const char *ops;	/* into text */
};

struct root {
	__u32 shndx;
	__u64 off;
};

/* A call at the very end of a section: fine only if the callee never returns. */
struct falloff {
	__u32 shndx;
	__u64 off;		/* of the call */
	int callee;		/* function, or -1 (import / indirect) */
	bool noreturn_import;	/* call to rax_panic */
};

struct walk {
	struct gate_ctx *ctx;
	LLVMDisasmContextRef dc;
	__u8 **state;		/* per exec section, byte states */
	struct root *roots;
	size_t root_cnt;
	size_t root_cap;
	struct falloff *falloffs;
	size_t falloff_cnt;
	size_t falloff_cap;
};

/* ---- Function table ------------------------------------------------------- */
int gate_func_add(struct gate_ctx *ctx, const char *name, __u32 shndx, __u64 off,
		  __u64 size)
{
	struct gate_func *f;

	f = gate_grow(ctx->funcs, &ctx->func_cap, ctx->func_cnt, sizeof(*f), 32);
	if (!f) {
		ctx->oom = -ENOMEM;
		return -1;
	}
	ctx->funcs = f;
	f = &ctx->funcs[ctx->func_cnt];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->shndx = shndx;
	f->off = off;
	f->size = size;
	f->frame = -1;
	return (int)ctx->func_cnt++;
}

/* Index of the last sorted entry <= (shndx, off), or -1. */
static int sorted_floor(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	size_t lo = 0, hi = ctx->func_sorted_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gate_func *f = &ctx->funcs[ctx->func_sorted[mid]];

		if (gate_pos_cmp(f->shndx, f->off, shndx, off) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)lo - 1;
}

int gate_func_containing(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	int i = sorted_floor(ctx, shndx, off);

	if (i < 0 || ctx->funcs[ctx->func_sorted[i]].shndx != shndx)
		return -1;
	return ctx->func_sorted[i];
}

int gate_func_at(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	int f = gate_func_containing(ctx, shndx, off);

	return f >= 0 && ctx->funcs[f].off == off ? f : -1;
}

/* Containing function whose extent covers off (unsized ones extend to the next). */
static int func_owning(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	int f = gate_func_containing(ctx, shndx, off);

	if (f < 0)
		return -1;
	if (ctx->funcs[f].size && off - ctx->funcs[f].off >= ctx->funcs[f].size)
		return -1;
	return f;
}

void gate_func_add_callee(struct gate_ctx *ctx, int caller, int callee)
{
	struct gate_func *f = &ctx->funcs[caller];
	int *c;
	size_t i;

	/* the last few edges catch the common repeated call */
	for (i = f->callee_cnt; i > 0 && i + 8 > f->callee_cnt; i--)
		if (f->callees[i - 1] == callee)
			return;
	c = gate_grow(f->callees, &f->callee_cap, f->callee_cnt, sizeof(*c), 4);
	if (!c) {
		ctx->oom = -ENOMEM;
		return;
	}
	f->callees = c;
	f->callees[f->callee_cnt++] = callee;
}

static const struct gate_ctx *cmp_ctx;

static int func_cmp(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b;
	const struct gate_func *x = &cmp_ctx->funcs[i];
	const struct gate_func *y = &cmp_ctx->funcs[j];
	int c = gate_pos_cmp(x->shndx, x->off, y->shndx, y->off);

	/* aliases in symbol order: qsort is not stable, "first" must be */
	return c ? c : (i > j) - (i < j);
}

/* One function per distinct (section, offset) of the STT_FUNC symbols. */
static int collect_functions(struct gate_ctx *ctx)
{
	static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;
	size_t i, n = 0;

	for (i = 0; i < ctx->sym_cnt; i++) {
		struct gate_sym *s = &ctx->syms[i];

		if (!s->valid || s->type != STT_FUNC || s->shndx == SHN_UNDEF ||
		    s->shndx >= ctx->sec_cnt || !ctx->secs[s->shndx].exec)
			continue;
		if (gate_func_add(ctx, s->name, s->shndx, s->value, s->size) < 0)
			return -ENOMEM;
	}
	ctx->func_sorted = calloc(ctx->func_cnt ? ctx->func_cnt : 1, sizeof(int));
	if (!ctx->func_sorted)
		return -ENOMEM;
	for (i = 0; i < ctx->func_cnt; i++)
		ctx->func_sorted[i] = (int)i;
	/* qsort has no context argument in C11 */
	pthread_mutex_lock(&sort_lock);
	cmp_ctx = ctx;
	qsort(ctx->func_sorted, ctx->func_cnt, sizeof(int), func_cmp);
	pthread_mutex_unlock(&sort_lock);
	/* aliases: keep the first function of each address, global names first */
	for (i = 0; i < ctx->func_cnt; i++) {
		int fi = ctx->func_sorted[i];

		if (n) {
			int prev = ctx->func_sorted[n - 1];
			struct gate_func *p = &ctx->funcs[prev];

			if (p->shndx == ctx->funcs[fi].shndx && p->off == ctx->funcs[fi].off) {
				if (ctx->funcs[fi].size > p->size)
					p->size = ctx->funcs[fi].size;
				continue;
			}
		}
		ctx->func_sorted[n++] = fi;
	}
	ctx->func_sorted_cnt = n;
	/* map symbols to functions; mark programs */
	for (i = 0; i < ctx->sym_cnt; i++) {
		struct gate_sym *s = &ctx->syms[i];
		int f;

		if (!s->valid || s->type != STT_FUNC || s->shndx == SHN_UNDEF ||
		    s->shndx >= ctx->sec_cnt || !ctx->secs[s->shndx].exec)
			continue;
		f = gate_func_at(ctx, s->shndx, s->value);
		s->func = f;
		if (f >= 0 && s->bind != STB_LOCAL &&
		    gate_is_prog_section(ctx->secs[s->shndx].name)) {
			ctx->funcs[f].is_prog = true;
			ctx->funcs[f].name = s->name;
		}
	}
	return 0;
}

/* ---- Decoding ----------------------------------------------------------------- */
static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
static void lists_init(void);

static void llvm_init(void)
{
	LLVMInitializeX86TargetInfo();
	LLVMInitializeX86TargetMC();
	LLVMInitializeX86Disassembler();
	lists_init();
}

/* A word list, sorted once for bsearch (lookups run for every instruction). */
struct word_list {
	const char *const *words;	/* NULL-terminated */
	const char **sorted;		/* room for every word */
	size_t cnt;
};

struct word_key {
	const char *w;
	size_t n;
};

static int word_key_cmp(const void *k, const void *e)
{
	const struct word_key *key = k;
	const char *word = *(const char *const *)e;
	int c = strncmp(key->w, word, key->n);

	if (c)
		return c;
	return word[key->n] ? -1 : 0;
}

static int word_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool word_in(const char *w, size_t n, const struct word_list *list)
{
	struct word_key key = { w, n };

	return bsearch(&key, list->sorted, list->cnt, sizeof(char *), word_key_cmp) != NULL;
}

static void word_list_init(struct word_list *l)
{
	size_t n = 0;

	while (l->words[n])
		n++;
	memcpy(l->sorted, l->words, n * sizeof(char *));
	qsort(l->sorted, n, sizeof(char *), word_cmp);
	l->cnt = n;
}

static const char *const prefix_word_tab[] = {
	"lock", "rep", "repe", "repz", "repne", "repnz", "data16", "data32",
	"addr32", "rex", "rex64", "notrack", "bnd", "xacquire", "xrelease",
	"cs", "ds", "es", "ss", "fs", "gs", "{vex}", "{vex2}", "{vex3}",
	"{evex}", "{disp8}", "{disp32}", NULL,
};
static const char *prefix_words_sorted[sizeof(prefix_word_tab) / sizeof(prefix_word_tab[0])];
static struct word_list prefix_words = { .words = prefix_word_tab, .sorted = prefix_words_sorted };

/* Split LLVM's "\tprefix\tmnem\toperands" text into mnemonic and operands. */
static void split_text(struct insn *in)
{
	char *p = in->text;

	in->mnem = "";
	in->ops = "";
	for (;;) {
		char *w, *e;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			return;
		w = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		e = p;
		if (word_in(w, (size_t)(e - w), &prefix_words))
			continue;
		if (*p)
			*p++ = 0;
		while (*p && isspace((unsigned char)*p))
			p++;
		in->mnem = w;
		in->ops = p;
		return;
	}
}

static bool is_integer(const char *s, __s64 *v)
{
	char *end;

	if (!*s || (!isdigit((unsigned char)*s) && *s != '-'))
		return false;
	*v = strtoll(s, &end, 0);
	return *end == 0;
}

static void classify(struct insn *in)
{
	const char *m = in->mnem;

	in->kind = K_PLAIN;
	in->direct = false;
	if (!strcmp(m, "ret"))
		in->kind = K_RET;
	else if (!strcmp(m, "jmp"))
		in->kind = K_JMP;
	else if (!strcmp(m, "call"))
		in->kind = K_CALL;
	else if ((m[0] == 'j' && strcmp(m, "jmp")) || !strncmp(m, "loop", 4))
		in->kind = K_JCC;
	else if (!strcmp(m, "ud2") || !strcmp(m, "ud1") || !strcmp(m, "ud0"))
		in->kind = K_TRAP;
	else if (!strcmp(m, "int3"))
		in->kind = K_INT3;
	else if (!strcmp(m, "nop") || !strcmp(m, "endbr64"))
		in->kind = K_NOP;
	if (in->kind == K_JMP || in->kind == K_CALL || in->kind == K_JCC)
		in->direct = is_integer(in->ops, &in->disp);
}

/*
 * Decode at off.  LLVM returns a lone "lock" (and some other prefixes) as
 * an instruction of its own: fold such prefixes into the next instruction
 * so instruction boundaries are the CPU's.  Returns false if invalid.
 */
static bool decode(struct walk *w, const struct gate_sec *s, __u64 off, struct insn *in)
{
	__u64 pos = off;
	unsigned int total = 0;

	for (;;) {
		size_t n;

		if (pos >= s->size || total >= 15)
			return false;
		n = LLVMDisasmInstruction(w->dc, (uint8_t *)(s->data + pos), s->size - pos,
					  pos, in->text, sizeof(in->text));
		if (!n)
			return false;
		total += (unsigned int)n;
		pos += n;
		split_text(in);
		if (in->ops[0] || !word_in(in->mnem, strlen(in->mnem), &prefix_words)) {
			if (!in->mnem[0])	/* only prefixes were printed */
				continue;
			break;
		}
	}
	if (total > 15)
		return false;
	in->off = off;
	in->len = total;
	classify(in);
	return true;
}

/* ---- Policy on one instruction ---------------------------------------------- */
static const char *const privileged_tab[] = {
	"cli", "sti", "hlt", "in", "out", "ins", "insb", "insw", "insd", "outs",
	"outsb", "outsw", "outsd", "rdmsr", "wrmsr", "rdpmc", "syscall",
	"sysenter", "sysexit", "sysexitq", "sysret", "sysretq", "iret", "iretd",
	"iretq", "int", "into", "int1", "icebp", "swapgs", "lgdt", "lidt",
	"lldt", "ltr", "sgdt", "sidt", "sldt", "str", "smsw", "lmsw", "clts",
	"invlpg", "invlpga", "invlpgb", "tlbsync", "invd", "wbinvd", "wbnoinvd",
	"invpcid", "popf", "popfq", "popfd", "stac", "clac", "monitor", "mwait",
	"monitorx", "mwaitx", "umonitor", "umwait", "tpause", "xsetbv", "rsm",
	"wrfsbase", "wrgsbase", "rdfsbase", "rdgsbase", "vmcall", "vmlaunch",
	"vmresume", "vmxoff", "vmxon", "vmptrld", "vmptrst", "vmread",
	"vmwrite", "vmclear", "vmfunc", "vmrun", "vmload", "vmsave", "vmmcall",
	"stgi", "clgi", "skinit", "xsaves", "xrstors", "xsaves64", "xrstors64",
	"encls", "enclu", "enclv", "pconfig", "uiret", "senduipi", "clui",
	"stui", "hreset", "xabort", "xbegin", "xend", "ljmp", "lcall", "retf",
	"lret", "lretq", "lds", "les", "lfs", "lgs", "lss", "enqcmd", "enqcmds",
	"verr", "verw", "lar", "lsl", "arpl", "sysexitl", "rdpkru", "wrpkru",
	"wrssd", "wrssq", "rstorssp", "saveprevssp", "setssbsy", "clrssbsy",
	"incsspq", "incsspd", "rdsspq", "rdsspd", "wrussd", "wrussq", NULL,
};
static const char *privileged_sorted[sizeof(privileged_tab) / sizeof(privileged_tab[0])];
static struct word_list privileged = { .words = privileged_tab, .sorted = privileged_sorted };

static const char *const fpu_state_tab[] = {
	"emms", "femms", "ldmxcsr", "stmxcsr", "fxsave", "fxsave64", "fxrstor",
	"fxrstor64", "xsave", "xsave64", "xsaveopt", "xsaveopt64", "xsavec",
	"xsavec64", "xrstor", "xrstor64", "wait", NULL,
};
static const char *fpu_state_sorted[sizeof(fpu_state_tab) / sizeof(fpu_state_tab[0])];
static struct word_list fpu_state = { .words = fpu_state_tab, .sorted = fpu_state_sorted };

static void lists_init(void)
{
	word_list_init(&prefix_words);
	word_list_init(&privileged);
	word_list_init(&fpu_state);
}

/* What kind of floating-point/vector instruction, or NULL. */
static const char *fpu_kind(const struct insn *in)
{
	const char *m = in->mnem, *p = in->ops;

	if (m[0] == 'f')
		return "x87";
	if (word_in(m, strlen(m), &fpu_state))
		return "FPU/SSE state";
	if (m[0] == 'v' && strncmp(m, "vm", 2) && strcmp(m, "verr") && strcmp(m, "verw"))
		return "AVX";
	while (*p) {
		const char *w;
		size_t n;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		w = p;
		while (isalnum((unsigned char)*p))
			p++;
		n = (size_t)(p - w);
		if (n >= 4 && (w[0] == 'x' || w[0] == 'y' || w[0] == 'z') &&
		    w[1] == 'm' && w[2] == 'm' && isdigit((unsigned char)w[3]))
			return w[0] == 'x' ? "SSE" : "AVX";
		if (n == 3 && w[0] == 'm' && w[1] == 'm' && isdigit((unsigned char)w[2]))
			return "MMX";
		if (n == 2 && w[0] == 's' && w[1] == 't')
			return "x87";
		if (n == 2 && w[0] == 'k' && isdigit((unsigned char)w[1]))
			return "AVX-512";
	}
	return NULL;
}

/* Does an operand name a control/debug/segment register or use fs:/gs:? */
static const char *system_operand(const struct insn *in)
{
	const char *p = in->ops;

	while (*p) {
		const char *w;
		size_t n;

		while (*p && !isalnum((unsigned char)*p))
			p++;
		w = p;
		while (isalnum((unsigned char)*p))
			p++;
		n = (size_t)(p - w);
		if (n >= 3 && (!strncmp(w, "cr", 2) || !strncmp(w, "dr", 2)) &&
		    isdigit((unsigned char)w[2]))
			return "a control or debug register";
		if (n == 2 && (!strncmp(w, "fs", 2) || !strncmp(w, "gs", 2)))
			return *p == ':' ? "an fs:/gs:-relative address (per-CPU or thread data)" :
					   "a segment register";
		if (n == 2 && *p != ':' && (!strncmp(w, "cs", 2) || !strncmp(w, "ds", 2) ||
					    !strncmp(w, "es", 2) || !strncmp(w, "ss", 2)))
			return "a segment register";
	}
	return NULL;
}

/* Memory operand based on rsp/esp with a negative displacement? */
static bool red_zone(const struct insn *in)
{
	const char *p = in->ops;

	if (!strcmp(in->mnem, "lea") || in->kind == K_NOP)
		return false;
	while ((p = strchr(p, '['))) {
		const char *end = strchr(p, ']');

		p++;
		if (!end)
			return false;
		if ((!strncmp(p, "rsp", 3) || !strncmp(p, "esp", 3)) &&
		    memmem(p, (size_t)(end - p), " - ", 3))
			return true;
		p = end;
	}
	return false;
}

static void func_loc(struct walk *w, __u32 shndx, __u64 off, const char **name,
		     __u64 *rel)
{
	int f = gate_func_containing(w->ctx, shndx, off);

	if (f >= 0) {
		*name = w->ctx->funcs[f].name;
		*rel = off - w->ctx->funcs[f].off;
	} else {
		*name = NULL;
		*rel = off;
	}
}

static void check_insn(struct walk *w, __u32 shndx, const struct insn *in)
{
	struct gate_ctx *ctx = w->ctx;
	const char *kind, *fn;
	__u64 rel;

	if (in->kind != K_PLAIN)
		return;
	kind = fpu_kind(in);
	if (!kind && !word_in(in->mnem, strlen(in->mnem), &privileged) &&
	    !system_operand(in) && !red_zone(in))
		return;
	func_loc(w, shndx, in->off, &fn, &rel);
	if (kind)
		gate_finding(ctx, "insn.sse", fn, rel,
			     "%s instruction '%s%s%s': floating-point and vector registers are not saved for extensions; hint: use integer arithmetic (fixed point) and no f32/f64 or SIMD types",
			     kind, in->mnem, in->ops[0] ? " " : "", in->ops);
	if (word_in(in->mnem, strlen(in->mnem), &privileged))
		gate_finding(ctx, "insn.privileged", fn, rel,
			     "privileged or system instruction '%s%s%s'; hint: extensions cannot use it: call a rax helper for what you need",
			     in->mnem, in->ops[0] ? " " : "", in->ops);
	else if ((kind = system_operand(in)))
		gate_finding(ctx, "insn.privileged", fn, rel,
			     "'%s %s' uses %s; hint: extensions cannot touch system state: call a rax helper for what you need",
			     in->mnem, in->ops, kind);
	if (red_zone(in))
		gate_finding(ctx, "insn.redzone", fn, rel,
			     "'%s %s' accesses memory below the stack pointer (red zone), which interrupts overwrite; hint: compile with -C no-redzone=yes (as `raxtool build` does) / -mno-red-zone",
			     in->mnem, in->ops);
}

/* ---- Roots and references -------------------------------------------------- */
static void push_root(struct walk *w, __u32 shndx, __u64 off)
{
	struct root *r;

	r = gate_grow(w->roots, &w->root_cap, w->root_cnt, sizeof(*r), 64);
	if (!r) {
		w->ctx->oom = -ENOMEM;
		return;
	}
	w->roots = r;
	w->roots[w->root_cnt].shndx = shndx;
	w->roots[w->root_cnt].off = off;
	w->root_cnt++;
}

size_t gate_rel_lower(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	size_t lo = 0, hi = ctx->rel_cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gate_rel *r = ctx->rel_sorted[mid];

		if (gate_pos_cmp(r->target, r->offset, shndx, off) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Relocation patching bytes of [off, off + len) of shndx, or NULL. */
static const struct gate_rel *rel_in(const struct gate_ctx *ctx, __u32 shndx,
				     __u64 off, __u64 len)
{
	size_t i = gate_rel_lower(ctx, shndx, off);

	if (i < ctx->rel_cnt && ctx->rel_sorted[i]->target == shndx &&
	    ctx->rel_sorted[i]->offset < off + len)
		return ctx->rel_sorted[i];
	return NULL;
}

static bool got_reloc(__u32 type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX;
}

static bool pc_reloc(__u32 type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32;
}

/*
 * Where a relocation inside an instruction points: (section, offset) of a
 * defined symbol, or the symbol itself when undefined.  Returns false for
 * absolute/other symbols.
 */
static bool rel_dest(const struct gate_ctx *ctx, const struct gate_rel *r,
		     __u64 insn_end, __u32 *shndx, __u64 *off)
{
	const struct gate_sym *s = &ctx->syms[r->sym];

	if (!s->valid || s->shndx == SHN_UNDEF || s->shndx == SHN_ABS ||
	    s->shndx >= ctx->sec_cnt)
		return false;
	*shndx = s->shndx;
	if (got_reloc(r->type))
		*off = s->value;	/* the GOT slot holds the symbol itself */
	else if (pc_reloc(r->type))
		*off = s->value + (__u64)r->addend + (insn_end - r->offset);
	else
		*off = s->value + (__u64)r->addend;
	return true;
}

/*
 * A code address taken by code or data: a new root; a function entry
 * becomes address-taken (an indirect call may reach it).
 */
static void take_address(struct walk *w, __u32 shndx, __u64 off, const char *fn,
			 __u64 rel)
{
	struct gate_ctx *ctx = w->ctx;
	int f;

	if (off >= ctx->secs[shndx].size || func_owning(ctx, shndx, off) < 0) {
		gate_finding(ctx, "insn.branch", fn, rel,
			     "code address %s+0x%llx is taken but lies outside every function; hint: only take the address of functions",
			     ctx->secs[shndx].name, (unsigned long long)off);
		return;
	}
	f = gate_func_at(ctx, shndx, off);
	if (f >= 0)
		ctx->funcs[f].address_taken = true;
	push_root(w, shndx, off);
}

/*
 * LLVM's position-independent jump tables: 32-bit entries "block - table"
 * in .rodata, each an R_X86_64_PC32 against the code section, starting at
 * the table address that the code loads with lea.  Entry i at P gives the
 * block S + A - (P - table).
 */
static void jump_table(struct walk *w, __u32 dsec, __u64 base, int owner)
{
	struct gate_ctx *ctx = w->ctx;
	size_t i = gate_rel_lower(ctx, dsec, base);
	__u64 want = base;

	for (; i < ctx->rel_cnt; i++) {
		const struct gate_rel *r = ctx->rel_sorted[i];
		const struct gate_sym *s = &ctx->syms[r->sym];
		__u64 off;

		if (r->target != dsec || r->offset != want || r->type != R_X86_64_PC32 ||
		    !s->valid || s->shndx == SHN_UNDEF || s->shndx >= ctx->sec_cnt ||
		    !ctx->secs[s->shndx].exec)
			return;
		off = s->value + (__u64)r->addend - (r->offset - base);
		if (off < ctx->secs[s->shndx].size && func_owning(ctx, s->shndx, off) >= 0)
			push_root(w, s->shndx, off);
		if (owner >= 0)
			ctx->funcs[owner].jump_tables = true;
		want += 4;
	}
}

/* References of a non-branch instruction: code addresses, jump tables. */
static void insn_refs(struct walk *w, __u32 shndx, const struct insn *in, int owner)
{
	struct gate_ctx *ctx = w->ctx;
	size_t i = gate_rel_lower(ctx, shndx, in->off);
	const char *fn;
	__u64 rel;

	for (; i < ctx->rel_cnt; i++) {
		const struct gate_rel *r = ctx->rel_sorted[i];
		__u32 ds;
		__u64 doff;

		if (r->target != shndx || r->offset >= in->off + in->len)
			return;
		if (!rel_dest(ctx, r, in->off + in->len, &ds, &doff))
			continue;
		if (ctx->secs[ds].exec) {
			func_loc(w, shndx, in->off, &fn, &rel);
			take_address(w, ds, doff, fn, rel);
		} else if (!got_reloc(r->type)) {
			jump_table(w, ds, doff, owner);
		}
	}
}

/* ---- Branches -------------------------------------------------------------- */
static void mark_indirect(struct gate_ctx *ctx, int owner, bool call)
{
	if (owner < 0)
		return;
	if (call)
		ctx->funcs[owner].indirect_calls = true;
	else
		ctx->funcs[owner].indirect_jumps = true;
}

static void add_tail(struct gate_ctx *ctx, int owner, int callee)
{
	struct gate_func *f = &ctx->funcs[owner];
	int *t;

	if (f->tail_cnt && f->tails[f->tail_cnt - 1] == callee)
		return;
	t = gate_grow(f->tails, &f->tail_cap, f->tail_cnt, sizeof(*t), 4);
	if (!t) {
		ctx->oom = -ENOMEM;
		return;
	}
	f->tails = t;
	f->tails[f->tail_cnt++] = callee;
}

/*
 * Resolve a call/jmp/jcc: record call-graph edges and queue the target.
 * Returns the function called (-1 if none: import, indirect, invalid);
 * *noreturn is set for a call to rax_panic, which never returns.
 */
static int branch(struct walk *w, __u32 shndx, const struct insn *in, int owner,
		  bool *noreturn)
{
	struct gate_ctx *ctx = w->ctx;
	const struct gate_rel *r = rel_in(ctx, shndx, in->off, in->len);
	bool call = in->kind == K_CALL;
	__u32 ts = shndx;
	__u64 to, rel;
	const char *fn;
	int callee;

	*noreturn = false;
	func_loc(w, shndx, in->off, &fn, &rel);
	if (r) {
		const struct gate_sym *s = &ctx->syms[r->sym];

		if (s->valid && s->shndx == SHN_UNDEF) {
			/* imports: helpers (checked by the import pass) and thunks */
			*noreturn = !strcmp(s->name, "rax_panic");
			if (gate_is_return_thunk(s->name)) {
				if (in->kind != K_JMP)
					gate_finding(ctx, "insn.branch", fn, rel,
						     "'%s' to the return thunk is only allowed as a return (jmp); hint: rebuild with `raxtool build`",
						     in->mnem);
			} else if (gate_is_retpoline_thunk(s->name)) {
				mark_indirect(ctx, owner, call);
			}
			/* a tail jump to a returning helper returns for us */
			if (in->kind == K_JMP && !*noreturn && owner >= 0)
				ctx->funcs[owner].has_ret = true;
			return -1;
		}
		if (!in->direct && !got_reloc(r->type)) {
			/* a memory operand's relocation: an indirect transfer */
			mark_indirect(ctx, owner, call);
			insn_refs(w, shndx, in, owner);
			return -1;
		}
		if (!rel_dest(ctx, r, in->off + in->len, &ts, &to)) {
			gate_finding(ctx, "insn.branch", fn, rel,
				     "'%s' to absolute symbol '%s'; hint: branch only to functions of the object or rax helpers",
				     in->mnem, s->name);
			return -1;
		}
	} else if (in->direct) {
		to = in->off + in->len + (__u64)in->disp;
	} else {
		/* call *reg / call [mem] / jmp *reg: any address-taken function */
		mark_indirect(ctx, owner, call);
		return -1;
	}
	if (!ctx->secs[ts].exec || to >= ctx->secs[ts].size) {
		gate_finding(ctx, "insn.branch", fn, rel,
			     "'%s' targets %s+0x%llx, outside the object's code; hint: branch only to functions of the object or rax helpers",
			     in->mnem, ctx->secs[ts].name, (unsigned long long)to);
		return -1;
	}
	callee = func_owning(ctx, ts, to);
	if (callee < 0) {
		gate_finding(ctx, "insn.branch", fn, rel,
			     "'%s' targets %s+0x%llx, which is in no function; hint: branch only to functions of the object or rax helpers",
			     in->mnem, ctx->secs[ts].name, (unsigned long long)to);
		return -1;
	}
	/* calls, and jumps that leave the function (tail calls), are call-graph edges */
	if (owner >= 0 && (call || callee != owner)) {
		gate_func_add_callee(ctx, owner, callee);
		if (!call)
			add_tail(ctx, owner, callee);
	}
	push_root(w, ts, to);
	return call ? callee : -1;
}

static void add_falloff(struct walk *w, __u32 shndx, __u64 off, int callee,
			bool noreturn_import)
{
	struct falloff *f;

	f = gate_grow(w->falloffs, &w->falloff_cap, w->falloff_cnt, sizeof(*f), 8);
	if (!f) {
		w->ctx->oom = -ENOMEM;
		return;
	}
	w->falloffs = f;
	f = &w->falloffs[w->falloff_cnt++];
	f->shndx = shndx;
	f->off = off;
	f->callee = callee;
	f->noreturn_import = noreturn_import;
}

/* ---- Traversal ------------------------------------------------------------- */
static void walk_from(struct walk *w, __u32 shndx, __u64 off, bool from_branch)
{
	struct gate_ctx *ctx = w->ctx;
	const struct gate_sec *s = &ctx->secs[shndx];
	__u8 *st = w->state[shndx];
	bool after_call = false, noreturn = false;
	struct insn in;
	int owner = -1, callee = -1;
	__u64 i;

	for (;;) {
		const char *fn;
		__u64 rel;

		if (off >= s->size && after_call) {
			/* decided once we know which functions can return */
			add_falloff(w, shndx, in.off, callee, noreturn);
			return;
		}
		if (off >= s->size) {
			func_loc(w, shndx, off, &fn, &rel);
			gate_finding(ctx, "insn.branch", fn, rel,
				     "control flow runs off the end of section '%s'; hint: every path must end in a return, a jump or a trap",
				     s->name);
			return;
		}
		if (st[off] == B_START)
			return;
		if (st[off] == B_BODY) {
			func_loc(w, shndx, off, &fn, &rel);
			gate_finding(ctx, "insn.branch", fn, rel,
				     "%s into the middle of an instruction at %s+0x%llx; hint: the code is corrupt or hand-written to hide instructions",
				     from_branch ? "branch" : "control flow", s->name,
				     (unsigned long long)off);
			return;
		}
		from_branch = false;
		if (!decode(w, s, off, &in)) {
			func_loc(w, shndx, off, &fn, &rel);
			gate_finding(ctx, "insn.invalid", fn, rel,
				     "bytes at %s+0x%llx do not decode as an x86-64 instruction; hint: the code is corrupt",
				     s->name, (unsigned long long)off);
			return;
		}
		/* int3 right after a call is padding after a call that does not return */
		if (in.kind == K_INT3 && after_call)
			return;
		for (i = 1; i < in.len; i++) {
			if (st[off + i] == B_START) {
				func_loc(w, shndx, off, &fn, &rel);
				gate_finding(ctx, "insn.branch", fn, rel,
					     "instruction at %s+0x%llx overlaps the instruction at +0x%llx (a branch targets its middle); hint: the code is corrupt or hand-written to hide instructions",
					     s->name, (unsigned long long)off,
					     (unsigned long long)(off + i));
				return;
			}
		}
		st[off] = B_START;
		memset(st + off + 1, B_BODY, in.len - 1);
		owner = gate_func_containing(ctx, shndx, off);

		after_call = false;
		switch (in.kind) {
		case K_RET:
			if (owner >= 0)
				ctx->funcs[owner].has_ret = true;
			return;
		case K_TRAP:
			return;
		case K_INT3:
			func_loc(w, shndx, off, &fn, &rel);
			gate_finding(ctx, "insn.privileged", fn, rel,
				     "int3 breakpoint in reachable code; hint: use panic!() to stop a program");
			return;
		case K_JMP:
			branch(w, shndx, &in, owner, &noreturn);
			return;
		case K_JCC:
			branch(w, shndx, &in, owner, &noreturn);
			break;
		case K_CALL:
			callee = branch(w, shndx, &in, owner, &noreturn);
			after_call = true;
			break;
		case K_NOP:
			break;
		case K_PLAIN:
			check_insn(w, shndx, &in);
			if (rel_in(ctx, shndx, in.off, in.len))
				insn_refs(w, shndx, &in, owner);
			break;
		}
		off += in.len;
	}
}

/* Unreached bytes of each executable section must decode as nop/int3 padding. */
static void check_unreached(struct walk *w)
{
	struct gate_ctx *ctx = w->ctx;
	size_t si;

	for (si = 1; si < ctx->sec_cnt; si++) {
		const struct gate_sec *s = &ctx->secs[si];
		__u8 *st = w->state[si];
		__u64 off = 0;

		if (!s->exec)
			continue;
		while (off < s->size) {
			__u64 start = off, end, pos;
			const char *bad = NULL, *fn;
			struct insn in;
			__u64 rel;

			if (st[off]) {
				off++;
				continue;
			}
			end = off;
			while (end < s->size && !st[end])
				end++;
			for (pos = start; pos < end && !bad;) {
				if (!decode(w, s, pos, &in) || pos + in.len > end) {
					bad = "undecodable bytes";
					break;
				}
				if (in.kind != K_NOP && in.kind != K_INT3)
					bad = in.mnem;
				pos += in.len;
			}
			off = end;
			if (!bad)
				continue;
			func_loc(w, (__u32)si, start, &fn, &rel);
			gate_finding(ctx, "insn.unreachable", fn, rel,
				     "%llu bytes at %s+0x%llx are reached by no function's control flow and are not nop/int3 padding (first: %s); hint: code must be reachable from a function symbol: do not hide code or data in executable sections",
				     (unsigned long long)(end - start), s->name,
				     (unsigned long long)start, bad);
		}
	}
}

/*
 * Which functions may return: a ret, a tail jump to a returning helper, an
 * indirect jump that is not a jump table, or a tail jump to a function
 * that may return.  Propagated backwards over tail jumps with a worklist.
 */
static int compute_may_return(struct gate_ctx *ctx)
{
	size_t n = ctx->func_cnt, i, j, head = 0, tail = 0, total = 0;
	size_t *start = calloc(n + 1, sizeof(size_t));
	int *rev = NULL, *queue = calloc(n ? n : 1, sizeof(int));
	size_t *fill = calloc(n ? n : 1, sizeof(size_t));
	int err = -ENOMEM;

	if (!start || !queue || !fill)
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < ctx->funcs[i].tail_cnt; j++) {
			start[ctx->funcs[i].tails[j] + 1]++;
			total++;
		}
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	rev = calloc(total ? total : 1, sizeof(int));
	if (!rev)
		goto out;
	for (i = 0; i < n; i++)
		for (j = 0; j < ctx->funcs[i].tail_cnt; j++) {
			int t = ctx->funcs[i].tails[j];

			rev[start[t] + fill[t]++] = (int)i;
		}
	for (i = 0; i < n; i++) {
		struct gate_func *f = &ctx->funcs[i];

		f->may_return = f->has_ret || (f->indirect_jumps && !f->jump_tables);
		if (f->may_return)
			queue[tail++] = (int)i;
	}
	while (head < tail) {
		int t = queue[head++];

		for (j = start[t]; j < start[t + 1]; j++) {
			struct gate_func *f = &ctx->funcs[rev[j]];

			if (!f->may_return) {
				f->may_return = true;
				queue[tail++] = rev[j];
			}
		}
	}
	err = 0;
out:
	free(start);
	free(rev);
	free(queue);
	free(fill);
	return err;
}

static void check_falloffs(struct walk *w)
{
	struct gate_ctx *ctx = w->ctx;
	size_t i;

	if (w->falloff_cnt && compute_may_return(ctx)) {
		ctx->oom = -ENOMEM;
		return;
	}
	for (i = 0; i < w->falloff_cnt; i++) {
		const struct falloff *f = &w->falloffs[i];
		const char *fn;
		__u64 rel;

		if (f->noreturn_import || (f->callee >= 0 && !ctx->funcs[f->callee].may_return))
			continue;
		func_loc(w, f->shndx, f->off, &fn, &rel);
		gate_finding(ctx, "insn.branch", fn, rel,
			     "the call at the end of section '%s' may return (to %s), and execution would run off the section; hint: every path must end in a return, a jump or a trap",
			     ctx->secs[f->shndx].name,
			     f->callee >= 0 ? ctx->funcs[f->callee].name : "an indirect or helper call");
	}
}

/* Bytes pushed and subtracted by a function's prologue (for the stack cross-check). */
static void measure_prologue(struct walk *w, struct gate_func *f)
{
	const struct gate_sec *s = &w->ctx->secs[f->shndx];
	__u64 off = f->off, bytes = 0;
	struct insn in;
	int n;

	for (n = 0; n < 24 && decode(w, s, off, &in); n++, off += in.len) {
		__s64 imm;

		if (in.kind == K_NOP)
			continue;
		if (!strcmp(in.mnem, "push") && strncmp(in.ops, "qword", 5) &&
		    !is_integer(in.ops, &imm)) {
			bytes += 8;
			continue;
		}
		if (!strcmp(in.mnem, "mov") && !strcmp(in.ops, "rbp, rsp"))
			continue;
		if (!strcmp(in.mnem, "sub") && !strncmp(in.ops, "rsp, ", 5) &&
		    is_integer(in.ops + 5, &imm) && imm > 0)
			bytes += (__u64)imm;
		break;
	}
	f->prologue = bytes;
}

void gate_insn_check(struct gate_ctx *ctx)
{
	struct walk w = { .ctx = ctx };
	size_t i;

	if (collect_functions(ctx))
		goto out;
	pthread_once(&llvm_once, llvm_init);
	w.dc = LLVMCreateDisasmCPUFeatures("x86_64-unknown-linux-gnu", "", "", NULL, 0,
					   NULL, NULL);
	if (!w.dc) {
		gate_finding(ctx, "insn.invalid", NULL, 0,
			     "LLVM's x86-64 disassembler is not available; hint: install LLVM 14 with the X86 target");
		goto out;
	}
	LLVMSetDisasmOptions(w.dc, LLVMDisassembler_Option_AsmPrinterVariant);
	w.state = calloc(ctx->sec_cnt, sizeof(*w.state));
	if (!w.state)
		goto oom;
	for (i = 0; i < ctx->sec_cnt; i++) {
		if (!ctx->secs[i].exec)
			continue;
		w.state[i] = calloc(ctx->secs[i].size ? ctx->secs[i].size : 1, 1);
		if (!w.state[i])
			goto oom;
	}
	for (i = 0; i < ctx->func_sorted_cnt; i++) {
		struct gate_func *f = &ctx->funcs[ctx->func_sorted[i]];

		push_root(&w, f->shndx, f->off);
		measure_prologue(&w, f);
	}
	/* code addresses stored in data (function pointers, vtables) */
	for (i = 0; i < ctx->rel_cnt; i++) {
		const struct gate_rel *r = &ctx->rels[i];
		const struct gate_sec *t = &ctx->secs[r->target];
		const struct gate_sym *s = &ctx->syms[r->sym];
		__u64 off;

		if (r->type != R_X86_64_64 || !(t->flags & SHF_ALLOC) || t->exec ||
		    !strcmp(t->name, "__patchable_function_entries") ||
		    !strcmp(t->name, ".eh_frame") ||
		    !s->valid || s->shndx == SHN_UNDEF || s->shndx >= ctx->sec_cnt ||
		    !ctx->secs[s->shndx].exec)
			continue;
		off = s->value + (__u64)r->addend;
		take_address(&w, s->shndx, off, NULL, r->offset);
	}
	while (w.root_cnt && !ctx->oom) {
		struct root r = w.roots[--w.root_cnt];

		walk_from(&w, r.shndx, r.off, true);
	}
	if (!ctx->oom)
		check_unreached(&w);
	if (!ctx->oom)
		check_falloffs(&w);
	goto out;
oom:
	ctx->oom = -ENOMEM;
out:
	if (w.state)
		for (i = 0; i < ctx->sec_cnt; i++)
			free(w.state[i]);
	free(w.state);
	free(w.roots);
	free(w.falloffs);
	if (w.dc)
		LLVMDisasmDispose(w.dc);
}
