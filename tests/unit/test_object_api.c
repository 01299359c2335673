// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the public object API (lib/object.c), its error
 * convention, option validation, logging and handle fds.
 *
 * rax_object__load() drives the safety gate and a backend.  This test is
 * built from the core sources only (tests/unit/meson.build) with the
 * stand-ins below, so the object model's own behaviour (refusal on
 * findings, error unwinding, handles) is tested alone.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "librax_internal.h"
#include "unit_util.h"

/* ---- Stand-ins for the gate and the in-process loader -------------------- */
static int fake_gate_result;
static int fake_gate_calls;
static int fake_load_result;
static int fake_load_calls;
static int fake_unload_calls;

__attribute__((weak)) int rax_gate_run(struct rax_object *obj,
				       const struct rax_check_opts *opts)
{
	(void)obj;
	(void)opts;
	fake_gate_calls++;
	return fake_gate_result;
}

__attribute__((weak)) void rax_gate_report_free(struct rax_gate_report *rep)
{
	(void)rep;
}

__attribute__((weak)) int rax_inproc_load(struct rax_object *obj)
{
	(void)obj;
	fake_load_calls++;
	return fake_load_result;
}

__attribute__((weak)) void rax_inproc_unload(struct rax_object *obj)
{
	(void)obj;
	fake_unload_calls++;
}

/* The kernel backend is tested in the VM; here it must never be reached. */
__attribute__((weak)) int rax_kernel_load(struct rax_object *obj)
{
	(void)obj;
	fail_msg("kernel backend reached without /dev/rax");
	return -EOPNOTSUPP;
}

__attribute__((weak)) void rax_kernel_unload(struct rax_object *obj)
{
	(void)obj;
}

static void fakes_reset(void)
{
	fake_gate_result = 0;
	fake_gate_calls = 0;
	fake_load_result = 0;
	fake_load_calls = 0;
	fake_unload_calls = 0;
}

static int setup(void **state)
{
	(void)state;
	fakes_reset();
	test_log_reset();
	unsetenv("RAX_BACKEND");
	return 0;
}

static struct rax_object *open_good(void)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_INPROC);
	struct rax_object *obj = rax_object__open_file(test_obj_path("good.o"),
						       &opts);

	assert_non_null(obj);
	return obj;
}

/* ---- Opening and the error convention ------------------------------------ */

static void test_open_missing_file(void **state)
{
	(void)state;
	errno = 0;
	assert_null(rax_object__open_file(NULL, NULL));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("no-such-object.o"), NULL));
	assert_int_equal(errno, ENOENT);
}

static void test_open_not_elf(void **state)
{
	static const char text[] = "#!/bin/sh\necho not an object\n";
	char path[] = "/tmp/rax-test-notelf-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text)), sizeof(text));
	close(fd);

	errno = 0;
	assert_null(rax_object__open_file(path, NULL));
	assert_true(errno == EINVAL || errno == ENOEXEC);
	unlink(path);

	errno = 0;
	assert_null(rax_object__open_mem(text, sizeof(text), NULL));
	assert_true(errno == EINVAL || errno == ENOEXEC);
	errno = 0;
	assert_null(rax_object__open_mem(NULL, 16, NULL));
	assert_int_equal(errno, EINVAL);

	/* A directory is not an object either. */
	errno = 0;
	assert_null(rax_object__open_file("/", NULL));
	assert_true(errno != 0);
}

static void test_open_invalid_opts(void **state)
{
	struct {
		struct rax_object_open_opts opts;
		char tail[16];
	} bigger;
	struct rax_object_open_opts small = { .sz = 4 };
	struct rax_object *obj;

	(void)state;
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("good.o"), &small));
	assert_int_equal(errno, EINVAL);

	/* A newer caller's larger struct: fine while the tail is zero... */
	memset(&bigger, 0, sizeof(bigger));
	bigger.opts.sz = sizeof(bigger);
	bigger.opts.backend = RAX_BACKEND_INPROC;
	obj = rax_object__open_file(test_obj_path("good.o"), &bigger.opts);
	assert_non_null(obj);
	rax_object__close(obj);

	/* ...and refused when a field this librax does not know is set. */
	bigger.tail[5] = 1;
	test_log_reset();
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("good.o"), &bigger.opts));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(test_log, "rax_object_open_opts"));

	bigger.tail[5] = 0;
	bigger.opts.backend = (enum rax_backend)7;
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("good.o"), &bigger.opts));
	assert_int_equal(errno, EINVAL);
}

