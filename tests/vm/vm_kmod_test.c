// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test of rax.ko through its ioctls, without librax: loads the
 * hand-written object objs/xdp_count.o against real BPF maps (libbpf's
 * bpf_map_create), test-runs its programs, checks map contents, panics,
 * the dedicated stack, malformed requests and that closing frees all.
 *
 * Usage: vm_kmod_test <dir holding xdp_count.o>
 * Prints "RAX-TEST: kmod.<case> PASS|FAIL ..." per case.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "vm_obj.h"
#include "vm_util.h"

static int failures;
static char obj_dir[256];

static int dev_open(void)
{
	return open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

/* Create one BPF map per definition of the object, set the fds. */
static int create_maps(struct vm_obj *o)
{
	for (unsigned int i = 0; i < o->map_cnt; i++) {
		const struct rax_map_def *d = &o->map_defs[i];
		int fd = bpf_map_create(d->type, o->maps[i].name, d->key_size, d->value_size,
					d->max_entries, NULL);

		if (fd < 0)
			return -errno;
		o->maps[i].fd = fd;
	}
	return 0;
}

static void close_maps(struct vm_obj *o)
{
	for (unsigned int i = 0; i < o->map_cnt; i++)
		if (o->maps[i].fd >= 0)
			close(o->maps[i].fd);
}

static int load(struct vm_obj *o, struct rax_ioc_load *req)
{
	int dev = dev_open(), fd;

	if (dev < 0)
		return -errno;
	fd = ioctl(dev, RAX_IOC_LOAD, req);
	fd = fd < 0 ? -errno : fd;
	close(dev);
	(void)o;
	return fd;
}

static int open_obj(struct vm_obj *o)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/xdp_count.o", obj_dir);
	if (vm_obj_open(o, path))
		return -1;
	if (create_maps(o)) {
		vm_obj_close(o);
		return -1;
	}
	return 0;
}

static int test_run(int objfd, int prog, void *pkt, __u32 len, __u32 repeat,
		    struct rax_ioc_test_run *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->size = sizeof(*tr);
	tr->prog = (__u32)prog;
	tr->data_in = (__u64)(uintptr_t)pkt;
	tr->data_size_in = len;
	tr->repeat = repeat;
	return ioctl(objfd, RAX_IOC_TEST_RUN, tr) ? -errno : 0;
}

static int case_info(void)
{
	struct rax_ioc_info info;

	CHECK(vm_rax_info(&info) == 0, "RAX_IOC_INFO: %s", strerror(errno));
	CHECK(info.ioctl_version == RAX_IOCTL_VERSION, "ioctl version %u", info.ioctl_version);
	CHECK(info.abi_version == RAX_ABI_VERSION, "abi version %u", info.abi_version);
	CHECK(info.helper_count == RAX_HELPER_COUNT, "helper count %u", info.helper_count);
	CHECK(info.objects == 0 && info.text_arena_used == 0, "not idle at start");
	return 0;
}

