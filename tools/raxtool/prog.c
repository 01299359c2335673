// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool prog: run a program of a Rax object on test input, like
 * "bpftool prog run", and show the runtime stats of an object's programs
 * ("prog show FILE"); load/attach/detach and the FILE-less show for
 * rax.ko live in prog_kernel.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raxtool.h"
#include "prog_kernel.h"

/* Room for programs that grow the packet (XDP adjust_head/tail). */
#define DATA_OUT_HEADROOM 4096

enum rax_backend run_backend(void)
{
	/* librax reads RAX_BACKEND itself when asked for AUTO. */
	return getenv("RAX_BACKEND") ? RAX_BACKEND_AUTO : RAX_BACKEND_INPROC;
}

struct rax_program *pick_program(const struct rax_object *obj, const char *name,
				 const char *path)
{
	struct rax_program *prog, *only = NULL;
	int count = 0;

	if (name) {
		prog = rax_object__find_program_by_name(obj, name);
		if (!prog)
			p_err("program '%s' not found in '%s'", name, path);
		return prog;
	}
	rax_object__for_each_program(prog, obj) {
		only = prog;
		count++;
	}
	if (count == 1)
		return only;
	if (!count)
		p_err("'%s' has no programs", path);
	else
		p_err("'%s' has %d programs; choose one with 'name PROG'", path, count);
	return NULL;
}

int run_program(const struct rax_program *prog, const struct run_input *in,
		struct run_result *res)
{
	RAX_OPTS(rax_test_run_opts, opts, .repeat = (int)in->repeat);
	void *data = NULL, *ctx = NULL, *data_out = NULL;
	size_t data_sz = 0, ctx_sz = 0;
	int err = -1, ret, fd;

	memset(res, 0, sizeof(*res));
	if (in->repeat > INT32_MAX) {
		p_err("repeat %u is too large", in->repeat);
		return -1;
	}
	if (in->data_in && read_file(in->data_in, "data_in", &data, &data_sz))
		goto out;
	if (in->ctx_in && read_file(in->ctx_in, "ctx_in", &ctx, &ctx_sz))
		goto out;
	if (data_sz > UINT32_MAX - DATA_OUT_HEADROOM || ctx_sz > UINT32_MAX) {
		p_err("input too large");
		goto out;
	}
	if (in->want_data_out) {
		data_out = calloc(1, data_sz + DATA_OUT_HEADROOM);
		if (!data_out) {
			p_err("out of memory");
			goto out;
		}
		opts.data_out = data_out;
		opts.data_size_out = data_sz + DATA_OUT_HEADROOM;
	}
	opts.data_in = data;
	opts.data_size_in = data_sz;
	opts.ctx_in = ctx;
	opts.ctx_size_in = ctx_sz;

	fd = rax_program__fd(prog);
	if (fd < 0) {
		p_err("program '%s' is not loaded", rax_program__name(prog));
		goto out;
	}
	ret = rax_prog_test_run_opts(fd, &opts);
	if (ret) {
		p_err("can't run program '%s': %s", rax_program__name(prog),
		      strerror(-ret));
		goto out;
	}
	res->retval = opts.retval;
	res->duration = opts.duration;
	if (in->want_data_out) {
		res->data_out = data_out;
		res->data_out_size = opts.data_size_out;
		data_out = NULL;
	}
	err = 0;
out:
	free(data);
	free(ctx);
	free(data_out);
	return err;
}

