/* SPDX-License-Identifier: GPL-2.0-only */
/* The established-flow path: a guest's TCP or UDP packet of a masqueraded
 * flow that its own port opened, translated and sent to the flow's cached
 * next hop before the switch's stages run, with the checks of those stages
 * that such a packet can fail made here, and nothing else.
 *
 * What the switch would do with such a packet, stage by stage, and why
 * this path may do less:
 *  - the ingress checks: a gateway, uplink, trusted or STP-blocked port, a
 *    tagged frame and anything but IPv4 to the gateway's MAC go the whole
 *    way; a multicast source cannot pass the learn cache's test below;
 *  - anti-spoofing (lib/spoof.h): the same tests on the same maps, made
 *    once per flow and generation rather than per packet. kvnetd gives
 *    the network a new anti-spoofing generation (config bind_gen) after
 *    every change to a binding, an address's owner or a port. The flow
 *    holds the generation a packet of it was last checked under, the
 *    port's learn cache the one its MAC was; while both are the
 *    network's, nothing the check reads has changed since, so the
 *    packet's source MAC and address passed it. Otherwise the check is
 *    made here and, passed, stamps the flow. A binding's change thus
 *    holds from the next packet on, an established flow's included; the
 *    lookups of a check (port_addrs, addr_owners: 6-13 ns) are saved;
 *  - learning (lib/fdb.h): only while the port's learn cache holds the
 *    frame's source MAC, fresh (KVNET_FDB_LEARN_CACHE_NS), when the switch
 *    would learn nothing either; otherwise the whole way, which refreshes
 *    it;
 *  - the DHCP stage: its frames (UDP 67/68) go the whole way;
 *  - routing (lib/gwroute.h): a conntrack hit in the original direction,
 *    its next hop cached and fresh and the packet not too big for it, is
 *    what kvnet_nat_apply() does with one header store; any other packet,
 *    a reply, a TTL that runs out, ICMP, fragments, goes the whole way.
 * The flow must also have been opened from this port (origin_ifindex): a
 * port forward's or another port's flow goes the whole way.
 *
 * It saves a frame about 20-30 ns of the switch's 130 (docs/datapath.md,
 * "The established-flow path"). The traced program takes it only for a
 * frame no trace session wants (kvnet_trace_wants, asked once for both),
 * and a dry run never: a traced frame shows every stage.
 */
#ifndef KVNET_LIB_FASTPATH_H
#define KVNET_LIB_FASTPATH_H

/* The anti-spoofing tests of lib/spoof.h for an IPv4 packet from saddr. */
static __always_inline int kvnet_fast_own(__u32 ifindex, const __u8 *src, __be32 saddr)
{
	const struct kvnet_port_addrs *b = bpf_map_lookup_elem(&port_addrs, &ifindex);

	if (b && (b->flags & KVNET_ADDRS_MAC) && !kvnet_mac_eq(src, b->mac))
		return 0;
	return kvnet_spoof_addr_ok(b, saddr);
}

static __always_inline int kvnet_fast_is_dhcp(const struct kvnet_ip4 *ip)
{
	return ip->proto == KVNET_IPPROTO_UDP &&
	       (ip->sport == bpf_htons(KVNET_DHCP_SERVER_PORT) ||
		ip->dport == bpf_htons(KVNET_DHCP_SERVER_PORT));
}

/* The flow's entry, if this packet may take the path. */
static __always_inline struct kvnet_ct_val *kvnet_fast_flow(struct __sk_buff *skb, __u32 ifindex,
							    const struct kvnet_ip4 *ip, __u64 now,
							    struct kvnet_ct_hit *hit)
{
	struct kvnet_ct_key key;
	struct kvnet_ct_val *e;

	kvnet_ip4_key(ip, &key);
	if (kvnet_ct_lookup(&key, now, hit) < 0 || hit->reply)
		return NULL;
	e = hit->e;
	if (e->origin_ifindex != ifindex || !e->nh_ifindex ||
	    now - e->nh_time_ns >= KVNET_CT_NH_TTL_NS || kvnet_nat_nh_too_big(skb, e))
		return NULL;
	return e;
}

/* Is the packet (of flow e, its MAC in the port's learn cache under gen)
 * the port's to send? Checked only if the flow was not, under gen. */
