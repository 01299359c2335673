// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The safety gate against its corpus (tests/gate/objs): every bad object
 * is rejected for exactly the rule it breaks, the good ones are accepted
 * with the stack bound computed by hand in their sources, the real Rust
 * samples pass, and malformed images (truncations, byte flips, the fuzz
 * regressions) never crash the gate.
 *
 * Objects come from RAX_GATE_OBJDIR (meson), samples from RAX_SAMPLE_OBJS
 * (colon-separated), fuzz regressions from RAX_FUZZ_REGRESSIONS (a dir).
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "librax_internal.h"
#include "gate.h"

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)len;
	}
	fclose(f);
	return buf;
}

static const char *obj_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("RAX_GATE_OBJDIR");

	if (!dir)
		fail_msg("RAX_GATE_OBJDIR is not set (run through meson test)");
	snprintf(path, sizeof(path), "%s/%s.o", dir, name);
	return path;
}

/* Run the gate on a corpus object; the caller frees the report. */
static struct rax_gate_report *check_obj(const char *name, bool reject_recursion)
{
	struct rax_check_opts opts = { .sz = sizeof(opts), .reject_recursion = reject_recursion };
	struct rax_gate_report *rep = NULL;
	size_t size;
	void *buf = read_file(obj_path(name), &size);
	int n;

	if (!buf)
		fail_msg("cannot read %s", obj_path(name));
	n = gate_check_image(buf, size, &opts, &rep);
	free(buf);
	assert_true(n >= 0);
	assert_non_null(rep);
	assert_int_equal((size_t)n, rep->finding_cnt);
	return rep;
}

/* The object breaks exactly one rule: every finding names it and has a hint. */
static void expect_only_rule(const char *name, bool reject_recursion, const char *rule)
{
	struct rax_gate_report *rep = check_obj(name, reject_recursion);
	size_t i;

	if (rep->finding_cnt == 0)
		fail_msg("%s: accepted, expected rule %s", name, rule);
	for (i = 0; i < rep->finding_cnt; i++) {
		const struct rax_check_finding *f = &rep->findings[i];

		if (strcmp(f->rule, rule))
			fail_msg("%s: unexpected finding %s (%s), expected only %s", name,
				 f->rule, f->message, rule);
		assert_non_null(strstr(f->message, "hint:"));
	}
	rax_gate_report_free(rep);
}

static void expect_accepted(const char *name, bool reject_recursion)
{
	struct rax_gate_report *rep = check_obj(name, reject_recursion);

	if (rep->finding_cnt)
		fail_msg("%s: rejected: %s: %s", name, rep->findings[0].rule,
			 rep->findings[0].message);
	rax_gate_report_free(rep);
}

static const struct gate_prog_result *prog(const struct rax_gate_report *rep,
					   const char *name)
{
	size_t i;

	for (i = 0; i < rep->prog_cnt; i++)
		if (!strcmp(rep->progs[i].name, name))
			return &rep->progs[i];
	fail_msg("program %s not in the report", name);
	return NULL;
}

/* ---- rejected, one rule each ---------------------------------------------- */
static void test_import_unknown(void **state)
{
	(void)state;
	expect_only_rule("import_commit_creds", false, "import.unknown");
}

static void test_import_gpl(void **state)
{
	(void)state;
	expect_only_rule("import_gpl", false, "import.gpl");
}

static void test_unreachable(void **state)
{
	(void)state;
	expect_only_rule("unreachable", false, "insn.unreachable");
}

static void test_sse(void **state)
{
	(void)state;
	expect_only_rule("sse_movaps", false, "insn.sse");
	expect_only_rule("x87", false, "insn.sse");
}

static void test_sse_from_c(void **state)
{
	struct rax_gate_report *rep;

	(void)state;
	if (!getenv("RAX_GATE_HAVE_CLANG"))
		skip();
	expect_only_rule("sse_addss", false, "insn.sse");
	/* the findings name the instructions the C compiler chose */
	rep = check_obj("sse_addss", false);
	assert_true(rep->finding_cnt > 0);
	{
		bool named = false;
		size_t i;

		for (i = 0; i < rep->finding_cnt; i++)
			named |= strstr(rep->findings[i].message, "addss") != NULL ||
				 strstr(rep->findings[i].message, "mulss") != NULL;
		assert_true(named);
	}
	rax_gate_report_free(rep);
}

