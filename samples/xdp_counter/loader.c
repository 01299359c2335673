// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xdp_counter_loader: load the xdp_counter Rax extension with librax, run
 * every frame of a pcap file through it with rax_prog_test_run_opts() and
 * print what its maps counted.  It is written the way a libbpf loader is
 * (open, load, find program and maps, test-run, read maps, close), so it
 * doubles as a porting example.
 *
 * Usage: xdp_counter_loader [--json] <object.rax.o> <capture.pcap>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <rax/librax.h>

#include "pcap_reader.h"

#define PROG_NAME "xdp_counter"
#define PKT_STATS_ENTRIES 4
/* One slot per possible XDP result; others are counted as "other". */
#define RETVAL_SLOTS (RAX_XDP_REDIRECT + 1)

static const char *const pkt_stats_names[PKT_STATS_ENTRIES] = {
	"total", "ipv4", "ipv6", "other",
};

static const char *const retval_names[RETVAL_SLOTS] = {
	"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
};

struct key_count {
	uint32_t key;
	uint64_t count;
};

/* Everything the loader took, released in one place. */
struct loader {
	struct rax_object *obj;
	struct rax_program *prog;
	struct rax_map *pkt_stats;
	struct rax_map *proto_counts;
	struct rax_map *port_counts;
	struct pcap_reader pcap;
	uint64_t frames;
	uint64_t retvals[RETVAL_SLOTS + 1];	/* last slot: unknown results */
	struct key_count *protos;
	size_t nr_protos;
	struct key_count *ports;
	size_t nr_ports;
	uint64_t stats[PKT_STATS_ENTRIES];
};

static int fail(const char *what, const char *detail, int err)
{
	if (err)
		fprintf(stderr, "xdp_counter_loader: %s: %s: %s\n", what, detail,
			strerror(err < 0 ? -err : err));
	else
		fprintf(stderr, "xdp_counter_loader: %s: %s\n", what, detail);
	return 1;
}

