// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The in-process backend end to end: objects assembled from
 * tests/unit/objs_rt/ are opened, loaded and run through the public API
 * (open -> load -> rax_prog_test_run_opts -> rax_map__lookup_elem); the
 * internal header is used only to look at what the public API cannot
 * show (image protections, counters, nesting depth, the loader alone).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rax/librax.h>
#include "librax_internal.h"
#include "runtime_inproc.h"
#include "unit_util.h"

static struct rax_object *open_loaded(const char *file)
{
	struct rax_object *obj = rax_object__open_file(test_obj_path(file), NULL);

	if (!obj) {
		fprintf(stderr, "open of %s failed: %s\nlog:\n%s\n", file, strerror(errno),
			test_log);
		fail();
	}
	if (rax_object__load(obj)) {
		fprintf(stderr, "load of %s failed: %s\nlog:\n%s\n", file, strerror(errno),
			test_log);
		fail();
	}
	return obj;
}

static int prog_fd(struct rax_object *obj, const char *name)
{
	struct rax_program *prog = rax_object__find_program_by_name(obj, name);

	assert_non_null(prog);
	assert_true(rax_program__fd(prog) >= 0);
	return rax_program__fd(prog);
}

static struct rax_inproc_prog *prog_state(struct rax_object *obj, const char *name)
{
	struct rax_program *prog = rax_object__find_program_by_name(obj, name);

	assert_non_null(prog);
	return rax_inproc_prog_state(prog);
}

/* ---- Relocations ------------------------------------------------------------- */
/* Constants of objs_rt/rt_relocs.S: consts[0], bias, consts[1], tick(). */
#define RELOCS_MULT 1000u
#define RELOCS_ADD (7u + 3u + 5u)
#define RELOCS_KEY 2u

static void test_relocations(void **state)
{
	struct rax_object *obj = open_loaded("rt_relocs.o");
	struct rax_map *results = rax_object__find_map_by_name(obj, "results");
	__u8 pkt[60];
	__u32 key = RELOCS_KEY;
	__u64 value = 0, expect;
	int fd = prog_fd(obj, "rt_relocs");
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	(void)state;
	memset(pkt, 0x11, sizeof(pkt));
	assert_non_null(results);
	expect = sizeof(pkt) * RELOCS_MULT + RELOCS_ADD;

	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	/* the value written through the GOT-addressed map, read back; + hits (1) */
	assert_int_equal(opts.retval, (__u32)(expect + 1));
	assert_int_equal(rax_map__lookup_elem(results, &key, sizeof(key), &value,
					      sizeof(value), 0), 0);
	assert_int_equal(value, expect);

	/* .bss persists between runs: three more runs leave hits at 4 */
	opts.repeat = 3;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, (__u32)(expect + 4));
	assert_int_equal(prog_state(obj, "rt_relocs")->stats.runs, 4);
	rax_object__close(obj);
}

/* Find the /proc/self/maps line covering @addr; returns its permissions. */
static bool perms_of(const void *addr, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) != 3)
			continue;
		if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			memcpy(perms, p, 5);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_image_protections(void **state)
{
	struct rax_object *obj = open_loaded("rt_relocs.o");
	struct rax_program *prog = rax_object__find_program_by_name(obj, "rt_relocs");
	struct rax_inproc_image *img = obj->inproc;
	char perms[5];
	size_t off;

	(void)state;
	assert_non_null(img);
	assert_true(perms_of(prog->entry, perms));
	assert_string_equal(perms, "r-xp");
	assert_true(perms_of(img->got, perms));
	assert_string_equal(perms, "r--p");
	assert_true(perms_of(img->maps_base, perms));
	assert_string_equal(perms, "rw-p");
	/* no page of the image is writable and executable */
	for (off = 0; off < img->size; off += 4096) {
		assert_true(perms_of(img->base + off, perms));
		assert_false(perms[1] == 'w' && perms[2] == 'x');
	}
	/*
	 * "results" is a read-write ARRAY: its definition carries element 0,
	 * and element i lies round_up(value_size, 8) bytes further, as the
	 * crate indexes it without a helper.
	 */
	{
		struct rax_map *results = rax_object__find_map_by_name(obj, "results");
		__u8 *values = (__u8 *)(uintptr_t)((struct rax_map_def *)img->maps_base)->inline_lookup;
		__u32 index = 0;
		__u64 seen = 0, put = 0x1122334455667788ull;

		assert_ptr_equal(values, rax_umap_lookup_ptr(results->umap, &index));
		memcpy(values + 3 * 8, &put, sizeof(put));
		index = 3;
		assert_int_equal(rax_map__lookup_elem(results, &index, sizeof(index), &seen,
						      sizeof(seen), 0), 0);
		assert_true(seen == put);
	}
	rax_object__close(obj);
}