static __always_inline int kvnet_fast_checked(struct kvnet_ct_val *e, __u32 ifindex,
					      const __u8 *src, __be32 saddr, __u32 gen)
{
	if (gen && *(volatile const __u32 *)&e->bind_gen == gen)
		return 1;
	if (!kvnet_fast_own(ifindex, src, saddr))
		return 0;
	if (gen)
		*(volatile __u32 *)&e->bind_gen = gen;
	return 1;
}

/* The frame in through an untrusted guest port (ifindex, its stats_idx),
 * translated and redirected if it may take the path; TC_ACT_UNSPEC if it
 * goes the whole way. A global function, verified on its own: the
 * switch's stack has no room for it. */
__noinline int kvnet_fast_routed(struct __sk_buff *skb, __u32 ifindex, __u32 stats_idx)
{
	struct kvnet_eth_wire eth KVNET_PKT_BUF;
	const struct kvnet_config *cfg;
	struct kvnet_ct_hit hit;
	struct kvnet_ct_val *e;
	struct kvnet_ip4 ip;
	__u32 zero = 0, gen;
	__u64 now;

	if (!skb || skb->vlan_present)
		return TC_ACT_UNSPEC;
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return TC_ACT_UNSPEC;
	/* before anything the check reads: kvnetd writes it after them */
	gen = *(volatile const __u32 *)&cfg->bind_gen;
	if (kvnet_pkt_load(skb, 0, &eth, sizeof(eth)) < 0 || eth.proto != bpf_htons(ETH_P_IP) ||
	    !kvnet_mac_eq(eth.dst, cfg->gw_mac))
		return TC_ACT_UNSPEC;
	if (kvnet_ip4_parse(skb, ETH_HLEN, &ip) < 0 || !kvnet_rewrite_block_ok(&ip) ||
	    ip.ttl <= 1 || kvnet_ip4_is_fragment(&ip) || kvnet_fast_is_dhcp(&ip) || !ip.saddr)
		return TC_ACT_UNSPEC;
	now = bpf_ktime_get_coarse_ns();
	if (!kvnet_fdb_cached(bpf_map_lookup_elem(&port_state, &stats_idx), eth.src, now, gen))
		return TC_ACT_UNSPEC;
	e = kvnet_fast_flow(skb, ifindex, &ip, now, &hit);
	if (!e || !kvnet_fast_checked(e, ifindex, eth.src, ip.saddr, gen))
		return TC_ACT_UNSPEC;
	kvnet_ct_account(&hit, ip.proto, ip.tcp_flags, skb->len, now);
	if (kvnet_rewrite_block(skb, &ip, &e->xlate, e->nh_dmac, e->nh_smac))
		return TC_ACT_SHOT; /* half done: counted by the caller */
	kvnet_nat_count(KVNET_NAT_EV_XLATE_OUT);
	kvnet_nat_count(KVNET_NAT_EV_FAST);
	return kvnet_nat_nh_redirect(e);
}

/* May this frame (its port known, no trace session wanting it) take the
 * path? Tested inline, so that a network that does not route pays one
 * flag's test. */
static __always_inline int kvnet_fast_allowed(const struct kvnet_frame *fr)
{
	const struct kvnet_config *cfg;
	__u32 zero = 0;

	if (kvnet_dry_run ||
	    (fr->in.flags & (KVNET_PORT_GATEWAY | KVNET_PORT_UPLINK | KVNET_PORT_TRUSTED |
			     KVNET_PORT_BLOCKED)))
		return 0;
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !(cfg->flags & KVNET_CFG_ROUTES))
		return 0;
	return 1;
}

/* The path's verdict for the frame, or TC_ACT_UNSPEC. */
static __always_inline int kvnet_fast(struct __sk_buff *skb, struct kvnet_frame *fr)
{
	int verdict;

	if (!kvnet_fast_allowed(fr))
		return TC_ACT_UNSPEC;
	verdict = kvnet_fast_routed(skb, fr->in.ifindex, fr->in.stats_idx);
	if (verdict == TC_ACT_SHOT)
		kvnet_drop_count(&fr->in, KVNET_DROP_REWRITE);
	return verdict;
}

#endif /* KVNET_LIB_FASTPATH_H */