static void test_open_bad_objects(void **state)
{
	(void)state;
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("bad_import.o"), NULL));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(test_log, "commit_creds"));

	test_log_reset();
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("bad_reloc32s.o"), NULL));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(test_log, "R_X86_64_32S"));

	test_log_reset();
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("bad_prog_object.o"), NULL));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(test_log, "xdp_table"));
	assert_non_null(strstr(test_log, "not a function"));
}

static void test_object_names(void **state)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_INPROC);
	struct rax_object *obj;
	size_t size;
	void *buf;

	(void)state;
	obj = open_good();
	assert_string_equal(rax_object__name(obj), "good.o");
	rax_object__close(obj);

	opts.object_name = "counter";
	obj = rax_object__open_file(test_obj_path("good.o"), &opts);
	assert_non_null(obj);
	assert_string_equal(rax_object__name(obj), "counter");
	rax_object__close(obj);

	buf = test_obj_read("good.o", &size);
	obj = rax_object__open_mem(buf, size, NULL);
	/* The image is copied: the caller's buffer may go away. */
	memset(buf, 0, size);
	free(buf);
	assert_non_null(obj);
	assert_int_equal(strncmp(rax_object__name(obj), "mem-", 4), 0);
	assert_non_null(rax_object__find_program_by_name(obj, "xdp_count"));
	rax_object__close(obj);

	errno = 0;
	assert_null(rax_object__name(NULL));
	assert_int_equal(errno, EINVAL);
	rax_object__close(NULL);
}

static void test_backend_selection(void **state)
{
	struct rax_object_open_opts opts = { .sz = sizeof(opts) };
	struct rax_object *obj;

	(void)state;
	opts.backend = RAX_BACKEND_KERNEL;
	obj = rax_object__open_file(test_obj_path("good.o"), &opts);
	assert_non_null(obj);
	assert_int_equal(rax_object__backend(obj), RAX_BACKEND_KERNEL);
	/* Without rax.ko (/dev/rax), the kernel backend is a clear refusal. */
	errno = 0;
	assert_int_equal(rax_object__load(obj), -EOPNOTSUPP);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_non_null(strstr(test_log, "kernel backend"));
	rax_object__close(obj);

	/* The environment decides when the options say AUTO... */
	setenv("RAX_BACKEND", "inproc", 1);
	obj = rax_object__open_file(test_obj_path("good.o"), NULL);
	assert_non_null(obj);
	assert_int_equal(rax_object__backend(obj), RAX_BACKEND_INPROC);
	rax_object__close(obj);

	/* ...but not over an explicit choice. */
	opts.backend = RAX_BACKEND_KERNEL;
	obj = rax_object__open_file(test_obj_path("good.o"), &opts);
	assert_int_equal(rax_object__backend(obj), RAX_BACKEND_KERNEL);
	rax_object__close(obj);

	setenv("RAX_BACKEND", "ebpf", 1);
	errno = 0;
	assert_null(rax_object__open_file(test_obj_path("good.o"), NULL));
	assert_int_equal(errno, EINVAL);
	unsetenv("RAX_BACKEND");

	/* AUTO resolves at open time, to the kernel only with /dev/rax. */
	obj = rax_object__open_file(test_obj_path("good.o"), NULL);
	assert_int_equal(rax_object__backend(obj),
			 access("/dev/rax", F_OK) == 0 ? RAX_BACKEND_KERNEL :
							 RAX_BACKEND_INPROC);
	rax_object__close(obj);
}

/* ---- Programs and maps --------------------------------------------------- */

