// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Stack bound and recursion (rules stack.*).
 *
 * Frame sizes come from ".stack_sizes" (rustc -Z emit-stack-sizes, clang
 * -fstack-size-section): entries of an 8-byte function address, resolved
 * through the section's R_X86_64_64 relocations, and a ULEB128 size that
 * counts pushes and the frame but NOT the return address.  The call graph
 * (gate_insn.c) has direct calls and tail jumps; an indirect call may reach
 * every address-taken function.
 *
 * Depth of a function = its frame + 8 (the return address of the call
 * into it) + the deepest callee.  Strongly connected components (Tarjan,
 * iterative so a deep graph cannot exhaust our own stack) are recursion:
 * either a finding, or their functions get the runtime's entry check and
 * the static bound counts one pass through the cycle.  A program's bound
 * adds 8 for the call that a patched entry pad makes.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"
#include "gate.h"

#define RET_ADDR 8u

/* ---- .stack_sizes ------------------------------------------------------------ */
static void read_stack_sizes(struct gate_ctx *ctx, __u32 shndx)
{
	const struct gate_sec *s = &ctx->secs[shndx];
	__u64 pos = 0;

	while (s->data && pos < s->size) {
		const struct gate_rel *r = NULL;
		__u64 frame = 0, at = pos;
		unsigned int shift = 0;
		int f = -1;
		size_t i;

		if (s->size - pos < 8)
			goto bad;
		/* one entry per function: a binary search, not a scan */
		i = gate_rel_lower(ctx, shndx, pos);
		if (i < ctx->rel_cnt && ctx->rel_sorted[i]->target == shndx &&
		    ctx->rel_sorted[i]->offset == pos)
			r = ctx->rel_sorted[i];
		pos += 8;
		for (;;) {
			__u8 b;

			if (pos >= s->size || shift > 63)
				goto bad;
			b = s->data[pos++];
			frame |= (__u64)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80))
				break;
		}
		if (r && r->type == R_X86_64_64) {
			const struct gate_sym *sym = &ctx->syms[r->sym];

			if (sym->valid && sym->shndx != SHN_UNDEF && sym->shndx < ctx->sec_cnt)
				f = gate_func_at(ctx, sym->shndx, sym->value + (__u64)r->addend);
		}
		if (f < 0) {
			pr_debug("gate: .stack_sizes entry at 0x%llx names no function\n",
				 (unsigned long long)at);
			continue;
		}
		if (frame > RAX_STACK_SIZE)
			frame = RAX_STACK_SIZE + 1;	/* keeps sums far from overflow */
		if ((__s64)frame > ctx->funcs[f].frame)
			ctx->funcs[f].frame = (__s64)frame;
	}
	return;
bad:
	gate_finding(ctx, "stack.format", NULL, pos,
		     "\".stack_sizes\" is truncated or malformed at offset 0x%llx; hint: rebuild with `raxtool build` (-Z emit-stack-sizes)",
		     (unsigned long long)pos);
}

static void check_frames(struct gate_ctx *ctx)
{
	size_t i;

	for (i = 1; i < ctx->sec_cnt; i++)
		if (!strcmp(ctx->secs[i].name, ".stack_sizes"))
			read_stack_sizes(ctx, (__u32)i);
	for (i = 0; i < ctx->func_sorted_cnt; i++) {
		struct gate_func *f = &ctx->funcs[ctx->func_sorted[i]];

		if (f->frame < 0) {
			gate_finding(ctx, "stack.missing", f->name, 0,
				     "function '%s' has no \".stack_sizes\" entry, so its stack use is unknown; hint: build with `raxtool build` (-Z emit-stack-sizes; clang: -fstack-size-section)",
				     f->name);
			continue;
		}
		if (f->prologue > (__u64)f->frame)
			gate_finding(ctx, "stack.mismatch", f->name, 0,
				     "function '%s' reserves %llu bytes in its prologue but \".stack_sizes\" says %lld; hint: the object was altered after the build: rebuild it",
				     f->name, (unsigned long long)f->prologue,
				     (long long)f->frame);
	}
}

