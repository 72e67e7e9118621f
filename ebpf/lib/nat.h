/* SPDX-License-Identifier: GPL-2.0-only */
/* NAT: new flows (masquerade with port allocation, port forwards), the
 * translation of a tracked packet, and of ICMP errors about a tracked flow
 * (RFC 5508). Shared by the switch (what guests send) and the uplink
 * program (what comes from outside).
 *
 * Port allocation (masquerade, as netfilter's): keep the guest's own
 * source port (or echo identifier) when it is in range and free, else try
 * KVNET_NAT_PORT_TRIES ports from a random point of the range. A port is
 * free when no live flow holds the reply tuple it would make, and no
 * socket of the host's would receive that reply (its own connections and
 * listeners on the same address). When every try fails the packet is
 * dropped (KVNET_DROP_NAT_NO_PORT), never sent with a tuple another flow
 * owns.
 */
#ifndef KVNET_LIB_NAT_H
#define KVNET_LIB_NAT_H

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KVNET_NAT_NETS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct kvnet_nat_net_key);
	__type(value, struct kvnet_nat_net);
} nat_nets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVNET_NAT_FWD_MAX);
	__type(key, struct kvnet_nat_fwd_key);
	__type(value, struct kvnet_nat_fwd);
} nat_fwd SEC(".maps");

#define KVNET_BPF_F_CURRENT_NETNS (-1L)

/* A flow about to be created. */
struct kvnet_nat_new {
	struct kvnet_ct_key orig;  /* the packet's tuple */
	struct kvnet_ct_key xlate; /* what it becomes; sport is allocated */
	__u32 net_id;
	__u32 fib_ifindex;	   /* routing of the original direction */
	__u32 reply_fib_ifindex;   /* and of the reply direction */
	__u16 flags;		   /* KVNET_CT_SNAT/DNAT, FIB_OUTPUT */
	__u16 reply_flags;	   /* KVNET_CT_FIB_OUTPUT or 0 */
	__u16 port_min;		   /* allocation range (host order); */
	__u16 port_max;		   /* port_min 0: keep xlate.sport */
	/* The reply direction's next hop when the creator knows it (a
	 * guest's masqueraded flow: the guest, behind the gateway device),
	 * so that the first reply needs no FIB lookup; nh_ifindex 0: not. */
	__u32 reply_nh_ifindex;
	__u8 reply_dmac[ETH_ALEN];
	__u8 reply_smac[ETH_ALEN];
	__u32 origin_ifindex;	   /* the guest port that opens it, or 0 */
	__u32 bind_gen;		   /* the network's bind_gen its packet was
				      checked under (a guest's), or 0 */
};

/* The packet an ICMP error quotes. */
struct kvnet_quote {
	struct kvnet_ip4 ip; /* its header, offsets into this skb */
	__u32 icmp_csum_off; /* the error's own checksum */
};

/* The NAT path's larger working state, kept off the stack (a tc program
 * has 512 bytes of it for the whole call chain, and the switch uses half
 * before it routes). One per CPU: a tc program runs to completion on its
 * CPU, and nothing it calls runs another one there before it returns. */
struct kvnet_nat_scratch {
	struct kvnet_ip4 ip;	/* the packet */
	struct kvnet_route r;	/* where it goes */
	struct kvnet_nat_new n; /* a flow being created */
	struct kvnet_ct_val v;	/* an entry being written */
	struct kvnet_quote q;	/* an ICMP error's quote */
	struct kvnet_ct_key k[4]; /* keys an ICMP error is looked up by */
	struct kvnet_ct_key pkt;  /* the packet's own tuple */
	struct bpf_sock_tuple t; /* a socket of the host's, looked for */
	/* What the routing stage did with a traced frame, for the switch to
	 * report once it returns (lib/gwroute.h, kvnet_gw_trace). */
	__u32 tr_flags; /* KVNET_GW_TR_* */
	__u32 tr_route_rc, tr_route_out;
	__u32 tr_ct;	/* enum kvnet_trace_ct */
	__u32 tr_nat_out;
	struct kvnet_ct_key tr_before, tr_after;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kvnet_nat_scratch);
} nat_scratch SEC(".maps");

static __always_inline struct kvnet_nat_scratch *kvnet_nat_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&nat_scratch, &zero);
}

/* The network whose subnet holds addr, or NULL. */
static __always_inline const struct kvnet_nat_net *kvnet_nat_net_of(__be32 addr)
{
	struct kvnet_nat_net_key k = { .prefixlen = 32, .addr = addr };

	return bpf_map_lookup_elem(&nat_nets, &k);
}

