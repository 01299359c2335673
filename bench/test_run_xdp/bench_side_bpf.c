// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The eBPF side of the benchmark: libbpf, the kernel's JIT and test-run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_side.h"

static int bpf_side_run(int prog_fd, const void *data, uint32_t len, int repeat,
			uint32_t *retval, uint32_t *duration_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	*retval = opts.retval;
	*duration_ns = opts.duration;
	return err;
}

static int bpf_side_lookup(int map_fd, const uint32_t *key, uint64_t *value)
{
	return bpf_map_lookup_elem(map_fd, key, value);
}

static int bpf_side_next_key(int map_fd, const uint32_t *key, uint32_t *next_key)
{
	return bpf_map_get_next_key(map_fd, key, next_key);
}

static void bpf_side_close(struct bench_side *s)
{
	bpf_object__close(s->obj);
	s->obj = NULL;
}

int bench_side_bpf_open(struct bench_side *s, const char *path)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	size_t m;
	int err;

	*s = (struct bench_side){
		.name = "eBPF",
		.test_run = bpf_side_run,
		.lookup = bpf_side_lookup,
		.next_key = bpf_side_next_key,
		.close = bpf_side_close,
	};
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "eBPF: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	s->obj = obj;
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "eBPF: cannot load %s: %s (needs root and bpf())\n",
			path, strerror(-err));
		return -1;
	}
	prog = bpf_object__find_program_by_name(obj, BENCH_PROG_NAME);
	if (!prog) {
		fprintf(stderr, "eBPF: no program %s in %s\n", BENCH_PROG_NAME, path);
		return -1;
	}
	s->prog_fd = bpf_program__fd(prog);
	for (m = 0; m < BENCH_NR_MAPS; m++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, bench_map_names[m]);

		if (!map) {
			fprintf(stderr, "eBPF: no map %s in %s\n", bench_map_names[m], path);
			return -1;
		}
		s->map_fds[m] = bpf_map__fd(map);
	}
	return 0;
}
