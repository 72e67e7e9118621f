// SPDX-License-Identifier: GPL-2.0-only
/* Counting sink for tools/pktsink: an XDP program and a tc program that
 * count every frame (packets and bytes, per CPU, one slot per hook) at the
 * first point it touches the receiving device and then drop it, so that the
 * receiver costs the same, and as little as possible, whichever path
 * delivered the frame (an xdp_frame redirected into a veth, or an skb).
 * With `pass` set they count and let the frame through instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Slots of the counts map. */
#define SINK_SLOT_XDP 0
#define SINK_SLOT_TC 1

#define SINK_TC_ACT_OK 0
#define SINK_TC_ACT_SHOT 2

const volatile bool pass;

struct sink_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct sink_count);
} counts SEC(".maps");

static __always_inline void sink_count(__u32 slot, __u64 len)
{
	struct sink_count *c = bpf_map_lookup_elem(&counts, &slot);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

SEC("xdp")
int sink_xdp(struct xdp_md *ctx)
{
	sink_count(SINK_SLOT_XDP, ctx->data_end - ctx->data);
	return pass ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int sink_tc(struct __sk_buff *skb)
{
	sink_count(SINK_SLOT_TC, skb->len);
	return pass ? SINK_TC_ACT_OK : SINK_TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
