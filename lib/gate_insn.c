// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Instruction policy and control flow (rules insn.*).  First version:
 * function table from the symbols only.
 */
#include <elf.h>
#include <stdlib.h>

#include "librax_internal.h"
#include "gate.h"

int gate_func_add(struct gate_ctx *ctx, const char *name, __u32 shndx, __u64 off,
		  __u64 size)
{
	struct gate_func *f;

	if (ctx->func_cnt == ctx->func_cap) {
		size_t cap = ctx->func_cap ? ctx->func_cap * 2 : 32;

		f = realloc(ctx->funcs, cap * sizeof(*f));
		if (!f) {
			ctx->oom = -ENOMEM;
			return -1;
		}
		ctx->funcs = f;
		ctx->func_cap = cap;
	}
	f = &ctx->funcs[ctx->func_cnt];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->shndx = shndx;
	f->off = off;
	f->size = size;
	f->frame = -1;
	return (int)ctx->func_cnt++;
}

int gate_func_at(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	size_t i;

	for (i = 0; i < ctx->func_cnt; i++)
		if (ctx->funcs[i].shndx == shndx && ctx->funcs[i].off == off)
			return (int)i;
	return -1;
}

int gate_func_containing(const struct gate_ctx *ctx, __u32 shndx, __u64 off)
{
	int best = -1;
	size_t i;

	for (i = 0; i < ctx->func_cnt; i++) {
		const struct gate_func *f = &ctx->funcs[i];

		if (f->shndx != shndx || f->off > off)
			continue;
		if (best < 0 || f->off > ctx->funcs[best].off)
			best = (int)i;
	}
	return best;
}

void gate_func_add_callee(struct gate_ctx *ctx, int caller, int callee)
{
	struct gate_func *f = &ctx->funcs[caller];
	size_t i;

	for (i = 0; i < f->callee_cnt; i++)
		if (f->callees[i] == callee)
			return;
	if (f->callee_cnt == f->callee_cap) {
		size_t cap = f->callee_cap ? f->callee_cap * 2 : 4;
		int *c = realloc(f->callees, cap * sizeof(*c));

		if (!c) {
			ctx->oom = -ENOMEM;
			return;
		}
		f->callees = c;
		f->callee_cap = cap;
	}
	f->callees[f->callee_cnt++] = callee;
}

void gate_insn_check(struct gate_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->sym_cnt; i++) {
		struct gate_sym *s = &ctx->syms[i];
		int f;

		if (!s->valid || s->type != STT_FUNC || s->shndx == SHN_UNDEF ||
		    s->shndx >= ctx->sec_cnt || !ctx->secs[s->shndx].exec)
			continue;
		f = gate_func_at(ctx, s->shndx, s->value);
		if (f < 0)
			f = gate_func_add(ctx, s->name, s->shndx, s->value, s->size);
		if (f < 0)
			return;
		s->func = f;
		if (s->bind != STB_LOCAL && gate_is_prog_section(ctx->secs[s->shndx].name))
			ctx->funcs[f].is_prog = true;
	}
}