static void test_reloc_out_of_range(void **state)
{
	struct rax_object *obj = rax_object__open_file(test_obj_path("rt_range.o"), NULL);

	(void)state;
	assert_non_null(obj);
	test_log_reset();
	/* the loader alone: the gate has its own opinion of such objects */
	assert_int_equal(rax_inproc_load(obj), -ERANGE);
	assert_non_null(strstr(test_log, "R_X86_64_PC32"));
	assert_null(obj->inproc);
	assert_null(rax_object__find_program_by_name(obj, "rt_far")->entry);
	rax_object__close(obj);
}

/* ---- Panic ------------------------------------------------------------------------ */
static void run_panic_prog(const char *name, __u32 aborted)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	int fd = prog_fd(obj, name);
	__u8 pkt[64] = { 0 };
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	test_log_reset();
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, 7);

	pkt[0] = 0xff;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, aborted);
	assert_non_null(strstr(test_log, "panicked: rt: boom at byte 0"));
	assert_non_null(strstr(test_log, name));
	assert_int_equal(prog_state(obj, name)->stats.aborts[RAX_ABORT_PANIC], 1);
	assert_string_equal(prog_state(obj, name)->last_panic, "rt: boom at byte 0");
	assert_int_equal(rax_inproc_depth(), 0);

	/* the next run is unaffected */
	pkt[0] = 0;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, 7);
	rax_object__close(obj);
}

static void test_panic_xdp(void **state)
{
	(void)state;
	run_panic_prog("rt_panic_xdp", RAX_XDP_ABORTED_RESULT);
}

static void test_panic_tc(void **state)
{
	(void)state;
	run_panic_prog("rt_panic_tc", RAX_TC_ABORTED_RESULT);
}

static void test_panic_rate_limited(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	int fd = prog_fd(obj, "rt_panic_xdp");
	__u8 pkt[64] = { 0xff };
	const char *p;
	int logged = 0;
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		 .repeat = 50);

	(void)state;
	test_log_reset();
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, RAX_XDP_ABORTED_RESULT);
	assert_int_equal(prog_state(obj, "rt_panic_xdp")->stats.aborts[RAX_ABORT_PANIC], 50);
	for (p = test_log; (p = strstr(p, "panicked:")); p++)
		logged++;
	/* 50 panics well within a second: at most the burst is logged */
	assert_true(logged >= 1 && logged <= (int)RAX_PANIC_LOG_BURST);
	rax_object__close(obj);
}

