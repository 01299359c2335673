// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rax-rustc-wrapper: the RUSTC_WRAPPER `raxtool build` runs cargo with.
 *
 * cargo calls it as `rax-rustc-wrapper <rustc> <args...>` for every crate.
 * It knows which crate is being compiled and applies the build policy per
 * crate, which cargo's own configuration cannot do (cargo passes
 * `--cap-lints allow` to non-path dependencies, and RUSTFLAGS reach the
 * sysroot crates too):
 *   - sysroot crates (core, compiler_builtins): unchanged;
 *   - the trusted rax crate (RAX_TRUSTED_CRATE_DIR): no unstable features;
 *   - the extension crate and the dependencies allowed with --allow-dep:
 *     `-F unsafe_code`, no unstable features, no --cap-lints, and the
 *     source scan of build_policy.c;
 *   - anything else (other dependencies, proc macros, build scripts): refused.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_policy.h"

static const char *arg_value(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], opt) && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], opt, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	}
	return NULL;
}

/* The crate root: the (first) source file among the arguments. */
static const char *root_source(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (n > 3 && argv[i][0] != '-' && !strcmp(argv[i] + n - 3, ".rs"))
			return argv[i];
	}
	return NULL;
}

/* Is @p path (resolved) inside directory @p dir (resolved)? */
static bool path_within(const char *path, const char *dir)
{
	char rp[PATH_MAX], rd[PATH_MAX];

	if (!dir || !*dir || !realpath(path, rp) || !realpath(dir, rd))
		return false;
	return policy_path_within(rp, rd);
}

static int refuse(const char *crate, const char *why)
{
	fprintf(stderr, "error[policy.dependency]: crate '%s': %s\n", crate, why);
	return 1;
}

/* exec rustc with argv minus --cap-lints, plus @p extra. */
static int exec_rustc(int argc, char **argv, const char *const *extra, int extra_cnt)
{
	char **args = calloc((size_t)argc + (size_t)extra_cnt + 1, sizeof(*args));
	int k = 0;

	if (!args)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cap-lints") && i + 1 < argc) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--cap-lints=", 12))
			continue;
		args[k++] = argv[i];
	}
	for (int i = 0; i < extra_cnt; i++)
		args[k++] = (char *)extra[i];
	args[k] = NULL;
	execv(args[0], args);
	fprintf(stderr, "rax-rustc-wrapper: cannot run %s: %s\n", args[0], strerror(errno));
	free(args);
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const trusted_flags[] = { "-Zallow-features=" };
	static const char *const policy_flags[] = {
		"-Zallow-features=", "-F", "unsafe_code", "-D", "unused_must_use",
	};
	const char *crate, *src, *crate_type, *sysroot_src, *trusted_dir;
	char srcdir[PATH_MAX];
	int violations;

	if (argc < 2) {
		fprintf(stderr, "usage: rax-rustc-wrapper RUSTC ARGS... (run by raxtool build)\n");
		return 2;
	}
	crate = arg_value(argc, argv, "--crate-name");
	src = root_source(argc, argv);
	/* cargo's target probes (`--crate-name ___`) and version queries */
	if (!crate || !strcmp(crate, "___") || !src)
		return exec_rustc(argc, argv, NULL, 0);

	sysroot_src = getenv("RAX_SYSROOT_SRC");
	trusted_dir = getenv("RAX_TRUSTED_CRATE_DIR");
	if (path_within(src, sysroot_src))
		return exec_rustc(argc, argv, NULL, 0);

	crate_type = arg_value(argc, argv, "--crate-type");
	if (crate_type && !strcmp(crate_type, "proc-macro"))
		return refuse(crate, "procedural macros are not allowed (they run arbitrary code and emit unchecked tokens)");
	if (!strncmp(crate, "build_script_", 13))
		return refuse(crate, "build scripts are not allowed in Rax extensions");

	if (!strcmp(crate, "rax") && path_within(src, trusted_dir))
		return exec_rustc(argc, argv, trusted_flags, 1);
	if (!strcmp(crate, "rax"))
		return refuse(crate, "this 'rax' crate is not the trusted rax crate raxtool was installed with");

	if (!getenv("CARGO_PRIMARY_PACKAGE") &&
	    !policy_name_in_list(crate, getenv("RAX_ALLOWED_DEPS")))
		return refuse(crate, "dependency not allowed: extensions may depend on rax and on crates allowed with `raxtool build allow-dep NAME`");

	snprintf(srcdir, sizeof(srcdir), "%s", src);
	violations = policy_scan_dir(dirname(srcdir), policy_report_stderr, (void *)crate);
	if (violations < 0) {
		fprintf(stderr, "error: crate '%s': cannot scan sources: %s\n", crate,
			strerror(-violations));
		return 1;
	}
	if (violations > 0) {
		fprintf(stderr, "error: crate '%s' violates the Rax build policy (%d finding%s)\n",
			crate, violations, violations == 1 ? "" : "s");
		return 1;
	}
	return exec_rustc(argc, argv, policy_flags,
			  (int)(sizeof(policy_flags) / sizeof(policy_flags[0])));
}
