// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rust symbol demangling, written from the published v0 mangling grammar
 * (RFC 2603, "Rust Symbol Mangling v0") and the legacy "_ZN...E" scheme.
 *
 * The input comes from untrusted objects, so every read is bounds-checked,
 * recursion is limited, backreferences must point strictly backwards and
 * the total work and output are capped: a malformed or hostile symbol
 * yields NULL, never a crash or a hang.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demangle_rust.h"

#define DM_MAX_DEPTH	64	/* nesting of paths and types */
#define DM_MAX_OUT	2048	/* bytes of output */
#define DM_MAX_STEPS	20000	/* parse steps (backrefs can repeat work) */

struct dm {
	const char *s;		/* the symbol after "_R" */
	size_t len;
	size_t pos;
	int depth;
	unsigned int steps;
	int quiet;		/* > 0: parse without printing (impl paths) */
	bool err;
	char out[DM_MAX_OUT];
	size_t out_len;
};

static bool dm_enter(struct dm *d)
{
	if (d->err || ++d->depth > DM_MAX_DEPTH || ++d->steps > DM_MAX_STEPS) {
		d->err = true;
		return false;
	}
	return true;
}

static void dm_leave(struct dm *d)
{
	d->depth--;
}

static char dm_peek(const struct dm *d)
{
	return d->pos < d->len ? d->s[d->pos] : '\0';
}

static char dm_next(struct dm *d)
{
	if (d->pos >= d->len) {
		d->err = true;
		return '\0';
	}
	return d->s[d->pos++];
}

static bool dm_eat(struct dm *d, char c)
{
	if (dm_peek(d) != c || c == '\0')
		return false;
	d->pos++;
	return true;
}

static void dm_putn(struct dm *d, const char *p, size_t n)
{
	if (d->quiet || d->err)
		return;
	if (n >= sizeof(d->out) - d->out_len) {
		d->err = true;
		return;
	}
	memcpy(d->out + d->out_len, p, n);
	d->out_len += n;
	d->out[d->out_len] = '\0';
}

static void dm_puts(struct dm *d, const char *p)
{
	dm_putn(d, p, strlen(p));
}

static void dm_putu(struct dm *d, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	dm_puts(d, buf);
}

/* <base-62-number> = {<0-9a-zA-Z>} "_"; "_" is 0, digits "x_" are x + 1. */
static uint64_t dm_base62(struct dm *d)
{
	uint64_t v = 0;
	char c;

	if (dm_eat(d, '_'))
		return 0;
	while ((c = dm_next(d)) != '_') {
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'z')
			digit = 10 + (c - 'a');
		else if (c >= 'A' && c <= 'Z')
			digit = 36 + (c - 'A');
		else {
			d->err = true;
			return 0;
		}
		if (v > (UINT64_MAX - digit) / 62) {
			d->err = true;
			return 0;
		}
		v = v * 62 + digit;
	}
	if (v == UINT64_MAX) {
		d->err = true;
		return 0;
	}
	return v + 1;
}

/* [<disambiguator>] with <disambiguator> = "s" <base-62-number>. */
static uint64_t dm_disambiguator(struct dm *d)
{
	uint64_t v;

	if (!dm_eat(d, 's'))
		return 0;
	v = dm_base62(d);
	if (v == UINT64_MAX) {
		d->err = true;
		return 0;
	}
	return v + 1;
}

/* <decimal-number> = "0" | <1-9> {<0-9>}, kept small (it sizes identifiers). */
static size_t dm_decimal(struct dm *d)
{
	size_t v = 0;
	char c = dm_peek(d);

	if (c < '0' || c > '9') {
		d->err = true;
		return 0;
	}
	if (dm_eat(d, '0'))
		return 0;
	while ((c = dm_peek(d)) >= '0' && c <= '9') {
		v = v * 10 + (size_t)(c - '0');
		if (v > DM_MAX_OUT * 16) {
			d->err = true;
			return 0;
		}
		d->pos++;
	}
	return v;
}

