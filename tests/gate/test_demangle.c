// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rust symbol demangling (lib/demangle_rust.c).  The expected strings
 * were derived by hand from the v0 grammar (RFC 2603) for symbols of the
 * real sample objects and for constructs they lack; test_nm_agrees also
 * compares with binutils' `nm --demangle=rust` over the samples at test
 * time (RAX_SAMPLE_OBJS), when that nm can demangle Rust.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "demangle_rust.h"

static const struct {
	const char *sym;
	const char *want;
} cases[] = {
	/* from samples/xdp_counter and samples/trace_counter */
	{ "_RNvNtCs7PXTxerKpZx_4core9panicking18panic_bounds_check",
	  "core::panicking::panic_bounds_check" },
	{ "_RNvMNtCslAt2fQn0mOL_3rax3xdpNtB2_10XdpContext4ipv4",
	  "<rax::xdp::XdpContext>::ipv4" },
	{ "_RNvXs1i_NtCs7PXTxerKpZx_4core3fmtReNtB6_7Display3fmtCslAt2fQn0mOL_3rax",
	  "<&str as core::fmt::Display>::fmt" },
	{ "_RNvXs_NvNtNtCs7PXTxerKpZx_4core3fmt5Write9write_fmtQNtNtCslAt2fQn0mOL_3rax5panic13MessageBufferNtB4_12SpecWriteFmt14spec_write_fmtBS_",
	  "<&mut rax::panic::MessageBuffer as core::fmt::Write::write_fmt::SpecWriteFmt>::spec_write_fmt" },
	{ "_RNvCsbCPlLUNrsn7_11xdp_counter12__RAX_LICENSE", "xdp_counter::_RAX_LICENSE" },
	{ "_RNvCsfgHYwM92fyn_7___rustc17rust_begin_unwind", "__rustc::rust_begin_unwind" },
	{ "_RNvXs8_NtNtNtCs7PXTxerKpZx_4core3fmt3num3impmNtB9_7Display3fmt",
	  "<u32 as core::fmt::Display>::fmt" },
	{ "_RNvNvMsa_NtCs7PXTxerKpZx_4core3fmtNtB7_9Formatter12pad_integral12write_prefix",
	  "<core::fmt::Formatter>::pad_integral::write_prefix" },
	/* constructs the samples lack */
	{ "_RNvCs1_4test3foo.llvm.1234", "test::foo" },
	{ "_RNCNvCs1_4test3foo0", "test::foo::{closure#0}" },
	{ "_RNCNvCs1_4test3foos_0", "test::foo::{closure#1}" },
	{ "_RINvCs1_4test3fooyE", "test::foo::<u64>" },
	{ "_RINvCs1_4test3fooTyhEAmj4_SaFEuE",
	  "test::foo::<(u64, u8), [u32; 4], [i8], fn()>" },
	{ "_RINvCs1_4test3fooThEPbOmFKCjEyE",
	  "test::foo::<(u8,), *const bool, *mut u32, extern \"C\" fn(usize) -> u64>" },
	{ "_RINvCs1_4test3fooKb1_Kane_E", "test::foo::<true, -14>" },
	{ "_RYhNtCs1_4test5Trait", "<u8 as test::Trait>" },
	/* legacy mangling */
	{ "_ZN4core9panicking5panic17h0123456789abcdefE", "core::panicking::panic" },
	{ "_ZN4test10_$LT$T$GT$3foo17h0123456789abcdefE", "test::<T>::foo" },
};

static const char *const malformed[] = {
	"", "_R", "_RNv", "_RB_", "_RB0_", "_RNvC9foo3bar", "_RNvCs1_4test3fooX",
	"xdp_counter", "_ZN", "_ZN4testE3foo", "_RNvCs1_4test3foo_", "_RA",
	"_RINvCs1_4test3foo", "_RNvCs99999999999999999999999_4test3foo",
	"_ZNK4test3fooEv",
};

static void test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = demangle_rust(cases[i].sym);

		if (!got || strcmp(got, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].sym, got ? got : "(null)",
				 cases[i].want);
		free(got);
	}
}

static void test_malformed(void **state)
{
	char deep[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		char *got = demangle_rust(malformed[i]);

		if (got)
			fail_msg("'%s' is not a valid symbol but gave '%s'", malformed[i], got);
		assert_int_equal(errno, EINVAL);
	}
	/* nesting beyond any real symbol is refused, not a stack overflow */
	strcpy(deep, "_R");
	for (i = 0; i < 1000; i++)
		strcat(deep, "Nv");
	strcat(deep, "Cs1_4test");
	for (i = 0; i < 1000; i++)
		strcat(deep, "1a");
	assert_null(demangle_rust(deep));
	/* backreferences that would expand exponentially are cut off */
	strcpy(deep, "_RINvCs1_4test3fooTTTTTTTTTT");
	for (i = 0; i < 24; i++)
		strcat(deep, "B1_");
	assert_null(demangle_rust(deep));
}

static void test_text(void **state)
{
	char *got;

	(void)state;
	got = demangle_rust_text("calls _RNvNtCs7PXTxerKpZx_4core9panicking9panic_fmt. "
				 "_Rbad x_RNvCs1_4test3foo (_RNvCs1_4test3foo.llvm.7)");
	assert_non_null(got);
	assert_string_equal(got, "calls core::panicking::panic_fmt. _Rbad x_RNvCs1_4test3foo "
			    "(test::foo)");
	free(got);
}

/* Our names agree with binutils' Rust demangler on every sample symbol. */
static void test_nm_agrees(void **state)
{
	const char *list = getenv("RAX_SAMPLE_OBJS");
	char *copy, *path, *save = NULL;
	size_t compared = 0;

	(void)state;
	if (!list || !*list || system("nm --demangle=rust /dev/null >/dev/null 2>&1") == -1)
		skip();
	copy = strdup(list);
	assert_non_null(copy);
	for (path = strtok_r(copy, ":", &save); path; path = strtok_r(NULL, ":", &save)) {
		char cmd[8192], raw[4096], dem[4096];
		FILE *fr, *fd;

		snprintf(cmd, sizeof(cmd), "nm --format=just-symbols '%s'", path);
		fr = popen(cmd, "r");
		snprintf(cmd, sizeof(cmd), "nm --format=just-symbols --demangle=rust '%s'", path);
		fd = popen(cmd, "r");
		assert_non_null(fr);
		assert_non_null(fd);
		while (fgets(raw, sizeof(raw), fr) && fgets(dem, sizeof(dem), fd)) {
			char *got;

			raw[strcspn(raw, "\n")] = '\0';
			dem[strcspn(dem, "\n")] = '\0';
			if (!strcmp(raw, dem))
				continue;	/* nm left it alone: not Rust */
			got = demangle_rust(raw);
			if (!got || strcmp(got, dem))
				fail_msg("%s: got '%s', nm says '%s'", raw, got ? got : "(null)", dem);
			free(got);
			compared++;
		}
		pclose(fr);
		pclose(fd);
	}
	free(copy);
	if (!compared)
		skip();		/* this nm does not demangle Rust */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_nm_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
