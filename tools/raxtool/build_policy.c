// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Token scan of Rust sources for the Rax build policy.
 *
 * Why a scan on top of `-F unsafe_code`: rustc does not report lints inside
 * the expansion of another crate's `macro_rules!`, so a dependency's macro
 * can wrap its caller's code in `unsafe` or emit `#[link_section]`.  And
 * some items of SAFE Rust defeat the runtime's cleanup or do not belong in
 * the kernel (mem::forget, ManuallyDrop, MaybeUninit, floats, SIMD).  The
 * scan works on tokens: comments, strings and char literals are skipped,
 * so a word in a comment is not a violation, and `unsafe` inside a
 * dependency's macro body is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_policy.h"

struct denied_ident {
	const char *ident;
	const char *rule;
	const char *message;
};

/* Identifiers denied wherever they appear as a token. */
static const struct denied_ident denied_idents[] = {
	{ "unsafe", "policy.unsafe",
	  "`unsafe` is not allowed in extensions (also not inside a macro): use the safe API of the rax crate" },
	{ "asm", "policy.asm",
	  "inline assembly is not allowed: the safety gate cannot vouch for it" },
	{ "global_asm", "policy.asm",
	  "global assembly is not allowed: the safety gate cannot vouch for it" },
	{ "naked_asm", "policy.asm", "naked functions are not allowed" },
	{ "link_section", "policy.attribute",
	  "#[link_section] is not allowed: declare programs with rax::xdp! and maps with rax::map!" },
	{ "no_mangle", "policy.attribute",
	  "#[no_mangle] is not allowed: program and map symbols come from the rax macros" },
	{ "export_name", "policy.attribute",
	  "#[export_name] is not allowed: program and map symbols come from the rax macros" },
	{ "forget", "policy.forget",
	  "mem::forget would leak a runtime-owned resource past the run: let values drop, the runtime releases locks and reservations" },
	{ "ManuallyDrop", "policy.forget",
	  "ManuallyDrop defeats cleanup: let values drop normally" },
	{ "MaybeUninit", "policy.forget",
	  "MaybeUninit can hide a guard from cleanup: initialise values (e.g. with Default)" },
	{ "transmute", "policy.transmute", "transmute is not allowed: use from_ne_bytes/to_ne_bytes or rax::pod!" },
	{ "intrinsics", "policy.intrinsics",
	  "core::intrinsics is not allowed (abort and friends bypass the runtime): return an error or panic instead" },
	{ "f32", "policy.float", "floating point is not allowed in kernel extensions: use integers (fixed point)" },
	{ "f64", "policy.float", "floating point is not allowed in kernel extensions: use integers (fixed point)" },
	{ "simd", "policy.simd", "SIMD is not allowed in kernel extensions" },
	{ "std", "policy.no_std", "extensions are #![no_std]: use core and the rax crate" },
	{ "alloc", "policy.no_std", "extensions cannot allocate (no alloc crate): use maps for state" },
	{ "include", "policy.include", "include! pulls in code the policy has not scanned: use modules" },
};

struct scanner {
	const char *file;
	const char *s;
	size_t len;
	size_t pos;
	unsigned int line;
	policy_report_fn report;
	void *ctx;
	int violations;
	/* last three significant tokens, to recognise `#![feature` / `#[path` / `::arch` */
	char prev[3][24];
};

static void violation(struct scanner *sc, const char *rule, const char *msg)
{
	sc->violations++;
	if (sc->report)
		sc->report(sc->file, sc->line, rule, msg, sc->ctx);
}

static void push_token(struct scanner *sc, const char *tok, size_t n)
{
	memmove(sc->prev[0], sc->prev[1], sizeof(sc->prev[0]) * 2);
	if (n >= sizeof(sc->prev[2]))
		n = sizeof(sc->prev[2]) - 1;
	memcpy(sc->prev[2], tok, n);
	sc->prev[2][n] = '\0';
}

