// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * raxtool map: dump the maps of a Rax object.  In-process maps live in this
 * process, so "map dump" can run a program first and then show what it did.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raxtool.h"

/* Little-endian value of a 4- or 8-byte key/value, as the programs store it. */
static uint64_t le_number(const unsigned char *b, size_t len)
{
	uint64_t v = 0;

	for (size_t i = len; i-- > 0;)
		v = (v << 8) | b[i];
	return v;
}

static bool is_number_size(size_t len)
{
	return len == 4 || len == 8;
}

static void render_entry(const void *key, size_t key_sz, const void *value,
			 size_t value_sz)
{
	out_inline_begin(NULL, "  ");
	out_hex("key", "key: %s", key, key_sz);
	out_hex("value", "value: %s", value, value_sz);
	/* Without type information, numbers help JSON consumers (JSON only,
	 * like bpftool's "formatted" member). */
	if (json_output && (is_number_size(key_sz) || is_number_size(value_sz))) {
		out_block_begin("formatted", NULL);
		if (is_number_size(key_sz))
			out_u64("key", NULL, le_number(key, key_sz));
		if (is_number_size(value_sz))
			out_u64("value", NULL, le_number(value, value_sz));
		out_block_end();
	}
	out_inline_end();
}

static int render_map(const struct rax_map *map)
{
	size_t key_sz = rax_map__key_size(map), value_sz = rax_map__value_size(map);
	__u32 max_entries = rax_map__max_entries(map);
	unsigned char *key, *next_key, *value;
	unsigned int found = 0;
	int err = 0;

	key = calloc(1, key_sz ? key_sz : 1);
	next_key = calloc(1, key_sz ? key_sz : 1);
	value = calloc(1, value_sz ? value_sz : 1);
	if (!key || !next_key || !value) {
		p_err("out of memory dumping map '%s'", rax_map__name(map));
		err = -1;
		goto out;
	}

	out_inline_begin(NULL, "  ");
	out_str("name", "%s:", rax_map__name(map));
	out_str("type", "%s", map_type_str(rax_map__type(map)));
	out_u64("key_size", "key %lluB", key_sz);
	out_u64("value_size", "value %lluB", value_sz);
	out_u64("max_entries", "max_entries %llu", max_entries);
	out_list_begin("entries", NULL);
	if (rax_map__type(map) == RAX_MAP_TYPE_PERF_EVENT_ARRAY) {
		/* Its elements are perf event fds: bpf(2) has no lookup for them. */
		out_list_end();
		out_plain("(perf event array: read the records with a perf buffer)");
		out_inline_end();
		goto out;
	}
	/* Bounded by max_entries so a misbehaving iterator cannot loop forever. */
	for (__u64 i = 0; i <= max_entries; i++) {
		int ret = rax_map__get_next_key(map, i ? key : NULL, next_key, key_sz);

		if (ret == -ENOENT)
			break;
		if (ret) {
			p_err("can't iterate map '%s': %s", rax_map__name(map),
			      strerror(-ret));
			err = -1;
			break;
		}
		memcpy(key, next_key, key_sz);
		ret = rax_map__lookup_elem(map, key, key_sz, value, value_sz, 0);
		if (ret == -ENOENT)
			continue;	/* deleted since get_next_key */
		if (ret) {
			p_err("can't read map '%s': %s", rax_map__name(map),
			      strerror(-ret));
			err = -1;
			break;
		}
		render_entry(key, key_sz, value, value_sz);
		found++;
	}
	out_list_end();
	if (!err)
		out_plain("Found %u element%s", found, found == 1 ? "" : "s");
	out_inline_end();
out:
	free(key);
	free(next_key);
	free(value);
	return err;
}

int render_maps(const struct rax_object *obj, const char *only)
{
	struct rax_map *map;
	int err = 0;

	out_list_begin("maps", NULL);
	rax_object__for_each_map(map, obj) {
		if (only && strcmp(rax_map__name(map), only))
			continue;
		err = render_map(map);
		if (err)
			break;
	}
	out_list_end();
	return err;
}

static int do_dump(int argc, char **argv)
{
	const char *path, *map_name, *prog_name, *data_in, *repeat;
	const struct keyword kws[] = {
		{ "name", &map_name },
		{ "run", &prog_name },
		{ "data_in", &data_in },
		{ "repeat", &repeat },
		{ 0 }
	};
	struct run_input in = { 0 };
	struct run_result res = { 0 };
	struct rax_program *prog = NULL;
	struct rax_object *obj;
	int err = -1;

	if (parse_file_args(argc, argv, &path, kws))
		return -1;
	if (!prog_name && (data_in || repeat)) {
		p_err("'%s' needs 'run PROG'", data_in ? "data_in" : "repeat");
		return -1;
	}
	if (prog_name && !data_in) {
		p_err("'run' needs 'data_in FILE'");
		return -1;
	}
	if (repeat && parse_u32(repeat, "repeat", &in.repeat))
		return -1;
	in.data_in = data_in;

	obj = open_object(path, run_backend());
	if (!obj)
		return -1;
	if (map_name && !rax_object__find_map_by_name(obj, map_name)) {
		p_err("map '%s' not found in '%s'", map_name, path);
		goto out;
	}
	if (prog_name) {
		prog = pick_program(obj, prog_name, path);
		if (!prog)
			goto out;
	}
	if (load_object(obj, path))
		goto out;
	if (prog && run_program(prog, &in, &res))
		goto out;
	err = render_maps(obj, map_name);
out:
	rax_object__close(obj);
	return err;
}

static int do_help(int argc, char **argv);

static const struct cmd map_cmds[] = {
	{ "dump",	do_dump,	" FILE [name MAP] [run PROG data_in FILE [repeat N]]" },
	{ "help",	do_help,	"" },
	{ 0 }
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return print_noun_help("map", map_cmds,
		"\n"
		"dump: load FILE (in-process unless RAX_BACKEND=kernel), optionally\n"
		"      run PROG on the packet in data_in, then print every map (or\n"
		"      only MAP): 'key: xx ..  value: xx ..' and 'Found N elements'.\n");
}

int do_map(int argc, char **argv)
{
	return cmd_select(map_cmds, argc, argv, NULL, "map");
}