static void test_panic_outside_run_aborts(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* no core dump for an expected abort */
		signal(SIGABRT, SIG_DFL);
		fclose(stderr);
		rax_inproc_panic("outside", 7);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- Nesting ------------------------------------------------------------------------ */
struct nest_ctx {
	__u64 (*fn)(struct nest_ctx *ctx);
};

static int nest_fd;
static int nest_calls;
static __u32 nest_depth[RAX_MAX_NESTING + 1];
static int nest_err[RAX_MAX_NESTING + 1];
static uintptr_t nest_frame[RAX_MAX_NESTING + 1];

/* Called by rt_nest on its program stack: run rt_nest again from there. */
static __u64 nest_cb(struct nest_ctx *ctx)
{
	int i = nest_calls++;
	RAX_OPTS(rax_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof(*ctx));

	if (i > (int)RAX_MAX_NESTING)
		return 0;
	nest_depth[i] = rax_inproc_depth();
	nest_frame[i] = (uintptr_t)__builtin_frame_address(0);
	nest_err[i] = rax_prog_test_run_opts(nest_fd, &opts) ? -errno : 0;
	/* refused at the limit: count it as 100, else what the level below returned */
	return nest_err[i] ? 100 : opts.retval;
}

static void test_nesting_limit(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	struct nest_ctx ctx = { .fn = nest_cb };
	__u32 i, j;
	RAX_OPTS(rax_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	(void)state;
	nest_fd = prog_fd(obj, "rt_nest");
	nest_calls = 0;
	assert_int_equal(rax_prog_test_run_opts(nest_fd, &opts), 0);

	assert_int_equal(nest_calls, RAX_MAX_NESTING);
	for (i = 0; i < RAX_MAX_NESTING; i++) {
		assert_int_equal(nest_depth[i], i + 1);
		assert_int_equal(nest_err[i], i + 1 < RAX_MAX_NESTING ? 0 : -EBUSY);
		/* each level runs on its own stack */
		for (j = 0; j < i; j++) {
			uintptr_t d = nest_frame[i] > nest_frame[j] ? nest_frame[i] - nest_frame[j]
								    : nest_frame[j] - nest_frame[i];
			assert_true(d >= RAX_STACK_SIZE / 2);
		}
	}
	/* every level that ran added 1 to the 100 of the refused one */
	assert_int_equal(opts.retval, 100 + RAX_MAX_NESTING);
	assert_int_equal(prog_state(obj, "rt_nest")->stats.missed, 1);
	assert_int_equal(prog_state(obj, "rt_nest")->stats.runs, RAX_MAX_NESTING);
	assert_int_equal(rax_inproc_depth(), 0);
	rax_object__close(obj);
}

static void *thread_run_nest(void *arg)
{
	struct rax_object *obj = arg;
	struct nest_ctx ctx = { .fn = nest_cb };
	RAX_OPTS(rax_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	nest_fd = prog_fd(obj, "rt_nest");
	nest_calls = 0;
	if (rax_prog_test_run_opts(nest_fd, &opts))
		return (void *)1;
	return (void *)(uintptr_t)(opts.retval != 100 + RAX_MAX_NESTING);
}

/* A new thread gets its own levels and stacks (and releases them at exit). */
static void test_runs_on_other_threads(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	pthread_t th;
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_create(&th, NULL, thread_run_nest, obj), 0);
		assert_int_equal(pthread_join(th, &ret), 0);
		assert_null(ret);
	}
	rax_object__close(obj);
}

/* ---- Helpers ------------------------------------------------------------------------ */
/* Filled by rt_helpers (offsets in objs_rt/rt_runtime.S). */
struct helpers_out {
	__u64 ktime;
	__u64 pid_tgid;
	__u32 rand[2];
	__u32 cpu;
	__u32 pad;
	__s64 probe_ret;
	__u8 probe_buf[8];
	char comm[16];
	__s64 comm_ret;
	__s64 printk_ret;
	char comm_short[4];
	__u32 lock;
	__s64 lock_ret;
	__u64 reserve_ptr;
	__s64 perf_ret;
	__s64 submit_ret;
	__s64 release_ret;
	__s64 discard_ret;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/*
 * Records submitted in the order they were reserved give their staging
 * bytes back too: many more runs than the staging area holds pairs of.
 */
static void test_output_fifo(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	int fd = prog_fd(obj, "rt_out_fifo");
	__u64 ctx = 0;

	(void)state;
	/* 600 runs x 32 staged bytes: several times the 4 KiB staging area. */
	for (int i = 0; i < 600; i++) {
		RAX_OPTS(rax_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
		if (opts.retval)
			fail_msg("run %d: reservation %u failed", i, opts.retval);
	}
	rax_object__close(obj);
}

/* What an application's logger may well do: vfprintf to unbuffered stderr
 * (glibc then takes a BUFSIZ buffer on the stack). */
static int print_to_stderr(enum librax_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return vfprintf(stderr, fmt, args);
}

static void test_panic_deep_stack(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	struct rax_program *prog = rax_object__find_program_by_name(obj, "rt_deep_panic");
	RAX_OPTS(rax_prog_stats, st);
	__u64 ctx = 0;
	RAX_OPTS(rax_test_run_opts, opts, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	librax_print_fn_t old_print;

	(void)state;
	assert_non_null(prog);
	old_print = librax_set_print(print_to_stderr);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rax_prog_test_run_opts(rax_program__fd(prog), &opts), 0);
		assert_int_equal(opts.retval,
				 (__u32)rax_inproc_aborted_result(RAX_PROG_TYPE_SYSCALL));
	}
	librax_set_print(old_print);
	assert_int_equal(rax_program__stats(prog, &st), 0);
	assert_int_equal(st.aborts[RAX_ABORT_PANIC], 3);
	assert_non_null(strstr(st.last_abort_msg, "rt: boom"));
	rax_object__close(obj);
}

static char *race_obj_path;

static void *load_close_loop(void *arg)
{
	long fails = 0;

	(void)arg;
	for (int i = 0; i < 1500; i++) {
		struct rax_object *obj = rax_object__open_file(race_obj_path, NULL);

		if (!obj || rax_object__load(obj))
			fails++;
		rax_object__close(obj);
	}
	return (void *)fails;
}

static int task_count(void)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)getpid());
	{
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d)
			return -1;
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
	}
	return n;
}

