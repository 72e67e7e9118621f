/* SPDX-License-Identifier: GPL-2.0-only */
/* The gateway of a network that routes (nat, route and open modes): IPv4
 * that a guest sends to the gateway's MAC is routed by the datapath, not
 * handed to the host's stack, unless it is for the host itself.
 *
 * In order, for one packet:
 *  1. a tracked flow (a masqueraded connection, the reply of a port
 *     forward, or an ICMP error about one) is translated and routed as
 *     its conntrack entry says;
 *  2. a packet for the host (the gateway address, or any address the FIB
 *     calls local) opens a port forward's flow if one matches (a guest
 *     reaching a forward of the host: hairpin), and otherwise goes to the
 *     host;
 *  3. anything else is routed: only from the subnet's own addresses
 *     (except in open mode), only out of <forward dev=> when given, never
 *     into another network's NAT subnet; masqueraded in nat mode, where
 *     only TCP, UDP and ICMP echo open flows and fragments are dropped.
 *
 * What a router owes the sender stays with the host's stack: a packet
 * whose TTL runs out, or that is too big for the next hop with DF set, is
 * handed to the host untouched (TC_ACT_UNSPEC), which answers with the
 * ICMP error before its netfilter FORWARD hook and drops it.
 */
#ifndef KVNET_LIB_GWROUTE_H
#define KVNET_LIB_GWROUTE_H

/* What the routing stage noted for a traced frame (scratch tr_flags). */
#define KVNET_GW_TR_ROUTE 1
#define KVNET_GW_TR_CT 2
#define KVNET_GW_TR_NAT 4

/* Count a NAT/routing verdict against the ingress port. */
static __always_inline int kvnet_gw_verdict(struct kvnet_frame *fr, int verdict, __u32 reason)
{
	if (verdict == TC_ACT_SHOT)
		return kvnet_drop(fr, reason != KVNET_DROP_NONE ? reason : KVNET_DROP_REDIRECT);
	return verdict;
}

/* Translate and route a packet of the flow hit, and trace it: ct says
 * how the flow was found (enum kvnet_trace_ct). */
static __always_inline int kvnet_gw_apply(struct __sk_buff *skb, struct kvnet_frame *fr,
					  struct kvnet_ip4 *ip, struct kvnet_ct_hit *hit,
					  struct kvnet_nat_scratch *s, __u32 ct)
{
	__u32 reason = KVNET_DROP_NONE;
	int v;

	v = kvnet_nat_apply(skb, ip, hit, fr->now, &reason, s);
	/* no cached next hop yet (its neighbour unresolved): the device the
	 * route chose, where bpf_redirect_neigh() sent it */
	if (v == TC_ACT_REDIRECT)
		fr->out = hit->e->nh_ifindex ? hit->e->nh_ifindex : s->r.fib.ifindex;
	/* one test for both notes (s->pkt is still the tuple as it came) */
	if (kvnet_trace_follows()) {
		if (!ct)
			ct = hit->e->flags & KVNET_CT_REPLY ? KVNET_TRACE_CT_REPLY
							     : KVNET_TRACE_CT_ORIG;
		s->tr_flags |= KVNET_GW_TR_CT;
		s->tr_ct = ct;
		if (v == TC_ACT_REDIRECT) {
			s->tr_flags |= KVNET_GW_TR_NAT;
			s->tr_before = s->pkt;
			s->tr_after = hit->e->xlate;
			s->tr_nat_out = fr->out;
			kvnet_trace_mark_flow(hit->e);
		}
	}
	return kvnet_gw_verdict(fr, v, reason);
}

/* The address masquerade gives the guest's flows: one from <nat><address>
 * (a guest keeps the same one), else the one the route prefers. */
static __always_inline __be32 kvnet_gw_nat_addr(const struct kvnet_config *cfg, __be32 guest,
						const struct kvnet_route *r)
{
	__u32 lo = bpf_ntohl(cfg->nat_addr_min), hi = bpf_ntohl(cfg->nat_addr_max);

	if (!lo || hi < lo)
		return r->fib.ipv4_src;
	return bpf_htonl(lo + bpf_ntohl(guest) % (hi - lo + 1));
}

