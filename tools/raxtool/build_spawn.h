/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Running the toolchain (cargo, ld, objcopy) for `raxtool build`. */
#ifndef RAXTOOL_BUILD_SPAWN_H
#define RAXTOOL_BUILD_SPAWN_H

#include <stddef.h>

/* One NAME=value override of the child's environment (value NULL: unset). */
struct env_override {
	const char *name;
	const char *value;
};

/**
 * @brief Run argv[0] (searched in PATH) with @p env applied to a copy of the
 * environment and wait for it.  With @p out, its stdout is captured into a
 * malloc'ed NUL-terminated string (trailing newlines removed).
 * @return the exit status (0..255), or a negative errno if it could not run
 * or was killed by a signal (-EINTR)
 */
int spawn_wait(char *const argv[], const struct env_override *env, size_t env_cnt,
	       char **out);

#endif
