/* SPDX-License-Identifier: GPL-2.0-only */
/* The uplink program's side of tracing a flow's replies (see
 * lib/trace_flow.h): a packet of a marked conntrack entry is translated
 * as any other, and reports its stages to the ring of its flow's network
 * on the way: it came in (the frame from outside), conntrack, NAT before
 * and after (the frame as it leaves), and where it went. A packet sent
 * on hands its trace id to the switch it goes into.
 */
#ifndef KVNET_LIB_TRACE_UPLINK_H
#define KVNET_LIB_TRACE_UPLINK_H

#include "lib/trace_flow.h"

/* The trace ring of each network a trace runs on, by net_id (kvnetd puts
 * the switch's trace_ring here, and takes it out when the last trace on
 * the network ends). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 256);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_RINGBUF);
		__uint(max_entries, 512 * 1024);
	});
} trace_rings SEC(".maps");

/* The sessions of each network a trace runs on, with their coarse
 * filters, by net_id (kvnetd keeps it with trace_rings). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct kvnet_trace_net);
} trace_nets SEC(".maps");

/* Events the rings had no room for. */
__u64 kvnet_up_trace_lost;
/* How many networks a trace runs on (kvnetd keeps it with trace_rings):
 * what a packet routed into a route or open network tests first. */
volatile __u32 kvnet_up_traces;

/* One traced packet: where its events go, and what they carry. */
struct kvnet_up_trace {
	void *ring;
	__u64 id;
	__u32 sessions;
	__u32 in;
};

static __always_inline struct kvnet_trace_event *kvnet_up_reserve(const struct kvnet_up_trace *t)
{
	struct kvnet_trace_event *ev = bpf_ringbuf_reserve(t->ring, sizeof(*ev), 0);

	if (!ev)
		__sync_fetch_and_add(&kvnet_up_trace_lost, 1);
	return ev;
}

/* One event; with before (and after), NAT's rewrite. */
static __noinline void kvnet_up_emit(struct __sk_buff *skb, const struct kvnet_up_trace *t,
				     __u32 stage, __u32 detail, __u32 out)
{
	struct kvnet_trace_event *ev = kvnet_up_reserve(t);

	if (!ev)
		return;
	__builtin_memset(&ev->before, 0, sizeof(ev->before));
	__builtin_memset(&ev->after, 0, sizeof(ev->after));
	kvnet_trace_fill(skb, ev, t->id, t->sessions, t->in, out, stage, detail);
}

static __noinline void kvnet_up_emit_nat(struct __sk_buff *skb, const struct kvnet_up_trace *t,
					 const struct kvnet_ct_key *before,
					 const struct kvnet_ct_key *after, __u32 out)
{
	struct kvnet_trace_event *ev = kvnet_up_reserve(t);

	if (!ev)
		return;
	ev->before = *before;
	ev->after = *after;
	kvnet_trace_fill(skb, ev, t->id, t->sessions, t->in, out, KVNET_TRACE_NAT, 0);
}

/* The packet goes on into a switch: its trace with it. */
static __always_inline void kvnet_up_handoff(struct __sk_buff *skb, const struct kvnet_up_trace *t)
{
	struct kvnet_trace_handoff h = {
		.trace_id = t->id, .ts_ns = bpf_ktime_get_ns(), .sessions = t->sessions,
		.print = kvnet_trace_skb_print(bpf_cast_to_kern_ctx(skb)),
	};
	__u64 key = kvnet_trace_skb_key(skb);

	bpf_map_update_elem(&trace_handoff, &key, &h, BPF_ANY);
}

/* kvnet_nat_apply for a packet of a marked entry, with its events when a
 * trace runs on the flow's network. Returns the verdict; *reason as
 * kvnet_nat_apply. */
static __noinline int kvnet_up_traced_apply(struct __sk_buff *skb, struct kvnet_ip4 *ip,
					    struct kvnet_ct_hit *hit, __u64 now,
					    struct kvnet_nat_scratch *s)
{
	struct kvnet_up_trace t = { .in = skb->ifindex };
	struct kvnet_ct_key before;
	__u32 reason = KVNET_DROP_NONE, net_id = hit->e->net_id;
	int v;