/* Translate and route the packet of a flow just created. With routed,
 * s->r holds the lookup that routed it (masquerade: the destination does
 * not change), so the flow starts with its next hop cached. */
static __always_inline int kvnet_gw_first(struct __sk_buff *skb, struct kvnet_frame *fr,
					  struct kvnet_ip4 *ip,
					  struct kvnet_nat_scratch *s, int routed)
{
	struct kvnet_ct_hit hit;

	kvnet_ip4_key(ip, &s->pkt);
	if (kvnet_ct_lookup(&s->pkt, fr->now, &hit) < 0)
		return kvnet_drop(fr, KVNET_DROP_NAT_NO_PORT);
	if (routed)
		kvnet_nat_nh_store(hit.e, &s->r, fr->now);
	return kvnet_gw_apply(skb, fr, ip, &hit, s, KVNET_TRACE_CT_NEW);
}

/* A packet for the host: a port forward's, or the host's own
 * (TC_ACT_UNSPEC). */
static __always_inline int kvnet_gw_local(struct __sk_buff *skb, struct kvnet_frame *fr,
					  struct kvnet_ip4 *ip,
				     struct kvnet_nat_scratch *s)
{
	const struct kvnet_nat_fwd *fwd = kvnet_nat_fwd_of(ip);
	struct kvnet_nat_new *n = &s->n;
	__u32 reason;

	if (!fwd)
		return TC_ACT_UNSPEC;
	__builtin_memset(n, 0, sizeof(*n));
	kvnet_ip4_key(ip, &n->orig);
	n->xlate.saddr = fwd->gw_ip; /* the reply must come back this way */
	n->xlate.daddr = fwd->to_addr;
	n->xlate.sport = ip->sport;
	n->xlate.dport = fwd->to_port;
	n->xlate.proto = ip->proto;
	n->net_id = fwd->net_id;
	n->fib_ifindex = fwd->gw_ifindex;
	n->flags = KVNET_CT_SNAT | KVNET_CT_DNAT | KVNET_CT_FIB_OUTPUT;
	n->reply_fib_ifindex = fr->cfg.gw_ifindex;
	n->reply_flags = KVNET_CT_FIB_OUTPUT;
	n->port_min = 1024;
	n->port_max = 65535;
	reason = kvnet_nat_create(skb, s, fr->now);
	if (reason != KVNET_DROP_NONE)
		return kvnet_drop(fr, reason);
	return kvnet_gw_first(skb, fr, ip, s, 0);
}

/* May the port open one more flow? <kvnet:conntrack port-max>: an
 * untrusted port holds at most cfg->nat_flows_max flows (port_state.flows;
 * the daemon's conntrack sweep recounts it as flows end). */
static __always_inline int kvnet_gw_flow_allowed(const struct kvnet_frame *fr,
						 const struct kvnet_port_state *st)
{
	return !st || !fr->cfg.nat_flows_max || (fr->in.flags & KVNET_PORT_TRUSTED) ||
	       *(volatile const __u32 *)&st->flows < fr->cfg.nat_flows_max;
}

/* Masquerade a new flow out of a nat network. */
static __always_inline int kvnet_gw_masquerade(struct __sk_buff *skb, struct kvnet_frame *fr,
					  struct kvnet_ip4 *ip,
					  struct kvnet_nat_scratch *s)
{
	struct kvnet_port_state *st = kvnet_state_get(&fr->in);
	const struct kvnet_config *cfg = &fr->cfg;
	struct kvnet_nat_new *n = &s->n;
	__u32 reason;