/* The port forward for a packet to the host's port, or NULL. */
static __always_inline const struct kvnet_nat_fwd *kvnet_nat_fwd_of(const struct kvnet_ip4 *ip)
{
	struct kvnet_nat_fwd_key k = { .port = ip->dport, .proto = ip->proto };

	if (!ip->l4_ok || ip->proto == KVNET_IPPROTO_ICMP)
		return NULL;
	return bpf_map_lookup_elem(&nat_fwd, &k);
}

/* Would a reply to the host's address addr:port from peer:peer_port reach
 * one of the host's own sockets? */
static __always_inline int kvnet_nat_host_owns(struct __sk_buff *skb, struct bpf_sock_tuple *t,
					       __u8 proto, __be32 addr, __be16 port, __be32 peer,
					       __be16 peer_port)
{
	struct bpf_sock *sk;

	t->ipv4.saddr = peer;
	t->ipv4.daddr = addr;
	t->ipv4.sport = peer_port;
	t->ipv4.dport = port;
	if (proto == KVNET_IPPROTO_TCP)
		sk = bpf_skc_lookup_tcp(skb, t, sizeof(t->ipv4), KVNET_BPF_F_CURRENT_NETNS, 0);
	else if (proto == KVNET_IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, t, sizeof(t->ipv4), KVNET_BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

/* The i-th port to try (host order). */
static __always_inline __u16 kvnet_nat_candidate(const struct kvnet_nat_new *n, __u32 start,
						 __u32 i)
{
	__u32 range = (__u32)n->port_max - n->port_min + 1;
	__u16 own = bpf_ntohs(n->orig.sport);

	if (i == 0 && own >= n->port_min && own <= n->port_max)
		return own;
	return n->port_min + (start + i) % range;
}

/* Claim the reply entry of n, allocating xlate.sport if asked. Returns 0,
 * or -1 if no port is free. */
/* One port search, shared with the bpf_loop callback (a bounded loop
 * would be verified once per try, at every place a flow is created). */
struct kvnet_nat_search {
	struct __sk_buff *skb;
	struct kvnet_nat_scratch *s;
	__u64 now;
	__u32 start;
	__u32 found;
};

/* bpf_loop callback: try the i-th port. 0 = go on, 1 = stop. */
static long kvnet_nat_try_port(__u32 i, void *data)
{
	struct kvnet_nat_search *q = data;
	struct kvnet_nat_scratch *s = q->s;
	struct kvnet_nat_new *n = &s->n;
	struct kvnet_ct_key *rkey = &s->k[0];

	rkey->dport = bpf_htons(kvnet_nat_candidate(n, q->start, i));
	if (kvnet_nat_host_owns(q->skb, &s->t, n->xlate.proto, n->xlate.saddr, rkey->dport,
				n->xlate.daddr, n->xlate.dport))
		return 0;
	if (kvnet_ct_claim(rkey, &s->v, q->now, &s->k[1]) < 0)
		return 0;
	n->xlate.sport = rkey->dport;
	q->found = 1;
	return 1;
}

static __always_inline int kvnet_nat_claim(struct __sk_buff *skb, struct kvnet_nat_scratch *s,
					   __u64 now)
{
	struct kvnet_nat_search q = { .skb = skb, .s = s, .now = now };

	kvnet_ct_reverse(&s->n.xlate, &s->k[0]);
	if (!s->n.port_min)
		return kvnet_ct_claim(&s->k[0], &s->v, now, &s->k[1]);
	q.start = bpf_get_prandom_u32();
	bpf_loop(KVNET_NAT_PORT_TRIES, kvnet_nat_try_port, &q, 0);
	return q.found ? 0 : -1;
}

/* Create the flow s->n. Returns 0, or a drop reason. */
static __always_inline __u32 kvnet_nat_create(struct __sk_buff *skb,
					      struct kvnet_nat_scratch *s, __u64 now)
{
	struct kvnet_nat_new *n = &s->n;
	struct kvnet_ct_val *v = &s->v;

	__builtin_memset(v, 0, sizeof(*v));
	kvnet_ct_reverse(&n->orig, &v->xlate);
	v->flags = KVNET_CT_REPLY | (n->flags & (KVNET_CT_SNAT | KVNET_CT_DNAT)) | n->reply_flags;
	v->net_id = n->net_id;
	v->fib_ifindex = n->reply_fib_ifindex;
	if (n->reply_nh_ifindex) {
		v->nh_ifindex = n->reply_nh_ifindex;
		__builtin_memcpy(v->nh_dmac, n->reply_dmac, ETH_ALEN);
		__builtin_memcpy(v->nh_smac, n->reply_smac, ETH_ALEN);
		v->nh_time_ns = now;
	}
	if (kvnet_nat_claim(skb, s, now) < 0)
		return KVNET_DROP_NAT_NO_PORT;
	__builtin_memset(v, 0, sizeof(*v));
	v->xlate = n->xlate;
	v->flags = KVNET_CT_ORIG | n->flags;
	v->state = KVNET_CT_NEW;
	v->expires_ns = now + kvnet_ct_timeout_s(n->orig.proto, KVNET_CT_NEW) * 1000000000ULL;
	v->net_id = n->net_id;
	v->fib_ifindex = n->fib_ifindex;
	v->origin_ifindex = n->origin_ifindex;
	v->bind_gen = n->bind_gen;
	if (bpf_map_update_elem(&ct, &n->orig, v, BPF_ANY))
		return KVNET_DROP_NAT_NO_PORT;
	kvnet_nat_count(KVNET_NAT_EV_NEW_FLOW);
	return KVNET_DROP_NONE;
}

/* Can this packet open a flow? TCP/UDP, and ICMP echo requests; a TCP RST
 * never opens one. */
static __always_inline int kvnet_nat_can_open(const struct kvnet_ip4 *ip)
{
	if (!ip->l4_ok)
		return 0;
	if (ip->proto == KVNET_IPPROTO_TCP)
		return !(ip->tcp_flags & KVNET_TCP_RST);
	if (ip->proto == KVNET_IPPROTO_UDP)
		return 1;
	return ip->proto == KVNET_IPPROTO_ICMP && ip->icmp_type == KVNET_ICMP_ECHO;
}

/* Remember where a lookup sent this direction's packets (a successful
 * one: neighbour resolved). Concurrent writers write the same values. */
static __always_inline void kvnet_nat_nh_store(struct kvnet_ct_val *e,
					       const struct kvnet_route *r, __u64 now)
{
	if (r->rc != BPF_FIB_LKUP_RET_SUCCESS)
		return;
	__builtin_memcpy(e->nh_dmac, r->fib.dmac, ETH_ALEN);
	__builtin_memcpy(e->nh_smac, r->fib.smac, ETH_ALEN);
	e->nh_ifindex = r->fib.ifindex;
	e->nh_mtu = r->fib.mtu_result; /* tot_len 0: the device's MTU */
	e->nh_time_ns = now;
}

/* Redirect to the cached next hop, its MACs already in the frame. */
static __always_inline int kvnet_nat_nh_redirect(const struct kvnet_ct_val *e)
{
	return bpf_redirect(e->nh_ifindex, 0) == TC_ACT_REDIRECT ? TC_ACT_REDIRECT : TC_ACT_SHOT;
}

/* Send to the cached next hop: the MACs written, redirected. Returns the
 * verdict. */
static __always_inline int kvnet_nat_nh_send(struct __sk_buff *skb, const struct kvnet_ct_val *e)
{
	__u8 macs[ETH_ALEN * 2] KVNET_PKT_BUF;

	__builtin_memcpy(macs, e->nh_dmac, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, e->nh_smac, ETH_ALEN);
	if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0))
		return TC_ACT_SHOT;
	return kvnet_nat_nh_redirect(e);
}

