// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Plumbing shared by the noun files: the error path, command and keyword
 * parsing, reading input files and opening objects with clear errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raxtool.h"

void p_err(const char *fmt, ...)
{
	struct json_writer *jw = out_json();
	char *msg;
	va_list ap;
	bool wrap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;

	if (!jw || (jsonw_started(jw) && !jsonw_depth(jw))) {
		/* Plain mode, or the JSON document is already complete. */
		fprintf(stderr, "Error: %s\n", msg ? msg : fmt);
		free(msg);
		return;
	}
	/* Keep the document valid wherever the error interrupts it. */
	wrap = !jsonw_in_object(jw);
	if (wrap)
		jsonw_start_object(jw);
	jsonw_name(jw, "error");
	jsonw_string(jw, msg ? msg : fmt);
	if (wrap)
		jsonw_end_object(jw);
	free(msg);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool is_prefix(const char *pfx, const char *str)
{
	return *pfx && !strncmp(pfx, str, strlen(pfx));
}

static void list_commands(const struct cmd *cmds, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct cmd *c = cmds; c->name && used < size; c++) {
		if (!c->synopsis)
			continue;
		used += snprintf(buf + used, size - used, "%s%s",
				 used ? " | " : "", c->name);
	}
}

int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       int (*dflt)(int argc, char **argv), const char *noun)
{
	const struct cmd *match = NULL;
	char names[256];
	int matches = 0;

	list_commands(cmds, names, sizeof(names));
	if (argc < 1) {
		if (dflt)
			return dflt(argc, argv);
		p_err("missing command%s%s%s; expected one of: %s", noun ? " for '" : "",
		      noun ? noun : "", noun ? "'" : "", names);
		return -1;
	}
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!strcmp(argv[0], c->name)) {
			match = c;
			matches = 1;
			break;
		}
		if (is_prefix(argv[0], c->name)) {
			match = c;
			matches++;
		}
	}
	if (matches > 1) {
		p_err("ambiguous command '%s'; expected one of: %s", argv[0], names);
		return -1;
	}
	if (!match) {
		p_err("unknown command '%s'%s%s%s; expected one of: %s", argv[0],
		      noun ? " for '" : "", noun ? noun : "", noun ? "'" : "", names);
		return -1;
	}
	return match->func(argc - 1, argv + 1);
}

int print_noun_help(const char *noun, const struct cmd *cmds, const char *extra)
{
	bool first = true;

	if (json_output)
		return 0;	/* the writer prints null */
	for (const struct cmd *c = cmds; c->name; c++) {
		if (!c->synopsis)
			continue;
		printf("%s %s %s %s%s\n", first ? "Usage:" : "      ", bin_name, noun,
		       c->name, c->synopsis);
		first = false;
	}
	if (extra)
		fputs(extra, stdout);
	return 0;
}

int parse_keywords(int argc, char **argv, const struct keyword *kws)
{
	for (const struct keyword *k = kws; k->name; k++)
		*k->value = NULL;

	while (argc > 0) {
		const struct keyword *k;

		for (k = kws; k->name; k++)
			if (!strcmp(argv[0], k->name))
				break;
		if (!k->name) {
			p_err("unknown keyword '%s'", argv[0]);
			return -1;
		}
		if (*k->value) {
			p_err("keyword '%s' given twice", k->name);
			return -1;
		}
		if (argc < 2) {
			p_err("keyword '%s' needs a value", k->name);
			return -1;
		}
		*k->value = argv[1];
		argc -= 2;
		argv += 2;
	}
	return 0;
}

int parse_file_args(int argc, char **argv, const char **path,
		    const struct keyword *kws)
{
	if (argc < 1) {
		p_err("missing object FILE");
		return -1;
	}
	*path = argv[0];
	return parse_keywords(argc - 1, argv + 1, kws);
}

int parse_u32(const char *s, const char *what, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+') {
		p_err("bad number '%s' for %s", s, what);
		return -1;
	}
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX) {
		p_err("bad number '%s' for %s", s, what);
		return -1;
	}
	*out = v;
	return 0;
}

int read_file(const char *path, const char *what, void **buf, size_t *size)
{
	size_t cap = 4096, len = 0;
	char *data = NULL;
	FILE *f;

	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		p_err("can't open %s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	data = malloc(cap);
	while (data) {
		size_t n = fread(data + len, 1, cap - len, f);
		char *bigger;

		len += n;
		if (len < cap)
			break;
		cap *= 2;
		bigger = realloc(data, cap);
		if (!bigger) {
			free(data);
			data = NULL;
			break;
		}
		data = bigger;
	}
	if (!data || ferror(f)) {
		p_err("can't read %s '%s': %s", what, path,
		      data ? strerror(errno) : "out of memory");
		free(data);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	*buf = data;
	*size = len;
	return 0;
}

/* Check the path before librax so the common mistakes get precise messages. */
static int check_object_file(const char *path)
{
	unsigned char magic[4];
	ssize_t n;
	int fd;

	/* No <sys/stat.h>: its <linux/types.h> clashes with abi.h's __u64. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		p_err("can't open object '%s': %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, magic, sizeof(magic));
	if (n < 0) {
		p_err("can't read object '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (n != sizeof(magic) || memcmp(magic, "\177ELF", 4)) {
		p_err("'%s' is not an ELF file (not a Rax object)", path);
		return -1;
	}
	return 0;
}

struct rax_object *open_object(const char *path, enum rax_backend backend)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = backend);
	struct rax_object *obj;

	if (check_object_file(path))
		return NULL;
	obj = rax_object__open_file(path, &opts);
	if (!obj) {
		p_err("can't open Rax object '%s': %s", path, strerror(errno));
		return NULL;
	}
	return obj;
}

int load_object(struct rax_object *obj, const char *path)
{
	int err = rax_object__load(obj);

	if (err) {
		if (err == -EACCES)
			p_err("object '%s' rejected by the safety gate; see 'raxtool object check %s'",
			      path, path);
		else
			p_err("can't load object '%s': %s", path, strerror(-err));
		return -1;
	}
	return 0;
}

const char *prog_type_str(enum rax_prog_type type)
{
	switch (type) {
	case RAX_PROG_TYPE_XDP:
		return "xdp";
	case RAX_PROG_TYPE_KPROBE:
		return "kprobe";
	case RAX_PROG_TYPE_RAW_TRACEPOINT:
		return "raw_tracepoint";
	case RAX_PROG_TYPE_SCHED_CLS:
		return "sched_cls";
	case RAX_PROG_TYPE_SYSCALL:
		return "syscall";
	default:
		return "unspec";
	}
}

const char *map_type_str(enum rax_map_type type)
{
	switch (type) {
	case RAX_MAP_TYPE_HASH:
		return "hash";
	case RAX_MAP_TYPE_ARRAY:
		return "array";
	case RAX_MAP_TYPE_PERF_EVENT_ARRAY:
		return "perf_event_array";
	default:
		return "unknown";
	}
}

const char *backend_str(enum rax_backend backend)
{
	switch (backend) {
	case RAX_BACKEND_INPROC:
		return "inproc";
	case RAX_BACKEND_KERNEL:
		return "kernel";
	default:
		return "auto";
	}
}