/*
 * Two threads loading and closing objects: the last close of one and the
 * first load of the other race to stop and start the watchdog thread.
 * Nothing may hang, and no watchdog thread may be left over.
 */
static void test_watchdog_rearm_race(void **state)
{
	pthread_t a, b;
	void *fa, *fb;
	int before = task_count();

	(void)state;
	race_obj_path = strdup(test_obj_path("rt_runtime.o"));
	assert_non_null(race_obj_path);
	assert_int_equal(pthread_create(&a, NULL, load_close_loop, NULL), 0);
	assert_int_equal(pthread_create(&b, NULL, load_close_loop, NULL), 0);
	assert_int_equal(pthread_join(a, &fa), 0);
	assert_int_equal(pthread_join(b, &fb), 0);
	free(race_obj_path);
	assert_int_equal((long)fa + (long)fb, 0);
	assert_int_equal(task_count(), before);
}

static void test_helpers(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	struct helpers_out in, out;
	char comm[17] = "";
	__u64 before, after;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	RAX_OPTS(rax_test_run_opts, opts, .ctx_in = &in, .ctx_size_in = sizeof(in),
		 .ctx_out = &out, .ctx_size_out = sizeof(out));

	(void)state;
	assert_int_equal(pthread_setname_np(pthread_self(), "rax-helpers-t"), 0);
	assert_int_equal(pthread_getname_np(pthread_self(), comm, sizeof(comm)), 0);
	memset(&in, 0xaa, sizeof(in));
	in.lock = 0;	/* free: the program takes it */
	memset(&out, 0, sizeof(out));
	test_log_reset();
	before = mono_ns();
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_helpers"), &opts), 0);
	after = mono_ns();

	assert_int_equal(opts.ctx_size_out, sizeof(out));
	assert_true(out.ktime >= before && out.ktime <= after);
	assert_int_equal(out.pid_tgid,
			 (__u64)getpid() << 32 | (__u32)syscall(SYS_gettid));
	/* two draws from a 32-bit generator: equal with probability 2^-32 */
	assert_int_not_equal(out.rand[0], out.rand[1]);
	assert_true((long)out.cpu < ncpu);
	assert_int_equal(out.probe_ret, -EOPNOTSUPP);
	assert_memory_equal(out.probe_buf, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(out.comm_ret, 0);
	assert_string_equal(out.comm, comm);
	assert_int_equal(out.comm_short[3], '\0');
	assert_memory_equal(out.comm_short, comm, 3);
	assert_int_equal(out.printk_ret, strlen("hello from rt_helpers"));
	assert_non_null(strstr(test_log, "prog 'rt_helpers': hello from rt_helpers"));
	/* the lock word (in the context copy) was taken and released */
	assert_int_equal(out.lock_ret, 0);
	assert_int_equal(out.release_ret, 0);
	assert_int_equal(out.lock, 0);
	/* a 64-byte record does not fit the 8-byte values of "locks" */
	assert_int_equal(out.reserve_ptr, 0);
	assert_int_equal(out.perf_ret, -EOPNOTSUPP);
	/* no reservation: nothing to submit or discard */
	assert_int_equal(out.submit_ret, -ENOENT);
	assert_int_equal(out.discard_ret, -ENOENT);
	/* the caller's context is not modified: the program wrote a copy */
	assert_int_equal(in.ktime, 0xaaaaaaaaaaaaaaaaull);
	rax_object__close(obj);
}

/* The loaded copy of map @name's definition (what the program reads). */
static const struct rax_map_def *loaded_def(struct rax_object *obj, const char *name)
{
	struct rax_map *map = rax_object__find_map_by_name(obj, name);

	assert_non_null(map);
	return (const struct rax_map_def *)(obj->inproc->maps_base + map->def_off);
}

static void test_helper_map_checks(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	struct rax_map *wo = rax_object__find_map_by_name(obj, "wo");
	__u8 pkt[32] = { 0 };
	__u32 key = 0, bit;
	__u64 value = 0;
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	(void)state;
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_mapcheck"), &opts), 0);
	for (bit = 0; bit < 9; bit++) {
		if (!(opts.retval & (1u << bit)))
			fail_msg("rt_mapcheck check %u failed (mask 0x%x)", bit, opts.retval);
	}
	/* a WRONLY_PROG map is still readable from userspace */
	assert_int_equal(rax_map__lookup_elem(wo, &key, sizeof(key), &value, sizeof(value), 0), 0);
	assert_int_equal(value, 42);
	/* only the read-write array is indexed without the helper */
	assert_int_equal(loaded_def(obj, "ro")->inline_lookup, 0);
	assert_int_equal(loaded_def(obj, "wo")->inline_lookup, 0);
	assert_int_not_equal(loaded_def(obj, "locks")->inline_lookup, 0);
	rax_object__close(obj);
}

/* Outside a run map helpers see no program and refuse. */
static void test_helpers_outside_run(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	long (*update)(const struct rax_map_def *, const void *, const void *, __u64) =
		(long (*)(const struct rax_map_def *, const void *, const void *, __u64))
			rax_inproc_helper_addr("rax_map_update_elem");
	__u32 key = 0;
	__u64 value = 1;

	(void)state;
	assert_non_null(update);
	assert_int_equal(update((const struct rax_map_def *)obj->inproc->maps_base, &key,
				&value, 0),
			 -EINVAL);
	assert_null(rax_inproc_helper_addr("rax_no_such_helper"));
	/* In-process hash definitions get no value offset: no raw element. */
	{
		void *(*lookup_raw)(const struct rax_map_def *, const void *) =
			(void *(*)(const struct rax_map_def *, const void *))
				rax_inproc_helper_addr("rax_map_lookup_raw");

		assert_non_null(lookup_raw);
		assert_null(lookup_raw((const struct rax_map_def *)obj->inproc->maps_base, &key));
	}
	rax_object__close(obj);
}

/* ---- Test-run ---------------------------------------------------------------------- */
static void test_run_packet_rewrite(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	int fd = prog_fd(obj, "rt_rewrite");
	__u8 pkt[20], orig[20], out[20], small[8];
	int i;
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		 .data_out = out, .data_size_out = sizeof(out));

	(void)state;
	for (i = 0; i < (int)sizeof(pkt); i++)
		pkt[i] = (__u8)i;
	memcpy(orig, pkt, sizeof(pkt));
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, RAX_XDP_TX);
	assert_int_equal(opts.data_size_out, sizeof(pkt));
	assert_memory_equal(out, orig + 6, 6);
	assert_memory_equal(out + 6, orig, 6);
	assert_memory_equal(out + 12, orig + 12, sizeof(pkt) - 12);
	assert_memory_equal(pkt, orig, sizeof(pkt));	/* data_in untouched */

	/* data_out too small: -ENOSPC, what fits is copied, the full size reported */
	opts.data_out = small;
	opts.data_size_out = sizeof(small);
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -ENOSPC);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(opts.data_size_out, sizeof(pkt));
	assert_memory_equal(small, orig + 6, 6);
	assert_memory_equal(small + 6, orig, 2);
	assert_int_equal(opts.retval, RAX_XDP_TX);
	rax_object__close(obj);
}

