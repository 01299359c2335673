// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_test_run_xdp: the xdp_counter logic as eBPF (kernel JIT, through
 * BPF_PROG_TEST_RUN) and as a Rax extension (librax's in-process runtime,
 * through rax_prog_test_run_opts), run on the same frames of a capture
 * with the same repeat count.
 *
 * 1. every frame of the capture through both, once: results and map
 *    contents must be identical;
 * 2. timing: R rounds of one call with repeat=N per side (alternating),
 *    ns/run from this thread's CPU time around each call (the headline),
 *    the wall clock, and the runtime's own reported duration; median and
 *    best of the rounds;
 * 3. the maps are compared again (both sides ran the same frames the same
 *    number of times).
 *
 * usage: bench_test_run_xdp [--repeat N] [--rounds R] [--frame K|all]
 *			     <object.rax.o> <xdp_counter.bpf.o> <capture.pcap>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_side.h"
#include "../../samples/xdp_counter/pcap_reader.h"

const char *const bench_map_names[BENCH_NR_MAPS] = {
	"PKT_STATS", "PROTO_COUNTS", "PORT_COUNTS",
};

struct frames {
	unsigned char **data;
	uint32_t *len;
	size_t nr;
};

struct key_count {
	uint32_t key;
	uint64_t count;
};

/* One map's contents, sorted by key. */
struct map_dump {
	struct key_count *entries;
	size_t nr;
};