static void test_privileged(void **state)
{
	(void)state;
	expect_only_rule("priv_cli", false, "insn.privileged");
	expect_only_rule("priv_wrmsr", false, "insn.privileged");
	expect_only_rule("priv_cr3", false, "insn.privileged");
	expect_only_rule("priv_gs", false, "insn.privileged");
	expect_only_rule("syscall", false, "insn.privileged");
}

static void test_wx(void **state)
{
	(void)state;
	expect_only_rule("wx_section", false, "elf.wx");
}

static void test_reloc(void **state)
{
	struct rax_gate_report *rep;

	(void)state;
	expect_only_rule("reloc_32s", false, "elf.reloc");
	rep = check_obj("reloc_32s", false);
	assert_non_null(strstr(rep->findings[0].message, "R_X86_64_32S"));
	rax_gate_report_free(rep);
}

static void test_ctors_and_data_prog(void **state)
{
	(void)state;
	expect_only_rule("ctors", false, "elf.ctors");
	expect_only_rule("data_prog", false, "elf.prog");
}

static void test_deep_stack(void **state)
{
	struct rax_gate_report *rep;

	(void)state;
	expect_only_rule("deep_stack", false, "stack.depth");
	/* 30728 (frame) + 8 (return address) + 8 (patched entry call) */
	rep = check_obj("deep_stack", false);
	assert_int_equal(prog(rep, "xdp_big")->stack_depth, 30744);
	rax_gate_report_free(rep);
}

static void test_stack_missing(void **state)
{
	(void)state;
	expect_only_rule("stack_missing", false, "stack.missing");
}

static void test_meta(void **state)
{
	(void)state;
	expect_only_rule("abi_version", false, "meta.abi_version");
	expect_only_rule("no_meta", false, "meta.missing");
	expect_only_rule("no_license", false, "meta.license");
}

static void test_redzone(void **state)
{
	(void)state;
	expect_only_rule("redzone", false, "insn.redzone");
}

static void test_branches(void **state)
{
	(void)state;
	expect_only_rule("branch_middle", false, "insn.branch");
	expect_only_rule("branch_outside", false, "insn.branch");
}

/* ---- recursion ---------------------------------------------------------------- */
static void test_recursion_rejected(void **state)
{
	(void)state;
	expect_only_rule("recursion_self", true, "stack.recursion");
	expect_only_rule("recursion_pair", true, "stack.recursion");
}

static void test_recursion_marked(void **state)
{
	struct rax_gate_report *rep;
	const struct gate_prog_result *p;
	bool even = false, odd = false;
	size_t i;

	(void)state;
	expect_accepted("recursion_pair", false);
	rep = check_obj("recursion_pair", false);
	p = prog(rep, "xdp_parity");
	assert_int_equal(p->checked_cnt, 2);
	for (i = 0; i < p->checked_cnt; i++) {
		even |= !strcmp(p->checked_funcs[i], "is_even");
		odd |= !strcmp(p->checked_funcs[i], "is_odd");
	}
	assert_true(even && odd);
	/* (8 + 8) + one pass through the cycle max(24, 8) + 8, + 8 entry call */
	assert_int_equal(p->stack_depth, 56);
	rax_gate_report_free(rep);

	expect_accepted("recursion_self", false);
	rep = check_obj("recursion_self", false);
	p = prog(rep, "xdp_recurse");
	assert_int_equal(p->checked_cnt, 1);
	assert_string_equal(p->checked_funcs[0], "countdown");
	rax_gate_report_free(rep);
}

/* ---- accepted ------------------------------------------------------------------ */
static void test_good(void **state)
{
	struct rax_gate_report *rep;

	(void)state;
	expect_accepted("good", false);
	expect_accepted("good", true);
	rep = check_obj("good", false);
	assert_int_equal(rep->prog_cnt, 1);
	/* xdp_good (24 + 8) + helper_fn (8 + 8) + entry call 8 */
	assert_int_equal(prog(rep, "xdp_good")->stack_depth, 56);
	assert_int_equal(prog(rep, "xdp_good")->checked_cnt, 0);
	rax_gate_report_free(rep);
}

