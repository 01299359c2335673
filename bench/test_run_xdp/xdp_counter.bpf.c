// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The xdp_counter sample's logic as an ordinary eBPF program, the baseline
 * the Rax extension (samples/xdp_counter/src/lib.rs) is measured against.
 * Keep the two in step: the runner checks that both leave identical maps.
 *
 * PKT_STATS[0] every frame, [1] IPv4, [2] IPv6, [3] anything else (no VLAN
 * parsing); PROTO_COUNTS[IPv4 protocol / IPv6 next header]; PORT_COUNTS[TCP
 * or UDP destination port, host order], IPv4 only for offset-0 fragments.
 * A frame too short for a header is counted only as far as it parses.
 *
 * Build: clang -O2 -g -target bpf -c xdp_counter.bpf.c
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define STAT_TOTAL 0
#define STAT_IPV4 1
#define STAT_IPV6 2
#define STAT_OTHER 3
#define IPV4_FRAG_OFFSET_MASK 0x1fff

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} PKT_STATS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} PROTO_COUNTS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} PORT_COUNTS SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&PKT_STATS, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* Insert-or-increment; a racing insert on another CPU is retried once. */
static __always_inline void count_inc(void *map, __u32 key)
{
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(map, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(map, &key, &one, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(map, &key);
		if (v)
			__sync_fetch_and_add(v, 1);
	}
}

/* Count the destination port of a TCP or UDP header at @l4. */
static __always_inline void count_port(__u8 proto, void *l4, void *end)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) <= end)
			count_inc(&PORT_COUNTS, bpf_ntohs(tcp->dest));
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) <= end)
			count_inc(&PORT_COUNTS, bpf_ntohs(udp->dest));
	}
}

SEC("xdp")
int xdp_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u16 ethertype;

	stat_inc(STAT_TOTAL);
	if ((void *)(eth + 1) > end) {
		stat_inc(STAT_OTHER);
		return XDP_PASS;
	}
	ethertype = bpf_ntohs(eth->h_proto);
	if (ethertype == ETH_P_IP) {
		struct iphdr *ip = (void *)(eth + 1);
		__u32 hlen;

		stat_inc(STAT_IPV4);
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_PASS;
		hlen = ip->ihl * 4;
		if ((void *)ip + hlen > end)
			return XDP_PASS;
		count_inc(&PROTO_COUNTS, ip->protocol);
		if (!(bpf_ntohs(ip->frag_off) & IPV4_FRAG_OFFSET_MASK))
			count_port(ip->protocol, (void *)ip + hlen, end);
	} else if (ethertype == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		stat_inc(STAT_IPV6);
		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		count_inc(&PROTO_COUNTS, ip6->nexthdr);
		count_port(ip6->nexthdr, ip6 + 1, end);
	} else {
		stat_inc(STAT_OTHER);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
