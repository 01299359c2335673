// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM test: the xdp_counter sample (the real Rust object) run by rax.ko on
 * every frame of the sample capture must count exactly what the in-process
 * runtime counted (the output of samples/xdp_counter_loader on the host,
 * given as the expected file).  The output format is the loader's.
 *
 * Usage: vm_xdp_counter [object pcap expected]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "vm_obj.h"
#include "../../samples/xdp_counter/pcap_reader.h"

static const char *const retval_names[] = {
	"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
};
static const char *const pkt_stats_names[] = { "total", "ipv4", "ipv6", "other" };

static int fail(const char *what, const char *detail)
{
	printf("RAX-TEST: xdp_counter.kernel FAIL %s: %s\n", what, detail);
	return 1;
}

static int map_index(const struct vm_obj *o, const char *name)
{
	for (unsigned int i = 0; i < o->map_cnt; i++)
		if (!strcmp(o->maps[i].name, name))
			return (int)i;
	return -1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Print "<label> <key>: <count>" for every key of a hash map, sorted. */
static void print_hash(FILE *out, int fd, const char *label, uint32_t max)
{
	uint32_t *keys = calloc(max, sizeof(*keys)), key, n = 0;
	void *prev = NULL;
	uint64_t val;

	while (keys && n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		keys[n++] = key;
		prev = &keys[n - 1];
	}
	qsort(keys, n, sizeof(*keys), cmp_u32);
	for (uint32_t i = 0; i < n; i++)
		if (!bpf_map_lookup_elem(fd, &keys[i], &val))
			fprintf(out, "%s %u: %" PRIu64 "\n", label, keys[i], val);
	free(keys);
}

int main(int argc, char **argv)
{
	const char *obj_path = argc > 3 ? argv[1] : "/objs/xdp_counter.rax.o";
	const char *pcap_path = argc > 3 ? argv[2] : "/data/xdp_counter.pcap";
	const char *exp_path = argc > 3 ? argv[3] : "/data/xdp_counter.expected";
	uint64_t frames = 0, retvals[6] = { 0 };
	struct rax_ioc_test_run tr;
	struct rax_ioc_load req;
	struct pcap_reader pr = { 0 };
	const unsigned char *frame;
	char *got = NULL, expected[65536];
	size_t got_len = 0, exp_len;
	struct vm_obj o;
	int dev, fd, prog, err, i_stats, i_proto, i_port;
	uint32_t len;
	FILE *out, *f;

	if (vm_obj_open(&o, obj_path))
		return fail("open object", obj_path);
	for (unsigned int i = 0; i < o.map_cnt; i++) {
		const struct rax_map_def *d = &o.map_defs[i];

		o.maps[i].fd = bpf_map_create(d->type, o.maps[i].name, d->key_size,
					      d->value_size, d->max_entries, NULL);
		if (o.maps[i].fd < 0)
			return fail("bpf_map_create", strerror(errno));
	}
	i_stats = map_index(&o, "PKT_STATS");
	i_proto = map_index(&o, "PROTO_COUNTS");
	i_port = map_index(&o, "PORT_COUNTS");
	prog = vm_obj_prog(&o, "xdp_counter");
	if (i_stats < 0 || i_proto < 0 || i_port < 0 || prog < 0)
		return fail("object", "maps or program missing");

	vm_obj_request(&o, &req);
	dev = open(RAX_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	fd = dev < 0 ? -1 : ioctl(dev, RAX_IOC_LOAD, &req);
	if (fd < 0)
		return fail("RAX_IOC_LOAD", strerror(errno));
	close(dev);

	err = pcap_reader_open(&pr, pcap_path);
	if (err)
		return fail("pcap", pr.error ? pr.error : strerror(-err));
	while ((err = pcap_reader_next(&pr, &frame, &len)) > 0) {
		memset(&tr, 0, sizeof(tr));
		tr.size = sizeof(tr);
		tr.prog = (__u32)prog;
		tr.data_in = (__u64)(uintptr_t)frame;
		tr.data_size_in = len;
		tr.repeat = 1;
		if (ioctl(fd, RAX_IOC_TEST_RUN, &tr))
			return fail("RAX_IOC_TEST_RUN", strerror(errno));
		if (tr.abort_cause)
			return fail("run", "aborted");
		frames++;
		retvals[tr.retval < 5 ? tr.retval : 5]++;
	}
	if (err < 0)
		return fail("pcap", pr.error ? pr.error : strerror(-err));
	pcap_reader_close(&pr);

	out = open_memstream(&got, &got_len);
	fprintf(out, "frames: %" PRIu64 "\n", frames);
	for (int i = 0; i < 6; i++)
		if (retvals[i])
			fprintf(out, "retval %s: %" PRIu64 "\n", i < 5 ? retval_names[i] : "unknown",
				retvals[i]);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = 0;

		bpf_map_lookup_elem(o.maps[i_stats].fd, &k, &v);
		fprintf(out, "pkt_stats %s: %" PRIu64 "\n", pkt_stats_names[k], v);
	}
	print_hash(out, o.maps[i_proto].fd, "proto", o.map_defs[i_proto].max_entries);
	print_hash(out, o.maps[i_port].fd, "dport", o.map_defs[i_port].max_entries);
	fclose(out);
	close(fd);

	f = fopen(exp_path, "r");
	if (!f)
		return fail("expected", strerror(errno));
	exp_len = fread(expected, 1, sizeof(expected) - 1, f);
	fclose(f);
	expected[exp_len] = '\0';
	if (exp_len == 0 || strcmp(got, expected)) {
		printf("kernel counts:\n%s\nin-process counts:\n%s\n", got, expected);
		return fail("counts", "kernel and in-process runtime differ");
	}
	printf("RAX-TEST: xdp_counter.kernel PASS %" PRIu64 " frames, same counts as in-process\n",
	       frames);
	free(got);
	vm_obj_close(&o);
	return 0;
}