/* ---- Call graph ---------------------------------------------------------------- */
struct graph {
	struct gate_ctx *ctx;
	int *taken;		/* address-taken functions */
	size_t taken_cnt;
	int *scc;		/* component of each function */
	int *next;		/* deepest successor (for the path in messages) */
	bool *cyclic;		/* per component */
	size_t scc_cnt;
};

static size_t edge_cnt(const struct graph *g, int f)
{
	const struct gate_func *fn = &g->ctx->funcs[f];
	bool ind = fn->indirect_calls || (fn->indirect_jumps && !fn->jump_tables);

	return fn->callee_cnt + (ind ? g->taken_cnt : 0);
}

static int edge(const struct graph *g, int f, size_t i)
{
	const struct gate_func *fn = &g->ctx->funcs[f];

	return i < fn->callee_cnt ? fn->callees[i] : g->taken[i - fn->callee_cnt];
}

static __u64 frame_of(const struct gate_func *f)
{
	return f->frame > 0 ? (__u64)f->frame : 0;
}

/*
 * Tarjan's SCC, iterative.  Components complete in reverse topological
 * order, so each one's depth is computed when it completes.
 */
static int tarjan(struct graph *g)
{
	struct gate_ctx *ctx = g->ctx;
	size_t n = ctx->func_cnt, sp = 0, cs = 0, v;
	int *stack = calloc(n ? n : 1, sizeof(int));
	int *cstack = calloc(n ? n : 1, sizeof(int));
	size_t *cpos = calloc(n ? n : 1, sizeof(size_t));
	bool *onstack = calloc(n ? n : 1, sizeof(bool));
	int counter = 0, err = 0;

	g->scc = calloc(n ? n : 1, sizeof(int));
	g->next = calloc(n ? n : 1, sizeof(int));
	g->cyclic = calloc(n ? n : 1, sizeof(bool));
	if (!stack || !cstack || !cpos || !onstack || !g->scc || !g->next || !g->cyclic) {
		err = -ENOMEM;
		goto out;
	}
	for (v = 0; v < n; v++) {
		ctx->funcs[v].order = -1;
		g->next[v] = -1;
		g->scc[v] = -1;
	}
	for (v = 0; v < n; v++) {
		if (ctx->funcs[v].order >= 0)
			continue;
		ctx->funcs[v].order = ctx->funcs[v].low = counter++;
		stack[sp++] = (int)v;
		onstack[v] = true;
		cstack[cs] = (int)v;
		cpos[cs++] = 0;
		while (cs) {
			int u = cstack[cs - 1];
			struct gate_func *fu = &ctx->funcs[u];

			if (cpos[cs - 1] < edge_cnt(g, u)) {
				int w = edge(g, u, cpos[cs - 1]++);
				struct gate_func *fw = &ctx->funcs[w];

				if (fw->order < 0) {
					fw->order = fw->low = counter++;
					stack[sp++] = w;
					onstack[w] = true;
					cstack[cs] = w;
					cpos[cs++] = 0;
				} else if (onstack[w] && fw->order < fu->low) {
					fu->low = fw->order;
				}
				continue;
			}
			/* u is done */
			cs--;
			if (cs) {
				struct gate_func *fp = &ctx->funcs[cstack[cs - 1]];

				if (fu->low < fp->low)
					fp->low = fu->low;
			}
			if (fu->low != fu->order)
				continue;
			/* u roots a component: pop it, then compute its depth */
			{
				size_t first = sp, k, e;
				int id = (int)g->scc_cnt++;
				__u64 best = 0;

				do {
					first--;
					onstack[stack[first]] = false;
					g->scc[stack[first]] = id;
				} while (stack[first] != u);
				g->cyclic[id] = sp - first > 1;
				for (k = first; k < sp; k++) {
					int m = stack[k];
					__u64 deepest = 0, d;

					for (e = 0; e < edge_cnt(g, m); e++) {
						int c = edge(g, m, e);

						if (c == m)
							g->cyclic[id] = true;
						/* successors outside the component are complete */
						if (g->scc[c] == id)
							continue;
						if (g->next[m] < 0 || ctx->funcs[c].depth > deepest) {
							deepest = ctx->funcs[c].depth;
							g->next[m] = c;
						}
					}
					d = frame_of(&ctx->funcs[m]) + RET_ADDR + deepest;
					ctx->funcs[m].depth = d;
					if (d > best)
						best = d;
				}
				/* one pass through a cycle: every member gets the worst */
				if (g->cyclic[id])
					for (k = first; k < sp; k++)
						ctx->funcs[stack[k]].depth = best;
				sp = first;
			}
		}
	}
out:
	free(stack);
	free(cstack);
	free(cpos);
	free(onstack);
	return err;
}

