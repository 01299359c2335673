// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stack bound and recursion (rules stack.*).  First version: the list of
 * programs only.
 */
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"
#include "gate.h"

void gate_stack_check(struct gate_ctx *ctx)
{
	struct rax_gate_report *rep = ctx->rep;
	size_t i, n = 0;

	for (i = 0; i < ctx->func_cnt; i++)
		n += ctx->funcs[i].is_prog;
	rep->progs = calloc(n ? n : 1, sizeof(*rep->progs));
	if (!rep->progs) {
		ctx->oom = -ENOMEM;
		return;
	}
	for (i = 0; i < ctx->func_cnt; i++) {
		struct gate_prog_result *p;

		if (!ctx->funcs[i].is_prog)
			continue;
		p = &rep->progs[rep->prog_cnt++];
		p->name = strdup(ctx->funcs[i].name);
		p->sec_name = strdup(ctx->secs[ctx->funcs[i].shndx].name);
		if (!p->name || !p->sec_name)
			ctx->oom = -ENOMEM;
	}
}