/* <undisambiguated-identifier> = ["u"] <decimal-number> ["_"] <bytes> */
static void dm_ident(struct dm *d, const char **name, size_t *len, bool *punycode)
{
	*punycode = dm_eat(d, 'u');
	*len = dm_decimal(d);
	dm_eat(d, '_');
	if (d->err || *len > d->len - d->pos) {
		d->err = true;
		*name = "";
		*len = 0;
		return;
	}
	*name = d->s + d->pos;
	d->pos += *len;
}

static void dm_put_ident(struct dm *d, const char *name, size_t len, bool punycode)
{
	/* Punycode (non-ASCII identifiers) is shown encoded: rare in
	 * kernel extensions, and the encoded form is still unambiguous. */
	if (punycode)
		dm_puts(d, "punycode{");
	dm_putn(d, name, len);
	if (punycode)
		dm_puts(d, "}");
}

/* "B" <base-62-number>: offset from the start of the symbol after "_R". */
static bool dm_backref(struct dm *d, size_t *saved)
{
	size_t start = d->pos - 1;	/* the "B" */
	uint64_t target = dm_base62(d);

	if (d->err || target >= start) {
		d->err = true;
		return false;
	}
	*saved = d->pos;
	d->pos = (size_t)target;
	return true;
}

static void dm_path(struct dm *d, bool in_value);
static void dm_type(struct dm *d);
static void dm_const(struct dm *d);

/* "L" <base-62-number>: only erased ('_) lifetimes appear in code symbols. */
static void dm_lifetime(struct dm *d, bool trailing_space)
{
	uint64_t idx = dm_base62(d);

	if (idx == 0 && trailing_space)
		return;
	dm_puts(d, "'_");
	if (trailing_space)
		dm_puts(d, " ");
}

static void dm_generic_arg(struct dm *d)
{
	if (dm_eat(d, 'L'))
		dm_lifetime(d, false);
	else if (dm_eat(d, 'K'))
		dm_const(d);
	else
		dm_type(d);
}

/* <impl-path> = [<disambiguator>] <path>: identifies the impl, not shown. */
static void dm_impl_path(struct dm *d)
{
	dm_disambiguator(d);
	d->quiet++;
	dm_path(d, false);
	d->quiet--;
}

static void dm_path(struct dm *d, bool in_value)
{
	const char *name;
	size_t len, saved;
	uint64_t dis;
	bool puny;
	char tag, ns;

	if (!dm_enter(d))
		return;
	tag = dm_next(d);
	switch (tag) {
	case 'C':	/* crate root; its disambiguator hash is dropped */
		dm_disambiguator(d);
		dm_ident(d, &name, &len, &puny);
		dm_put_ident(d, name, len, puny);
		break;
	case 'N':	/* nested: <namespace> <path> <identifier> */
		ns = dm_next(d);
		if (!((ns >= 'a' && ns <= 'z') || (ns >= 'A' && ns <= 'Z'))) {
			d->err = true;
			break;
		}
		dm_path(d, in_value);
		dis = dm_disambiguator(d);
		dm_ident(d, &name, &len, &puny);
		if (ns >= 'A' && ns <= 'Z') {
			char buf[2] = { ns, '\0' };

			dm_puts(d, "::{");
			dm_puts(d, ns == 'C' ? "closure" : ns == 'S' ? "shim" : buf);
			if (len) {
				dm_puts(d, ":");
				dm_put_ident(d, name, len, puny);
			}
			dm_puts(d, "#");
			dm_putu(d, dis);
			dm_puts(d, "}");
		} else if (len) {
			dm_puts(d, "::");
			dm_put_ident(d, name, len, puny);
		}
		break;
	case 'M':	/* inherent impl: <T> */
		dm_impl_path(d);
		dm_puts(d, "<");
		dm_type(d);
		dm_puts(d, ">");
		break;
	case 'X':	/* trait impl: <T as Trait> */
		dm_impl_path(d);
		/* fall through */
	case 'Y':	/* trait definition: <T as Trait> */
		dm_puts(d, "<");
		dm_type(d);
		dm_puts(d, " as ");
		dm_path(d, false);
		dm_puts(d, ">");
		break;
	case 'I': {	/* generic arguments */
		bool first = true;

		dm_path(d, in_value);
		dm_puts(d, in_value ? "::<" : "<");
		while (!d->err && !dm_eat(d, 'E')) {
			if (!first)
				dm_puts(d, ", ");
			first = false;
			dm_generic_arg(d);
		}
		dm_puts(d, ">");
		break;
	}
	case 'B':
		if (dm_backref(d, &saved)) {
			dm_path(d, in_value);
			d->pos = saved;
		}
		break;
	default:
		d->err = true;
	}
	dm_leave(d);
}

