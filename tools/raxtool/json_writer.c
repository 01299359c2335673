// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Streaming JSON writer.  Validity is enforced here, not by callers: a call
 * that would break the grammar is refused, strings are always escaped, and
 * destroying the writer closes whatever is still open.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "json_writer.h"

#define JSONW_MAX_DEPTH 64

struct jsonw_frame {
	bool is_object;
	bool name_pending;	/* object: a member name waits for its value */
	unsigned int count;	/* members or elements written so far */
};

struct json_writer {
	FILE *out;
	bool pretty;
	unsigned int depth;	/* frames in use; 0 = top level */
	unsigned int top_count;	/* values written at the top level */
	struct jsonw_frame stack[JSONW_MAX_DEPTH];
};

struct json_writer *jsonw_new(FILE *out)
{
	struct json_writer *w;

	if (!out) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->out = out;
	return w;
}

void jsonw_pretty(struct json_writer *w, bool on)
{
	w->pretty = on;
}

unsigned int jsonw_depth(const struct json_writer *w)
{
	return w->depth;
}

bool jsonw_in_object(const struct json_writer *w)
{
	return w->depth && w->stack[w->depth - 1].is_object;
}

bool jsonw_started(const struct json_writer *w)
{
	return w->top_count > 0 || w->depth > 0;
}

static struct jsonw_frame *top_frame(struct json_writer *w)
{
	return w->depth ? &w->stack[w->depth - 1] : NULL;
}

static void newline_indent(struct json_writer *w, unsigned int level)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (unsigned int i = 0; i < level; i++)
		fputs("    ", w->out);
}

/* Write the separator a new value needs, or refuse the value. */
static int begin_value(struct json_writer *w)
{
	struct jsonw_frame *f = top_frame(w);

	if (!f) {
		if (w->top_count)
			return -EINVAL;
		w->top_count++;
		return 0;
	}
	if (f->is_object) {
		if (!f->name_pending)
			return -EINVAL;
		f->name_pending = false;	/* name already wrote the separator */
		return 0;
	}
	if (f->count)
		fputc(',', w->out);
	newline_indent(w, w->depth);
	f->count++;
	return 0;
}

/* Length of the valid UTF-8 sequence at @s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void write_escaped(struct json_writer *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', w->out);
	while (*s) {
		size_t len;

		switch (*s) {
		case '"':
			fputs("\\\"", w->out);
			break;
		case '\\':
			fputs("\\\\", w->out);
			break;
		case '\n':
			fputs("\\n", w->out);
			break;
		case '\r':
			fputs("\\r", w->out);
			break;
		case '\t':
			fputs("\\t", w->out);
			break;
		case '\b':
			fputs("\\b", w->out);
			break;
		case '\f':
			fputs("\\f", w->out);
			break;
		default:
			if (*s < 0x20) {
				fprintf(w->out, "\\u%04x", *s);
				break;
			}
			len = utf8_seq_len(s);
			if (!len) {
				/* Keep the byte's value without emitting invalid UTF-8. */
				fprintf(w->out, "\\u%04x", *s);
				break;
			}
			fwrite(s, 1, len, w->out);
			s += len;
			continue;
		}
		s++;
	}
	fputc('"', w->out);
}

int jsonw_name(struct json_writer *w, const char *name)
{
	struct jsonw_frame *f = top_frame(w);

	if (!f || !f->is_object || f->name_pending || !name)
		return -EINVAL;
	if (f->count)
		fputc(',', w->out);
	newline_indent(w, w->depth);
	write_escaped(w, name);
	fputs(w->pretty ? ": " : ":", w->out);
	f->name_pending = true;
	f->count++;
	return 0;
}

static int start_container(struct json_writer *w, bool is_object)
{
	int err;

	if (w->depth == JSONW_MAX_DEPTH)
		return -E2BIG;
	err = begin_value(w);
	if (err)
		return err;
	fputc(is_object ? '{' : '[', w->out);
	w->stack[w->depth++] = (struct jsonw_frame){ .is_object = is_object };
	return 0;
}

static int end_container(struct json_writer *w, bool is_object)
{
	struct jsonw_frame *f = top_frame(w);

	if (!f || f->is_object != is_object || f->name_pending)
		return -EINVAL;
	w->depth--;
	if (f->count)
		newline_indent(w, w->depth);
	fputc(is_object ? '}' : ']', w->out);
	return 0;
}

int jsonw_start_object(struct json_writer *w)
{
	return start_container(w, true);
}

int jsonw_end_object(struct json_writer *w)
{
	return end_container(w, true);
}

int jsonw_start_array(struct json_writer *w)
{
	return start_container(w, false);
}

int jsonw_end_array(struct json_writer *w)
{
	return end_container(w, false);
}

int jsonw_string(struct json_writer *w, const char *s)
{
	int err = begin_value(w);

	if (err)
		return err;
	if (s)
		write_escaped(w, s);
	else
		fputs("null", w->out);
	return 0;
}

int jsonw_uint(struct json_writer *w, uint64_t v)
{
	int err = begin_value(w);

	if (err)
		return err;
	fprintf(w->out, "%" PRIu64, v);
	return 0;
}

int jsonw_int(struct json_writer *w, int64_t v)
{
	int err = begin_value(w);

	if (err)
		return err;
	fprintf(w->out, "%" PRId64, v);
	return 0;
}

int jsonw_bool(struct json_writer *w, bool v)
{
	int err = begin_value(w);

	if (err)
		return err;
	fputs(v ? "true" : "false", w->out);
	return 0;
}

int jsonw_null(struct json_writer *w)
{
	int err = begin_value(w);

	if (err)
		return err;
	fputs("null", w->out);
	return 0;
}

void jsonw_destroy(struct json_writer *w)
{
	if (!w)
		return;
	while (w->depth) {
		struct jsonw_frame *f = top_frame(w);

		/* A dangling member name still needs a value. */
		if (f->is_object && f->name_pending)
			jsonw_null(w);
		end_container(w, f->is_object);
	}
	if (!w->top_count)
		fputs("null", w->out);
	fputc('\n', w->out);
	fflush(w->out);
	free(w);
}