static void test_run_tracing_contexts(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	struct rax_kprobe_ctx kctx = { .args = { 40, 2 }, .ret = 100 };
	struct rax_raw_tp_ctx tctx = { .args = { 5, 6, 7 }, .nr_args = 3 };
	RAX_OPTS(rax_test_run_opts, kopts, .ctx_in = &kctx, .ctx_size_in = sizeof(kctx));
	RAX_OPTS(rax_test_run_opts, topts, .ctx_in = &tctx, .ctx_size_in = sizeof(tctx));

	(void)state;
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_kprobe"), &kopts), 0);
	assert_int_equal(kopts.retval, 40 + 2 + 100);
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_rawtp"), &topts), 0);
	assert_int_equal(topts.retval, 3 * 1000 + 7);

	/* wrong context size */
	kopts.ctx_size_in = sizeof(kctx) - 8;
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_kprobe"), &kopts), -EINVAL);
	kopts.ctx_in = NULL;
	kopts.ctx_size_in = 0;
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_kprobe"), &kopts), -EINVAL);
	tctx.nr_args = RAX_RAW_TP_MAX_ARGS + 1;
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_rawtp"), &topts), -EINVAL);
	rax_object__close(obj);
}

static void test_run_bad_inputs(void **state)
{
	struct rax_object *obj = open_loaded("rt_runtime.o");
	int fd = prog_fd(obj, "rt_panic_xdp");
	int map_fd = rax_map__fd(rax_object__find_map_by_name(obj, "ro"));
	__u8 pkt[64] = { 0 };
	struct {
		struct rax_test_run_opts o;
		__u64 tail;
	} big;
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	(void)state;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(rax_prog_test_run_opts(fd, NULL), -EINVAL);
	assert_int_equal(errno, EINVAL);

	/* not a program: a map handle, a plain fd, a closed fd */
	assert_int_equal(rax_prog_test_run_opts(map_fd, &opts), -EINVAL);
	assert_int_equal(rax_prog_test_run_opts(0, &opts), -EINVAL);
	assert_int_equal(rax_prog_test_run_opts(-1, &opts), -EINVAL);

	/* unknown non-zero bytes past the known options */
	memset(&big, 0, sizeof(big));
	big.o = opts;
	big.o.sz = sizeof(big);
	big.tail = 1;
	assert_int_equal(rax_prog_test_run_opts(fd, &big.o), -EINVAL);
	big.tail = 0;
	assert_int_equal(rax_prog_test_run_opts(fd, &big.o), 0);

	opts.flags = 1;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
	opts.flags = 0;
	opts.cpu = 1;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
	opts.cpu = 0;
	opts.batch_size = 1;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
	opts.batch_size = 0;
	opts.repeat = -1;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
	opts.repeat = 0;

	/* packets: required, at least an Ethernet header */
	opts.data_in = NULL;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
	opts.data_in = pkt;
	opts.data_size_in = 13;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
	opts.data_size_in = 14;
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), 0);
	assert_int_equal(opts.retval, 7);

	/* tracing contexts are not packets */
	{
		struct nest_ctx ctx = { 0 };
		RAX_OPTS(rax_test_run_opts, sopts, .data_in = pkt, .data_size_in = sizeof(pkt),
			 .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_nest"), &sopts),
				 -EINVAL);
	}
	rax_object__close(obj);
	/* a closed object's program fd is gone */
	assert_int_equal(rax_prog_test_run_opts(fd, &opts), -EINVAL);
}