/* The public API on an object the reader accepts. */
static void test_public_api(void **state)
{
	struct rax_check_opts opts = { .sz = sizeof(opts), .reject_recursion = true };
	struct rax_object *obj;
	struct rax_program *p;
	const struct rax_check_finding *f;

	(void)state;
	obj = rax_object__open_file(obj_path("recursion_pair"), NULL);
	assert_non_null(obj);
	p = rax_object__find_program_by_name(obj, "xdp_parity");
	assert_non_null(p);
	assert_null(rax_object__finding(obj, 0));

	assert_int_equal(rax_object__check(obj, &opts), 1);
	f = rax_object__finding(obj, 0);
	assert_non_null(f);
	assert_string_equal(f->rule, "stack.recursion");
	assert_null(rax_object__finding(obj, 1));
	assert_int_equal(errno, ENOENT);

	assert_int_equal(rax_object__check(obj, NULL), 0);
	assert_int_equal(rax_program__stack_depth(p), 56);
	assert_int_equal(rax_program__checked_func_cnt(p), 2);
	assert_non_null(rax_program__checked_func(p, 1));
	assert_null(rax_program__checked_func(p, 2));

	/* unknown non-zero option bytes are refused, as libbpf does */
	{
		struct { struct rax_check_opts o; long extra; } big = {
			.o = { .sz = sizeof(big) }, .extra = 1,
		};

		assert_int_equal(rax_object__check(obj, &big.o), -EINVAL);
		assert_int_equal(errno, EINVAL);
	}
	rax_object__close(obj);
}

/* Every sample object built from Rust by `raxtool build` passes. */
static void test_samples(void **state)
{
	const char *list = getenv("RAX_SAMPLE_OBJS");
	char *copy, *path, *save = NULL;
	int n = 0;

	(void)state;
	if (!list || !*list)
		skip();
	copy = strdup(list);
	assert_non_null(copy);
	for (path = strtok_r(copy, ":", &save); path; path = strtok_r(NULL, ":", &save)) {
		struct rax_object *obj = rax_object__open_file(path, NULL);
		struct rax_program *p;
		int ret;

		if (!obj)
			fail_msg("%s: cannot open (%d)", path, errno);
		ret = rax_object__check(obj, NULL);
		if (ret != 0) {
			const struct rax_check_finding *f = rax_object__finding(obj, 0);

			fail_msg("%s: %d finding(s), first %s: %s", path, ret,
				 f ? f->rule : "?", f ? f->message : "?");
		}
		rax_object__for_each_program(p, obj) {
			size_t i, k, imports = rax_program__import_cnt(p);
			bool map_access = false;

			assert_true(rax_program__stack_depth(p) > 16);
			assert_true(rax_program__stack_depth(p) <= RAX_STACK_BUDGET);
			/* A program's imports are a subset of the object's and
			 * every sample program touches a map. */
			for (i = 0; i < imports; i++) {
				const char *name = rax_program__import_name(p, i);
				bool in_obj = false;

				assert_non_null(name);
				for (k = 0; k < rax_object__import_cnt(obj); k++)
					in_obj |= !strcmp(name, rax_object__import_name(obj, k));
				assert_true(in_obj);
				map_access |= !strncmp(name, "rax_map_", 8) ||
					      !strcmp(name, "rax_perf_event_output");
			}
			assert_true(map_access);
			assert_null(rax_program__import_name(p, imports));
		}
		rax_object__close(obj);
		n++;
	}
	free(copy);
	assert_true(n > 0);
}

/* ---- usability: source lines, readable names ----------------------------------- */
/* The finding of @rep at @func+@offset (NULL if none). */
static const struct rax_check_finding *finding_at(const struct rax_gate_report *rep,
						  const char *func, __u64 offset)
{
	size_t i;

	for (i = 0; i < rep->finding_cnt; i++)
		if (rep->findings[i].func && !strcmp(rep->findings[i].func, func) &&
		    rep->findings[i].offset == offset)
			return &rep->findings[i];
	return NULL;
}