/* Is the packet too big for the cached next hop? As bpf_check_mtu()
 * decides, without asking it while the hop's MTU is known and the skb is
 * not GSO (a GSO skb's segments are checked by the helper). */
static __always_inline int kvnet_nat_nh_too_big(struct __sk_buff *skb, const struct kvnet_ct_val *e)
{
	__u32 mtu = e->nh_mtu, mtu_len = 0;

	if (mtu && !skb->gso_size)
		return skb->len > mtu + ETH_HLEN;
	return bpf_check_mtu(skb, e->nh_ifindex, &mtu_len, 0, 0) != 0;
}

/* Where the rewritten packet goes: the cached next hop while it is fresh,
 * else the FIB (and the answer cached). Returns KVNET_ROUTE_FORWARD with
 * *cached set or r filled, or why not. */
static __always_inline enum kvnet_route_kind
kvnet_nat_next_hop(struct __sk_buff *skb, struct kvnet_ct_val *e, const struct kvnet_ct_key *to,
		   __u8 proto, __u64 now, struct kvnet_route *r, int *cached)
{
	enum kvnet_route_kind k;

	*cached = e->nh_ifindex && now - e->nh_time_ns < KVNET_CT_NH_TTL_NS;
	if (*cached)
		return KVNET_ROUTE_FORWARD;
	k = kvnet_route_lookup(skb, r, to->saddr, to->daddr, proto, e->fib_ifindex,
			       (e->flags & KVNET_CT_FIB_OUTPUT) != 0, 0);
	if (k == KVNET_ROUTE_FORWARD)
		kvnet_nat_nh_store(e, r, now);
	return k;
}