static int write_data_out(const char *path, const void *buf, size_t size)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
	bool ok;

	if (!f) {
		p_err("can't open data_out '%s': %s", path, strerror(errno));
		return -1;
	}
	ok = fwrite(buf, 1, size, f) == size;
	ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
	if (!ok) {
		p_err("can't write data_out '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int do_run(int argc, char **argv)
{
	const char *path, *name, *data_in, *data_out, *ctx_in, *repeat, *show;
	const struct keyword kws[] = {
		{ "name", &name },
		{ "data_in", &data_in },
		{ "data_out", &data_out },
		{ "ctx_in", &ctx_in },
		{ "repeat", &repeat },
		{ "show", &show },
		{ 0 }
	};
	struct run_input in = { 0 };
	struct run_result res = { 0 };
	struct rax_program *prog;
	struct rax_object *obj;
	int err = -1;

	if (parse_file_args(argc, argv, &path, kws))
		return -1;
	if (!data_in && !ctx_in) {
		p_err("'prog run' needs 'data_in FILE' (or 'ctx_in FILE')");
		return -1;
	}
	if (show && strcmp(show, "maps")) {
		p_err("unknown value '%s' for 'show'; expected 'maps'", show);
		return -1;
	}
	if (data_out && !strcmp(data_out, "-") && json_output) {
		p_err("'data_out -' would mix packet bytes into the JSON output");
		return -1;
	}
	if (repeat && parse_u32(repeat, "repeat", &in.repeat))
		return -1;
	in.data_in = data_in;
	in.ctx_in = ctx_in;
	in.want_data_out = data_out != NULL;

	obj = open_object(path, run_backend());
	if (!obj)
		return -1;
	prog = pick_program(obj, name, path);
	if (!prog || load_object(obj, path) || run_program(prog, &in, &res))
		goto out;
	if (data_out && write_data_out(data_out, res.data_out, res.data_out_size))
		goto out;

	out_block_begin(NULL, NULL);
	out_inline_begin(NULL, ", ");
	out_u64("retval", "Return value: %llu", res.retval);
	out_u64("duration", "duration (average): %lluns", res.duration);
	out_inline_end();
	if (data_out)
		out_u64("data_out_size", NULL, res.data_out_size);
	/* JSON always carries the maps: in-process they die with this process. */
	err = 0;
	if (show || json_output)
		err = render_maps(obj, NULL);
	out_block_end();
out:
	free(res.data_out);
	rax_object__close(obj);
	return err;
}

static int do_help(int argc, char **argv);

/* One program's runtime statistics (one renderer for plain and JSON). */
static int render_prog_stats(const struct rax_program *prog)
{
	static const char *const causes[RAX_ABORT_CAUSE_MAX] = {
		[RAX_ABORT_PANIC] = "panic",
		[RAX_ABORT_TIMEOUT] = "timeout",
		[RAX_ABORT_STACK] = "stack",
		[RAX_ABORT_FAULT] = "fault",
	};
	struct rax_prog_stats st = { .sz = sizeof(st) };
	int i, err;

	err = rax_program__stats(prog, &st);
	if (err) {
		p_err("can't read the stats of program '%s': %s", rax_program__name(prog),
		      strerror(-err));
		return -1;
	}
	out_inline_begin(NULL, "  ");
	out_str("name", "%s:", rax_program__name(prog));
	out_u64("run_cnt", "runs %llu", st.run_cnt);
	out_u64("run_time_ns", "run_time %lluns", st.run_time_ns);
	out_u64("missed", "missed %llu", st.missed);
	out_inline_begin("aborts", " ");
	for (i = RAX_ABORT_PANIC; i < RAX_ABORT_CAUSE_MAX; i++) {
		char fmt[32];

		snprintf(fmt, sizeof(fmt), i == RAX_ABORT_PANIC ? "aborts: %s %%llu" : "%s %%llu",
			 causes[i]);
		out_u64(causes[i], fmt, st.aborts[i]);
	}
	out_inline_end();
	if (st.last_abort_msg[0] || json_output)
		out_str("last_abort", "last abort: %s", st.last_abort_msg);
	out_inline_end();
	return 0;
}

/*
 * "prog show FILE [run PROG data_in F [repeat N]]": load FILE in-process,
 * optionally run one program, and show every program's runtime stats.
 * Without FILE: what rax.ko holds (module-wide counters).
 */
static int do_show(int argc, char **argv)
{
	const char *path, *run, *data_in, *repeat;
	const struct keyword kws[] = {
		{ "run", &run },
		{ "data_in", &data_in },
		{ "repeat", &repeat },
		{ 0 }
	};
	struct run_input in = { 0 };
	struct run_result res = { 0 };
	struct rax_program *prog;
	struct rax_object *obj;
	int err = -1;

	if (!argc)
		return prog_kernel_show();
	if (parse_file_args(argc, argv, &path, kws))
		return -1;
	if ((data_in || repeat) && !run) {
		p_err("'data_in' and 'repeat' need 'run PROG'");
		return -1;
	}
	if (run && !data_in) {
		p_err("'run PROG' needs 'data_in FILE'");
		return -1;
	}
	if (repeat && parse_u32(repeat, "repeat", &in.repeat))
		return -1;
	in.data_in = data_in;

	obj = open_object(path, RAX_BACKEND_INPROC);
	if (!obj)
		return -1;
	if (load_object(obj, path))
		goto out;
	if (run) {
		prog = pick_program(obj, run, path);
		if (!prog || run_program(prog, &in, &res))
			goto out;
	}
	out_block_begin(NULL, NULL);
	if (run) {
		out_inline_begin("run", ", ");
		out_str("name", "ran %s", run);
		out_u64("retval", "return value %llu", res.retval);
		out_inline_end();
	}
	out_list_begin("programs", "programs:");
	err = 0;
	rax_object__for_each_program(prog, obj) {
		if (render_prog_stats(prog))
			err = -1;
	}
	out_list_end();
	out_block_end();
out:
	free(res.data_out);
	rax_object__close(obj);
	return err;
}

static const struct cmd prog_cmds[] = {
	{ "run",	do_run,
	  " FILE [name PROG] data_in FILE [data_out FILE] [ctx_in FILE] [repeat N] [show maps]" },
	{ "load",	prog_kernel_load,	" FILE" },
	{ "attach",	prog_kernel_attach,
	  " FILE [name PROG] [kprobe FUNC | kretprobe FUNC | raw_tp EVENT] [duration SECONDS]" },
	{ "detach",	prog_kernel_detach,	" pid PID" },
	{ "show",	do_show,	" [FILE [run PROG data_in FILE [repeat N]]]" },
	{ "help",	do_help,	"" },
	{ 0 }
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return print_noun_help("prog", prog_cmds,
		"\n"
		"run: load FILE (in-process unless RAX_BACKEND=kernel) and run PROG\n"
		"     (needed when FILE has several programs) on the bytes of data_in\n"
		"     ('-' = stdin) repeat times; data_out receives the packet after\n"
		"     the run; 'show maps' prints the maps afterwards (always in JSON).\n"
		"load: load FILE into rax.ko, list its programs and map ids, unload\n"
		"     (nothing is pinned).\n"
		"attach: load FILE into rax.ko and attach PROG (default: every\n"
		"     kprobe/kretprobe/raw_tp program, at the hook its section names) for\n"
		"     duration seconds (default: until SIGINT/SIGTERM or 'prog detach'),\n"
		"     then detach and print the maps.\n"
		"detach: detach the links of a running 'prog attach' process.\n"
		"show: with FILE, load it in-process, optionally run PROG on data_in\n"
		"     repeat times, and show each program's runtime stats (runs,\n"
		"     sampled run time, missed runs, aborts by cause, last abort);\n"
		"     without FILE, what rax.ko holds (objects, links, map\n"
		"     references, arenas).\n");
}

int do_prog(int argc, char **argv)
{
	return cmd_select(prog_cmds, argc, argv, NULL, "prog");
}
