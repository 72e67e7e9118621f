/* SPDX-License-Identifier: GPL-2.0-only */
/* The one decision point for frames that cross the gateway port, into the
 * host's stack or out of it. The host may well route (any host running
 * containers has ip_forward on, and turning it on again resets every
 * device's own setting), so the switch itself decides what crosses:
 *
 *  - an allow-list of ethertypes, both ways: ARP and IPv4, and IPv6 only
 *    on a network that has IPv6. Anything else (IPv6 on an IPv4 network,
 *    MPLS, PPPoE, 802.3 frames ...) would reach a host stack that has no
 *    business with it (KVNET_DROP_ETHERTYPE);
 *  - on a network that does not route (isolated mode), IPv4 from a guest
 *    must be for the gateway address, a broadcast or a multicast group,
 *    and IPv4 from the host must come from the gateway address
 *    (KVNET_DROP_NOT_ROUTED).
 *
 * NAT and routing (later) hang off this same point. Only frames to or from
 * the gateway port, and floods that may reach it, pay for the look at the
 * IP header, once per frame (struct kvnet_frame caches the verdict).
 */
#ifndef KVNET_LIB_L3_H
#define KVNET_LIB_L3_H

/* The source and destination of the IPv4 packet behind eth. Returns 0, or
 * -1 if the frame is too short to hold them. */
static __always_inline int kvnet_ipv4_addrs(struct __sk_buff *skb,
					    const struct kvnet_eth *eth,
					    __be32 *saddr, __be32 *daddr)
{
	__be32 addrs[2];

	/* struct iphdr: saddr at 12, daddr at 16 */
	if (kvnet_pkt_load(skb, eth->hlen + 12, addrs, sizeof(addrs)) < 0)
		return -1;
	*saddr = addrs[0];
	*daddr = addrs[1];
	return 0;
}

static __always_inline int kvnet_ipv4_is_multicast(__be32 addr)
{
	return (bpf_ntohl(addr) >> 28) == 0xe;
}

/* IPv4 through the gateway of a network that does not route. */
static __always_inline __u32 kvnet_gateway_ipv4(struct kvnet_frame *fr, int to_host)
{
	const struct kvnet_config *cfg = &fr->cfg;
	__be32 saddr, daddr;

	if (!(cfg->flags & KVNET_CFG_NO_ROUTE))
		return KVNET_DROP_NONE;
	if (kvnet_ipv4_addrs(fr->skb, &fr->eth, &saddr, &daddr) < 0)
		return KVNET_DROP_MALFORMED;
	if (!to_host)
		return saddr == cfg->gw_ip ? KVNET_DROP_NONE : KVNET_DROP_NOT_ROUTED;
	if (daddr == cfg->gw_ip || daddr == cfg->gw_bcast ||
	    daddr == 0xffffffff || kvnet_ipv4_is_multicast(daddr))
		return KVNET_DROP_NONE;
	return KVNET_DROP_NOT_ROUTED;
}

/* May the frame cross the gateway port? Returns KVNET_DROP_NONE or the
 * reason it may not. */
static __always_inline __u32 kvnet_gateway_check(struct kvnet_frame *fr)
{
	int to_host = !(fr->in.flags & KVNET_PORT_GATEWAY);
	__be16 proto = fr->eth.proto;

	if (proto == bpf_htons(ETH_P_ARP))
		return KVNET_DROP_NONE;
	if (proto == bpf_htons(ETH_P_IP))
		return kvnet_gateway_ipv4(fr, to_host);
	/* IPv6 networks are not implemented yet; when they are, an isolated
	 * one needs an IPv6 guard here before this may say yes. */
	if (proto == bpf_htons(ETH_P_IPV6) && (fr->cfg.flags & KVNET_CFG_IPV6) &&
	    !(fr->cfg.flags & KVNET_CFG_NO_ROUTE))
		return KVNET_DROP_NONE;
	return KVNET_DROP_ETHERTYPE;
}

/* The cached verdict of kvnet_gateway_check for this frame. */
static __always_inline __u32 kvnet_frame_gateway(struct kvnet_frame *fr)
{
	if (fr->gw_reason == KVNET_GW_UNKNOWN)
		fr->gw_reason = kvnet_gateway_check(fr);
	return fr->gw_reason;
}

#endif /* KVNET_LIB_L3_H */
