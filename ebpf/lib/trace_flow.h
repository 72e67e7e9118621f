/* SPDX-License-Identifier: GPL-2.0-only */
/* The replies of traced flows, which come in through an uplink, where no
 * switch sees them: the uplink program (ebpf/uplink.bpf.c) reports them.
 *
 *  - The switch marks a flow a traced frame passes: the conntrack entry
 *    of the other direction gets the frame's sessions (kvnet_ct_val.trace,
 *    kvnet_trace_mark_flow in lib/trace.h).
 *  - The uplink program, on a packet of a marked entry, reports its
 *    stages (ingress, conntrack, NAT before and after, where it went) to
 *    the trace ring of the flow's network, which kvnetd puts in
 *    trace_rings (by net_id) while a trace runs there, and reads as it
 *    reads the switch's events.
 *  - It hands the packet's trace id on to the switch it sends the packet
 *    into (trace_handoff, by the skb's address, shared by the uplink
 *    program and every switch): the gateway port's ingress then goes on
 *    with the same id, so the reply's whole path is one trace.
 *
 * The mark outlives the trace (it goes with the flow): with no trace on
 * the network, the uplink finds no ring and does nothing more. Its cost
 * for a flow never traced is one test of a byte of the entry it read.
 */
#ifndef KVNET_LIB_TRACE_FLOW_H
#define KVNET_LIB_TRACE_FLOW_H

#include "kvnet_trace.h"

/* How long a handed-on id waits for the switch (the packet crosses a
 * veth's backlog in between). */
#define KVNET_TRACE_HANDOFF_NS (100ULL * 1000 * 1000)

struct kvnet_trace_handoff {
	__u64 trace_id;
	__u64 ts_ns;
	__u64 print; /* the packet's (kvnet_trace_skb_print) */
	__u32 sessions;
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct kvnet_trace_handoff);
} trace_handoff SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* The kernel's skb behind the context: a key that stays the same while
 * the packet crosses devices. */
static __always_inline __u64 kvnet_trace_skb_key(struct __sk_buff *skb)
{
	return (__u64)(unsigned long)bpf_cast_to_kern_ctx(skb);
}

/* The kernel's skb's data buffer. */
static __always_inline __u64 kvnet_trace_skb_head(struct __sk_buff *skb)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	return (__u64)(unsigned long)k->head;
}

/* Bytes from the network header that kvnet_trace_skb_print() takes:
 * an IPv6 header and the start of what follows it (a TCP segment's
 * ports, sequence and acknowledgement numbers). */
#define KVNET_TRACE_PRINT_LEN 56

/* A print of the packet in the kernel's skb k, that tells a followed
 * frame from a new one the kernel builds at the same addresses. Neither
 * the skb's address nor its data buffer's is enough: a freed sk_buff and
 * its buffer are both handed out again, last freed first, and a next
 * packet on the same CPU can get the two together (CI saw an IPv6
 * frame's drop reported as that of a guest's TCP segment).
 * The print hashes the protocol and the first bytes from the network
 * header, less what the kernel may still rewrite on the way (IPv4's TTL
 * and checksum, IPv6's hop limit, the ECN bits of either): the IPv4 ID,
 * the addresses and the transport header's start set packets apart.
 * Both ends of the follow take it here, from the kernel's skb. A
 * function of its own, so that its stack is not its callers': theirs
 * reach the verifier's limit through the trace's match. */
static __noinline __u64 kvnet_trace_skb_print(const struct sk_buff *k)
{
	unsigned char *head = k->head;
	__u16 nh = k->network_header;
	__u64 tail = k->tail;
	__u16 proto = bpf_ntohs(k->protocol);
	__u64 h = proto, n;

	if (nh == (__u16)~0 || tail <= nh)
		return h;
	n = tail - nh;
	/* a word at a time: the callers' stacks have no room for all */
	for (__u32 off = 0; off < KVNET_TRACE_PRINT_LEN && off < n; off += 8) {
		union {
			__u8 b[8];
			__u64 w;
		} p = {};
		__u64 len = n - off < 8 ? n - off : 8;

		if (bpf_probe_read_kernel(p.b, len, head + nh + off))
			break;
		if (off == 0) {
			p.b[1] &= proto == ETH_P_IPV6 ? 0xcf : 0xfc; /* ECN */
			if (proto == ETH_P_IPV6)
				p.b[7] = 0; /* hop limit */
		} else if (off == 8 && proto == ETH_P_IP) {
			p.b[0] = p.b[2] = p.b[3] = 0; /* TTL, checksum */
		}
		h = (h ^ p.w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

/* A new trace id: unique, as no two frames start in the same nanosecond
 * on one CPU. */
static __always_inline __u64 kvnet_trace_new_id(void)
{
	return ((__u64)bpf_get_smp_processor_id() << 56) |
	       (bpf_ktime_get_ns() & ((1ULL << 56) - 1));
}

/* Fill ev, reserved from a trace ring, for skb as it is now, and send it. */
static __always_inline void kvnet_trace_fill(struct __sk_buff *skb, struct kvnet_trace_event *ev,
					     __u64 id, __u32 sessions, __u32 in, __u32 out,
					     __u32 stage, __u32 detail)
{
	__u32 n = skb->len;

	ev->ts_ns = bpf_ktime_get_ns();
	ev->trace_id = id;
	ev->sessions = sessions;
	ev->in_ifindex = in;
	ev->out_ifindex = out;
	ev->stage = (__u16)stage;
	ev->reserved = 0;
	ev->detail = detail;
	ev->len = n;
	if (n > KVNET_TRACE_SNAP)
		n = KVNET_TRACE_SNAP;
	/* the bounds on the register the helper gets, as in lib/punt.h */
	asm volatile("" : "+r"(n));
	n = ((n - 1) & (KVNET_TRACE_SNAP - 1)) + 1;
	if (bpf_skb_load_bytes(skb, 0, ev->data, n) < 0)
		n = 0;
	ev->cap = n;
	bpf_ringbuf_submit(ev, 0);
}

#endif /* KVNET_LIB_TRACE_FLOW_H */
