// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the kernel backend's time budgets, without rax.ko: the
 * open option's budget in every program record of the load request, the
 * RAX_IOC_SET_BUDGET request, the maximum checked before the kernel is
 * asked, and rax_program__set_time_budget's errors before load.  The VM
 * test (tests/vm/vm_watchdog.c) shows the kernel's side.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend_kernel.h"
#include "librax_internal.h"
#include "unit_util.h"

static struct rax_object *open_kernel(__u32 budget_ms)
{
	RAX_OPTS(rax_object_open_opts, opts, .backend = RAX_BACKEND_KERNEL,
		 .time_budget_ms = budget_ms);
	struct rax_object *obj = rax_object__open_file(test_obj_path("good.o"), &opts);

	assert_non_null(obj);
	assert_true(obj->prog_cnt >= 2);
	return obj;
}

/* Every record of the request carries want_ms; returns the record count. */
static size_t check_request(struct rax_object *obj, __u32 want_ms)
{
	struct rax_kernel_request req;
	size_t i, cnt;

	assert_int_equal(rax_kernel_request_build(obj, &req), 0);
	assert_int_equal(req.load.prog_rec_size, sizeof(struct rax_ioc_prog));
	cnt = req.load.prog_cnt;
	assert_int_equal(cnt, obj->prog_cnt);
	for (i = 0; i < cnt; i++) {
		assert_int_equal(req.progs[i].time_budget_ms, want_ms);
		assert_int_equal(req.progs[i].reserved, 0);
	}
	rax_kernel_request_free(&req);
	return cnt;
}

static void test_request_carries_open_budget(void **state)
{
	struct rax_object *obj = open_kernel(20);

	(void)state;
	check_request(obj, 20);
	rax_object__close(obj);
}

static void test_request_default_budget(void **state)
{
	struct rax_object *obj = open_kernel(0);

	(void)state;
	check_request(obj, RAX_DEFAULT_TIME_BUDGET_MS);
	rax_object__close(obj);
}

static void test_request_budget_limits(void **state)
{
	struct rax_kernel_request req;
	struct rax_object *obj;

	(void)state;
	obj = open_kernel(RAX_MAX_TIME_BUDGET_MS);
	check_request(obj, RAX_MAX_TIME_BUDGET_MS);
	rax_object__close(obj);

	obj = open_kernel(RAX_MAX_TIME_BUDGET_MS + 1);
	test_log_reset();
	memset(&req, 0xa5, sizeof(req));
	assert_int_equal(rax_kernel_request_build(obj, &req), -EINVAL);
	/* Nothing left allocated, and the reason is logged. */
	assert_null(req.progs);
	assert_null(req.secs);
	assert_non_null(strstr(test_log, "takes at most 10000 ms"));
	librax_set_print(NULL);
	rax_object__close(obj);
}

static void test_set_budget_request(void **state)
{
	struct rax_object *obj = open_kernel(0);
	struct rax_ioc_set_budget req;
	size_t last = obj->prog_cnt - 1;

	(void)state;
	memset(&req, 0xa5, sizeof(req));
	assert_int_equal(rax_kernel_budget_request(&obj->progs[last], 30, &req), 0);
	assert_int_equal(req.size, sizeof(req));
	assert_int_equal(req.size, RAX_SET_BUDGET_SIZE_VER0);
	/* The index into the load request, which lists obj->progs in order. */
	assert_int_equal(req.prog, last);
	assert_int_equal(req.time_budget_ms, 30);
	assert_int_equal(req.flags, 0);

	assert_int_equal(rax_kernel_budget_request(&obj->progs[0], 0, &req), 0);
	assert_int_equal(req.prog, 0);
	assert_int_equal(req.time_budget_ms, 0);
	assert_int_equal(rax_kernel_budget_request(&obj->progs[0], RAX_MAX_TIME_BUDGET_MS, &req),
			 0);

	test_log_reset();
	assert_int_equal(rax_kernel_budget_request(&obj->progs[0], RAX_MAX_TIME_BUDGET_MS + 1,
						   &req), -EINVAL);
	assert_non_null(strstr(test_log, "takes at most"));
	librax_set_print(NULL);
	rax_object__close(obj);
}

static void test_set_time_budget_errors(void **state)
{
	struct rax_object *obj = open_kernel(0);

	(void)state;
	errno = 0;
	assert_int_equal(rax_program__set_time_budget(NULL, 10), -EINVAL);
	assert_int_equal(errno, EINVAL);
	/* Not loaded (the budget then goes through the open option). */
	errno = 0;
	assert_int_equal(rax_program__set_time_budget(&obj->progs[0], 10), -ENOENT);
	assert_int_equal(errno, ENOENT);
	rax_object__close(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_carries_open_budget),
		cmocka_unit_test(test_request_default_budget),
		cmocka_unit_test(test_request_budget_limits),
		cmocka_unit_test(test_set_budget_request),
		cmocka_unit_test(test_set_time_budget_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