	t.ring = bpf_map_lookup_elem(&trace_rings, &net_id);
	if (!t.ring)
		return kvnet_up_verdict(kvnet_nat_apply(skb, ip, hit, now, &reason, s), reason);
	t.id = kvnet_trace_new_id();
	t.sessions = hit->e->trace;
	kvnet_ip4_key(ip, &before);
	kvnet_up_emit(skb, &t, KVNET_TRACE_INGRESS, KVNET_TRACE_INGRESS_FLOW, 0);
	kvnet_up_emit(skb, &t, KVNET_TRACE_CT,
		      hit->reply ? KVNET_TRACE_CT_REPLY : KVNET_TRACE_CT_ORIG, 0);
	v = kvnet_nat_apply(skb, ip, hit, now, &reason, s);
	if (v == TC_ACT_REDIRECT) {
		kvnet_up_emit_nat(skb, &t, &before, &hit->e->xlate, hit->e->nh_ifindex);
		kvnet_up_emit(skb, &t, KVNET_TRACE_REDIRECT, 0, hit->e->nh_ifindex);
		kvnet_up_handoff(skb, &t);
	} else if (v == TC_ACT_SHOT) {
		kvnet_up_emit(skb, &t, KVNET_TRACE_DROP,
			      reason != KVNET_DROP_NONE ? reason : KVNET_DROP_REDIRECT, 0);
	} else {
		kvnet_up_emit(skb, &t, KVNET_TRACE_HOST, 0, 0);
	}
	return kvnet_up_verdict(v, reason);
}

/* Does slot i of tn take x? A function of its own, as in the switch
 * (lib/trace.h): its tests stay out of its caller's states. */
static __noinline int kvnet_up_slot_takes(const struct kvnet_trace_net *tn, __u32 i,
					  const struct kvnet_trace_frame *x)
{
	if (i >= KVNET_TRACE_SESSIONS || !(tn->sessions & (1u << i)))
		return 0;
	return kvnet_trace_filter_takes(&tn->f[i], x);
}

/* The sessions of network net_id whose coarse filter takes the packet
 * ip routed in (as a port's ingress would match it; a filter that names
 * a port takes none: the packet entered no port). A global function,
 * verified once on its own: as a static one, its tests of the packet
 * multiplied the uplink program's states (2 s to load instead of 0.3). */
__noinline __u32 kvnet_up_route_sessions(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					 __u32 net_id)
{
	const struct kvnet_trace_net *tn = bpf_map_lookup_elem(&trace_nets, &net_id);
	struct kvnet_trace_frame x = { .ethertype = KVNET_TRACE_ETH_IP, .is_ip4 = 1 };
	__u32 mask = 0;

	if (!tn || !ip || bpf_skb_load_bytes(skb, 0, x.dst, 6) < 0 ||
	    bpf_skb_load_bytes(skb, 6, x.src, 6) < 0)
		return 0;
	x.proto = ip->proto;
	x.saddr = ip->saddr;
	x.daddr = ip->daddr;
	if (ip->l4_ok && (ip->proto == KVNET_IPPROTO_TCP || ip->proto == KVNET_IPPROTO_UDP)) {
		x.l4_ok = 1;
		x.sport = bpf_ntohs(ip->sport);
		x.dport = bpf_ntohs(ip->dport);
	}
	for (__u32 i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (kvnet_up_slot_takes(tn, i, &x))
			mask |= 1u << i;
	return mask;
}

/* kvnet_route_send for a packet routed into a route or open network
 * (no flow: libvirt's rules let it in), with its events for the traces
 * on that network whose filters take it (sessions, from
 * kvnet_up_route_sessions): it came in, the route, where it went. r holds
 * the lookup that routed it. Returns the verdict. */
static __noinline int kvnet_up_traced_route(struct __sk_buff *skb, struct kvnet_route *r,
					    __u32 sessions, __u32 net_id)
{
	struct kvnet_up_trace t = { .in = skb->ifindex, .sessions = sessions };
	int v;

	t.ring = bpf_map_lookup_elem(&trace_rings, &net_id);
	if (!t.ring)
		return kvnet_route_send(skb, r);
	t.id = kvnet_trace_new_id();
	kvnet_up_emit(skb, &t, KVNET_TRACE_INGRESS, KVNET_TRACE_INGRESS_FLOW, 0);
	kvnet_up_emit(skb, &t, KVNET_TRACE_ROUTE, r->rc, r->fib.ifindex);
	v = kvnet_route_send(skb, r);
	if (v == TC_ACT_REDIRECT) {
		kvnet_up_emit(skb, &t, KVNET_TRACE_REDIRECT, 0, r->fib.ifindex);
		kvnet_up_handoff(skb, &t);
	} else {
		kvnet_up_emit(skb, &t, KVNET_TRACE_DROP, KVNET_DROP_REDIRECT, 0);
	}
	return v;
}

#endif /* KVNET_LIB_TRACE_UPLINK_H */
