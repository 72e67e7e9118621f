/* SPDX-License-Identifier: GPL-2.0-only */
/* Packet-path tracing (ebpf/kvnet_trace.h): kvnetd writes the sessions'
 * coarse filters into this program's globals and sets their bits in
 * kvnet_trace_sessions; a frame that enters a port and matches one is
 * marked in its context (fr->trace), and each stage it passes then emits
 * a struct kvnet_trace_event to trace_ring. The globals live in the
 * program's .bss, which the daemon maps: a new program starts with no
 * session, so a trace never outlives the daemon that ran it.
 *
 * With no session the cost is the test in kvnet_trace_start(); an
 * untraced frame's later stages test fr->trace, a register or a stack
 * slot. The work itself is in noinline functions, so that it takes
 * neither code nor stack from the fast path.
 */
#ifndef KVNET_LIB_TRACE_H
#define KVNET_LIB_TRACE_H

#include "kvnet_trace.h"

/* Written by kvnetd through the skeleton's .bss. */
volatile __u32 kvnet_trace_sessions;
struct kvnet_trace_filter kvnet_trace_filters[KVNET_TRACE_SESSIONS];
/* Events the ring had no room for. */
__u64 kvnet_trace_lost;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024); /* ~2,000 events */
} trace_ring SEC(".maps");

/* The trace id of the frame this CPU runs the switch for, when traced:
 * kept here, not in the frame context, whose stack the switch needs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} trace_cur SEC(".maps");

static __always_inline __u64 *kvnet_trace_id(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&trace_cur, &zero);
}

/* What the keys look at of an IPv4 packet at off, into x. */
static __always_inline void kvnet_trace_read_ip4(struct __sk_buff *skb, __u32 off,
						 struct kvnet_trace_frame *x)
{
	__u8 h[20];
	__be16 ports[2];
	__u32 ihl;

	/* the helper, not kvnet_pkt_load(): its copy buffers would take the
	 * stack the switch needs, and a traced frame may be slow */
	if (bpf_skb_load_bytes(skb, off, h, sizeof(h)) < 0 || (h[0] >> 4) != 4)
		return;
	ihl = (h[0] & 0xf) * 4;
	if (ihl < sizeof(h))
		return;
	x->is_ip4 = 1;
	x->proto = h[9];
	__builtin_memcpy(&x->saddr, h + 12, 4);
	__builtin_memcpy(&x->daddr, h + 16, 4);
	if ((h[6] & 0x3f) || h[7] || (x->proto != KVNET_IPPROTO_TCP && x->proto != KVNET_IPPROTO_UDP))
		return; /* a fragment, or no ports to read */
	if (bpf_skb_load_bytes(skb, off + (ihl & 0x3c), ports, sizeof(ports)) < 0)
		return;
	x->l4_ok = 1;
	x->sport = bpf_ntohs(ports[0]);
	x->dport = bpf_ntohs(ports[1]);
}

/* Does slot i's filter take the frame? A function of its own, so that
 * its temporaries are not on the stack while the frame is read. */
static __noinline int kvnet_trace_slot_takes(__u32 i, const struct kvnet_trace_frame *x)
{
	if (i >= KVNET_TRACE_SESSIONS)
		return 0;
	return kvnet_trace_filter_takes(&kvnet_trace_filters[i], x);
}

