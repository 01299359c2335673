// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one renderer behind every raxtool command: callers describe a value
 * once (JSON member name + plain-text format) and this file writes either
 * JSON through the json writer or indented text, so the two formats cannot
 * drift apart the way twin show_*_json/show_*_plain functions do.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raxtool.h"

#define OUT_MAX_DEPTH 32

enum frame_kind {
	FRAME_BLOCK,		/* one field per line */
	FRAME_INLINE,		/* fields on one line, joined by sep */
	FRAME_LIST,		/* one element per line */
	FRAME_INLINE_LIST,	/* elements on the enclosing line, comma-joined */
};

struct frame {
	enum frame_kind kind;
	const char *sep;
	const char *heading;	/* lists print it lazily, before the first element */
	bool heading_done;
	bool owns_line;		/* inline: this frame started the open line */
	unsigned int items;	/* inline lists: elements written */
	unsigned int indent;	/* tabs before lines of children */
};

static struct json_writer *jw;
static struct frame frames[OUT_MAX_DEPTH] = { { .kind = FRAME_BLOCK } };
static unsigned int depth;	/* frames[0] is the document */
static bool line_open;
static unsigned int line_items;

int out_init(bool pretty)
{
	if (!json_output)
		return 0;
	jw = jsonw_new(stdout);
	if (!jw)
		return -1;
	jsonw_pretty(jw, pretty);
	return 0;
}

void out_fini(void)
{
	if (jw) {
		jsonw_destroy(jw);
		jw = NULL;
	}
	if (line_open)
		putchar('\n');
	line_open = false;
	fflush(stdout);
}

struct json_writer *out_json(void)
{
	return jw;
}

static struct frame *cur(void)
{
	return &frames[depth];
}

static void end_line(void)
{
	if (line_open)
		putchar('\n');
	line_open = false;
}

static void start_line(unsigned int indent)
{
	end_line();
	for (unsigned int i = 0; i < indent; i++)
		putchar('\t');
	line_open = true;
	line_items = 0;
}

/* A list prints its heading only once it has something to show. */
static void flush_heading(struct frame *f)
{
	if (f->heading_done || !f->heading)
		return;
	f->heading_done = true;
	if (f->kind == FRAME_INLINE_LIST) {
		if (line_items)
			fputs(frames[depth - 1].sep, stdout);
		fputs(f->heading, stdout);
		line_items = 0;
		return;
	}
	start_line(depth ? frames[depth - 1].indent : 0);
	fputs(f->heading, stdout);
	end_line();
}

static bool on_line(const struct frame *f)
{
	return line_open &&
	       (f->kind == FRAME_INLINE || f->kind == FRAME_INLINE_LIST);
}

/* Write one formatted plain item into the current frame. */
static void plain_item(const char *text)
{
	struct frame *f = cur();

	flush_heading(f);
	if (on_line(f)) {
		if (f->kind != FRAME_INLINE_LIST) {
			if (line_items)
				fputs(f->sep, stdout);
		} else if (f->items) {
			fputs(",", stdout);
		} else if (!f->heading && line_items) {
			fputs(frames[depth - 1].sep, stdout);
		}
		fputs(text, stdout);
		f->items++;
		line_items++;
		return;
	}
	start_line(f->indent);
	fputs(text, stdout);
	end_line();
}

static void json_key(const char *key)
{
	if (jsonw_in_object(jw))
		jsonw_name(jw, key);
}

/*
 * JSON side of containers.  A container without a member name inside an
 * object only groups fields for the plain layout: its fields belong to the
 * enclosing JSON object.
 */
static bool json_transparent[OUT_MAX_DEPTH];
static unsigned int json_depth;

static void json_begin(const char *key, bool is_object)
{
	bool transparent = !key && jsonw_in_object(jw);

	if (json_depth + 1 == OUT_MAX_DEPTH)
		abort();	/* a programming error in a renderer */
	json_transparent[json_depth++] = transparent;
	if (transparent)
		return;
	json_key(key);
	if (is_object)
		jsonw_start_object(jw);
	else
		jsonw_start_array(jw);
}

static void json_end(bool is_object)
{
	if (!json_depth || json_transparent[--json_depth])
		return;
	if (is_object)
		jsonw_end_object(jw);
	else
		jsonw_end_array(jw);
}

static struct frame *push(enum frame_kind kind)
{
	struct frame *parent = cur();

