// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The Rax side of the benchmark: librax's in-process runtime and test-run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rax/librax.h>

#include "bench_side.h"

static int rax_side_run(int prog_fd, const void *data, uint32_t len, int repeat,
			uint32_t *retval, uint32_t *duration_ns)
{
	RAX_OPTS(rax_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = repeat,
	);
	int err = rax_prog_test_run_opts(prog_fd, &opts);

	*retval = opts.retval;
	*duration_ns = opts.duration;
	return err;
}

static int rax_side_lookup(int map_fd, const uint32_t *key, uint64_t *value)
{
	return rax_map_lookup_elem(map_fd, key, value);
}

static int rax_side_next_key(int map_fd, const uint32_t *key, uint32_t *next_key)
{
	return rax_map_get_next_key(map_fd, key, next_key);
}

static void rax_side_close(struct bench_side *s)
{
	rax_object__close(s->obj);
	s->obj = NULL;
}

int bench_side_rax_open(struct bench_side *s, const char *path)
{
	/* In-process explicitly: the point is to measure librax's runtime. */
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_INPROC);
	struct rax_object *obj;
	struct rax_program *prog;
	size_t m;
	int err;

	*s = (struct bench_side){
		.name = "Rax",
		.test_run = rax_side_run,
		.lookup = rax_side_lookup,
		.next_key = rax_side_next_key,
		.close = rax_side_close,
	};
	obj = rax_object__open_file(path, &opts);
	if (!obj) {
		fprintf(stderr, "Rax: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	s->obj = obj;
	err = rax_object__load(obj);
	if (err) {
		fprintf(stderr, "Rax: cannot load %s: %s\n", path, strerror(-err));
		return -1;
	}
	prog = rax_object__find_program_by_name(obj, BENCH_PROG_NAME);
	if (!prog) {
		fprintf(stderr, "Rax: no program %s in %s\n", BENCH_PROG_NAME, path);
		return -1;
	}
	s->prog_fd = rax_program__fd(prog);
	for (m = 0; m < BENCH_NR_MAPS; m++) {
		struct rax_map *map = rax_object__find_map_by_name(obj, bench_map_names[m]);

		if (!map) {
			fprintf(stderr, "Rax: no map %s in %s\n", bench_map_names[m], path);
			return -1;
		}
		s->map_fds[m] = rax_map__fd(map);
	}
	return 0;
}