static int cmp_key_count(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Copy every (u32 key, u64 value) entry of a hash map into a sorted array. */
static int read_hash_map(const struct rax_map *map, struct key_count **out,
			 size_t *nr_out)
{
	uint32_t max = rax_map__max_entries(map);
	struct key_count *entries;
	uint32_t key, next;
	const uint32_t *cur = NULL;
	size_t nr = 0;
	int err;

	if (rax_map__key_size(map) != sizeof(uint32_t) ||
	    rax_map__value_size(map) != sizeof(uint64_t))
		return -EINVAL;
	entries = calloc(max ? max : 1, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	while ((err = rax_map__get_next_key(map, cur, &next, sizeof(next))) == 0) {
		if (nr == max) {
			err = -E2BIG;
			goto out_free;
		}
		err = rax_map__lookup_elem(map, &next, sizeof(next),
					   &entries[nr].count,
					   sizeof(entries[nr].count), 0);
		if (err)
			goto out_free;
		entries[nr++].key = next;
		key = next;
		cur = &key;
	}
	if (err != -ENOENT)
		goto out_free;
	qsort(entries, nr, sizeof(*entries), cmp_key_count);
	*out = entries;
	*nr_out = nr;
	return 0;
out_free:
	free(entries);
	return err;
}

static int find_map(struct loader *l, const char *name, struct rax_map **map)
{
	*map = rax_object__find_map_by_name(l->obj, name);
	if (!*map)
		return fail("map not found in object", name, errno);
	return 0;
}

static int load(struct loader *l, const char *obj_path)
{
	int err;

	l->obj = rax_object__open_file(obj_path, NULL);
	if (!l->obj)
		return fail("cannot open object", obj_path, errno);
	err = rax_object__load(l->obj);
	if (err)
		return fail("cannot load object", obj_path, err);
	l->prog = rax_object__find_program_by_name(l->obj, PROG_NAME);
	if (!l->prog)
		return fail("program not found in object", PROG_NAME, errno);
	if (find_map(l, "PKT_STATS", &l->pkt_stats) ||
	    find_map(l, "PROTO_COUNTS", &l->proto_counts) ||
	    find_map(l, "PORT_COUNTS", &l->port_counts))
		return 1;
	return 0;
}

static int run_capture(struct loader *l, const char *pcap_path)
{
	int prog_fd = rax_program__fd(l->prog);
	const unsigned char *frame;
	uint32_t len;
	int err;

	if (prog_fd < 0)
		return fail("program has no fd", PROG_NAME, prog_fd);
	err = pcap_reader_open(&l->pcap, pcap_path);
	if (err)
		return fail(pcap_path, l->pcap.error, err);
	while ((err = pcap_reader_next(&l->pcap, &frame, &len)) > 0) {
		RAX_OPTS(rax_test_run_opts, opts,
			.data_in = frame,
			.data_size_in = len,
			.repeat = 1,
		);

		err = rax_prog_test_run_opts(prog_fd, &opts);
		if (err) {
			fprintf(stderr,
				"xdp_counter_loader: test run of frame %" PRIu64
				" (%u bytes) failed: %s\n",
				l->pcap.frame_no, len, strerror(-err));
			return 1;
		}
		l->retvals[opts.retval < RETVAL_SLOTS ? opts.retval : RETVAL_SLOTS]++;
		l->frames++;
	}
	if (err < 0)
		return fail(pcap_path, l->pcap.error, err);
	return 0;
}

static int read_maps(struct loader *l)
{
	uint32_t i;
	int err;

	if (rax_map__key_size(l->pkt_stats) != sizeof(uint32_t) ||
	    rax_map__value_size(l->pkt_stats) != sizeof(uint64_t) ||
	    rax_map__max_entries(l->pkt_stats) < PKT_STATS_ENTRIES)
		return fail("map has an unexpected layout", "PKT_STATS", 0);
	for (i = 0; i < PKT_STATS_ENTRIES; i++) {
		err = rax_map__lookup_elem(l->pkt_stats, &i, sizeof(i),
					   &l->stats[i], sizeof(l->stats[i]), 0);
		if (err)
			return fail("cannot read map", "PKT_STATS", err);
	}
	err = read_hash_map(l->proto_counts, &l->protos, &l->nr_protos);
	if (err)
		return fail("cannot read map", "PROTO_COUNTS", err);
	err = read_hash_map(l->port_counts, &l->ports, &l->nr_ports);
	if (err)
		return fail("cannot read map", "PORT_COUNTS", err);
	return 0;
}

static void print_plain(const struct loader *l)
{
	size_t i;

	printf("frames: %" PRIu64 "\n", l->frames);
	for (i = 0; i <= RETVAL_SLOTS; i++)
		if (l->retvals[i])
			printf("retval %s: %" PRIu64 "\n",
			       i < RETVAL_SLOTS ? retval_names[i] : "unknown",
			       l->retvals[i]);
	for (i = 0; i < PKT_STATS_ENTRIES; i++)
		printf("pkt_stats %s: %" PRIu64 "\n", pkt_stats_names[i],
		       l->stats[i]);
	for (i = 0; i < l->nr_protos; i++)
		printf("proto %u: %" PRIu64 "\n", l->protos[i].key,
		       l->protos[i].count);
	for (i = 0; i < l->nr_ports; i++)
		printf("dport %u: %" PRIu64 "\n", l->ports[i].key,
		       l->ports[i].count);
}

static void print_json_counts(const char *name, const struct key_count *kc,
			      size_t nr)
{
	size_t i;

	printf(",\"%s\":{", name);
	for (i = 0; i < nr; i++)
		printf("%s\"%u\":%" PRIu64, i ? "," : "", kc[i].key,
		       kc[i].count);
	printf("}");
}

static void print_json(const struct loader *l)
{
	size_t i;
	bool first = true;

	printf("{\"frames\":%" PRIu64 ",\"retvals\":{", l->frames);
	for (i = 0; i <= RETVAL_SLOTS; i++) {
		if (!l->retvals[i])
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",",
		       i < RETVAL_SLOTS ? retval_names[i] : "unknown",
		       l->retvals[i]);
		first = false;
	}
	printf("},\"pkt_stats\":{");
	for (i = 0; i < PKT_STATS_ENTRIES; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", pkt_stats_names[i],
		       l->stats[i]);
	printf("}");
	print_json_counts("proto_counts", l->protos, l->nr_protos);
	print_json_counts("port_counts", l->ports, l->nr_ports);
	printf("}\n");
}

static void cleanup(struct loader *l)
{
	pcap_reader_close(&l->pcap);
	free(l->protos);
	free(l->ports);
	rax_object__close(l->obj);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: xdp_counter_loader [--json] <object.rax.o> <capture.pcap>\n"
		"Runs every Ethernet frame of the pcap file through the xdp_counter\n"
		"program and prints its counts (plain text, or JSON with --json).\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct loader l = { 0 };
	bool json = false;
	int argi = 1;
	int ret;

	if (argi < argc && !strcmp(argv[argi], "--json")) {
		json = true;
		argi++;
	}
	if (argc - argi != 2)
		return usage();

	ret = load(&l, argv[argi]);
	if (!ret)
		ret = run_capture(&l, argv[argi + 1]);
	if (!ret)
		ret = read_maps(&l);
	if (!ret) {
		if (json)
			print_json(&l);
		else
			print_plain(&l);
		if (fflush(stdout) || ferror(stdout))
			ret = fail("stdout", "write failed", errno);
	}
	cleanup(&l);
	return ret;
}
