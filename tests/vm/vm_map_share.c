// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Map sharing with eBPF, in the VM: the Rax xdp_counter object is loaded
 * through librax's kernel backend (its maps are real BPF maps), an eBPF
 * program (clang -target bpf, libbpf) is loaded on the SAME maps, and each
 * must see the other's writes; bpftool dumps the shared map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <rax/librax.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("  check failed at line %d: %s: ", __LINE__, #cond); \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
			failures++;                                            \
			goto out;                                              \
		}                                                              \
	} while (0)

/* Ethernet + IPv4 (protocol @proto) + 8 bytes of payload. */
static void make_frame(unsigned char *f, unsigned char proto)
{
	static const unsigned char ip[20] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 0, 0, 0,
					      10, 0, 0, 1, 10, 0, 0, 2 };

	memset(f, 0, 42);
	f[12] = 0x08;
	memcpy(f + 14, ip, sizeof(ip));
	f[14 + 9] = proto;
}

static __u64 value_of(int fd, __u32 key)
{
	__u64 v = 0;

	if (bpf_map_lookup_elem(fd, &key, &v))
		return (__u64)-1;
	return v;
}

static int rax_run(struct rax_program *prog, unsigned char proto, int repeat)
{
	unsigned char frame[42];
	RAX_OPTS(rax_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		 .repeat = repeat);

	make_frame(frame, proto);
	if (rax_prog_test_run_opts(rax_program__fd(prog), &opts))
		return -1;
	return (int)opts.retval;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

int main(int argc, char **argv)
{
	const char *rax_path = argc > 1 ? argv[1] : "/objs/xdp_counter.rax.o";
	const char *bpf_path = argc > 2 ? argv[2] : "/objs/map_share.bpf.o";
	RAX_OPTS(rax_object_open_opts, ropts, .backend = RAX_BACKEND_KERNEL);
	struct rax_object *robj = NULL;
	struct bpf_object *bobj = NULL;
	struct rax_program *rprog;
	struct bpf_program *bprog;
	int stats_fd, proto_fd, err;
	unsigned char frame[42];
	char cmd[96], line[256];
	bool dumped = false;
	FILE *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	robj = rax_object__open_file(rax_path, &ropts);
	CHECK(robj, "open %s: %s", rax_path, strerror(errno));
	CHECK(rax_object__load(robj) == 0, "load into rax.ko: %s", strerror(errno));
	rprog = rax_object__find_program_by_name(robj, "xdp_counter");
	stats_fd = rax_map__fd(rax_object__find_map_by_name(robj, "PKT_STATS"));
	proto_fd = rax_map__fd(rax_object__find_map_by_name(robj, "PROTO_COUNTS"));
	CHECK(rprog && stats_fd >= 0 && proto_fd >= 0, "program or maps missing");

	bobj = bpf_object__open_file(bpf_path, NULL);
	CHECK(bobj, "open %s: %s", bpf_path, strerror(errno));
	CHECK(!bpf_map__reuse_fd(bpf_object__find_map_by_name(bobj, "pkt_stats"), stats_fd) &&
	      !bpf_map__reuse_fd(bpf_object__find_map_by_name(bobj, "proto_counts"), proto_fd),
	      "reuse the Rax maps: %s", strerror(errno));
	CHECK(bpf_object__load(bobj) == 0, "load the eBPF program: %s", strerror(errno));
	bprog = bpf_object__find_program_by_name(bobj, "share");
	CHECK(bprog, "eBPF program 'share' missing");

	/* Rax writes, eBPF reads: 5 frames counted by Rax in pkt_stats[0]. */
	CHECK(rax_run(rprog, 17, 5) == 2, "Rax run");
	CHECK(value_of(stats_fd, 0) == 5, "pkt_stats[0] = %llu after 5 Rax runs",
	      (unsigned long long)value_of(stats_fd, 0));
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame));

		make_frame(frame, 17);
		err = bpf_prog_test_run_opts(bpf_program__fd(bprog), &o);
		CHECK(!err && o.retval == XDP_PASS, "eBPF run: %d retval %u", err, o.retval);
	}
	CHECK(value_of(stats_fd, 2) == 1005, "eBPF saw pkt_stats[0] = %llu, expected 5",
	      (unsigned long long)value_of(stats_fd, 2) - 1000);

	/* eBPF writes, Rax reads: proto_counts[200] = 7, then Rax counts one more. */
	CHECK(value_of(proto_fd, 200) == 7, "proto_counts[200] = %llu after the eBPF run",
	      (unsigned long long)value_of(proto_fd, 200));
	CHECK(rax_run(rprog, 200, 1) == 2, "Rax run on protocol 200");
	CHECK(value_of(proto_fd, 200) == 8, "Rax did not add to eBPF's entry: %llu",
	      (unsigned long long)value_of(proto_fd, 200));

	/* bpftool sees the shared map with both programs' writes. */
	snprintf(cmd, sizeof(cmd), "bpftool map dump id %u 2>&1", map_id(proto_fd));
	p = popen(cmd, "r");
	CHECK(p, "popen bpftool: %s", strerror(errno));
	while (fgets(line, sizeof(line), p)) {
		fputs(line, stdout);
		if (strstr(line, "c8 00 00 00") && strstr(line, "08 00 00 00 00 00 00 00"))
			dumped = true;
	}
	pclose(p);
	CHECK(dumped, "bpftool map dump did not show key 200 (c8 00 00 00) = 8");
out:
	bpf_object__close(bobj);
	rax_object__close(robj);
	printf("RAX-TEST: map_share %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