static const char *dm_basic_type(char c)
{
	switch (c) {
	case 'a': return "i8";
	case 'b': return "bool";
	case 'c': return "char";
	case 'd': return "f64";
	case 'e': return "str";
	case 'f': return "f32";
	case 'h': return "u8";
	case 'i': return "isize";
	case 'j': return "usize";
	case 'l': return "i32";
	case 'm': return "u32";
	case 'n': return "i128";
	case 'o': return "u128";
	case 's': return "i16";
	case 't': return "u16";
	case 'u': return "()";
	case 'v': return "...";
	case 'x': return "i64";
	case 'y': return "u64";
	case 'z': return "!";
	case 'p': return "_";
	default: return NULL;
	}
}

/* <fn-sig> = [<binder>] ["U"] ["K" <abi>] {<type>} "E" <type> */
static void dm_fn_sig(struct dm *d)
{
	bool first = true;

	if (dm_eat(d, 'G'))
		dm_base62(d);
	if (dm_eat(d, 'U'))
		dm_puts(d, "unsafe ");
	if (dm_eat(d, 'K')) {
		dm_puts(d, "extern \"");
		if (dm_eat(d, 'C')) {
			dm_puts(d, "C");
		} else {
			const char *name;
			size_t len, i;
			bool puny;

			dm_ident(d, &name, &len, &puny);
			for (i = 0; i < len && !d->err; i++)
				dm_putn(d, name[i] == '_' ? "-" : &name[i], 1);
		}
		dm_puts(d, "\" ");
	}
	dm_puts(d, "fn(");
	while (!d->err && !dm_eat(d, 'E')) {
		if (!first)
			dm_puts(d, ", ");
		first = false;
		dm_type(d);
	}
	dm_puts(d, ")");
	if (dm_eat(d, 'u'))
		return;		/* returns () */
	dm_puts(d, " -> ");
	dm_type(d);
}

/* <dyn-bounds> = [<binder>] {<dyn-trait>} "E", then a lifetime. */
static void dm_dyn(struct dm *d)
{
	bool first = true;

	if (dm_eat(d, 'G'))
		dm_base62(d);
	dm_puts(d, "dyn ");
	while (!d->err && !dm_eat(d, 'E')) {
		bool bindings = false;

		if (!first)
			dm_puts(d, " + ");
		first = false;
		dm_path(d, false);
		while (!d->err && dm_eat(d, 'p')) {	/* Trait<Assoc = T> */
			const char *name;
			size_t len;
			bool puny;

			dm_puts(d, bindings ? ", " : "<");
			bindings = true;
			dm_ident(d, &name, &len, &puny);
			dm_put_ident(d, name, len, puny);
			dm_puts(d, " = ");
			dm_type(d);
		}
		if (bindings)
			dm_puts(d, ">");
	}
	if (!dm_eat(d, 'L')) {
		d->err = true;
		return;
	}
	if (dm_base62(d)) {
		dm_puts(d, " + ");
		dm_puts(d, "'_");
	}
}