static void test_programs(void **state)
{
	struct rax_object *obj = open_good();
	struct rax_program *prog, *first;
	const char *names[2];
	size_t n = 0;

	(void)state;
	rax_object__for_each_program(prog, obj) {
		assert_true(n < 2);
		names[n++] = rax_program__name(prog);
	}
	assert_int_equal(n, 2);
	/* Section order: "xdp" precedes "kprobe/do_sys_open" in good.S. */
	assert_string_equal(names[0], "xdp_count");
	assert_string_equal(names[1], "kprobe_open");

	first = rax_object__find_program_by_name(obj, "xdp_count");
	assert_ptr_equal(first, rax_object__next_program(obj, NULL));
	assert_string_equal(rax_program__section_name(first), "xdp");
	assert_int_equal(rax_program__type(first), RAX_PROG_TYPE_XDP);
	/* Sizes of the instruction sequences in good.S (readelf -s). */
	assert_int_equal(rax_program__code_size(first), 50);

	prog = rax_object__find_program_by_name(obj, "kprobe_open");
	assert_non_null(prog);
	assert_string_equal(rax_program__section_name(prog),
			    "kprobe/do_sys_open");
	assert_int_equal(rax_program__type(prog), RAX_PROG_TYPE_KPROBE);
	assert_int_equal(rax_program__code_size(prog), 39);

	/* inner_helper is a local function in .text: not a program. */
	errno = 0;
	assert_null(rax_object__find_program_by_name(obj, "inner_helper"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(rax_object__find_program_by_name(obj, "missing"));
	assert_int_equal(errno, ENOENT);

	errno = 0;
	assert_int_equal(rax_program__fd(first), -EINVAL);
	assert_int_equal(errno, EINVAL);
	rax_object__close(obj);
}

static void test_maps(void **state)
{
	struct rax_object *obj = open_good();
	struct rax_map *map;
	size_t n = 0;

	(void)state;
	rax_object__for_each_map(map, obj)
		n++;
	assert_int_equal(n, 2);
	map = rax_object__next_map(obj, NULL);
	assert_string_equal(map->name, "counts");
	assert_int_equal(map->def.type, RAX_MAP_TYPE_ARRAY);
	assert_int_equal(map->def.max_entries, 64);

	map = rax_object__find_map_by_name(obj, "events");
	assert_non_null(map);
	assert_ptr_equal(map, rax_object__next_map(obj, rax_object__next_map(obj, NULL)));
	assert_int_equal(map->def.type, RAX_MAP_TYPE_HASH);
	assert_int_equal(map->def.key_size, 8);
	assert_int_equal(map->def.value_size, 16);
	assert_int_equal(map->def.max_entries, 1024);
	assert_int_equal(map->def.map_flags, RAX_F_NO_PREALLOC);
	assert_int_equal(map->def_off, 32);
	assert_int_equal(map->fd, -1);

	errno = 0;
	assert_null(rax_object__find_map_by_name(obj, "nope"));
	assert_int_equal(errno, ENOENT);
	rax_object__close(obj);
}

static void test_introspection(void **state)
{
	struct rax_object *obj = open_good();
	bool lookup = false, ktime = false;
	size_t i;

	(void)state;
	assert_int_equal(rax_object__import_cnt(obj), 2);
	for (i = 0; i < rax_object__import_cnt(obj); i++) {
		const char *name = rax_object__import_name(obj, i);

		lookup |= strcmp(name, "rax_map_lookup_elem") == 0;
		ktime |= strcmp(name, "rax_ktime_get_ns") == 0;
	}
	assert_true(lookup && ktime);
	errno = 0;
	assert_null(rax_object__import_name(obj, 2));
	assert_int_equal(errno, EINVAL);

	assert_string_equal(rax_object__meta(obj, "crate"), "demo");
	assert_string_equal(rax_object__meta(obj, "rustc"), "1.96.0");
	errno = 0;
	assert_null(rax_object__meta(obj, "cargo"));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(rax_object__license(obj), "GPL");
	rax_object__close(obj);
}

static void test_no_license(void **state)
{
	size_t size;
	void *buf = test_obj_read("good.o", &size);
	struct rax_object *obj;
	struct rax_elf e;
	size_t i;

	(void)state;
	/* Rename "license" to "licensf": the object then has no license. */
	assert_int_equal(rax_elf_open(&e, buf, size), 0);
	for (i = 0; i < e.sec_cnt; i++) {
		if (strcmp(e.secs[i].name, "license") == 0) {
			size_t off = (const __u8 *)e.secs[i].name - e.image;

			((char *)buf)[off + 6] = 'f';
		}
	}
	rax_elf_close(&e);
	obj = rax_object__open_mem(buf, size, NULL);
	assert_non_null(obj);
	errno = 0;
	assert_null(rax_object__license(obj));
	assert_int_equal(errno, ENOENT);
	rax_object__close(obj);
	free(buf);
}

/* ---- Loading (with the stand-ins) ---------------------------------------- */

static bool fakes_linked(void)
{
	struct rax_object *obj = open_good();
	bool used;

	fakes_reset();
	fake_gate_result = 1;
	rax_object__load(obj);
	used = fake_gate_calls == 1;
	rax_object__close(obj);
	fakes_reset();
	test_log_reset();
	return used;
}

static void test_load_and_close(void **state)
{
	struct rax_object *obj;
	struct rax_program *prog;
	int fds[2], n = 0, i;

	(void)state;
	if (!fakes_linked())
		skip();
	obj = open_good();
	assert_int_equal(rax_object__load(obj), 0);
	assert_int_equal(fake_gate_calls, 1);
	assert_int_equal(fake_load_calls, 1);
	rax_object__for_each_program(prog, obj) {
		int fd = rax_program__fd(prog);

		assert_true(fd >= 0);
		assert_ptr_equal(rax_handle_get(fd, RAX_HANDLE_PROG), prog);
		assert_null(rax_handle_get(fd, RAX_HANDLE_MAP));
		fds[n++] = fd;
	}
	assert_int_equal(n, 2);

	/* libbpf's convention: a second load is refused. */
	errno = 0;
	assert_int_equal(rax_object__load(obj), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(test_log, "already loaded"));
	assert_int_equal(fake_load_calls, 1);

	rax_object__close(obj);
	assert_int_equal(fake_unload_calls, 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(fcntl(fds[i], F_GETFD), -1);
		assert_null(rax_handle_get(fds[i], RAX_HANDLE_PROG));
	}
}

static void test_load_rejected_by_gate(void **state)
{
	struct rax_object *obj;

	(void)state;
	if (!fakes_linked())
		skip();
	obj = open_good();
	fake_gate_result = 3;
	errno = 0;
	assert_int_equal(rax_object__load(obj), -EACCES);
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(test_log,
			       "object 'good.o': rejected by the safety gate (3 findings)"));
	assert_int_equal(fake_load_calls, 0);
	assert_int_equal(rax_program__fd(rax_object__next_program(obj, NULL)),
			 -EINVAL);

	/* A gate error is passed through. */
	fake_gate_result = -ENOMEM;
	assert_int_equal(rax_object__load(obj), -ENOMEM);
	assert_int_equal(fake_load_calls, 0);
	rax_object__close(obj);
	assert_int_equal(fake_unload_calls, 0);
}

static void test_load_failure_is_retryable(void **state)
{
	struct rax_object *obj;

	(void)state;
	if (!fakes_linked())
		skip();
	obj = open_good();
	fake_load_result = -ENOSPC;
	errno = 0;
	assert_int_equal(rax_object__load(obj), -ENOSPC);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(rax_program__fd(rax_object__next_program(obj, NULL)),
			 -EINVAL);

	fake_load_result = 0;
	assert_int_equal(rax_object__load(obj), 0);
	assert_true(rax_program__fd(rax_object__next_program(obj, NULL)) >= 0);
	rax_object__close(obj);
	assert_int_equal(fake_unload_calls, 1);
}

/* ---- Handles, options, logging --------------------------------------------- */

static void test_handles(void **state)
{
	int thing, other, fd, fd2;

	(void)state;
	fd = rax_handle_new(RAX_HANDLE_MAP, &thing, "counts");
	assert_true(fd >= 0);
	assert_ptr_equal(rax_handle_get(fd, RAX_HANDLE_MAP), &thing);
	assert_null(rax_handle_get(fd, RAX_HANDLE_PROG));
	assert_null(rax_handle_get(-1, RAX_HANDLE_MAP));
	assert_null(rax_handle_get(100000, RAX_HANDLE_MAP));
	assert_null(rax_handle_get(STDIN_FILENO, RAX_HANDLE_MAP));
	assert_int_equal(rax_handle_new(RAX_HANDLE_MAP, NULL, "x"), -EINVAL);

	/* The application closed the handle and the number was reused:
	 * the new file is not mistaken for the handle, nor closed by us. */
	other = memfd_create("not-a-handle", MFD_CLOEXEC);
	assert_true(other >= 0);
	assert_int_equal(dup2(other, fd), fd);
	assert_null(rax_handle_get(fd, RAX_HANDLE_MAP));
	rax_handle_close(fd);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	close(fd);
	close(other);

	fd2 = rax_handle_new(RAX_HANDLE_PROG, &thing, "p");
	assert_true(fd2 >= 0);
	rax_handle_close(fd2);
	assert_int_equal(fcntl(fd2, F_GETFD), -1);
	assert_null(rax_handle_get(fd2, RAX_HANDLE_PROG));
}

static void test_validate_opts(void **state)
{
	unsigned char raw[32] = { 0 };

	(void)state;
	assert_true(librax_validate_opts(NULL, 0, 8, "t"));
	assert_false(librax_validate_opts(raw, 4, 8, "t"));
	assert_true(librax_validate_opts(raw, 32, 16, "t"));
	raw[31] = 1;
	assert_false(librax_validate_opts(raw, 32, 16, "t"));
	assert_true(librax_validate_opts(raw, 32, 32, "t"));
}

static int print_count;
static int counting_print(enum librax_print_level level, const char *fmt,
			  va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	print_count++;
	return 0;
}

static void test_set_print(void **state)
{
	librax_print_fn_t prev;

	(void)state;
	prev = librax_set_print(counting_print);
	assert_ptr_equal(prev, test_log_capture);
	print_count = 0;
	errno = 1234;
	pr_warn("x\n");
	assert_int_equal(errno, 1234);	/* logging keeps errno */
	assert_int_equal(print_count, 1);
	assert_ptr_equal(librax_set_print(NULL), counting_print);
	pr_warn("silenced\n");
	assert_int_equal(print_count, 1);
	librax_set_print(prev);
}

static void test_prog_type_from_section(void **state)
{
	(void)state;
	assert_int_equal(rax_prog_type_from_section("xdp"), RAX_PROG_TYPE_XDP);
	assert_int_equal(rax_prog_type_from_section("xdp/eth0"), RAX_PROG_TYPE_XDP);
	assert_int_equal(rax_prog_type_from_section("kprobe/vfs_read"),
			 RAX_PROG_TYPE_KPROBE);
	assert_int_equal(rax_prog_type_from_section("kretprobe/vfs_read"),
			 RAX_PROG_TYPE_KPROBE);
	assert_int_equal(rax_prog_type_from_section("raw_tp/sched_switch"),
			 RAX_PROG_TYPE_RAW_TRACEPOINT);
	assert_int_equal(rax_prog_type_from_section("raw_tracepoint/sys_enter"),
			 RAX_PROG_TYPE_RAW_TRACEPOINT);
	assert_int_equal(rax_prog_type_from_section("tc"), RAX_PROG_TYPE_SCHED_CLS);
	assert_int_equal(rax_prog_type_from_section("classifier"),
			 RAX_PROG_TYPE_SCHED_CLS);
	assert_int_equal(rax_prog_type_from_section("syscall"),
			 RAX_PROG_TYPE_SYSCALL);
	/* Attach targets are required where the hook needs one. */
	assert_int_equal(rax_prog_type_from_section("kprobe"), RAX_PROG_TYPE_UNSPEC);
	assert_int_equal(rax_prog_type_from_section("kprobe/"), RAX_PROG_TYPE_UNSPEC);
	assert_int_equal(rax_prog_type_from_section("xdpfoo"), RAX_PROG_TYPE_UNSPEC);
	assert_int_equal(rax_prog_type_from_section(".text"), RAX_PROG_TYPE_UNSPEC);
	assert_int_equal(rax_prog_type_from_section(NULL), RAX_PROG_TYPE_UNSPEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_open_missing_file, setup),
		cmocka_unit_test_setup(test_open_not_elf, setup),
		cmocka_unit_test_setup(test_open_invalid_opts, setup),
		cmocka_unit_test_setup(test_open_bad_objects, setup),
		cmocka_unit_test_setup(test_object_names, setup),
		cmocka_unit_test_setup(test_backend_selection, setup),
		cmocka_unit_test_setup(test_programs, setup),
		cmocka_unit_test_setup(test_maps, setup),
		cmocka_unit_test_setup(test_introspection, setup),
		cmocka_unit_test_setup(test_no_license, setup),
		cmocka_unit_test_setup(test_load_and_close, setup),
		cmocka_unit_test_setup(test_load_rejected_by_gate, setup),
		cmocka_unit_test_setup(test_load_failure_is_retryable, setup),
		cmocka_unit_test_setup(test_handles, setup),
		cmocka_unit_test_setup(test_validate_opts, setup),
		cmocka_unit_test_setup(test_set_print, setup),
		cmocka_unit_test_setup(test_prog_type_from_section, setup),
	};

	return cmocka_run_group_tests_name("object_api", tests, NULL, NULL);
}
