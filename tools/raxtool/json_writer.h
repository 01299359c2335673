/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A streaming JSON writer that cannot produce invalid JSON: it tracks the
 * nesting, inserts separators, escapes every string (control characters and
 * invalid UTF-8 included) and refuses calls that would break the grammar.
 */
#ifndef RAXTOOL_JSON_WRITER_H
#define RAXTOOL_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

/**
 * @brief Create a writer that streams to @p out.
 * @return the writer, or NULL with errno set
 */
struct json_writer *jsonw_new(FILE *out);
/**
 * @brief Close every open container, end the document with a newline and
 * free the writer.  A document that received no value becomes "null".
 */
void jsonw_destroy(struct json_writer *w);
/** @brief Indent nested values (4 spaces per level) and put one member per line. */
void jsonw_pretty(struct json_writer *w, bool on);

/** @brief Nesting depth: 0 at the top level. */
unsigned int jsonw_depth(const struct json_writer *w);
/** @brief True when the innermost open container is an object. */
bool jsonw_in_object(const struct json_writer *w);
/** @brief True once the top-level value has been started. */
bool jsonw_started(const struct json_writer *w);

/*
 * Every call below returns 0, or -EINVAL when it would make the document
 * invalid (a value where a member name is required, a name outside an
 * object, closing the wrong container, a second top-level value); the
 * rejected call writes nothing.
 */
/** @brief Member name of the next value; only inside an object. */
int jsonw_name(struct json_writer *w, const char *name);
int jsonw_start_object(struct json_writer *w);
int jsonw_end_object(struct json_writer *w);
int jsonw_start_array(struct json_writer *w);
int jsonw_end_array(struct json_writer *w);
/** @brief A string value; NULL writes null. */
int jsonw_string(struct json_writer *w, const char *s);
int jsonw_uint(struct json_writer *w, uint64_t v);
int jsonw_int(struct json_writer *w, int64_t v);
int jsonw_bool(struct json_writer *w, bool v);
int jsonw_null(struct json_writer *w);

#endif /* RAXTOOL_JSON_WRITER_H */