/* The sessions (bits) whose filter takes the frame. */
static __noinline __u32 kvnet_trace_match(struct kvnet_frame *fr, __u32 sessions)
{
	struct kvnet_trace_frame x = {
		.ifindex = fr->in.ifindex, .ethertype = bpf_ntohs(fr->eth.proto),
	};
	__u32 mask = 0;

	__builtin_memcpy(x.src, fr->eth.src, 6);
	__builtin_memcpy(x.dst, fr->eth.dst, 6);
	if (fr->eth.proto == bpf_htons(ETH_P_IP))
		kvnet_trace_read_ip4(fr->skb, fr->eth.hlen, &x);
	for (__u32 i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if ((sessions & (1u << i)) && kvnet_trace_slot_takes(i, &x))
			mask |= 1u << i;
	return mask;
}

/* A new trace id for this CPU's frame: unique, as no two frames start in
 * the same nanosecond on one CPU. */
static __noinline void kvnet_trace_id_new(void)
{
	__u64 *id = kvnet_trace_id();

	if (id)
		*id = ((__u64)bpf_get_smp_processor_id() << 56) |
		      (bpf_ktime_get_ns() & ((1ULL << 56) - 1));
}

/* Mark the frame if a session traces it: at a port's ingress, before any
 * stage. */
static __always_inline void kvnet_trace_start(struct kvnet_frame *fr)
{
	__u32 sessions = kvnet_trace_sessions;

	fr->trace = 0;
	if (!sessions)
		return;
	fr->trace = kvnet_trace_match(fr, sessions);
	if (fr->trace)
		kvnet_trace_id_new();
}

/* Fill and send one event for the frame as it is now. */
static __always_inline void kvnet_trace_send(struct __sk_buff *skb, const struct kvnet_frame *fr,
					     struct kvnet_trace_event *ev, __u32 stage,
					     __u32 detail, __u32 out)
{
	__u64 *id = kvnet_trace_id();
	__u32 n = skb->len;

	ev->ts_ns = bpf_ktime_get_ns();
	ev->trace_id = id ? *id : 0;
	ev->sessions = fr->trace;
	ev->in_ifindex = fr->in.ifindex;
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

/* Room for one event, or NULL (counted as lost). */
static __always_inline struct kvnet_trace_event *kvnet_trace_reserve(void)
{
	struct kvnet_trace_event *ev = bpf_ringbuf_reserve(&trace_ring, sizeof(*ev), 0);

	if (!ev)
		__sync_fetch_and_add(&kvnet_trace_lost, 1);
	return ev;
}

/* One event of a stage that rewrites nothing. */
static __noinline void kvnet_trace_emit(struct __sk_buff *skb, const struct kvnet_frame *fr,
					__u32 stage, __u32 detail, __u32 out)
{
	struct kvnet_trace_event *ev = kvnet_trace_reserve();

	if (!ev)
		return;
	__builtin_memset(&ev->before, 0, sizeof(ev->before));
	__builtin_memset(&ev->after, 0, sizeof(ev->after));
	kvnet_trace_send(skb, fr, ev, stage, detail, out);
}

static __always_inline void kvnet_trace_tuple_of(struct kvnet_trace_tuple *t,
						 const struct kvnet_ct_key *k)
{
	t->saddr = k->saddr;
	t->daddr = k->daddr;
	t->sport = k->sport;
	t->dport = k->dport;
	t->proto = k->proto;
	t->pad[0] = t->pad[1] = t->pad[2] = 0;
}

/* The NAT stage's event: the tuple before and after. */
static __noinline void kvnet_trace_emit_nat(struct __sk_buff *skb, const struct kvnet_frame *fr,
					    const struct kvnet_ct_key *before,
					    const struct kvnet_ct_key *after, __u32 out)
{
	struct kvnet_trace_event *ev = kvnet_trace_reserve();

	if (!ev)
		return;
	kvnet_trace_tuple_of(&ev->before, before);
	kvnet_trace_tuple_of(&ev->after, after);
	kvnet_trace_send(skb, fr, ev, KVNET_TRACE_NAT, 0, out);
}

/* The event of one stage, if the frame is traced. skb is the frame's
 * (passed apart from fr, as a global function cannot read it from fr). */
static __always_inline void kvnet_trace(struct __sk_buff *skb, const struct kvnet_frame *fr,
					__u32 stage, __u32 detail, __u32 out)
{
	if (fr->trace)
		kvnet_trace_emit(skb, fr, stage, detail, out);
}

#endif /* KVNET_LIB_TRACE_H */