/* Rewrite a tracked packet to what its entry says, count it, and route it
 * where the entry says. Returns the verdict. What a router owes the
 * sender is left to the host (TC_ACT_UNSPEC: the caller hands the
 * untouched packet to the host's stack, which sends the ICMP error): a
 * TTL that runs out, a packet with DF too big for the next hop. */
static __always_inline int kvnet_nat_apply(struct __sk_buff *skb, struct kvnet_ip4 *ip,
					   struct kvnet_ct_hit *hit, __u64 now, __u32 *reason,
					   struct kvnet_nat_scratch *s)
{
	struct kvnet_ct_val *e = hit->e;
	struct kvnet_route *r = &s->r;
	const struct kvnet_ct_key *to = &e->xlate;
	int cached, block, k;

	if (ip->ttl <= 1)
		return TC_ACT_UNSPEC;
	k = kvnet_nat_next_hop(skb, e, to, ip->proto, now, r, &cached);
	if (k == KVNET_ROUTE_TOO_BIG && (ip->frag & KVNET_IP_DF))
		return TC_ACT_UNSPEC;
	if (k != KVNET_ROUTE_FORWARD) {
		*reason = k == KVNET_ROUTE_TOO_BIG ? KVNET_DROP_TOO_BIG : KVNET_DROP_NO_ROUTE;
		return TC_ACT_SHOT;
	}
	/* the cached hop's MTU */
	if (cached && kvnet_nat_nh_too_big(skb, e)) {
		if (ip->frag & KVNET_IP_DF)
			return TC_ACT_UNSPEC;
		*reason = KVNET_DROP_TOO_BIG;
		return TC_ACT_SHOT;
	}
	kvnet_ct_account(hit, ip->proto, ip->tcp_flags, skb->len, now);
	/* TCP/UDP to a cached hop: headers and MACs in one store */
	block = cached && kvnet_rewrite_block_ok(ip);
	if (block ? kvnet_rewrite_block(skb, ip, to, e->nh_dmac, e->nh_smac)
		  : kvnet_rewrite_tuple(skb, ip, to) || kvnet_rewrite_ttl_dec(skb, ip)) {
		*reason = KVNET_DROP_REWRITE;
		return TC_ACT_SHOT;
	}
	kvnet_nat_count(hit->reply ? KVNET_NAT_EV_XLATE_IN : KVNET_NAT_EV_XLATE_OUT);
	if (block)
		return kvnet_nat_nh_redirect(e);
	return cached ? kvnet_nat_nh_send(skb, e) : kvnet_route_send(skb, r);
}

/* ---- ICMP errors about a tracked flow ----------------------------------- */

/* Parse the quote of the ICMP error ip. Returns 0, or -1. */
static __always_inline int kvnet_quote_parse(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					     struct kvnet_quote *q)
{
	if (kvnet_ip4_parse(skb, ip->l4_off + 8, &q->ip) < 0 || !q->ip.l4_ok)
		return -1;
	q->icmp_csum_off = ip->l4_off + 2;
	return 0;
}

/* Rewrite one address of the quote, with its IPv4 and UDP/TCP checksums. */
static __always_inline int kvnet_quote_addr(struct __sk_buff *skb, const struct kvnet_quote *q,
					    __u32 addr_off, __be32 from, __be32 to)
{
	const struct kvnet_ip4 *in = &q->ip;
	__u32 l4c = kvnet_l4_csum_off(in->proto, in->l4_off);

	if (from == to)
		return 0;
	if (in->proto != KVNET_IPPROTO_ICMP &&
	    kvnet_quote_csum(skb, q->icmp_csum_off, l4c, from, to, 4,
			     in->proto == KVNET_IPPROTO_UDP))
		return -1;
	if (kvnet_quote_csum(skb, q->icmp_csum_off, in->l3_off + KVNET_IP_CHECK_OFF, from, to, 4, 0))
		return -1;
	return kvnet_quote_store(skb, q->icmp_csum_off, in->l3_off + addr_off, from, to, 4);
}

