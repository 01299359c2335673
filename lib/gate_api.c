// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The safety gate's entry points: runs the passes of gate_*.c over an
 * object image, keeps the findings in a report and answers the public
 * queries (findings, per-program stack depth, functions that need the
 * runtime's entry check).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <elf.h>

#include "librax_internal.h"
#include "demangle_rust.h"
#include "gate.h"

void gate_finding(struct gate_ctx *ctx, const char *rule, const char *func,
		  __u64 offset, const char *fmt, ...)
{
	struct rax_gate_report *rep = ctx->rep;
	struct rax_check_finding *f;
	char *msg = NULL, *fname = NULL;
	va_list ap;
	int n;

	f = gate_grow(rep->findings, &rep->finding_cap, rep->finding_cnt,
		      sizeof(*f), 16);
	if (!f)
		goto oom;
	rep->findings = f;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		msg = NULL;
		goto oom;
	}
	if (func) {
		fname = strdup(func);
		if (!fname)
			goto oom;
	}
	f = &rep->findings[rep->finding_cnt++];
	f->rule = rule;		/* rule ids are string literals */
	f->func = fname;
	f->offset = offset;
	f->source = NULL;
	f->message = msg;
	pr_debug("gate: %s: %s+0x%llx: %s\n", rule, func ? func : "-",
		 (unsigned long long)offset, msg);
	return;
oom:
	free(msg);
	free(fname);
	ctx->oom = -ENOMEM;
}

void rax_gate_report_free(struct rax_gate_report *rep)
{
	size_t i, j;

	if (!rep)
		return;
	for (i = 0; i < rep->finding_cnt; i++) {
		free((char *)rep->findings[i].func);
		free((char *)rep->findings[i].source);
		free((char *)rep->findings[i].message);
	}
	free(rep->findings);
	for (i = 0; i < rep->prog_cnt; i++) {
		struct gate_prog_result *p = &rep->progs[i];

		for (j = 0; j < p->checked_cnt; j++) {
			free(p->checked_funcs[j]);
			if (p->checked_names)
				free(p->checked_names[j]);
		}
		free(p->checked_funcs);
		free(p->checked_names);
		free(p->imports);
		free(p->name);
		free(p->sec_name);
	}
	free(rep->progs);
	free(rep);
}

static void gate_ctx_free(struct gate_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->func_cnt; i++) {
		free(ctx->funcs[i].callees);
		free(ctx->funcs[i].tails);
	}
	free(ctx->funcs);
	free(ctx->func_sorted);
	gate_elf_free(ctx);
}

/* Where the function a finding names starts, as (section, offset). */
static bool function_site(const struct gate_ctx *ctx, const struct rax_check_finding *f,
			  __u32 *shndx, __u64 *off)
{
	size_t i;

	for (i = 0; i < ctx->func_cnt; i++) {
		const struct gate_func *fn = &ctx->funcs[i];

		if (fn->name && !strcmp(fn->name, f->func) &&
		    (!fn->size || f->offset < fn->size)) {
			*shndx = fn->shndx;
			*off = fn->off;
			return true;
		}
	}
	/* passes before the instruction pass: the symbol table */
	for (i = 0; i < ctx->sym_cnt; i++) {
		const struct gate_sym *s = &ctx->syms[i];

		if (s->valid && s->type == STT_FUNC && s->shndx != SHN_UNDEF &&
		    s->shndx < ctx->sec_cnt && !strcmp(s->name, f->func)) {
			*shndx = s->shndx;
			*off = s->value;
			return true;
		}
	}
	return false;
}

/* Source lines for findings in functions (when the object has line tables). */
static int add_sources(struct gate_ctx *ctx)
{
	struct rax_gate_report *rep = ctx->rep;
	struct gate_lines *lines;
	size_t i;
	int err;

	err = gate_lines_load(ctx, &lines);
	if (err || !lines)
		return err;
	for (i = 0; i < rep->finding_cnt && !err; i++) {
		struct rax_check_finding *f = &rep->findings[i];
		char *src = NULL;
		__u32 shndx;
		__u64 off;

		if (!f->func || f->source || !function_site(ctx, f, &shndx, &off) ||
		    off + f->offset < off)
			continue;
		err = gate_lines_source(lines, shndx, off + f->offset, &src);
		f->source = src;
	}
	gate_lines_free(lines);
	return err;
}

/* Replace *s by its demangled form (text: every symbol inside it). */
static int demangle_in_place(const char **s, bool text)
{
	char *d;

	if (!*s)
		return 0;
	errno = 0;
	d = text ? demangle_rust_text(*s) : demangle_rust(*s);
	if (!d)
		return errno == ENOMEM || text ? -ENOMEM : 0;
	free((char *)*s);
	*s = d;
	return 0;
}

/*
 * People read findings: Rust names demangled, in the function field and
 * in messages.  Checked functions keep their symbols for the loader and
 * get demangled names alongside.
 */
static int demangle_report(struct rax_gate_report *rep)
{
	size_t i, j;
	int err = 0;

	for (i = 0; i < rep->finding_cnt && !err; i++) {
		err = demangle_in_place(&rep->findings[i].func, false);
		if (!err)
			err = demangle_in_place(&rep->findings[i].message, true);
	}
	for (i = 0; i < rep->prog_cnt && !err; i++) {
		struct gate_prog_result *p = &rep->progs[i];

		if (!p->checked_cnt)
			continue;
		p->checked_names = calloc(p->checked_cnt, sizeof(char *));
		if (!p->checked_names)
			return -ENOMEM;
		for (j = 0; j < p->checked_cnt && !err; j++) {
			const char *name = strdup(p->checked_funcs[j]);

			if (!name)
				return -ENOMEM;
			err = demangle_in_place(&name, false);
			p->checked_names[j] = (char *)name;
		}
	}
	return err;
}