/*
 * lines_sse.S puts its SSE/x87 instructions on the lines its .loc
 * directives name; offsets: 5-byte entry pad, then "mov $1, %eax" (5) /
 * "call" (5) before them.  The helper's v0 symbol reads gate_test::helper.
 */
static void test_source_lines(void **state)
{
	static const char *const objs[] = { "lines_sse_dwarf4", "lines_sse_dwarf5" };
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct rax_gate_report *rep = check_obj(objs[i], false);
		const struct rax_check_finding *f;

		assert_int_equal(rep->finding_cnt, 3);
		f = finding_at(rep, "gate_test::helper", 10);
		assert_non_null(f);
		assert_string_equal(f->rule, "insn.sse");
		assert_non_null(f->source);
		assert_string_equal(f->source, "src/lib.rs:42");
		f = finding_at(rep, "xdp_lines", 10);
		assert_non_null(f);
		assert_non_null(f->source);
		assert_string_equal(f->source, "rax/src/xdp.rs:7");
		f = finding_at(rep, "xdp_lines", 12);
		assert_non_null(f);
		assert_non_null(f->source);
		assert_string_equal(f->source, "rax/src/xdp.rs:8");
		rax_gate_report_free(rep);
	}
	/* no line tables: no source */
	{
		struct rax_gate_report *rep = check_obj("sse_movaps", false);

		assert_true(rep->finding_cnt > 0);
		assert_null(rep->findings[0].source);
		rax_gate_report_free(rep);
	}
}

static void count_finding(const struct rax_check_finding *f, void *ctx)
{
	int *import_unknown = ctx;

	if (!strcmp(f->rule, "import.unknown") && strstr(f->message, "commit_creds"))
		(*import_unknown)++;
}

/* rax_check_image() lists findings of objects the reader refuses. */
static void test_check_image(void **state)
{
	size_t size;
	void *buf = read_file(obj_path("import_commit_creds"), &size);
	int hits = 0, n;

	(void)state;
	assert_non_null(buf);
	assert_null(rax_object__open_mem(buf, size, NULL));
	n = rax_check_image(buf, size, NULL, count_finding, &hits);
	assert_true(n >= 1);
	assert_true(hits >= 1);
	assert_int_equal(rax_check_image(buf, size, NULL, NULL, NULL), n);
	assert_int_equal(rax_check_image(NULL, 1, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_true(rax_check_image("x", 1, NULL, NULL, NULL) >= 1);
	free(buf);
}

/* Checked functions: symbols for the loader, demangled names for people. */
static void test_checked_func_name(void **state)
{
	struct rax_object *obj;
	struct rax_program *p;

	(void)state;
	obj = rax_object__open_file(obj_path("recursion_pair"), NULL);
	assert_non_null(obj);
	p = rax_object__find_program_by_name(obj, "xdp_parity");
	assert_non_null(p);
	assert_int_equal(rax_object__check(obj, NULL), 0);
	assert_int_equal(rax_program__checked_func_cnt(p), 2);
	/* plain C names demangle to themselves */
	assert_string_equal(rax_program__checked_func_name(p, 0),
			    rax_program__checked_func(p, 0));
	assert_null(rax_program__checked_func_name(p, 2));
	assert_int_equal(errno, ENOENT);
	rax_object__close(obj);
}

/* ---- robustness ---------------------------------------------------------------- */
static void gate_survives(const void *buf, size_t size)
{
	struct rax_gate_report *rep = NULL;
	int n = gate_check_image(buf, size, NULL, &rep);

	assert_true(n >= 0 || n == -ENOMEM);
	if (n >= 0)
		assert_int_equal((size_t)n, rep->finding_cnt);
	rax_gate_report_free(rep);
}

static void test_malformed(void **state)
{
	size_t size, len, i;
	unsigned char *buf = read_file(obj_path("good"), &size);
	unsigned char *copy;
	unsigned int seed = 12345;
	struct rax_gate_report *rep = NULL;

	(void)state;
	assert_non_null(buf);
	/* not an object at all */
	assert_int_equal(gate_check_image(buf, 3, NULL, &rep), 1);
	assert_string_equal(rep->findings[0].rule, "elf.header");
	rax_gate_report_free(rep);
	/* every truncation (in a fresh allocation, so ASan sees overreads) */
	for (len = 0; len < size; len += 13) {
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, buf, len);
		gate_survives(copy, len);
		free(copy);
	}
	/* random byte flips */
	copy = malloc(size);
	assert_non_null(copy);
	for (i = 0; i < 3000; i++) {
		int k;

		memcpy(copy, buf, size);
		for (k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % size] ^= (unsigned char)(1u << ((seed >> 4) & 7));
		}
		gate_survives(copy, size);
	}
	free(copy);
	free(buf);
}

