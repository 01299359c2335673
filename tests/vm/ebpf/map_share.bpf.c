// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF side of the map-sharing VM test (vm_map_share.c): its maps are
 * replaced by the Rax xdp_counter object's maps (bpf_map__reuse_fd) before
 * load, so both programs work on the same kernel BPF maps.
 *  - reads pkt_stats[0], which the Rax program counts, and stores it plus
 *    1000 in pkt_stats[2] (the eBPF program sees Rax's writes);
 *  - sets proto_counts[200] = 7, which the Rax program then increments
 *    (Rax sees eBPF's writes).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} pkt_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 256);
} proto_counts SEC(".maps");

SEC("xdp")
int share(struct xdp_md *ctx)
{
	__u32 all = 0, mirror = 2, proto = 200;
	__u64 seven = 7, seen;
	__u64 *count;

	(void)ctx;
	count = bpf_map_lookup_elem(&pkt_stats, &all);
	if (!count)
		return XDP_ABORTED;
	seen = *count + 1000;
	bpf_map_update_elem(&pkt_stats, &mirror, &seen, BPF_ANY);
	bpf_map_update_elem(&proto_counts, &proto, &seven, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