/* ---- Findings and per-program results ------------------------------------------ */
static void report_cycles(struct gate_ctx *ctx, struct graph *g)
{
	size_t id, i;

	for (id = 0; id < g->scc_cnt; id++) {
		char names[256];
		size_t len = 0, cnt = 0;
		const char *first = NULL;

		if (!g->cyclic[id])
			continue;
		names[0] = 0;
		for (i = 0; i < ctx->func_cnt; i++) {
			if (g->scc[i] != (int)id || ctx->funcs[i].order < 0)
				continue;
			ctx->funcs[i].in_cycle = true;
			if (!first)
				first = ctx->funcs[i].name;
			if (len < sizeof(names) - 1)
				len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						       cnt ? ", " : "", ctx->funcs[i].name);
			cnt++;
		}
		if (len >= sizeof(names) - 1)
			memcpy(names + sizeof(names) - 4, "...", 4);
		if (ctx->reject_recursion)
			gate_finding(ctx, "stack.recursion", first, 0,
				     "recursion must be bounded: %zu function(s) call each other in a cycle (%s); hint: rewrite the recursion as a loop with a fixed bound (or load without reject_recursion so the runtime checks the stack on entry)",
				     cnt, names);
	}
}

static void describe_path(const struct gate_ctx *ctx, const struct graph *g, int f,
			  char *buf, size_t size)
{
	size_t len = 0, steps = 0;

	buf[0] = 0;
	while (f >= 0 && steps++ < 8 && len < size - 1) {
		len += (size_t)snprintf(buf + len, size - len, "%s%s (%lld)", steps > 1 ? " -> " : "",
				       ctx->funcs[f].name, (long long)frame_of(&ctx->funcs[f]));
		f = g->next[f];
		if (f >= 0 && g->cyclic[g->scc[f]] && steps > 1)
			break;
	}
	if (len >= size - 1)
		memcpy(buf + size - 4, "...", 4);
	else if (f >= 0)
		snprintf(buf + len, size - len, " -> ...");
}

/*
 * The helpers that the reachable functions @reach[0..n) call or reference:
 * undefined symbols of relocations inside their (sized) bodies, in
 * relocation order.  The bodies' relocations are marked first through the
 * sorted index, so the cost is not relocations x reachable functions.
 */
static int reachable_imports(struct gate_ctx *ctx, const int *reach, size_t n,
			     struct gate_prog_result *res)
{
	bool *inside = calloc(ctx->rel_cnt ? ctx->rel_cnt : 1, sizeof(bool));
	size_t i, k, j;

	if (!inside)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		const struct gate_func *f = &ctx->funcs[reach[k]];

		for (i = gate_rel_lower(ctx, f->shndx, f->off);
		     i < ctx->rel_cnt && ctx->rel_sorted[i]->target == f->shndx &&
		     ctx->rel_sorted[i]->offset - f->off < f->size; i++)
			inside[ctx->rel_sorted[i] - ctx->rels] = true;
	}
	for (i = 0; i < ctx->rel_cnt; i++) {
		const struct gate_rel *r = &ctx->rels[i];
		const struct gate_sym *sym;
		bool dup = false;
		const char **grown;

		if (!inside[i] || r->sym >= ctx->sym_cnt)
			continue;
		sym = &ctx->syms[r->sym];
		if (sym->shndx != 0 || !sym->name || !*sym->name)
			continue;	/* not an import */
		for (j = 0; j < res->import_cnt && !dup; j++)
			dup = !strcmp(res->imports[j], sym->name);
		if (dup)
			continue;
		grown = realloc(res->imports, (res->import_cnt + 1) * sizeof(*grown));
		if (!grown) {
			free(inside);
			return -ENOMEM;
		}
		res->imports = grown;
		res->imports[res->import_cnt++] = sym->name;
	}
	free(inside);
	return 0;
}