/* Inputs that once crashed the fuzzer (tests/fuzz/regressions). */
/* File offset and size of section @name of a well-formed test object. */
static bool find_section(const unsigned char *img, size_t size, const char *name,
			 size_t *off, size_t *len)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strsh;
	size_t i;

	memcpy(&eh, img, sizeof(eh));
	memcpy(&strsh, img + eh.e_shoff + eh.e_shstrndx * sizeof(sh), sizeof(sh));
	for (i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, img + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (strcmp((const char *)img + strsh.sh_offset + sh.sh_name, name))
			continue;
		assert_true(sh.sh_offset + sh.sh_size <= size);
		*off = sh.sh_offset;
		*len = sh.sh_size;
		return true;
	}
	return false;
}

/* Damaged line tables (and their relocations): findings, never a crash. */
static void test_malformed_lines(void **state)
{
	static const char *const objs[] = { "lines_sse_dwarf4", "lines_sse_dwarf5" };
	static const char *const secs[] = { ".debug_line", ".rela.debug_line" };
	unsigned int seed = 4242;
	size_t o, k, i, size, off = 0, len = 0;

	(void)state;
	for (o = 0; o < 2; o++) {
		unsigned char *buf = read_file(obj_path(objs[o]), &size);
		unsigned char *copy = malloc(size);

		assert_non_null(buf);
		assert_non_null(copy);
		for (k = 0; k < 2; k++) {
			assert_true(find_section(buf, size, secs[k], &off, &len));
			assert_true(len > 0);
			/* every single byte set to 0x00, 0x80 (ULEB run) and 0xff */
			for (i = 0; i < len; i++) {
				static const unsigned char vals[] = { 0x00, 0x80, 0xff };
				size_t v;

				for (v = 0; v < sizeof(vals); v++) {
					memcpy(copy, buf, size);
					copy[off + i] = vals[v];
					gate_survives(copy, size);
				}
			}
			/* random multi-byte damage */
			for (i = 0; i < 2000; i++) {
				int b;

				memcpy(copy, buf, size);
				for (b = 0; b < 3; b++) {
					seed = seed * 1103515245u + 12345u;
					copy[off + (seed >> 8) % len] = (unsigned char)(seed >> 20);
				}
				gate_survives(copy, size);
			}
		}
		free(copy);
		free(buf);
	}
}

static void test_fuzz_regressions(void **state)
{
	const char *dir = getenv("RAX_FUZZ_REGRESSIONS");
	struct dirent *de;
	DIR *d;

	(void)state;
	if (!dir || !(d = opendir(dir)))
		skip();
	while ((de = readdir(d))) {
		char path[4096];
		size_t size;
		void *buf;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = read_file(path, &size);
		if (!buf)
			continue;
		gate_survives(buf, size);
		free(buf);
	}
	closedir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_import_unknown),
		cmocka_unit_test(test_import_gpl),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_sse),
		cmocka_unit_test(test_sse_from_c),
		cmocka_unit_test(test_privileged),
		cmocka_unit_test(test_wx),
		cmocka_unit_test(test_reloc),
		cmocka_unit_test(test_ctors_and_data_prog),
		cmocka_unit_test(test_deep_stack),
		cmocka_unit_test(test_stack_missing),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_redzone),
		cmocka_unit_test(test_branches),
		cmocka_unit_test(test_recursion_rejected),
		cmocka_unit_test(test_recursion_marked),
		cmocka_unit_test(test_public_api),
		cmocka_unit_test(test_source_lines),
		cmocka_unit_test(test_check_image),
		cmocka_unit_test(test_checked_func_name),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_fuzz_regressions),
	};

	librax_set_print(NULL);
	return cmocka_run_group_tests_name("gate", tests, NULL, NULL);
}