static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_key_count(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Every (u32 key, u64 value) of a map, ARRAY or HASH alike. */
static int dump_map(const struct bench_side *s, int fd, struct map_dump *out)
{
	size_t cap = 64, nr = 0;
	struct key_count *e = malloc(cap * sizeof(*e)), *grown;
	uint32_t key, next;
	const uint32_t *cur = NULL;
	int err;

	if (!e)
		return -ENOMEM;
	while ((err = s->next_key(fd, cur, &next)) == 0) {
		if (nr == cap) {
			grown = realloc(e, 2 * cap * sizeof(*e));
			if (!grown) {
				err = -ENOMEM;
				goto out_free;
			}
			e = grown;
			cap *= 2;
		}
		err = s->lookup(fd, &next, &e[nr].count);
		if (err)
			goto out_free;
		e[nr++].key = next;
		key = next;
		cur = &key;
	}
	if (err != -ENOENT)
		goto out_free;
	qsort(e, nr, sizeof(*e), cmp_key_count);
	out->entries = e;
	out->nr = nr;
	return 0;
out_free:
	free(e);
	return err;
}

/* 0 when both sides' maps hold the same entries; reports the first difference. */
static int compare_maps(const struct bench_side *a, const struct bench_side *b)
{
	struct map_dump da = { 0 }, db = { 0 };
	int ret = 0, err;
	size_t m, i;

	for (m = 0; m < BENCH_NR_MAPS && !ret; m++) {
		err = dump_map(a, a->map_fds[m], &da);
		if (!err)
			err = dump_map(b, b->map_fds[m], &db);
		if (err) {
			fprintf(stderr, "cannot read map %s: %s\n", bench_map_names[m],
				strerror(-err));
			ret = -1;
		} else if (da.nr != db.nr) {
			fprintf(stderr, "map %s: %s has %zu entries, %s %zu\n",
				bench_map_names[m], a->name, da.nr, b->name, db.nr);
			ret = -1;
		} else {
			for (i = 0; i < da.nr; i++) {
				if (da.entries[i].key == db.entries[i].key &&
				    da.entries[i].count == db.entries[i].count)
					continue;
				fprintf(stderr,
					"map %s: %s has [%u]=%" PRIu64
					", %s [%u]=%" PRIu64 "\n",
					bench_map_names[m], a->name, da.entries[i].key,
					da.entries[i].count, b->name,
					db.entries[i].key, db.entries[i].count);
				ret = -1;
				break;
			}
		}
		if (!ret)
			printf("  %-13s %zu entries identical\n", bench_map_names[m], da.nr);
		free(da.entries);
		free(db.entries);
		da = (struct map_dump){ 0 };
		db = (struct map_dump){ 0 };
	}
	return ret;
}

/* Keep a copy of one frame; @cap is the allocated length of f's arrays. */
static int append_frame(struct frames *f, size_t *cap, const unsigned char *data,
			uint32_t len)
{
	if (f->nr == *cap) {
		size_t ncap = *cap ? 2 * *cap : 256;
		unsigned char **nd = realloc(f->data, ncap * sizeof(*nd));
		uint32_t *nl;

		if (!nd)
			return -ENOMEM;
		f->data = nd;
		nl = realloc(f->len, ncap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		f->len = nl;
		*cap = ncap;
	}
	f->data[f->nr] = malloc(len ? len : 1);
	if (!f->data[f->nr])
		return -ENOMEM;
	memcpy(f->data[f->nr], data, len);
	f->len[f->nr++] = len;
	return 0;
}

static int read_frames(const char *path, struct frames *f)
{
	struct pcap_reader r;
	const unsigned char *data;
	size_t cap = 0;
	uint32_t len;
	int err;

	err = pcap_reader_open(&r, path);
	while (!err) {
		err = pcap_reader_next(&r, &data, &len);
		if (err <= 0)
			break;
		err = append_frame(f, &cap, data, len);
	}
	if (err < 0)
		fprintf(stderr, "%s: %s: %s\n", path,
			r.error ? r.error : "reading frames", strerror(-err));
	pcap_reader_close(&r);
	return err < 0 ? err : 0;
}

static void free_frames(struct frames *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		free(f->data[i]);
	free(f->data);
	free(f->len);
}

/* Every frame once through both sides: same result for each. */
static int run_all_once(struct bench_side *sides, const struct frames *f)
{
	uint32_t ret[2], dur;
	size_t i, s;
	int err;

	for (i = 0; i < f->nr; i++) {
		for (s = 0; s < 2; s++) {
			err = sides[s].test_run(sides[s].prog_fd, f->data[i],
						f->len[i], 1, &ret[s], &dur);
			if (err) {
				fprintf(stderr, "%s: test run of frame %zu failed: %s\n",
					sides[s].name, i + 1, strerror(-err));
				return -1;
			}
		}
		if (ret[0] != ret[1]) {
			fprintf(stderr, "frame %zu: %s returned %u, %s %u\n", i + 1,
				sides[0].name, ret[0], sides[1].name, ret[1]);
			return -1;
		}
	}
	return 0;
}

/* One timed round of one side on frames [first, last). */
static int time_round(struct bench_side *s, const struct frames *f, size_t first,
		      size_t last, int repeat, int round)
{
	double wall0, cpu0, runs, reported = 0;
	uint32_t retval, dur;
	size_t i;
	int err;

	wall0 = now_ns(CLOCK_MONOTONIC);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (i = first; i < last; i++) {
		err = s->test_run(s->prog_fd, f->data[i], f->len[i], repeat,
				  &retval, &dur);
		if (err) {
			fprintf(stderr, "%s: timed run failed: %s\n", s->name,
				strerror(-err));
			return -1;
		}
		reported += dur;
	}
	runs = (double)repeat * (last - first);
	s->cpu_ns[round] = (now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / runs;
	s->wall_ns[round] = (now_ns(CLOCK_MONOTONIC) - wall0) / runs;
	s->reported_ns[round] = reported / (last - first);
	return 0;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bench_test_run_xdp [--repeat N] [--rounds R] [--frame K|all]\n"
		"                          <object.rax.o> <xdp_counter.bpf.o> <capture.pcap>\n"
		"  --repeat N   runs per timed call (default 1000000)\n"
		"  --rounds R   timed rounds per side, median and best reported (default 5, max %d)\n"
		"  --frame K    time frame K of the capture (1-based, default 1);\n"
		"               all: every frame, N/frames runs each\n",
		BENCH_MAX_ROUNDS);
	return 2;
}

int main(int argc, char **argv)
{
	struct bench_side sides[2] = { 0 };
	struct frames frames = { 0 };
	long repeat = 1000000, rounds = 5, frame = 1;
	size_t first, last;
	double med[2], best[2], wall_med[2], rep_med[2];
	int argi = 1, ret = 1, r, s, per_frame;

	for (; argi + 1 < argc && !strncmp(argv[argi], "--", 2); argi += 2) {
		char *end;
		long v = strtol(argv[argi + 1], &end, 10);

		if (!strcmp(argv[argi], "--frame") && !strcmp(argv[argi + 1], "all"))
			frame = 0;
		else if (*end || v <= 0)
			return usage();
		else if (!strcmp(argv[argi], "--repeat") && v <= 1000000000)
			repeat = v;
		else if (!strcmp(argv[argi], "--rounds") && v <= BENCH_MAX_ROUNDS)
			rounds = v;
		else if (!strcmp(argv[argi], "--frame"))
			frame = v;
		else
			return usage();
	}
	if (argc - argi != 3)
		return usage();

	if (read_frames(argv[argi + 2], &frames))
		goto out;
	if (!frames.nr || (size_t)frame > frames.nr) {
		fprintf(stderr, "%s: has %zu frames, frame %ld requested\n",
			argv[argi + 2], frames.nr, frame);
		goto out;
	}
	if (bench_side_bpf_open(&sides[0], argv[argi + 1]) ||
	    bench_side_rax_open(&sides[1], argv[argi]))
		goto out;

	printf("capture: %s, %zu frames\n", argv[argi + 2], frames.nr);
	printf("every frame once through both: same results;");
	if (run_all_once(sides, &frames))
		goto out;
	printf(" maps:\n");
	if (compare_maps(&sides[0], &sides[1]))
		goto out;

	first = frame ? (size_t)frame - 1 : 0;
	last = frame ? (size_t)frame : frames.nr;
	per_frame = (int)(repeat / (long)(last - first));
	if (per_frame < 1)
		per_frame = 1;
	if (frame)
		printf("timing frame %ld (%u bytes)", frame, frames.len[first]);
	else
		printf("timing all %zu frames", frames.nr);
	printf(", repeat %d per call, %ld rounds per side\n", per_frame, rounds);
	for (r = 0; r < rounds; r++)
		for (s = 0; s < 2; s++)
			if (time_round(&sides[s], &frames, first, last,
				       per_frame, r))
				goto out;

	/*
	 * Thread CPU time is the headline: it counts the kernel's test-run
	 * loop (system time of this thread) and the in-process loop alike,
	 * and not the time other tasks on a busy machine take.  The kernel's
	 * reported duration leaves out its rescheduling points, librax's
	 * does not, so compare those with care.
	 */
	printf("  %-6s %11s %11s %12s %15s\n", "ns/run", "cpu median", "cpu best",
	       "wall median", "reported median");
	for (s = 0; s < 2; s++) {
		med[s] = median(sides[s].cpu_ns, rounds);
		/* median() sorted the rounds: [0] is the best */
		best[s] = sides[s].cpu_ns[0];
		wall_med[s] = median(sides[s].wall_ns, rounds);
		rep_med[s] = median(sides[s].reported_ns, rounds);
		printf("  %-6s %11.2f %11.2f %12.2f %15.1f\n", sides[s].name,
		       med[s], best[s], wall_med[s], rep_med[s]);
	}
	printf("ratio Rax/eBPF (cpu median): %.3f  (cpu best %.3f, wall median %.3f, reported %.3f)\n",
	       med[1] / med[0], best[1] / best[0], wall_med[1] / wall_med[0],
	       rep_med[1] / rep_med[0]);

	printf("after timing:\n");
	if (compare_maps(&sides[0], &sides[1]))
		goto out;
	ret = 0;
out:
	for (s = 0; s < 2; s++)
		if (sides[s].close)
			sides[s].close(&sides[s]);
	free_frames(&frames);
	return ret;
}