	if (kvnet_ip4_is_fragment(ip))
		return kvnet_drop(fr, KVNET_DROP_FRAGMENT);
	if (!kvnet_nat_can_open(ip))
		return kvnet_drop(fr, KVNET_DROP_NAT_PROTO);
	if (!kvnet_gw_flow_allowed(fr, st))
		return kvnet_drop(fr, KVNET_DROP_NAT_FLOW_LIMIT);
	__builtin_memset(n, 0, sizeof(*n));
	kvnet_ip4_key(ip, &n->orig);
	n->xlate = n->orig;
	n->xlate.saddr = kvnet_gw_nat_addr(cfg, ip->saddr, &s->r);
	if (!n->xlate.saddr)
		return kvnet_drop(fr, KVNET_DROP_NO_ROUTE);
	n->net_id = cfg->net_id;
	n->fib_ifindex = cfg->gw_ifindex;
	n->flags = KVNET_CT_SNAT;
	n->reply_fib_ifindex = cfg->gw_ifindex;
	n->reply_flags = KVNET_CT_FIB_OUTPUT;
	/* replies go back to the sender's MAC, from the gateway's */
	n->reply_nh_ifindex = cfg->gw_ifindex;
	__builtin_memcpy(n->reply_dmac, fr->eth.src, ETH_ALEN);
	__builtin_memcpy(n->reply_smac, cfg->gw_mac, ETH_ALEN);
	n->port_min = cfg->nat_port_min ? cfg->nat_port_min : 1024;
	n->port_max = cfg->nat_port_max >= n->port_min ? cfg->nat_port_max : n->port_min;
	n->origin_ifindex = fr->in.ifindex;
	/* the packet passed anti-spoofing under the generation read with
	 * the config, before the check (a trusted port's is not checked) */
	n->bind_gen = fr->in.flags & KVNET_PORT_TRUSTED ? 0 : cfg->bind_gen;
	reason = kvnet_nat_create(skb, s, fr->now);
	if (reason != KVNET_DROP_NONE)
		return kvnet_drop(fr, reason);
	if (st)
		__sync_fetch_and_add(&st->flows, 1);
	return kvnet_gw_first(skb, fr, ip, s, 1);
}

/* Route a packet bound beyond the gateway (step 3). */
static __always_inline int kvnet_gw_forward(struct __sk_buff *skb, struct kvnet_frame *fr,
					  struct kvnet_ip4 *ip,
					    struct kvnet_nat_scratch *s)
{
	const struct kvnet_route *r = &s->r;
	const struct kvnet_config *cfg = &fr->cfg;
	const struct kvnet_nat_net *dst;

	if (kvnet_trace_follows()) {
		s->tr_flags |= KVNET_GW_TR_ROUTE;
		s->tr_route_rc = r->rc;
		s->tr_route_out = r->fib.ifindex;
	}
	if (cfg->uplink_ifindex && r->fib.ifindex != cfg->uplink_ifindex)
		return kvnet_drop(fr, KVNET_DROP_NO_ROUTE);
	if (!(cfg->flags & KVNET_CFG_OPEN) && (ip->saddr & cfg->mask) != cfg->subnet)
		return kvnet_drop(fr, KVNET_DROP_NOT_ROUTED);
	dst = kvnet_nat_net_of(ip->daddr);
	if (dst && dst->mode == KVNET_NAT_MODE_NAT && dst->net_id != cfg->net_id)
		return kvnet_drop(fr, KVNET_DROP_NAT_UNSOLICITED);
	if (ip->ttl <= 1)
		return TC_ACT_UNSPEC;
	if (cfg->flags & KVNET_CFG_NAT)
		return kvnet_gw_masquerade(skb, fr, ip, s);
	if (kvnet_rewrite_ttl_dec(skb, ip))
		return kvnet_drop(fr, KVNET_DROP_REWRITE);
	fr->out = r->fib.ifindex;
	return kvnet_gw_verdict(fr, kvnet_route_send(skb, r), KVNET_DROP_REDIRECT);
}

/* Steps 1 and 2 for a tracked packet. Returns the verdict, or
 * TC_ACT_UNSPEC if no flow claims it. */
