// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool: inspect, check and run Rax objects (a bpftool look-alike).
 * main() parses the global options and dispatches to one file per noun.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "raxtool.h"

bool json_output;
bool debug_output;
const char *bin_name = "raxtool";

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct cmd top_cmds[] = {
	{ "object",	do_object,	" { COMMAND | help }" },
	{ "prog",	do_prog,	" { COMMAND | help }" },
	{ "map",	do_map,		" { COMMAND | help }" },
	{ "build",	do_build,	" { COMMAND | help }" },
	{ "version",	do_version,	"" },
	{ "help",	do_help,	"" },
	{ 0 }
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (json_output)
		return 0;
	printf("Usage: %s [OPTIONS] NOUN { COMMAND | help }\n", bin_name);
	printf("       %s version\n", bin_name);
	printf("       NOUN := {");
	for (const struct cmd *c = top_cmds; c->name; c++)
		if (strcmp(c->name, "version") && strcmp(c->name, "help"))
			printf(" %s%s", c == top_cmds ? "" : "| ", c->name);
	printf(" }\n");
	printf("       OPTIONS := { -j|--json | -p|--pretty | -d|--debug |\n"
	       "                    -h|--help | -V|--version }\n"
	       "Commands may be abbreviated to a unique prefix: '%s o s FILE'.\n",
	       bin_name);
	return 0;
}

static int do_version(int argc, char **argv)
{
	(void)argv;
	if (argc) {
		p_err("'version' takes no arguments");
		return -1;
	}
	out_block_begin(NULL, NULL);
	out_inline_begin(NULL, ", ");
	out_str("version", "raxtool v%s", RAX_VERSION);
	out_u64("abi_version", "Rax ABI v%llu", RAX_ABI_VERSION);
	out_inline_end();
	out_block_end();
	return 0;
}

/* librax log -> stderr: warnings always, info and debug only with -d. */
static int print_librax(enum librax_print_level level, const char *fmt,
			va_list args)
{
	if (level != LIBRAX_WARN && !debug_output)
		return 0;
	return vfprintf(stderr, fmt, args);	/* librax prefixes its messages */
}

static const struct option_def {
	char short_name;
	const char *long_name;
	bool *flag;
} option_defs[] = {
	{ 'j', "json",		&json_output },
	{ 'p', "pretty",	NULL },		/* implies -j */
	{ 'd', "debug",		&debug_output },
	{ 'h', "help",		NULL },
	{ 'V', "version",	NULL },
	{ 0 }
};

static bool pretty_opt, help_opt, version_opt;

static bool set_option(const struct option_def *o)
{
	switch (o->short_name) {
	case 'p':
		pretty_opt = json_output = true;
		break;
	case 'h':
		help_opt = true;
		break;
	case 'V':
		version_opt = true;
		break;
	default:
		*o->flag = true;
		break;
	}
	return true;
}

/* "-jp" or "--json"; false when @arg names no option. */
static bool parse_option(const char *arg)
{
	const struct option_def *o;

	if (arg[1] == '-') {
		for (o = option_defs; o->short_name; o++)
			if (!strcmp(arg + 2, o->long_name))
				return set_option(o);
		return false;
	}
	/* All letters must be options before any takes effect ("-jx" is not). */
	for (const char *c = arg + 1; *c; c++) {
		for (o = option_defs; o->short_name; o++)
			if (*c == o->short_name)
				break;
		if (!o->short_name)
			return false;
	}
	for (const char *c = arg + 1; *c; c++)
		for (o = option_defs; o->short_name; o++)
			if (*c == o->short_name)
				set_option(o);
	return true;
}

/*
 * Global options may appear anywhere (like bpftool), but unlike getopt's
 * permutation a negative number or "-" (stdin) stays an argument, "--"
 * ends the options, and after the noun an unknown "-x" is left to the
 * command (e.g. "build -o FILE").  Returns the remaining argument count.
 */
static int parse_options(int argc, char **argv, const char **bad_opt)
{
	bool options_done = false;
	int kept = 0;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (options_done || arg[0] != '-' || !arg[1] ||
		    (arg[1] >= '0' && arg[1] <= '9')) {
			argv[kept++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--")) {
			options_done = true;
			continue;
		}
		if (parse_option(arg))
			continue;
		if (kept)
			argv[kept++] = argv[i];	/* the command's own option */
		else if (!*bad_opt)
			*bad_opt = arg;
	}
	argv[kept] = NULL;
	return kept;
}

int main(int argc, char **argv)
{
	const char *bad_opt = NULL;
	int ret;

	argc = parse_options(argc, argv, &bad_opt);

	if (out_init(pretty_opt)) {
		perror("raxtool");
		return 1;
	}
	librax_set_print(print_librax);

	if (bad_opt)
		ret = (p_err("unknown option '%s'; see '%s help'", bad_opt, bin_name), -1);
	else if (version_opt)
		ret = do_version(0, NULL);
	else if (help_opt && !argc)
		ret = do_help(0, NULL);
	else if (help_opt)
		/* "raxtool -h prog" = "raxtool prog help" */
		ret = cmd_select(top_cmds, 2, (char *[]){ argv[0], "help", NULL },
				 NULL, NULL);
	else
		ret = cmd_select(top_cmds, argc, argv, NULL, NULL);

	out_fini();
	return ret ? 1 : 0;
}
