/* SPDX-License-Identifier: GPL-2.0-only */
/* The L3 guard of a network that does not route (isolated mode). Its
 * gateway port leads into the host's stack, which may well forward (any
 * host running containers has ip_forward on, and turning it on again resets
 * every device's own setting). So the switch itself keeps IPv4 that the
 * host would route out of the network: what a guest sends through the
 * gateway must be for the gateway address (or a broadcast or multicast
 * group), and what the gateway port sends in must come from the gateway
 * address. IPv6 does not cross the gateway at all (the network has no
 * IPv6, and a host with IPv6 forwarding on would route it). ARP and other
 * ethertypes pass. Only frames to or from the gateway port pay for the look
 * at the IP header.
 */
#ifndef KVNET_LIB_L3_H
#define KVNET_LIB_L3_H

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* The source and destination of an IPv4 packet behind eth. Returns 1 if
 * the frame is IPv4 and both are set, 0 if it is not IPv4, -1 if
 * it is too short to be. */
static __always_inline int kvnet_ipv4_addrs(struct __sk_buff *skb,
					    const struct kvnet_eth *eth,
					    __be32 *saddr, __be32 *daddr)
{
	__be32 addrs[2];

	if (eth->proto != bpf_htons(ETH_P_IP))
		return 0;
	/* struct iphdr: saddr at 12, daddr at 16 */
	if (kvnet_pkt_load(skb, eth->hlen + 12, addrs, sizeof(addrs)) < 0)
		return -1;
	*saddr = addrs[0];
	*daddr = addrs[1];
	return 1;
}

static __always_inline int kvnet_ipv4_is_multicast(__be32 addr)
{
	return (bpf_ntohl(addr) >> 28) == 0xe;
}

/* May this frame cross the gateway port: to_host, a guest's frame into the
 * host (for the gateway address, or a broadcast or multicast group); else
 * the host's frame into the network (from the gateway address)? */
static __always_inline int kvnet_l3_gateway_ok(struct __sk_buff *skb,
					       const struct kvnet_eth *eth,
					       const struct kvnet_config *cfg,
					       int to_host)
{
	__be32 saddr, daddr;
	int ip;

	if (eth->proto == bpf_htons(ETH_P_IPV6))
		return 0;
	ip = kvnet_ipv4_addrs(skb, eth, &saddr, &daddr);
	if (ip <= 0)
		return ip == 0;
	if (!to_host)
		return saddr == cfg->gw_ip;
	return daddr == cfg->gw_ip || daddr == cfg->gw_bcast ||
	       daddr == 0xffffffff || kvnet_ipv4_is_multicast(daddr);
}

#endif /* KVNET_LIB_L3_H */