static void dm_type(struct dm *d)
{
	const char *basic;
	size_t saved;
	char c;

	if (!dm_enter(d))
		return;
	c = dm_next(d);
	basic = dm_basic_type(c);
	if (basic) {
		dm_puts(d, basic);
		dm_leave(d);
		return;
	}
	switch (c) {
	case 'A':
		dm_puts(d, "[");
		dm_type(d);
		dm_puts(d, "; ");
		dm_const(d);
		dm_puts(d, "]");
		break;
	case 'S':
		dm_puts(d, "[");
		dm_type(d);
		dm_puts(d, "]");
		break;
	case 'T': {
		size_t n = 0;

		dm_puts(d, "(");
		while (!d->err && !dm_eat(d, 'E')) {
			if (n++)
				dm_puts(d, ", ");
			dm_type(d);
		}
		dm_puts(d, n == 1 ? ",)" : ")");
		break;
	}
	case 'R':
	case 'Q':
		dm_puts(d, "&");
		if (dm_eat(d, 'L'))
			dm_lifetime(d, true);
		if (c == 'Q')
			dm_puts(d, "mut ");
		dm_type(d);
		break;
	case 'P':
		dm_puts(d, "*const ");
		dm_type(d);
		break;
	case 'O':
		dm_puts(d, "*mut ");
		dm_type(d);
		break;
	case 'F':
		dm_fn_sig(d);
		break;
	case 'D':
		dm_dyn(d);
		break;
	case 'B':
		if (dm_backref(d, &saved)) {
			dm_type(d);
			d->pos = saved;
		}
		break;
	case 'C': case 'N': case 'M': case 'X': case 'Y': case 'I':
		d->pos--;
		dm_path(d, false);
		break;
	default:
		d->err = true;
	}
	dm_leave(d);
}

/* <const> = <type> <const-data> | "p" | <backref>; integers, bool, char. */
static void dm_const(struct dm *d)
{
	uint64_t v = 0;
	bool neg, wide = false;
	size_t saved, start;
	char ty, c;

	if (!dm_enter(d))
		return;
	if (dm_eat(d, 'p')) {
		dm_puts(d, "_");
		dm_leave(d);
		return;
	}
	if (dm_eat(d, 'B')) {
		if (dm_backref(d, &saved)) {
			dm_const(d);
			d->pos = saved;
		}
		dm_leave(d);
		return;
	}
	ty = dm_next(d);
	if (!strchr("hstmyojanlxib" "c", ty) || ty == '\0') {
		d->err = true;	/* structured constants are not shown */
		dm_leave(d);
		return;
	}
	neg = dm_eat(d, 'n');
	start = d->pos;
	while ((c = dm_next(d)) != '_' && !d->err) {
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'f')
			digit = 10 + (c - 'a');
		else {
			d->err = true;
			break;
		}
		if (v >> 60)
			wide = true;
		v = (v << 4) | digit;
	}
	if (d->err) {
		dm_leave(d);
		return;
	}
	if (ty == 'b') {
		dm_puts(d, v == 0 ? "false" : v == 1 ? "true" : "?");
	} else if (ty == 'c') {
		char buf[16];

		if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\')
			snprintf(buf, sizeof(buf), "'%c'", (int)v);
		else
			snprintf(buf, sizeof(buf), "'\\u{%llx}'", (unsigned long long)(v & 0x1fffff));
		dm_puts(d, buf);
	} else {
		if (neg)
			dm_puts(d, "-");
		if (wide) {
			dm_puts(d, "0x");
			dm_putn(d, d->s + start, d->pos - 1 - start);
		} else {
			dm_putu(d, v);
		}
	}
	dm_leave(d);
}

static char *demangle_v0(const char *s, size_t len)
{
	struct dm *d = calloc(1, sizeof(*d));
	char *res = NULL;

	if (!d)
		return NULL;
	d->s = s;
	d->len = len;
	if (dm_peek(d) >= '0' && dm_peek(d) <= '9')
		dm_decimal(d);		/* encoding version */
	dm_path(d, true);
	/* <instantiating-crate>: where a generic was instantiated, not shown */
	if (!d->err && d->pos < d->len && dm_peek(d) != '.' && dm_peek(d) != '$') {
		d->quiet++;
		dm_path(d, false);
		d->quiet--;
	}
	/* anything left must be a vendor suffix (".llvm.123"), dropped */
	if (d->err || (d->pos < d->len && dm_peek(d) != '.' && dm_peek(d) != '$')) {
		errno = EINVAL;
	} else {
		res = strdup(d->out);
	}
	free(d);
	return res;
}

/* Legacy: _ZN {<len><bytes>} E, last component "h<16 hex>" is a hash. */
static const struct {
	const char *code;
	const char *text;
} legacy_escapes[] = {
	{ "$SP$", "@" }, { "$BP$", "*" }, { "$RF$", "&" }, { "$LT$", "<" },
	{ "$GT$", ">" }, { "$LP$", "(" }, { "$RP$", ")" }, { "$C$", "," },
	{ "$u7e$", "~" }, { "$u20$", " " }, { "$u27$", "'" }, { "$u5b$", "[" },
	{ "$u5d$", "]" }, { "$u7b$", "{" }, { "$u7d$", "}" }, { "$u3b$", ";" },
	{ "$u2b$", "+" }, { "$u22$", "\"" },
};

