// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of raxtool's streaming JSON writer: separators, nesting,
 * escaping, pretty mode and refusal of calls that would break the grammar.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_writer.h"

struct capture {
	char *buf;
	size_t size;
	FILE *f;
	struct json_writer *w;
};

static int setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->f = open_memstream(&c->buf, &c->size);
	assert_non_null(c->f);
	c->w = jsonw_new(c->f);
	assert_non_null(c->w);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct capture *c = *state;

	free(c->buf);
	free(c);
	return 0;
}

/* Destroy the writer and return what it produced. */
static const char *finish(struct capture *c)
{
	jsonw_destroy(c->w);
	c->w = NULL;
	fclose(c->f);
	return c->buf;
}

static void test_nested_members(void **state)
{
	struct capture *c = *state;

	assert_int_equal(jsonw_start_object(c->w), 0);
	assert_int_equal(jsonw_name(c->w, "a"), 0);
	assert_int_equal(jsonw_uint(c->w, 18446744073709551615ull), 0);
	assert_int_equal(jsonw_name(c->w, "b"), 0);
	assert_int_equal(jsonw_start_array(c->w), 0);
	assert_int_equal(jsonw_int(c->w, -5), 0);
	assert_int_equal(jsonw_bool(c->w, true), 0);
	assert_int_equal(jsonw_null(c->w), 0);
	assert_int_equal(jsonw_string(c->w, NULL), 0);
	assert_int_equal(jsonw_start_object(c->w), 0);
	assert_int_equal(jsonw_end_object(c->w), 0);
	assert_int_equal(jsonw_end_array(c->w), 0);
	assert_int_equal(jsonw_end_object(c->w), 0);
	assert_string_equal(finish(c),
			    "{\"a\":18446744073709551615,\"b\":[-5,true,null,null,{}]}\n");
}

static void test_escaping(void **state)
{
	struct capture *c = *state;

	jsonw_start_array(c->w);
	jsonw_string(c->w, "q\"b\\n\n\t\x01\x1f/");
	/* Valid UTF-8 (é, €) passes; a lone 0xff and a truncated sequence don't. */
	jsonw_string(c->w, "\xc3\xa9\xe2\x82\xac|\xff|\xe2\x82");
	/* Overlong encoding of '/' and a UTF-16 surrogate are invalid too. */
	jsonw_string(c->w, "\xc0\xaf\xed\xa0\x80");
	jsonw_end_array(c->w);
	assert_string_equal(finish(c),
			    "[\"q\\\"b\\\\n\\n\\t\\u0001\\u001f/\","
			    "\"\xc3\xa9\xe2\x82\xac|\\u00ff|\\u00e2\\u0082\","
			    "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"]\n");
}

static void test_refuses_invalid_calls(void **state)
{
	struct capture *c = *state;

	assert_int_equal(jsonw_name(c->w, "top"), -EINVAL);	/* not in an object */
	assert_int_equal(jsonw_end_array(c->w), -EINVAL);	/* nothing open */
	assert_int_equal(jsonw_start_object(c->w), 0);
	assert_int_equal(jsonw_uint(c->w, 1), -EINVAL);		/* value without name */
	assert_int_equal(jsonw_end_array(c->w), -EINVAL);	/* wrong container */
	assert_int_equal(jsonw_name(c->w, "k"), 0);
	assert_int_equal(jsonw_name(c->w, "k2"), -EINVAL);	/* two names in a row */
	assert_int_equal(jsonw_end_object(c->w), -EINVAL);	/* name without value */
	assert_int_equal(jsonw_uint(c->w, 7), 0);
	assert_int_equal(jsonw_end_object(c->w), 0);
	assert_int_equal(jsonw_uint(c->w, 2), -EINVAL);		/* second top-level value */
	assert_string_equal(finish(c), "{\"k\":7}\n");
}

static void test_destroy_closes_everything(void **state)
{
	struct capture *c = *state;

	jsonw_start_object(c->w);
	jsonw_name(c->w, "list");
	jsonw_start_array(c->w);
	jsonw_start_object(c->w);
	jsonw_name(c->w, "dangling");
	assert_int_equal(jsonw_depth(c->w), 3);
	assert_string_equal(finish(c), "{\"list\":[{\"dangling\":null}]}\n");
}

static void test_empty_document_is_null(void **state)
{
	struct capture *c = *state;

	assert_false(jsonw_started(c->w));
	assert_string_equal(finish(c), "null\n");
}

static void test_pretty(void **state)
{
	struct capture *c = *state;

	jsonw_pretty(c->w, true);
	jsonw_start_object(c->w);
	jsonw_name(c->w, "a");
	jsonw_start_array(c->w);
	jsonw_uint(c->w, 1);
	jsonw_uint(c->w, 2);
	jsonw_end_array(c->w);
	jsonw_name(c->w, "e");
	jsonw_start_array(c->w);
	jsonw_end_array(c->w);
	jsonw_end_object(c->w);
	assert_string_equal(finish(c),
			    "{\n    \"a\": [\n        1,\n        2\n    ],\n"
			    "    \"e\": []\n}\n");
}

static void test_depth_limit(void **state)
{
	struct capture *c = *state;
	int err = 0, opened = 0;

	while (!err && opened < 1000) {
		err = jsonw_start_array(c->w);
		if (!err)
			opened++;
	}
	assert_int_equal(err, -E2BIG);
	assert_true(opened > 8);
	/* Still a complete document after destroy. */
	finish(c);
	assert_int_equal(strspn(c->buf, "["), (size_t)opened);
	assert_int_equal(strspn(c->buf + opened, "]"), (size_t)opened);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nested_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_invalid_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_closes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_document_is_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pretty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