static int case_count(void)
{
	unsigned char pkt[60];
	struct rax_ioc_test_run tr;
	struct rax_ioc_load req;
	struct vm_obj o;
	__u64 val;
	__u32 key;
	int fd, p_count, p_runs, err;

	if (open_obj(&o))
		return -1;
	memset(pkt, 0xab, sizeof(pkt));
	vm_obj_request(&o, &req);
	fd = load(&o, &req);
	CHECK(fd >= 0, "load: %s", strerror(-fd));
	p_count = vm_obj_prog(&o, "xdp_count");
	p_runs = vm_obj_prog(&o, "xdp_runs");
	CHECK(p_count >= 0 && p_runs >= 0, "programs missing");

	err = test_run(fd, p_count, pkt, sizeof(pkt), 1000, &tr);
	CHECK(!err, "test run: %s", strerror(-err));
	CHECK(tr.retval == RAX_XDP_PASS, "retval %llu", (unsigned long long)tr.retval);
	CHECK(tr.abort_cause == RAX_ABORT_NONE, "abort cause %u", tr.abort_cause);
	err = test_run(fd, p_count, pkt, 17, 5, &tr);
	CHECK(!err, "test run: %s", strerror(-err));

	/* The map is a real BPF map: read it with bpf(). */
	key = 0;
	CHECK(!bpf_map_lookup_elem(o.maps[0].fd, &key, &val), "lookup: %s", strerror(errno));
	CHECK(val == 1005, "runs counted %llu, expected 1005", (unsigned long long)val);
	key = 1;
	CHECK(!bpf_map_lookup_elem(o.maps[0].fd, &key, &val), "lookup: %s", strerror(errno));
	CHECK(val == 1000 * sizeof(pkt) + 5 * 17, "bytes counted %llu",
	      (unsigned long long)val);

	/* Writes from userspace are seen by the program. */
	val = 1u << 20;
	key = 0;
	CHECK(!bpf_map_update_elem(o.maps[0].fd, &key, &val, BPF_ANY), "update");
	err = test_run(fd, p_count, pkt, 20, 1, &tr);
	CHECK(!err, "test run: %s", strerror(-err));
	CHECK(!bpf_map_lookup_elem(o.maps[0].fd, &key, &val), "lookup");
	CHECK(val == (1u << 20) + 1, "after userspace write: %llu", (unsigned long long)val);

	/* The object's own writable data kept its count across runs. */
	err = test_run(fd, p_runs, pkt, 20, 1, &tr);
	CHECK(!err, "test run: %s", strerror(-err));
	CHECK(tr.retval == 1006, "run_count %llu", (unsigned long long)tr.retval);

	/* No element for definitions without a value offset (abi.h). */
	err = test_run(fd, vm_obj_prog(&o, "xdp_raw_refused"), pkt, 20, 1, &tr);
	CHECK(!err, "test run: %s", strerror(-err));
	CHECK(tr.retval == 2, "raw lookups refused: %llu of 2", (unsigned long long)tr.retval);

	close(fd);
	close_maps(&o);
	vm_obj_close(&o);
	return 0;
}

static int case_panic_and_stack(void)
{
	unsigned char pkt[64] = { 0 };
	struct rax_ioc_test_run tr;
	struct rax_ioc_stats st;
	struct rax_ioc_load req;
	struct vm_obj o;
	int fd, p, err;

	if (open_obj(&o))
		return -1;
	vm_obj_request(&o, &req);
	fd = load(&o, &req);
	CHECK(fd >= 0, "load: %s", strerror(-fd));

	p = vm_obj_prog(&o, "xdp_panic");
	err = test_run(fd, p, pkt, sizeof(pkt), 3, &tr);
	CHECK(!err, "test run: %s", strerror(-err));
	CHECK(tr.retval == RAX_XDP_ABORTED_RESULT, "retval %llu", (unsigned long long)tr.retval);
	CHECK(tr.abort_cause == RAX_ABORT_PANIC, "cause %u", tr.abort_cause);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.prog = (__u32)p;
	CHECK(!ioctl(fd, RAX_IOC_STATS, &st), "stats: %s", strerror(errno));
	CHECK(st.run_cnt == 3 && st.aborted[RAX_ABORT_PANIC] == 3,
	      "run_cnt %llu aborted %llu", (unsigned long long)st.run_cnt,
	      (unsigned long long)st.aborted[RAX_ABORT_PANIC]);

	/* After the landing pad, the next run of another program is fine. */
	p = vm_obj_prog(&o, "xdp_deep_stack");
	err = test_run(fd, p, pkt, sizeof(pkt), 2, &tr);
	CHECK(!err, "test run: %s", strerror(-err));
	CHECK(tr.retval == 0x5a && tr.abort_cause == 0, "deep stack retval %llu",
	      (unsigned long long)tr.retval);

	p = vm_obj_prog(&o, "xdp_cpu");
	err = test_run(fd, p, pkt, sizeof(pkt), 1, &tr);
	CHECK(!err && tr.retval < 64, "cpu %llu", (unsigned long long)tr.retval);

	close(fd);
	close_maps(&o);
	vm_obj_close(&o);
	return 0;
}

