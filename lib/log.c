// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * librax logging: one callback for every message, like libbpf_set_print().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "librax_internal.h"

static bool debug_enabled_by_env(void)
{
	const char *level = getenv("LIBRAX_LOG_LEVEL");

	return level && strcmp(level, "debug") == 0;
}

/*
 * Formatted into a bounded buffer first: vfprintf on unbuffered stderr
 * takes a BUFSIZ buffer on the stack, more than a program stack's reserve
 * (helpers such as trace_printk log from there).
 */
static int default_print(enum librax_print_level level, const char *fmt,
			 va_list args)
{
	char line[512];
	int n;

	if (level == LIBRAX_DEBUG && !debug_enabled_by_env())
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, args);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(line))
		memcpy(line + sizeof(line) - 5, "...\n", 5);
	return fputs(line, stderr);
}

static librax_print_fn_t print_fn = default_print;

/**
 * @brief Route librax's log messages through @p fn (NULL silences them).
 * @param fn the new callback, or NULL
 * @return the previous callback
 */
librax_print_fn_t librax_set_print(librax_print_fn_t fn)
{
	return __atomic_exchange_n(&print_fn, fn, __ATOMIC_SEQ_CST);
}

void librax_print(enum librax_print_level level, const char *fmt, ...)
{
	librax_print_fn_t fn = __atomic_load_n(&print_fn, __ATOMIC_SEQ_CST);
	/* Logging happens on error paths: it must not clobber errno. */
	int saved_errno = errno;
	va_list args;

	if (!fn)
		return;
	va_start(args, fmt);
	fn(level, fmt, args);
	va_end(args);
	errno = saved_errno;
}