int gate_check_image(const void *buf, size_t size,
		     const struct rax_check_opts *opts,
		     struct rax_gate_report **out)
{
	struct gate_ctx ctx = {
		.img = buf,
		.size = buf ? size : 0,
		.reject_recursion = OPTS_GET(opts, reject_recursion, false),
	};
	int err;

	*out = NULL;
	ctx.rep = calloc(1, sizeof(*ctx.rep));
	if (!ctx.rep)
		return -ENOMEM;

	err = gate_elf_parse(&ctx);
	if (!err) {
		gate_elf_check(&ctx);
		gate_import_check(&ctx);
		gate_meta_check(&ctx);
		gate_insn_check(&ctx);
		gate_stack_check(&ctx);
	} else if (err != -ENOEXEC) {
		goto fail;
	}
	/* -ENOEXEC: not an x86-64 relocatable object; the finding says so */
	err = ctx.oom;
	if (!err && ctx.rep->finding_cnt && ctx.sec_cnt)
		err = add_sources(&ctx);
	if (!err)
		err = demangle_report(ctx.rep);
	if (err)
		goto fail;
	gate_ctx_free(&ctx);
	*out = ctx.rep;
	return (int)ctx.rep->finding_cnt;
fail:
	gate_ctx_free(&ctx);
	rax_gate_report_free(ctx.rep);
	return err;
}

int rax_check_image(const void *buf, size_t size, const struct rax_check_opts *opts,
		    void (*cb)(const struct rax_check_finding *f, void *ctx), void *ctx)
{
	struct rax_gate_report *rep;
	size_t i;
	int ret;

	if (!buf && size)
		return librax_err(-EINVAL);
	if (!OPTS_VALID(opts, rax_check_opts))
		return librax_err(-EINVAL);
	ret = gate_check_image(buf, size, opts, &rep);
	if (ret < 0)
		return librax_err(ret);
	for (i = 0; cb && i < rep->finding_cnt; i++)
		cb(&rep->findings[i], ctx);
	rax_gate_report_free(rep);
	return ret;
}

int rax_gate_run(struct rax_object *obj, const struct rax_check_opts *opts)
{
	struct rax_gate_report *rep;
	int ret;

	if (!obj)
		return -EINVAL;
	if (!OPTS_VALID(opts, rax_check_opts))
		return -EINVAL;
	ret = gate_check_image(obj->elf.image, obj->elf.size, opts, &rep);
	if (ret < 0)
		return ret;
	rax_gate_report_free(obj->gate);
	obj->gate = rep;
	if (ret)
		pr_warn("object '%s': the safety gate found %d problem(s)\n",
			obj->name ? obj->name : "?", ret);
	return ret;
}

int rax_object__check(struct rax_object *obj, const struct rax_check_opts *opts)
{
	return librax_err(rax_gate_run(obj, opts));
}

const struct rax_check_finding *rax_object__finding(const struct rax_object *obj,
						    size_t idx)
{
	if (!obj)
		return librax_err_ptr(-EINVAL);
	if (!obj->gate || idx >= obj->gate->finding_cnt)
		return librax_err_ptr(-ENOENT);
	return &obj->gate->findings[idx];
}

static const struct gate_prog_result *prog_result(const struct rax_program *prog)
{
	const struct rax_gate_report *rep;
	size_t i;

	if (!prog || !prog->obj || !prog->obj->gate || !prog->name)
		return NULL;
	rep = prog->obj->gate;
	for (i = 0; i < rep->prog_cnt; i++) {
		if (strcmp(rep->progs[i].name, prog->name))
			continue;
		if (prog->sec_name && rep->progs[i].sec_name &&
		    strcmp(rep->progs[i].sec_name, prog->sec_name))
			continue;
		return &rep->progs[i];
	}
	return NULL;
}

__u32 rax_program__stack_depth(const struct rax_program *prog)
{
	const struct gate_prog_result *r = prog_result(prog);

	return r ? r->stack_depth : 0;
}

size_t rax_program__checked_func_cnt(const struct rax_program *prog)
{
	const struct gate_prog_result *r = prog_result(prog);

	return r ? r->checked_cnt : 0;
}

const char *rax_program__checked_func(const struct rax_program *prog, size_t idx)
{
	const struct gate_prog_result *r = prog_result(prog);

	if (!prog)
		return librax_err_ptr(-EINVAL);
	if (!r || idx >= r->checked_cnt)
		return librax_err_ptr(-ENOENT);
	return r->checked_funcs[idx];
}

size_t rax_program__import_cnt(const struct rax_program *prog)
{
	const struct gate_prog_result *r = prog_result(prog);

	return r ? r->import_cnt : 0;
}

const char *rax_program__import_name(const struct rax_program *prog, size_t idx)
{
	const struct gate_prog_result *r = prog_result(prog);

	if (!prog)
		return librax_err_ptr(-EINVAL);
	if (!r || idx >= r->import_cnt)
		return librax_err_ptr(-ENOENT);
	return r->imports[idx];
}

const char *rax_program__checked_func_name(const struct rax_program *prog, size_t idx)
{
	const struct gate_prog_result *r = prog_result(prog);

	if (!prog)
		return librax_err_ptr(-EINVAL);
	if (!r || idx >= r->checked_cnt || !r->checked_names)
		return librax_err_ptr(-ENOENT);
	return r->checked_names[idx];
}
