/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The source part of the Rax build policy: a token scan of an extension
 * crate (and of every other non-trusted crate it builds) for what safe
 * Rust allows but Rax does not, or what lints cannot see inside another
 * crate's macro expansion.  See docs/build-policy.md.
 */
#ifndef RAXTOOL_BUILD_POLICY_H
#define RAXTOOL_BUILD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Identifier of the policy recorded in each object's metadata. */
#define RAX_BUILD_POLICY_ID "rax-policy-v1"

/* Called once per violation: file, line, the rule and its message. */
typedef void (*policy_report_fn)(const char *file, unsigned int line,
				 const char *rule, const char *message, void *ctx);

/**
 * @brief Scan one Rust source text.
 * @return the number of violations reported
 */
int policy_scan_source(const char *file, const char *text, size_t len,
		       policy_report_fn report, void *ctx);

/**
 * @brief Scan every *.rs file under @p dir (recursively).
 * @return the number of violations, or a negative errno on I/O failure
 */
int policy_scan_dir(const char *dir, policy_report_fn report, void *ctx);

/**
 * @brief A policy_report_fn that prints the finding on stderr.
 * @param ctx the crate name (const char *)
 */
void policy_report_stderr(const char *file, unsigned int line, const char *rule,
			  const char *message, void *ctx);

/**
 * @brief Is @p path inside directory @p dir (both already resolved)?
 * @return true for @p dir itself and anything below it
 */
bool policy_path_within(const char *path, const char *dir);

/**
 * @brief Is @p name one of the entries of the comma-separated @p list?
 * @return false for a NULL or empty list
 */
bool policy_name_in_list(const char *name, const char *list);

#endif