/* #UD, #DE and #GP in program code abort the run, and the next run works. */
static int case_faults(void)
{
	static const char *const progs[] = { "xdp_ud2", "xdp_div0", "xdp_gp" };
	unsigned char pkt[64] = { 0 };
	struct rax_ioc_test_run tr;
	struct rax_ioc_stats st;
	struct rax_ioc_load req;
	struct vm_obj o;
	int fd, p, err;

	if (open_obj(&o))
		return -1;
	vm_obj_request(&o, &req);
	fd = load(&o, &req);
	CHECK(fd >= 0, "load: %s", strerror(-fd));
	for (unsigned int i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		p = vm_obj_prog(&o, progs[i]);
		CHECK(p >= 0, "%s missing", progs[i]);
		err = test_run(fd, p, pkt, sizeof(pkt), 2, &tr);
		CHECK(!err, "%s: test run: %s", progs[i], strerror(-err));
		CHECK(tr.abort_cause == RAX_ABORT_FAULT && tr.retval == RAX_XDP_ABORTED_RESULT,
		      "%s: cause %u retval %llu", progs[i], tr.abort_cause,
		      (unsigned long long)tr.retval);
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.prog = (__u32)p;
		CHECK(!ioctl(fd, RAX_IOC_STATS, &st), "stats");
		CHECK(st.aborted[RAX_ABORT_FAULT] == 2 && st.aborted[RAX_ABORT_PANIC] == 0,
		      "%s: fault count %llu", progs[i],
		      (unsigned long long)st.aborted[RAX_ABORT_FAULT]);
		p = vm_obj_prog(&o, "xdp_count");
		err = test_run(fd, p, pkt, sizeof(pkt), 1, &tr);
		CHECK(!err && tr.retval == RAX_XDP_PASS && !tr.abort_cause,
		      "run after %s: retval %llu", progs[i], (unsigned long long)tr.retval);
	}
	close(fd);
	close_maps(&o);
	vm_obj_close(&o);
	return 0;
}