static bool is_ident_start(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static char peek(const struct scanner *sc, size_t ahead)
{
	return sc->pos + ahead < sc->len ? sc->s[sc->pos + ahead] : '\0';
}

static void advance(struct scanner *sc)
{
	if (sc->pos < sc->len && sc->s[sc->pos] == '\n')
		sc->line++;
	sc->pos++;
}

/* Block comments nest in Rust. */
static void skip_block_comment(struct scanner *sc)
{
	int depth = 0;

	while (sc->pos < sc->len) {
		if (peek(sc, 0) == '/' && peek(sc, 1) == '*') {
			depth++;
			advance(sc);
			advance(sc);
		} else if (peek(sc, 0) == '*' && peek(sc, 1) == '/') {
			depth--;
			advance(sc);
			advance(sc);
			if (!depth)
				return;
		} else {
			advance(sc);
		}
	}
}

static void skip_string(struct scanner *sc)
{
	advance(sc);	/* opening quote */
	while (sc->pos < sc->len && peek(sc, 0) != '"') {
		if (peek(sc, 0) == '\\')
			advance(sc);
		advance(sc);
	}
	advance(sc);
}

/* r"..." r#"..."# br#"..."# */
static void skip_raw_string(struct scanner *sc)
{
	size_t hashes = 0;

	while (peek(sc, 0) == '#') {
		hashes++;
		advance(sc);
	}
	if (peek(sc, 0) != '"')
		return;
	advance(sc);
	while (sc->pos < sc->len) {
		if (peek(sc, 0) == '"') {
			size_t i = 1;

			while (i <= hashes && peek(sc, i) == '#')
				i++;
			if (i == hashes + 1) {
				for (size_t k = 0; k < i; k++)
					advance(sc);
				return;
			}
		}
		advance(sc);
	}
}

/* 'a' '\n' '\u{1F600}' -- but 'a alone is a lifetime/label. */
static void skip_char_or_lifetime(struct scanner *sc)
{
	advance(sc);	/* the quote */
	if (peek(sc, 0) == '\\') {
		while (sc->pos < sc->len && peek(sc, 0) != '\'' && peek(sc, 0) != '\n')
			advance(sc);
		advance(sc);
		return;
	}
	if (peek(sc, 1) == '\'') {	/* 'x' */
		advance(sc);
		advance(sc);
		return;
	}
	/* a lifetime: the identifier that follows is scanned normally */
}

static void check_ident(struct scanner *sc, const char *id, size_t n)
{
	char tok[64];

	if (n >= sizeof(tok))
		return;
	memcpy(tok, id, n);
	tok[n] = '\0';

	for (size_t i = 0; i < sizeof(denied_idents) / sizeof(denied_idents[0]); i++)
		if (!strcmp(tok, denied_idents[i].ident))
			violation(sc, denied_idents[i].rule, denied_idents[i].message);

	if (!strcmp(tok, "feature") && !strcmp(sc->prev[2], "[") &&
	    !strcmp(sc->prev[1], "!") && !strcmp(sc->prev[0], "#"))
		violation(sc, "policy.feature",
			  "#![feature] is not allowed: extensions build with stable Rust features only");
	if (!strcmp(tok, "path") && !strcmp(sc->prev[2], "[") && !strcmp(sc->prev[1], "#"))
		violation(sc, "policy.include",
			  "#[path] loads a module from outside the crate: keep modules under src/");
	if (!strcmp(tok, "arch") && !strcmp(sc->prev[2], "::"))
		violation(sc, "policy.simd",
			  "core::arch (SIMD and CPU intrinsics) is not allowed in kernel extensions");
	if (!strcmp(tok, "abort") && !strcmp(sc->prev[2], "::"))
		violation(sc, "policy.intrinsics",
			  "abort() would bypass the runtime: panic or return an error instead");
	push_token(sc, tok, n);
}

/* Numbers: a float literal has a fractional part, an exponent or an f32/f64 suffix. */
static void scan_number(struct scanner *sc)
{
	bool hex = peek(sc, 0) == '0' && (peek(sc, 1) == 'x' || peek(sc, 1) == 'X');
	bool is_float = false;

	while (sc->pos < sc->len) {
		char c = peek(sc, 0);

		if (c == '.' && peek(sc, 1) >= '0' && peek(sc, 1) <= '9' && !hex) {
			is_float = true;
		} else if (c == '.' && peek(sc, 1) != '.' && !is_ident_start(peek(sc, 1)) &&
			   !hex) {
			is_float = true;	/* "1." */
			advance(sc);
			break;
		} else if (!is_ident_char(c)) {
			break;
		} else if (!hex && (c == 'e' || c == 'E') &&
			   ((peek(sc, 1) >= '0' && peek(sc, 1) <= '9') || peek(sc, 1) == '+' ||
			    peek(sc, 1) == '-')) {
			is_float = true;
			if (peek(sc, 1) == '+' || peek(sc, 1) == '-')
				advance(sc);
		} else if (c == 'f' && (peek(sc, 1) == '3' || peek(sc, 1) == '6') && !hex) {
			is_float = true;
		}
		advance(sc);
	}
	if (is_float)
		violation(sc, "policy.float",
			  "floating point is not allowed in kernel extensions: use integers (fixed point)");
	push_token(sc, "0", 1);
}

int policy_scan_source(const char *file, const char *text, size_t len,
		       policy_report_fn report, void *ctx)
{
	struct scanner sc = { .file = file, .s = text, .len = len, .line = 1,
			      .report = report, .ctx = ctx };

	while (sc.pos < sc.len) {
		char c = peek(&sc, 0);

		if (c == '/' && peek(&sc, 1) == '/') {
			while (sc.pos < sc.len && peek(&sc, 0) != '\n')
				advance(&sc);
		} else if (c == '/' && peek(&sc, 1) == '*') {
			skip_block_comment(&sc);
		} else if (c == '"') {
			skip_string(&sc);
		} else if ((c == 'r' && (peek(&sc, 1) == '"' || peek(&sc, 1) == '#')) ||
			   (c == 'b' && peek(&sc, 1) == 'r' &&
			    (peek(&sc, 2) == '"' || peek(&sc, 2) == '#'))) {
			advance(&sc);
			if (c == 'b')
				advance(&sc);
			if (peek(&sc, 0) == '#' && peek(&sc, 1) != '"' && peek(&sc, 1) != '#') {
				/* r#ident: a raw identifier */
				size_t start;

				advance(&sc);
				start = sc.pos;
				while (sc.pos < sc.len && is_ident_char(peek(&sc, 0)))
					advance(&sc);
				check_ident(&sc, sc.s + start, sc.pos - start);
			} else {
				skip_raw_string(&sc);
			}
		} else if (c == 'b' && peek(&sc, 1) == '"') {
			advance(&sc);
			skip_string(&sc);
		} else if (c == 'b' && peek(&sc, 1) == '\'') {
			advance(&sc);
			skip_char_or_lifetime(&sc);
		} else if (c == '\'') {
			skip_char_or_lifetime(&sc);
		} else if (is_ident_start(c)) {
			size_t start = sc.pos;

			while (sc.pos < sc.len && is_ident_char(peek(&sc, 0)))
				advance(&sc);
			check_ident(&sc, sc.s + start, sc.pos - start);
		} else if (c >= '0' && c <= '9') {
			scan_number(&sc);
		} else if (c == ':' && peek(&sc, 1) == ':') {
			push_token(&sc, "::", 2);
			advance(&sc);
			advance(&sc);
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			advance(&sc);
		} else {
			push_token(&sc, &c, 1);
			advance(&sc);
		}
	}
	return sc.violations;
}

static int scan_file(const char *path, policy_report_fn report, void *ctx)
{
	struct stat st;
	char *text;
	int fd, ret;
	size_t done = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, text + done, (size_t)st.st_size - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	ret = policy_scan_source(path, text, done, report, ctx);
	free(text);
	return ret;
}

int policy_scan_dir(const char *dir, policy_report_fn report, void *ctx)
{
	struct dirent *de;
	int total = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;
		size_t n = strlen(de->d_name);
		int ret;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			ret = policy_scan_dir(path, report, ctx);
		else if (S_ISREG(st.st_mode) && n > 3 && !strcmp(de->d_name + n - 3, ".rs"))
			ret = scan_file(path, report, ctx);
		else
			continue;
		if (ret < 0) {
			closedir(d);
			return ret;
		}
		total += ret;
	}
	closedir(d);
	return total;
}

void policy_report_stderr(const char *file, unsigned int line, const char *rule,
			  const char *message, void *ctx)
{
	fprintf(stderr, "error[%s]: crate '%s': %s\n  --> %s:%u\n", rule, (const char *)ctx,
		message, file, line);
}

bool policy_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

bool policy_name_in_list(const char *name, const char *list)
{
	size_t n = strlen(name);

	while (list && *list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		if (len == n && !strncmp(list, name, n))
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}
