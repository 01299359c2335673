/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the unit tests: the test objects assembled from
 * tests/unit/objs/ (found through RAX_TEST_OBJDIR, set by meson) and a log
 * capture for asserting on librax's messages.
 */
#ifndef RAX_TESTS_UNIT_UTIL_H
#define RAX_TESTS_UNIT_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rax/librax.h>

/* Path of test object @name (e.g. "good.o"); aborts without RAX_TEST_OBJDIR. */
static inline const char *test_obj_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("RAX_TEST_OBJDIR");

	if (!dir) {
		fprintf(stderr, "RAX_TEST_OBJDIR is not set (run through meson test)\n");
		abort();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* The bytes of test object @name (malloc'ed); aborts if unreadable. */
static inline void *test_obj_read(const char *name, size_t *size)
{
	const char *path = test_obj_path(name);
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		abort();
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	*size = len;
	return buf;
}

/* Everything librax logged since the last test_log_reset(). */
static char test_log[16384];

static inline int test_log_capture(enum librax_print_level level,
				   const char *fmt, va_list args)
{
	size_t used = strlen(test_log);

	(void)level;
	if (used + 1 < sizeof(test_log))
		vsnprintf(test_log + used, sizeof(test_log) - used, fmt, args);
	return 0;
}

static inline void test_log_reset(void)
{
	test_log[0] = '\0';
	librax_set_print(test_log_capture);
}

#endif /* RAX_TESTS_UNIT_UTIL_H */