/* Each malformed request fails with the expected error and leaks nothing. */
static int case_malformed(void)
{
	struct rax_ioc_info before, after;
	struct rax_ioc_load req;
	struct rax_ioc_reloc saved;
	struct vm_obj o;
	unsigned char big[sizeof(req) + 8];
	int fd, wrong_map;

	if (open_obj(&o))
		return -1;
	CHECK(!vm_rax_info(&before), "info");
	CHECK(o.reloc_cnt > 0, "no relocations");
	saved = o.relocs[0];

#define EXPECT_LOAD_ERR(err, what)                                        \
	do {                                                              \
		vm_obj_request(&o, &req);                                 \
		fd = load(&o, &req);                                      \
		CHECK(fd == -(err), "%s: got %d", what, fd);              \
		o.relocs[0] = saved;                                      \
	} while (0)

	o.relocs[0].offset = o.secs[o.relocs[0].section].size - 2;
	EXPECT_LOAD_ERR(EINVAL, "relocation past the section end");
	o.relocs[0].offset = ~0ull - 1;
	EXPECT_LOAD_ERR(EINVAL, "relocation offset overflow");
	o.relocs[0].type = 10;	/* R_X86_64_32: not in the allowlist */
	EXPECT_LOAD_ERR(EINVAL, "relocation type");
	o.relocs[0].sym_kind = RAX_RELOC_SYM_HELPER;
	o.relocs[0].sym_index = RAX_HELPER_COUNT;
	o.relocs[0].sym_value = 0;
	EXPECT_LOAD_ERR(EINVAL, "helper index");
	o.relocs[0].sym_kind = RAX_RELOC_SYM_SECTION;
	o.relocs[0].sym_index = o.sec_cnt;
	EXPECT_LOAD_ERR(EINVAL, "symbol section");
	o.relocs[0].sym_index = 0;
	o.relocs[0].sym_value = o.secs[0].size + 1;
	EXPECT_LOAD_ERR(EINVAL, "symbol offset");
	o.relocs[0].section = o.sec_cnt + 7;
	EXPECT_LOAD_ERR(EINVAL, "relocated section");

	/* Entry check patches: only an intact pad in code is rewritten. */
	{
		struct rax_ioc_patch pt = { .section = o.progs[0].section,
					    .offset = o.progs[0].offset };

#define EXPECT_PATCH_ERR(err, what)                                       \
	do {                                                              \
		vm_obj_request(&o, &req);                                 \
		req.patches = (__u64)(uintptr_t)&pt;                      \
		req.patch_cnt = 1;                                        \
		req.patch_rec_size = sizeof(pt);                          \
		fd = load(&o, &req);                                      \
		CHECK(fd == -(err), "%s: got %d", what, fd);              \
		pt.section = o.progs[0].section;                          \
		pt.offset = o.progs[0].offset;                            \
		pt.reserved = 0;                                          \
	} while (0)
		EXPECT_PATCH_ERR(EINVAL, "patch over code that is no entry pad");
		pt.offset = o.secs[pt.section].size - 2;
		EXPECT_PATCH_ERR(EINVAL, "patch past the section end");
		pt.offset = ~0ull - 1;
		EXPECT_PATCH_ERR(EINVAL, "patch offset overflow");
		pt.section = o.maps[0].section;
		pt.offset = 0;
		EXPECT_PATCH_ERR(EINVAL, "patch in a data section");
		pt.reserved = 1;
		EXPECT_PATCH_ERR(EINVAL, "patch reserved field");
#undef EXPECT_PATCH_ERR
	}

	o.progs[0].offset = 1 << 30;
	EXPECT_LOAD_ERR(EINVAL, "program offset");
	o.progs[0] = o.progs[1];
	o.progs[0].section = o.maps[0].section;	/* not executable */
	EXPECT_LOAD_ERR(EINVAL, "program in a data section");
	close_maps(&o);
	vm_obj_close(&o);
	if (open_obj(&o))
		return -1;
	saved = o.relocs[0];

	/* A map whose value size differs from the definition. */
	wrong_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "wrong", 4, 16, 2, NULL);
	CHECK(wrong_map >= 0, "map create");
	close(o.maps[0].fd);
	o.maps[0].fd = wrong_map;
	EXPECT_LOAD_ERR(EINVAL, "map value size");
	o.maps[0].fd = 12345;
	EXPECT_LOAD_ERR(EBADF, "map fd");
	o.maps[0].fd = dev_open();	/* an fd, but not a map's */
	EXPECT_LOAD_ERR(EINVAL, "not a map fd");
	close(o.maps[0].fd);
	close(wrong_map);
	o.maps[0].fd = bpf_map_create(BPF_MAP_TYPE_HASH, "hash", 4, 8, 2, NULL);
	EXPECT_LOAD_ERR(EINVAL, "map type");

	/* Size-checked structs: an unknown non-zero tail is refused. */
	vm_obj_request(&o, &req);
	memset(big, 0, sizeof(big));
	memcpy(big, &req, sizeof(req));
	((struct rax_ioc_load *)big)->size = sizeof(big);
	big[sizeof(req) + 3] = 1;
	{
		int dev = dev_open();

		CHECK(ioctl(dev, RAX_IOC_LOAD, big) < 0 && errno == E2BIG, "tail: %d", errno);
		close(dev);
	}
	req.abi_version = RAX_ABI_VERSION + 1;
	fd = load(&o, &req);
	CHECK(fd == -EINVAL, "abi version: %d", fd);

	/* Record arrays the kernel cannot copy in: refused, nothing freed wrongly. */
	vm_obj_request(&o, &req);
	req.section_rec_size = 0;
	fd = load(&o, &req);
	CHECK(fd == -EINVAL, "section record size 0: %d", fd);
	vm_obj_request(&o, &req);
	req.progs = 8;		/* not a mapped user address */
	fd = load(&o, &req);
	CHECK(fd == -EFAULT, "unreadable program records: %d", fd);
	{
		size_t rec = sizeof(struct rax_ioc_reloc) + 8;
		unsigned char *longer = calloc(o.reloc_cnt, rec);

		CHECK(longer, "calloc");
		for (unsigned int i = 0; i < o.reloc_cnt; i++)
			memcpy(longer + i * rec, &o.relocs[i], sizeof(o.relocs[i]));
		longer[rec - 1] = 1;	/* unknown tail of the first record */
		vm_obj_request(&o, &req);
		req.relocs = (__u64)(uintptr_t)longer;
		req.reloc_rec_size = (__u32)rec;
		fd = load(&o, &req);
		free(longer);
		CHECK(fd == -E2BIG, "relocation record with an unknown tail: %d", fd);
	}

	CHECK(!vm_rax_info(&after), "info");
	CHECK(after.objects == before.objects && after.map_refs == before.map_refs &&
	      after.text_arena_used == before.text_arena_used &&
	      after.data_arena_used == before.data_arena_used &&
	      after.loads_total - after.frees_total == after.objects,
	      "leak: objects %llu->%llu refs %llu->%llu text %llu->%llu",
	      (unsigned long long)before.objects, (unsigned long long)after.objects,
	      (unsigned long long)before.map_refs, (unsigned long long)after.map_refs,
	      (unsigned long long)before.text_arena_used,
	      (unsigned long long)after.text_arena_used);
	close_maps(&o);
	vm_obj_close(&o);
	return 0;
}