/* Cycle functions reachable from prog: they need the runtime's entry check. */
static int checked_funcs(struct gate_ctx *ctx, struct graph *g, int prog,
			 struct gate_prog_result *res)
{
	size_t n = ctx->func_cnt, head = 0, tail = 0, e;
	int *queue = calloc(n ? n : 1, sizeof(int));
	bool *seen = calloc(n ? n : 1, sizeof(bool));
	int err = 0;

	if (!queue || !seen) {
		err = -ENOMEM;
		goto out;
	}
	queue[tail++] = prog;
	seen[prog] = true;
	while (head < tail) {
		int f = queue[head++];

		if (ctx->funcs[f].in_cycle)
			res->checked_cnt++;
		for (e = 0; e < edge_cnt(g, f); e++) {
			int c = edge(g, f, e);

			if (!seen[c]) {
				seen[c] = true;
				queue[tail++] = c;
			}
		}
	}
	err = reachable_imports(ctx, queue, tail, res);
	if (err)
		goto out;
	if (!res->checked_cnt)
		goto out;
	res->checked_funcs = calloc(res->checked_cnt, sizeof(char *));
	if (!res->checked_funcs) {
		res->checked_cnt = 0;
		err = -ENOMEM;
		goto out;
	}
	res->checked_cnt = 0;
	for (head = 0; head < tail; head++) {
		int f = queue[head];

		if (!ctx->funcs[f].in_cycle)
			continue;
		res->checked_funcs[res->checked_cnt] = strdup(ctx->funcs[f].name);
		if (!res->checked_funcs[res->checked_cnt]) {
			err = -ENOMEM;
			goto out;
		}
		res->checked_cnt++;
	}
out:
	free(queue);
	free(seen);
	return err;
}

void gate_stack_check(struct gate_ctx *ctx)
{
	struct rax_gate_report *rep = ctx->rep;
	struct graph g = { .ctx = ctx };
	size_t i, n = 0;
	int err;

	check_frames(ctx);
	g.taken = calloc(ctx->func_cnt ? ctx->func_cnt : 1, sizeof(int));
	if (!g.taken) {
		ctx->oom = -ENOMEM;
		return;
	}
	for (i = 0; i < ctx->func_sorted_cnt; i++) {
		int f = ctx->func_sorted[i];

		if (ctx->funcs[f].address_taken)
			g.taken[g.taken_cnt++] = f;
		n += ctx->funcs[f].is_prog;
	}
	err = tarjan(&g);
	if (err)
		goto out;
	report_cycles(ctx, &g);

	rep->progs = calloc(n ? n : 1, sizeof(*rep->progs));
	if (!rep->progs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ctx->func_sorted_cnt; i++) {
		int f = ctx->func_sorted[i];
		struct gate_func *fn = &ctx->funcs[f];
		struct gate_prog_result *p;
		__u64 depth;

		if (!fn->is_prog)
			continue;
		p = &rep->progs[rep->prog_cnt++];
		p->name = strdup(fn->name);
		p->sec_name = strdup(ctx->secs[fn->shndx].name);
		if (!p->name || !p->sec_name) {
			err = -ENOMEM;
			goto out;
		}
		depth = fn->depth + RET_ADDR;	/* + the patched entry's call */
		p->stack_depth = depth > UINT32_MAX ? UINT32_MAX : (__u32)depth;
		err = checked_funcs(ctx, &g, f, p);
		if (err)
			goto out;
		if (depth > RAX_STACK_BUDGET) {
			char path[512];

			describe_path(ctx, &g, f, path, sizeof(path));
			gate_finding(ctx, "stack.depth", fn->name, 0,
				     "program '%s' may use %llu bytes of stack, over the budget of %u (deepest path, frame bytes: %s); hint: move large locals into a map (e.g. a per-CPU array) and avoid deep call chains",
				     fn->name, (unsigned long long)depth, RAX_STACK_BUDGET, path);
		}
	}
out:
	if (err)
		ctx->oom = err;
	free(g.taken);
	free(g.scc);
	free(g.next);
	free(g.cyclic);
}