static void test_run_duration(void **state)
{
	struct rax_object *obj = open_loaded("rt_relocs.o");
	__u8 pkt[64] = { 0 };
	RAX_OPTS(rax_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		 .repeat = 1000);

	(void)state;
	/* two helper calls per run: on average well above 0 ns */
	assert_int_equal(rax_prog_test_run_opts(prog_fd(obj, "rt_relocs"), &opts), 0);
	assert_true(opts.duration > 0);
	rax_object__close(obj);
}

static int setup(void **state)
{
	(void)state;
	test_log_reset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_relocations, setup),
		cmocka_unit_test_setup(test_image_protections, setup),
		cmocka_unit_test_setup(test_reloc_out_of_range, setup),
		cmocka_unit_test_setup(test_panic_xdp, setup),
		cmocka_unit_test_setup(test_panic_tc, setup),
		cmocka_unit_test_setup(test_panic_rate_limited, setup),
		cmocka_unit_test_setup(test_panic_outside_run_aborts, setup),
		cmocka_unit_test_setup(test_nesting_limit, setup),
		cmocka_unit_test_setup(test_runs_on_other_threads, setup),
		cmocka_unit_test_setup(test_helpers, setup),
		cmocka_unit_test_setup(test_helper_map_checks, setup),
		cmocka_unit_test_setup(test_output_fifo, setup),
		cmocka_unit_test_setup(test_panic_deep_stack, setup),
		cmocka_unit_test_setup(test_watchdog_rearm_race, setup),
		cmocka_unit_test_setup(test_helpers_outside_run, setup),
		cmocka_unit_test_setup(test_run_packet_rewrite, setup),
		cmocka_unit_test_setup(test_run_tracing_contexts, setup),
		cmocka_unit_test_setup(test_run_bad_inputs, setup),
		cmocka_unit_test_setup(test_run_duration, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