	if (depth + 1 == OUT_MAX_DEPTH)
		abort();	/* a programming error in a renderer */
	depth++;
	frames[depth] = (struct frame){ .kind = kind, .indent = parent->indent };
	return &frames[depth];
}

/*
 * Common start of every container: under -j open it in JSON and return
 * true (the caller is done); in plain mode print the enclosing list's
 * pending heading first, since the container is its first content.
 */
static bool begin_container(const char *key, bool is_object)
{
	if (jw) {
		json_begin(key, is_object);
		return true;
	}
	flush_heading(cur());
	return false;
}

void out_block_begin(const char *key, const char *heading)
{
	struct frame *f;

	if (begin_container(key, true))
		return;
	end_line();
	f = push(FRAME_BLOCK);
	if (heading) {
		start_line(f->indent);
		fputs(heading, stdout);
		end_line();
		f->indent++;
	}
}

void out_block_end(void)
{
	if (jw) {
		json_end(true);
		return;
	}
	depth--;
}

void out_inline_begin(const char *key, const char *sep)
{
	struct frame *parent = cur();
	struct frame *f;

	if (begin_container(key, true))
		return;
	if (on_line(parent)) {
		/* Nested inline objects continue the enclosing line. */
		if (line_items)
			fputs(parent->sep, stdout);
		line_items = 0;
		f = push(FRAME_INLINE);
		f->sep = sep;
		return;
	}
	f = push(FRAME_INLINE);
	f->sep = sep;
	f->owns_line = true;
	start_line(f->indent);
	/* Containers that break out of the line go one level deeper. */
	f->indent++;
}

void out_inline_end(void)
{
	if (jw) {
		json_end(true);
		return;
	}
	if (cur()->owns_line)
		end_line();
	depth--;
}

void out_list_begin(const char *key, const char *heading)
{
	struct frame *f;

	if (begin_container(key, false))
		return;
	end_line();
	f = push(FRAME_LIST);
	f->heading = heading;
	if (heading)
		f->indent++;
}

void out_inline_list_begin(const char *key, const char *prefix)
{
	struct frame *parent = cur();
	struct frame *f;

	if (begin_container(key, false))
		return;
	if (!on_line(parent))
		start_line(parent->indent);
	f = push(FRAME_INLINE_LIST);
	f->heading = prefix;
}

void out_list_end(void)
{
	if (jw) {
		json_end(false);
		return;
	}
	depth--;
}

static void plain_fmt_item(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void plain_fmt_item(const char *fmt, ...)
{
	char *text;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	plain_item(text);
	free(text);
}

/*
 * Plain formats come from the renderers (string literals), each with one
 * conversion matching the field's type.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

void out_str(const char *key, const char *plain_fmt, const char *val)
{
	if (jw) {
		json_key(key);
		jsonw_string(jw, val);
		return;
	}
	if (plain_fmt && val)
		plain_fmt_item(plain_fmt, val);
}

void out_u64(const char *key, const char *plain_fmt, uint64_t val)
{
	if (jw) {
		json_key(key);
		jsonw_uint(jw, val);
		return;
	}
	if (plain_fmt)
		plain_fmt_item(plain_fmt, (unsigned long long)val);
}

void out_bool(const char *key, const char *plain_fmt, bool val)
{
	if (jw) {
		json_key(key);
		jsonw_bool(jw, val);
		return;
	}
	if (plain_fmt)
		plain_fmt_item(plain_fmt, val ? "true" : "false");
}

#pragma GCC diagnostic pop

void out_hex(const char *key, const char *plain_fmt, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	char *text;

	if (jw) {
		char byte[5];

		json_key(key);
		jsonw_start_array(jw);
		for (size_t i = 0; i < len; i++) {
			snprintf(byte, sizeof(byte), "0x%02x", b[i]);
			jsonw_string(jw, byte);
		}
		jsonw_end_array(jw);
		return;
	}
	if (!plain_fmt)
		return;
	text = calloc(1, len * 3 + 1);
	if (!text)
		return;
	for (size_t i = 0; i < len; i++)
		sprintf(text + i * 3, i + 1 < len ? "%02x " : "%02x", b[i]);
	out_str(key, plain_fmt, text);
	free(text);
}

void out_plain(const char *fmt, ...)
{
	va_list ap;

	if (jw)
		return;
	end_line();
	start_line(cur()->indent);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	end_line();
}
