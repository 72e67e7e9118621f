/* SPDX-License-Identifier: GPL-2.0-only */
/* Anti-spoofing: a guest sends from its own addresses only. What is bound
 * to a port comes from kvnetd (switch/network_addr.c): the MAC it pins
 * (--mac), the addresses kvnet's DHCP server leased on it, a reservation
 * for its pinned MAC, and addresses added by `kvnet port addr add`.
 *
 *  - port_addrs (HASH ifindex -> kvnet_port_addrs): the port's binding.
 *    With a pinned MAC, every frame's source MAC must be it (spoof-mac).
 *    With bound IPv4 addresses, an IPv4 packet's source and an ARP's
 *    sender address must be one of them (spoof-ip, spoof-arp).
 *  - addr_owners (HASH IPv4 -> ifindex): every address bound to a port or
 *    reserved. A port with no IPv4 binding of its own (a statically
 *    configured guest nobody told kvnet about, a DHCP guest before its
 *    lease) may use any address but those: no guest takes another's.
 *
 * Always allowed: IPv4 from 0.0.0.0 to UDP port 67 (a client without a
 * lease asking for one) and ARP probes (sender 0.0.0.0, RFC 5227). An
 * ARP's sender MAC must be the frame's source MAC. Trusted ports and the
 * gateway are exempt. Other ethertypes are not checked here (the gateway
 * guard in lib/l3.h decides what reaches the host).
 *
 * Cost: one hash lookup per frame from an untrusted port; IPv4 and ARP
 * from a port without an IPv4 binding add one more (addr_owners). Both
 * maps are updated by replacing whole elements (BPF_F_NO_PREALLOC frees
 * the old one after RCU), so a frame never sees half a binding.
 */
#ifndef KVNET_LIB_SPOOF_H
#define KVNET_LIB_SPOOF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVNET_MAX_PORTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct kvnet_port_addrs);
} port_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVNET_ADDR_OWNERS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, __u32);
} addr_owners SEC(".maps");

#define KVNET_ARP_HRD_ETHER 1

/* An Ethernet/IPv4 ARP packet (RFC 826), as on the wire. */
struct kvnet_arp_wire {
	__be16 htype, ptype;
	__u8 hlen, plen;
	__be16 oper;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
};

/* May a port with binding b (NULL: none) send from addr? */
static __always_inline int kvnet_spoof_addr_ok(const struct kvnet_port_addrs *b,
					       __be32 addr)
{
	__u32 n = b ? b->nip : 0;

	if (!n)
		return !bpf_map_lookup_elem(&addr_owners, &addr);
	for (__u32 i = 0; i < KVNET_PORT_ADDRS_MAX; i++) {
		if (i >= n)
			break;
		if (b->ip[i] == addr)
			return 1;
	}
	return 0;
}

/* IPv4: the source must be the port's. A frame too short for an IPv4
 * header is left to the stages that look at it. */
static __always_inline __u32 kvnet_spoof_ip4(struct kvnet_frame *fr,
					     const struct kvnet_port_addrs *b)
{
	__u16 sport, dport;
	__be32 saddr, daddr;

	/* struct iphdr: saddr at 12 */
	if (kvnet_pkt_load(fr->skb, fr->eth.hlen + 12, &saddr, sizeof(saddr)) < 0)
		return KVNET_DROP_NONE;
	if (saddr == 0)
		return kvnet_udp4(fr, &daddr, &sport, &dport) &&
			       dport == KVNET_DHCP_SERVER_PORT ? KVNET_DROP_NONE :
								 KVNET_DROP_SPOOF_IP;
	return kvnet_spoof_addr_ok(b, saddr) ? KVNET_DROP_NONE : KVNET_DROP_SPOOF_IP;
}

/* ARP: the sender MAC must be the frame's source, the sender address the
 * port's or 0.0.0.0 (a probe). */
static __always_inline __u32 kvnet_spoof_arp(struct kvnet_frame *fr,
					     const struct kvnet_port_addrs *b)
{
	struct kvnet_arp_wire arp KVNET_PKT_BUF;
	__be32 spa;

	if (kvnet_pkt_load(fr->skb, fr->eth.hlen, &arp, sizeof(arp)) < 0 ||
	    arp.ptype != bpf_htons(ETH_P_IP))
		return KVNET_DROP_NONE;
	if (arp.htype != bpf_htons(KVNET_ARP_HRD_ETHER) || arp.hlen != ETH_ALEN ||
	    arp.plen != 4 || !kvnet_mac_eq(arp.sha, fr->eth.src))
		return KVNET_DROP_SPOOF_ARP;
	__builtin_memcpy(&spa, arp.spa, sizeof(spa));
	if (spa == 0 || kvnet_spoof_addr_ok(b, spa))
		return KVNET_DROP_NONE;
	return KVNET_DROP_SPOOF_ARP;
}

/* Returns KVNET_DROP_NONE, or why the frame is not the port's to send. */
static __always_inline __u32 kvnet_spoof_check(struct kvnet_frame *fr)
{
	const struct kvnet_port_addrs *b;
	__u32 key = fr->in.ifindex;

	if (fr->in.flags & (KVNET_PORT_TRUSTED | KVNET_PORT_GATEWAY))
		return KVNET_DROP_NONE;
	b = bpf_map_lookup_elem(&port_addrs, &key);
	if (b && (b->flags & KVNET_ADDRS_MAC) && !kvnet_mac_eq(fr->eth.src, b->mac))
		return KVNET_DROP_SPOOF_MAC;
	if (fr->eth.proto == bpf_htons(ETH_P_IP))
		return kvnet_spoof_ip4(fr, b);
	if (fr->eth.proto == bpf_htons(ETH_P_ARP))
		return kvnet_spoof_arp(fr, b);
	return KVNET_DROP_NONE;
}

#endif /* KVNET_LIB_SPOOF_H */