static bool legacy_is_hash(const char *p, size_t n)
{
	size_t i;

	if (n != 17 || p[0] != 'h')
		return false;
	for (i = 1; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static void legacy_component(struct dm *d, const char *p, size_t n)
{
	size_t i = 0, k;

	if (n >= 2 && p[0] == '_' && p[1] == '$')
		i = 1;		/* "_$" protects a leading escape */
	while (i < n && !d->err) {
		if (p[i] == '.' && i + 1 < n && p[i + 1] == '.') {
			dm_puts(d, "::");
			i += 2;
			continue;
		}
		if (p[i] == '$') {
			for (k = 0; k < sizeof(legacy_escapes) / sizeof(legacy_escapes[0]); k++) {
				size_t el = strlen(legacy_escapes[k].code);

				if (el <= n - i && !memcmp(p + i, legacy_escapes[k].code, el)) {
					dm_puts(d, legacy_escapes[k].text);
					i += el;
					break;
				}
			}
			if (k < sizeof(legacy_escapes) / sizeof(legacy_escapes[0]))
				continue;
			d->err = true;
			return;
		}
		dm_putn(d, p + i, 1);
		i++;
	}
}

static char *demangle_legacy(const char *s, size_t len)
{
	struct dm *d = calloc(1, sizeof(*d));
	char *res = NULL;
	bool first = true;

	if (!d)
		return NULL;
	d->s = s;
	d->len = len;
	while (!d->err && !dm_eat(d, 'E')) {
		const char *name = NULL;
		size_t n = dm_decimal(d);

		if (d->err || n == 0 || n > d->len - d->pos) {
			d->err = true;
			break;
		}
		name = d->s + d->pos;
		d->pos += n;
		if (dm_peek(d) == 'E' && !first && legacy_is_hash(name, n))
			continue;
		if (!first)
			dm_puts(d, "::");
		first = false;
		legacy_component(d, name, n);
	}
	if (d->err || first || (d->pos < d->len && dm_peek(d) != '.')) {
		errno = EINVAL;
	} else {
		res = strdup(d->out);
	}
	free(d);
	return res;
}

static char *demangle_n(const char *sym, size_t len)
{
	if (len > 2 && !memcmp(sym, "_R", 2))
		return demangle_v0(sym + 2, len - 2);
	if (len > 3 && !memcmp(sym, "_ZN", 3))
		return demangle_legacy(sym + 3, len - 3);
	errno = EINVAL;
	return NULL;
}

char *demangle_rust(const char *sym)
{
	if (!sym) {
		errno = EINVAL;
		return NULL;
	}
	return demangle_n(sym, strlen(sym));
}

static bool sym_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$';
}

char *demangle_rust_text(const char *text)
{
	size_t n = strlen(text), cap = n + 1, len = 0, i = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (i < n) {
		size_t end = i, add;
		char *dem = NULL;
		const char *piece;

		if (text[i] == '_' && (i == 0 || !sym_char(text[i - 1]))) {
			/* a '.' belongs to the symbol only inside it (".llvm.1") */
			while (end < n && (sym_char(text[end]) ||
					   (text[end] == '.' && end + 1 < n &&
					    sym_char(text[end + 1]))))
				end++;
			dem = demangle_n(text + i, end - i);
		}
		if (dem) {
			piece = dem;
			add = strlen(dem);
		} else {
			if (end == i)
				end = i + 1;
			piece = text + i;
			add = end - i;
		}
		if (len + add + 1 > cap) {
			char *grown;

			cap = (len + add + 1) * 2;
			grown = realloc(out, cap);
			if (!grown) {
				free(dem);
				free(out);
				return NULL;
			}
			out = grown;
		}
		memcpy(out + len, piece, add);
		len += add;
		free(dem);
		i = end;
	}
	out[len] = '\0';
	return out;
}