static __always_inline int kvnet_gw_tracked(struct __sk_buff *skb, struct kvnet_frame *fr,
					  struct kvnet_ip4 *ip,
					    struct kvnet_nat_scratch *s)
{
	struct kvnet_ct_hit hit;
	__u32 reason = KVNET_DROP_NONE;
	int v;

	if (!ip->l4_ok)
		return TC_ACT_UNSPEC;
	kvnet_ip4_key(ip, &s->pkt);
	if (kvnet_ct_lookup(&s->pkt, fr->now, &hit) == 0)
		return kvnet_gw_apply(skb, fr, ip, &hit, s, 0);
	if (ip->proto != KVNET_IPPROTO_ICMP || !kvnet_icmp_is_error(ip->icmp_type))
		return TC_ACT_UNSPEC;
	v = kvnet_nat_icmp_error(skb, ip, fr->now, &reason, s);
	return v == TC_ACT_UNSPEC ? v : kvnet_gw_verdict(fr, v, reason);
}

/* IPv4 from a guest to the gateway's MAC on a network that routes.
 * Returns the verdict, or TC_ACT_UNSPEC to hand the frame to the host.
 * A global function, verified once on its own rather than at every path
 * of the switch that reaches it (the switch alone is near the verifier's
 * budget); so the skb comes as its own argument, and fr is only memory. */
__noinline int kvnet_gw_route(struct __sk_buff *skb, struct kvnet_frame *fr)
{
	struct kvnet_nat_scratch *s = kvnet_nat_scratch();
	const struct kvnet_config *cfg;
	struct kvnet_ip4 *ip;
	int v;

	if (!fr || !s)
		return TC_ACT_SHOT;
	s->tr_flags = 0;
	cfg = &fr->cfg;
	ip = &s->ip;
	if (kvnet_ip4_parse(skb, fr->eth.hlen, ip) < 0)
		return kvnet_drop(fr, KVNET_DROP_MALFORMED);
	v = kvnet_gw_tracked(skb, fr, ip, s);
	if (v != TC_ACT_UNSPEC)
		return v;
	if (ip->daddr == cfg->gw_ip)
		return kvnet_gw_local(skb, fr, ip, s);
	if (kvnet_ipv4_is_multicast(ip->daddr) || ip->daddr == 0xffffffff ||
	    ip->daddr == cfg->gw_bcast)
		return TC_ACT_UNSPEC;
	switch (kvnet_route_lookup(skb, &s->r, ip->saddr, ip->daddr, ip->proto, cfg->gw_ifindex,
				   0, (cfg->flags & KVNET_CFG_NAT) != 0)) {
	case KVNET_ROUTE_LOCAL:
		return kvnet_gw_local(skb, fr, ip, s);
	case KVNET_ROUTE_TOO_BIG:
		if (ip->frag & KVNET_IP_DF)
			return TC_ACT_UNSPEC;
		return kvnet_drop(fr, KVNET_DROP_TOO_BIG);
	case KVNET_ROUTE_FORWARD:
		return kvnet_gw_forward(skb, fr, ip, s);
	default:
		return kvnet_drop(fr, KVNET_DROP_NO_ROUTE);
	}
}

/* The routing stage's events for a followed frame, from what it noted:
 * sent from here, once it has returned, so that no event is written from
 * within it (the stack of its calls and the switch's must fit 512 bytes). */
static __noinline void kvnet_gw_trace(struct __sk_buff *skb, const struct kvnet_frame *fr)
{
	struct kvnet_nat_scratch *s = kvnet_nat_scratch();

	if (!s || !kvnet_trace_marked())
		return;
	if (s->tr_flags & KVNET_GW_TR_ROUTE)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_ROUTE, s->tr_route_rc, s->tr_route_out);
	if (s->tr_flags & KVNET_GW_TR_CT)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_CT, s->tr_ct, 0);
	if (s->tr_flags & KVNET_GW_TR_NAT)
		kvnet_trace_emit_nat(skb, fr, &s->tr_before, &s->tr_after, s->tr_nat_out);
}

#endif /* KVNET_LIB_GWROUTE_H */