/* Rewrite a 16-bit field of the quote's transport header (at off in it). */
static __always_inline int kvnet_quote_port(struct __sk_buff *skb, const struct kvnet_quote *q,
					    __u32 off, __be16 from, __be16 to)
{
	const struct kvnet_ip4 *in = &q->ip;
	__u32 l4c = kvnet_l4_csum_off(in->proto, in->l4_off);

	if (from == to)
		return 0;
	if (kvnet_quote_csum(skb, q->icmp_csum_off, l4c, from, to, 2,
			     in->proto == KVNET_IPPROTO_UDP))
		return -1;
	return kvnet_quote_store(skb, q->icmp_csum_off, in->l4_off + off, from, to, 2);
}

/* Make the quote's tuple to. */
static __always_inline int kvnet_quote_rewrite(struct __sk_buff *skb, const struct kvnet_quote *q,
					       const struct kvnet_ct_key *to)
{
	const struct kvnet_ip4 *in = &q->ip;

	if (kvnet_quote_addr(skb, q, KVNET_IP_SADDR_OFF, in->saddr, to->saddr) ||
	    kvnet_quote_addr(skb, q, KVNET_IP_DADDR_OFF, in->daddr, to->daddr))
		return -1;
	if (in->proto == KVNET_IPPROTO_ICMP) {
		if (in->icmp_type == KVNET_ICMP_ECHO)
			return kvnet_quote_port(skb, q, 4, in->sport, to->sport);
		if (in->icmp_type == KVNET_ICMP_ECHOREPLY)
			return kvnet_quote_port(skb, q, 4, in->dport, to->dport);
		return 0;
	}
	if (kvnet_quote_port(skb, q, 0, in->sport, to->sport) ||
	    kvnet_quote_port(skb, q, 2, in->dport, to->dport))
		return -1;
	return 0;
}

/* Translate an ICMP error about a tracked flow (RFC 5508 4.3): the quote
 * is the packet as the far side saw it, so the flow is found by the
 * reverse of its tuple, and the quote becomes the packet as this side
 * sent it; the error itself goes to whoever sent that packet, and appears
 * to come from the quote's destination when that is who sent it. Returns
 * the verdict, TC_ACT_UNSPEC if no flow claims the error. */
static __always_inline int kvnet_nat_icmp_error(struct __sk_buff *skb, struct kvnet_ip4 *ip,
						__u64 now, __u32 *reason,
						struct kvnet_nat_scratch *s)
{
	struct kvnet_ct_key *qkey = &s->k[0], *rkey = &s->k[1], *quote_to = &s->k[2];
	struct kvnet_ct_key *outer = &s->k[3];
	struct kvnet_quote *q = &s->q;
	struct kvnet_route *r = &s->r;
	struct kvnet_ct_hit hit;

	if (kvnet_quote_parse(skb, ip, q) < 0)
		return TC_ACT_UNSPEC;
	kvnet_ip4_key(&q->ip, qkey);
	kvnet_ct_reverse(qkey, rkey);
	if (kvnet_ct_lookup(rkey, now, &hit) < 0)
		return TC_ACT_UNSPEC;
	kvnet_ct_reverse(&hit.e->xlate, quote_to);
	kvnet_ip4_key(ip, outer);
	if (outer->daddr == qkey->saddr)
		outer->daddr = quote_to->saddr;
	if (outer->saddr == qkey->daddr)
		outer->saddr = quote_to->daddr;
	if (ip->ttl <= 1)
		return TC_ACT_UNSPEC;
	if (kvnet_route_lookup(skb, r, outer->saddr, outer->daddr, ip->proto, hit.e->fib_ifindex,
			       (hit.e->flags & KVNET_CT_FIB_OUTPUT) != 0, 0) != KVNET_ROUTE_FORWARD) {
		*reason = KVNET_DROP_NO_ROUTE;
		return TC_ACT_SHOT;
	}
	if (kvnet_quote_rewrite(skb, q, quote_to) ||
	    kvnet_rewrite_addr(skb, ip, KVNET_IP_SADDR_OFF, ip->saddr, outer->saddr) ||
	    kvnet_rewrite_addr(skb, ip, KVNET_IP_DADDR_OFF, ip->daddr, outer->daddr) ||
	    kvnet_rewrite_ttl_dec(skb, ip)) {
		*reason = KVNET_DROP_REWRITE;
		return TC_ACT_SHOT;
	}
	kvnet_nat_count(KVNET_NAT_EV_ICMP_ERR);
	return kvnet_route_send(skb, r);
}

#endif /* KVNET_LIB_NAT_H */
