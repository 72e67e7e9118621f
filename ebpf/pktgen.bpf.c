// SPDX-License-Identifier: GPL-2.0-only
/* Frame generator program for tools/pktgen. Userspace runs it with
 * BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES: every run gets a frame from a
 * page pool that the kernel recycles without resetting, so the program
 * writes the whole Ethernet/IPv4/UDP header on every run (anything
 * downstream, a NAT or a router's MAC rewrite, may have changed it in place),
 * optionally cycles the UDP source port over `nflows` values, and redirects
 * the frame out of `ifindex`. The payload is left alone. The UDP checksum is
 * zero (allowed for IPv4) so that only the source port changes per run and
 * the precomputed IPv4 header checksum stays valid.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Ethernet (14) + IPv4 without options (20) + UDP (8). */
#define PKTGEN_HDR_LEN 42
#define PKTGEN_SPORT_OFF 34

/* Set by userspace before load. */
const volatile __u32 ifindex;
const volatile __u16 sport_base;
const volatile __u16 nflows = 1;
/* The header template as 8-byte words (42 bytes used of 48). Every read
 * goes through the volatile object: a plain memcpy from a const global is
 * folded by clang to the zeros it was initialised with. */
const volatile __u64 hdr[6];

/* Per-CPU flow cursor and run counter. */
struct pktgen_state {
	__u64 runs;
	__u32 flow;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktgen_state);
} state SEC(".maps");

static __always_inline void pktgen_write_hdr(void *p)
{
	__u64 *w = p;

	/* Eight bytes at a time: 5 * 8 + 2 = 42. */
	w[0] = hdr[0];
	w[1] = hdr[1];
	w[2] = hdr[2];
	w[3] = hdr[3];
	w[4] = hdr[4];
	*(__u16 *)(p + 40) = (__u16)hdr[5];
}

SEC("xdp")
int pktgen_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pktgen_state *st;
	__u32 key = 0;
	__u16 *sport;

	if (data + PKTGEN_HDR_LEN > data_end)
		return XDP_ABORTED;
	pktgen_write_hdr(data);

	st = bpf_map_lookup_elem(&state, &key);
	if (!st)
		return XDP_ABORTED;
	st->runs++;
	if (nflows > 1) {
		sport = data + PKTGEN_SPORT_OFF;
		*sport = bpf_htons(sport_base + st->flow);
		if (++st->flow >= nflows)
			st->flow = 0;
	}
	return bpf_redirect(ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
