// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool object: inspect a Rax object file and run the safety gate on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raxtool.h"

/* Metadata keys shown by "object show" (ABI v1 keys of ".rax.meta"). */
static const char *const meta_keys[] = {
	"crate", "crate_version", "rax_crate_version", "rustc", "flags_id", "policy",
};

static void render_meta(const struct rax_object *obj)
{
	out_block_begin("meta", "metadata:");
	for (size_t i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++) {
		const char *val = rax_object__meta(obj, meta_keys[i]);
		char fmt[64];

		snprintf(fmt, sizeof(fmt), "%s: %%s", meta_keys[i]);
		out_str(meta_keys[i], val ? fmt : NULL, val);
	}
	out_block_end();
}

static void render_check_summary(int nr_findings)
{
	out_inline_begin("check", ", ");
	if (nr_findings < 0) {
		out_str("error", "check: failed (%s)", strerror(-nr_findings));
	} else {
		out_bool("accepted", NULL, nr_findings == 0);
		out_str("result", "check: %s", nr_findings ? "rejected" : "accepted");
		out_u64("findings", "%llu finding(s)", nr_findings);
	}
	out_inline_end();
}

static void render_program(const struct rax_program *prog, bool checked)
{
	out_inline_begin(NULL, "  ");
	out_str("name", "%s", rax_program__name(prog));
	out_str("section", "section %s", rax_program__section_name(prog));
	out_str("type", "type %s", prog_type_str(rax_program__type(prog)));
	out_u64("code_size", "code %lluB", rax_program__code_size(prog));
	if (checked) {
		size_t n = rax_program__checked_func_cnt(prog);

		size_t imports = rax_program__import_cnt(prog);

		out_u64("stack_depth", "stack %lluB", rax_program__stack_depth(prog));
		out_inline_list_begin("imports", "imports ");
		for (size_t i = 0; i < imports; i++)
			out_str(NULL, "%s", rax_program__import_name(prog, i));
		out_list_end();
		out_inline_list_begin("checked_funcs", "entry-checked ");
		for (size_t i = 0; i < n; i++)
			out_str(NULL, "%s", rax_program__checked_func_name(prog, i));
		out_list_end();
	}
	out_inline_end();
}

static void render_map_def(const struct rax_map *map)
{
	out_inline_begin(NULL, "  ");
	out_str("name", "%s", rax_map__name(map));
	out_str("type", "type %s", map_type_str(rax_map__type(map)));
	out_u64("key_size", "key %lluB", rax_map__key_size(map));
	out_u64("value_size", "value %lluB", rax_map__value_size(map));
	out_u64("max_entries", "max_entries %llu", rax_map__max_entries(map));
	out_inline_end();
}

static int do_show(int argc, char **argv)
{
	struct rax_object *obj;
	struct rax_program *prog;
	struct rax_map *map;
	int nr_findings;
	size_t n;

	if (argc < 1) {
		p_err("missing object FILE");
		return -1;
	}
	if (argc > 1) {
		p_err("unexpected argument '%s' after FILE", argv[1]);
		return -1;
	}
	obj = open_object(argv[0], RAX_BACKEND_AUTO);
	if (!obj)
		return -1;
	/* The gate fills in stack depths and findings for the listing. */
	nr_findings = rax_object__check(obj, NULL);

	out_block_begin(NULL, NULL);
	out_str("name", "name: %s", rax_object__name(obj));
	out_str("file", "file: %s", argv[0]);
	out_str("backend", "backend: %s", backend_str(rax_object__backend(obj)));
	out_str("license", "license: %s", rax_object__license(obj));
	render_meta(obj);
	render_check_summary(nr_findings);

	out_list_begin("programs", "programs:");
	rax_object__for_each_program(prog, obj)
		render_program(prog, nr_findings >= 0);
	out_list_end();

	out_list_begin("maps", "maps:");
	rax_object__for_each_map(map, obj)
		render_map_def(map);
	out_list_end();

	out_list_begin("imports", "imports:");
	n = rax_object__import_cnt(obj);
	for (size_t i = 0; i < n; i++)
		out_str(NULL, "%s", rax_object__import_name(obj, i));
	out_list_end();
	out_block_end();

	rax_object__close(obj);
	return 0;
}

