// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Import policy (rules import.*): the only undefined symbols an object may
 * have are the helpers of RAX_HELPERS (abi.h) and the kernel's retpoline /
 * return thunks; GPL-only helpers need a GPL-compatible license, as the
 * kernel requires of BPF programs.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"
#include "gate.h"

struct helper_entry {
	const char *name;
	bool gpl_only;
};

#define GATE_HELPER_ENTRY(n, gpl, since) { #n, gpl },
static const struct helper_entry helpers[] = { RAX_HELPERS(GATE_HELPER_ENTRY) };
#undef GATE_HELPER_ENTRY

static const struct helper_entry *helper_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		if (!strcmp(helpers[i].name, name))
			return &helpers[i];
	return NULL;
}

bool gate_is_retpoline_thunk(const char *name)
{
	static const char *const regs[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	const char *p = "__x86_indirect_thunk_";
	size_t i;

	if (strncmp(name, p, strlen(p)))
		return false;
	name += strlen(p);
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (!strcmp(name, regs[i]))
			return true;
	return false;
}

bool gate_is_return_thunk(const char *name)
{
	return !strcmp(name, "__x86_return_thunk");
}

/* The kernel's list (license_is_gpl_compatible) plus SPDX spellings. */
static bool license_gpl_compatible(const char *lic)
{
	static const char *const ok[] = {
		"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL",
		"Dual MIT/GPL", "Dual MPL/GPL", "GPL-2.0", "GPL-2.0-only",
		"GPL-2.0-or-later", "GPL-2.0+", "GPL-3.0", "GPL-3.0-only",
		"GPL-3.0-or-later",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(lic, ok[i]))
			return true;
	/* "X OR GPL-2.0..." dual licenses */
	return strstr(lic, " OR GPL-2.0") || strstr(lic, "(GPL-2.0");
}

/* Where an import is first used, for the finding's function and offset. */
static void first_use(const struct gate_ctx *ctx, __u32 sym, const char **func,
		      __u64 *off)
{
	size_t i;
	int f;

	*func = NULL;
	*off = 0;
	for (i = 0; i < ctx->rel_cnt; i++) {
		const struct gate_rel *r = ctx->rel_sorted[i];

		if (r->sym != sym || !ctx->secs[r->target].exec)
			continue;
		f = gate_func_containing(ctx, r->target, r->offset);
		if (f >= 0) {
			*func = ctx->funcs[f].name;
			*off = r->offset - ctx->funcs[f].off;
		} else {
			*off = r->offset;
		}
		return;
	}
}

void gate_import_check(struct gate_ctx *ctx)
{
	const char *license = gate_license(ctx);
	bool *used = calloc(ctx->sym_cnt ? ctx->sym_cnt : 1, sizeof(bool));
	size_t i, j;

	if (!used) {
		ctx->oom = -ENOMEM;
		return;
	}
	/* `ld -r --gc-sections` keeps the undefined symbols of dropped code:
	 * only a symbol that loaded code or data refers to is an import */
	for (i = 0; i < ctx->rel_cnt; i++)
		if (ctx->secs[ctx->rels[i].target].flags & SHF_ALLOC)
			used[ctx->rels[i].sym] = true;

	for (i = 1; i < ctx->sym_cnt; i++) {
		const struct gate_sym *s = &ctx->syms[i];
		const struct helper_entry *h;
		const char *func;
		__u64 off;
		bool dup = false;

		if (s->shndx != SHN_UNDEF || !s->name[0] || !used[i])
			continue;
		/* ld -r keeps one entry per name; stay quiet on duplicates anyway */
		for (j = 1; j < i && !dup; j++)
			dup = ctx->syms[j].shndx == SHN_UNDEF &&
			      !strcmp(ctx->syms[j].name, s->name);
		if (dup)
			continue;
		if (gate_is_retpoline_thunk(s->name) || gate_is_return_thunk(s->name))
			continue;
		h = helper_find(s->name);
		if (h && !(h->gpl_only && license && !license_gpl_compatible(license)))
			continue;	/* allowed */
		/* a relocation scan, so only for an import that has a finding */
		first_use(ctx, (__u32)i, &func, &off);
		if (!h)
			gate_finding(ctx, "import.unknown", func, off,
				     "imports '%s', which is not a Rax helper (ABI v%u); only the helpers of the rax crate are reachable; hint: use the rax crate's API (e.g. its map, time and output helpers) instead of calling kernel or libc functions",
				     s->name, RAX_ABI_VERSION);
		else
			gate_finding(ctx, "import.gpl", func, off,
				     "helper '%s' is GPL-only but the license is \"%s\"; hint: declare a GPL-compatible license (e.g. \"GPL\" or \"Dual BSD/GPL\") or do without this helper",
				     s->name, license);
	}
	free(used);
}
