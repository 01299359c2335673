// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool: inspect, check and run Rax objects (a bpftool look-alike).
 * main() parses the global options and dispatches to one file per noun.
 */
#include <getopt.h>
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
	fputs("librax: ", stderr);
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "pretty",	no_argument,	NULL, 'p' },
		{ "debug",	no_argument,	NULL, 'd' },
		{ "help",	no_argument,	NULL, 'h' },
		{ "version",	no_argument,	NULL, 'V' },
		{ 0 }
	};
	const char *bad_opt = NULL;
	bool pretty = false, help = false, version = false;
	int opt, ret;

	opterr = 0;	/* unknown options go through p_err() below */
	while ((opt = getopt_long(argc, argv, "jpdhV", options, NULL)) >= 0) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = true;
			pretty = true;
			break;
		case 'd':
			debug_output = true;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		default:
			bad_opt = argv[optind - 1];
			break;
		}
	}
	argc -= optind;
	argv += optind;

	if (out_init(pretty)) {
		perror("raxtool");
		return 1;
	}
	librax_set_print(print_librax);

	if (bad_opt)
		ret = (p_err("unknown option '%s'; see '%s help'", bad_opt, bin_name), -1);
	else if (version)
		ret = do_version(0, NULL);
	else if (help && !argc)
		ret = do_help(0, NULL);
	else if (help)
		/* "raxtool -h prog" = "raxtool prog help" */
		ret = cmd_select(top_cmds, 2, (char *[]){ argv[0], "help", NULL },
				 NULL, NULL);
	else
		ret = cmd_select(top_cmds, argc, argv, NULL, NULL);

	out_fini();
	return ret ? 1 : 0;
}
