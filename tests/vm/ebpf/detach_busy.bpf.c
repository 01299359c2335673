// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the trace_counter sample's two programs, for the
 * detach-under-load control in vm_detach_busy.c: the same hooks (a kprobe
 * inside __x64_sys_getppid, a raw tracepoint on sys_enter) counting the
 * same events per tgid, attached and detached through libbpf.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NR_GETPPID 110

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} KPROBE_HITS SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} SYSCALL_HITS SEC(".maps");

static void bump(void *map, __u32 key)
{
	__u64 one = 1, *count = bpf_map_lookup_elem(map, &key);

	if (count)
		__sync_fetch_and_add(count, 1);
	else if (bpf_map_update_elem(map, &key, &one, BPF_NOEXIST)) {
		count = bpf_map_lookup_elem(map, &key);
		if (count)
			__sync_fetch_and_add(count, 1);
	}
}

/* The attach point (function and offset) is chosen by the loader. */
SEC("kprobe")
int count_getppid(void *ctx)
{
	(void)ctx;
	bump(&KPROBE_HITS, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

/* args[1] of sys_enter is the syscall number. */
SEC("raw_tp/sys_enter")
int count_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] == NR_GETPPID)
		bump(&SYSCALL_HITS, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