static void render_finding(const struct rax_check_finding *f)
{
	/* Plain: "<rule>: <func>+0x<off> (<source>): <message>"; object-wide
	 * findings have no function and usually no offset. */
	bool located = f->func || f->offset || f->source;

	out_inline_begin(NULL, "");
	out_str("rule", "%s: ", f->rule);
	out_str("function", "%s", f->func);
	out_u64("offset", f->func ? "+0x%llx" : f->offset ? "offset 0x%llx" : NULL,
		f->offset);
	out_str("source", " (%s)", f->source);
	out_str("message", located ? ": %s" : "%s", f->message);
	out_inline_end();
}

static void render_finding_cb(const struct rax_check_finding *f, void *ctx)
{
	(void)ctx;
	render_finding(f);
}

/*
 * Open @path for "object check" without the generic open error: an image
 * the reader refuses still gets the gate's findings (*image_findings >= 0
 * and NULL returned); -1 in *image_findings means an error was printed.
 */
static struct rax_object *open_for_check(const char *path, void **buf, size_t *size,
					 const struct rax_check_opts *opts,
					 int *image_findings)
{
	const char *base = strrchr(path, '/');
	RAX_OPTS(rax_object_open_opts, open_opts, .object_name = base ? base + 1 : path);
	struct rax_object *obj;
	int err;

	*image_findings = -1;
	if (read_file(path, "object", buf, size))
		return NULL;
	if (*size < 4 || memcmp(*buf, "\177ELF", 4)) {
		p_err("'%s' is not an ELF file (not a Rax object)", path);
		return NULL;
	}
	obj = rax_object__open_mem(*buf, *size, &open_opts);
	if (obj)
		return obj;
	err = errno;
	*image_findings = rax_check_image(*buf, *size, opts, NULL, NULL);
	if (*image_findings <= 0) {
		/* the gate sees nothing wrong (or failed): the reader's error */
		p_err("can't open Rax object '%s': %s", path, strerror(err));
		*image_findings = -1;
	}
	return NULL;
}

static int do_check(int argc, char **argv)
{
	RAX_OPTS(rax_check_opts, opts);
	struct rax_object *obj;
	void *buf = NULL;
	size_t size = 0;
	int nr_findings;

	if (argc < 1) {
		p_err("missing object FILE");
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "reject-recursion")) {
			p_err("unknown keyword '%s'; expected 'reject-recursion'", argv[i]);
			return -1;
		}
		opts.reject_recursion = true;
	}
	obj = open_for_check(argv[0], &buf, &size, &opts, &nr_findings);
	if (!obj && nr_findings < 0) {
		free(buf);
		return -1;
	}
	if (obj) {
		nr_findings = rax_object__check(obj, &opts);
		if (nr_findings < 0) {
			p_err("can't check '%s': %s", argv[0], strerror(-nr_findings));
			rax_object__close(obj);
			free(buf);
			return -1;
		}
	}

	out_block_begin(NULL, NULL);
	out_bool("accepted", NULL, nr_findings == 0);
	out_list_begin("findings", NULL);
	if (obj) {
		for (int i = 0; i < nr_findings; i++) {
			const struct rax_check_finding *f = rax_object__finding(obj, i);

			if (f)
				render_finding(f);
		}
	} else {
		/* the object could not be opened: findings straight from the image */
		rax_check_image(buf, size, &opts, render_finding_cb, NULL);
	}
	out_list_end();
	if (nr_findings)
		out_plain("%s: rejected, %d finding%s", argv[0], nr_findings,
			  nr_findings == 1 ? "" : "s");
	else
		out_plain("%s: accepted", argv[0]);
	out_block_end();

	rax_object__close(obj);
	free(buf);
	return nr_findings ? 1 : 0;
}

static int do_help(int argc, char **argv);

static const struct cmd object_cmds[] = {
	{ "show",	do_show,	" FILE" },
	{ "check",	do_check,	" FILE [reject-recursion]" },
	{ "help",	do_help,	"" },
	{ 0 }
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return print_noun_help("object", object_cmds,
		"\n"
		"show:  name, backend, license, metadata, gate result, programs\n"
		"       (stack depth, imports, entry-checked functions), maps and helper imports of FILE.\n"
		"check: run the safety gate; exit status 0 iff FILE is accepted.\n"
		"       reject-recursion: reject recursive programs instead of\n"
		"       marking them for the runtime's stack entry check.\n");
}

int do_object(int argc, char **argv)
{
	return cmd_select(object_cmds, argc, argv, NULL, "object");
}