/* Many load/close cycles return the arenas and map references. */
static int case_cycles(void)
{
	struct rax_ioc_info before, mid, after;
	struct rax_ioc_load req;
	struct vm_obj o;
	int fds[8];

	if (open_obj(&o))
		return -1;
	CHECK(!vm_rax_info(&before), "info");
	for (int round = 0; round < 25; round++) {
		for (int i = 0; i < 8; i++) {
			vm_obj_request(&o, &req);
			fds[i] = load(&o, &req);
			CHECK(fds[i] >= 0, "load %d/%d: %s", round, i, strerror(-fds[i]));
		}
		if (round == 0) {
			CHECK(!vm_rax_info(&mid), "info");
			CHECK(mid.objects == before.objects + 8 &&
			      mid.map_refs == before.map_refs + 8 * o.map_cnt &&
			      mid.text_arena_used > before.text_arena_used,
			      "counters while loaded");
		}
		for (int i = 0; i < 8; i++)
			close(fds[i]);
	}
	CHECK(!vm_rax_info(&after), "info");
	CHECK(after.objects == before.objects && after.map_refs == before.map_refs &&
	      after.text_arena_used == before.text_arena_used &&
	      after.data_arena_used == before.data_arena_used &&
	      after.loads_total == before.loads_total + 200 &&
	      after.frees_total == before.frees_total + 200 &&
	      after.loads_total - after.frees_total == after.objects,
	      "after 200 cycles: objects %llu refs %llu text %llu data %llu",
	      (unsigned long long)after.objects, (unsigned long long)after.map_refs,
	      (unsigned long long)after.text_arena_used,
	      (unsigned long long)after.data_arena_used);
	close_maps(&o);
	vm_obj_close(&o);
	return 0;
}

static void run_case(const char *name, int (*fn)(void))
{
	int err = fn();

	printf("RAX-TEST: kmod.%s %s\n", name, err ? "FAIL" : "PASS");
	fflush(stdout);
	if (err)
		failures++;
}

int main(int argc, char **argv)
{
	snprintf(obj_dir, sizeof(obj_dir), "%s", argc > 1 ? argv[1] : "/objs");
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_case("info", case_info);
	run_case("count", case_count);
	run_case("panic_and_stack", case_panic_and_stack);
	run_case("faults", case_faults);
	run_case("malformed", case_malformed);
	run_case("cycles", case_cycles);
	return failures ? 1 : 0;
}
