/* SPDX-License-Identifier: GPL-2.0-only */
/* IPv4 and its transport headers, as far as routing and NAT need them: the
 * addresses, the TTL, fragmentation, and the ports (TCP, UDP) or the echo
 * identifier and error type (ICMP), with the offsets where each lives so
 * that the rewrite (lib/rewrite.h) can find them again. Everything is read
 * through kvnet_pkt_load() into the stack, so it stays valid across helpers
 * that move packet data.
 */
#ifndef KVNET_LIB_IP4_H
#define KVNET_LIB_IP4_H

#define KVNET_IP_DF 0x4000
#define KVNET_IP_MF 0x2000
#define KVNET_IP_OFFMASK 0x1fff

#define KVNET_ICMP_ECHOREPLY 0
#define KVNET_ICMP_DEST_UNREACH 3
#define KVNET_ICMP_SOURCE_QUENCH 4
#define KVNET_ICMP_ECHO 8
#define KVNET_ICMP_TIME_EXCEEDED 11
#define KVNET_ICMP_PARAMETERPROB 12

#define KVNET_TCP_FIN 0x01
#define KVNET_TCP_SYN 0x02
#define KVNET_TCP_RST 0x04
#define KVNET_TCP_ACK 0x10

/* The fixed part of an IPv4 header, as on the wire. */
struct kvnet_iphdr_wire {
	__u8 vihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag;
	__u8 ttl;
	__u8 proto;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
};

/* What routing and NAT know of one IPv4 packet. */
struct kvnet_ip4 {
	__u32 l3_off;	 /* IPv4 header */
	__u32 l4_off;	 /* transport header */
	__be32 saddr;
	__be32 daddr;
	__be16 sport;	 /* TCP/UDP ports; ICMP echo: see kvnet_ip4_l4() */
	__be16 dport;
	__u16 frag;	 /* host order: flags and offset */
	__u16 tot_len;	 /* host order */
	__u8 proto;
	__u8 ttl;
	__u8 icmp_type;	 /* ICMP only */
	__u8 tcp_flags;	 /* TCP only */
	__u8 l4_ok;	 /* the transport header was read */
	__u8 pad[3];
};

static __always_inline int kvnet_ip4_is_fragment(const struct kvnet_ip4 *ip)
{
	return (ip->frag & (KVNET_IP_MF | KVNET_IP_OFFMASK)) != 0;
}

static __always_inline int kvnet_icmp_is_error(__u8 type)
{
	return type == KVNET_ICMP_DEST_UNREACH || type == KVNET_ICMP_TIME_EXCEEDED ||
	       type == KVNET_ICMP_PARAMETERPROB || type == KVNET_ICMP_SOURCE_QUENCH;
}

/* The transport part: ports, or for ICMP echo the identifier, in sport for
 * a request and dport for a reply (so a reply's tuple is the reverse of
 * its request's). Other ICMP leaves both 0. */
static __always_inline void kvnet_ip4_l4(struct __sk_buff *skb, struct kvnet_ip4 *ip)
{
	__u8 l4[16] KVNET_PKT_BUF;

	ip->l4_ok = 0;
	if (kvnet_ip4_is_fragment(ip))
		return;
	if (ip->proto == KVNET_IPPROTO_TCP) {
		if (kvnet_pkt_load(skb, ip->l4_off, l4, 14) < 0)
			return;
		ip->tcp_flags = l4[13];
	} else if (ip->proto == KVNET_IPPROTO_UDP || ip->proto == KVNET_IPPROTO_ICMP) {
		if (kvnet_pkt_load(skb, ip->l4_off, l4, 8) < 0)
			return;
	} else {
		return;
	}
	ip->l4_ok = 1;
	if (ip->proto != KVNET_IPPROTO_ICMP) {
		__builtin_memcpy(&ip->sport, l4, 2);
		__builtin_memcpy(&ip->dport, l4 + 2, 2);
		return;
	}
	ip->icmp_type = l4[0];
	if (ip->icmp_type == KVNET_ICMP_ECHO)
		__builtin_memcpy(&ip->sport, l4 + 4, 2);
	else if (ip->icmp_type == KVNET_ICMP_ECHOREPLY)
		__builtin_memcpy(&ip->dport, l4 + 4, 2);
}

/* Parse the IPv4 packet at off. Returns 0, or -1 if it is malformed. */
static __always_inline int kvnet_ip4_parse(struct __sk_buff *skb, __u32 off,
					   struct kvnet_ip4 *ip)
{
	struct kvnet_iphdr_wire h KVNET_PKT_BUF;
	__u32 ihl;

	__builtin_memset(ip, 0, sizeof(*ip));
	if (kvnet_pkt_load(skb, off, &h, sizeof(h)) < 0)
		return -1;
	ihl = (h.vihl & 0xf) * 4;
	if ((h.vihl >> 4) != 4 || ihl < sizeof(h))
		return -1;
	ip->l3_off = off;
	ip->l4_off = off + ihl;
	ip->saddr = h.saddr;
	ip->daddr = h.daddr;
	ip->frag = bpf_ntohs(h.frag);
	ip->tot_len = bpf_ntohs(h.tot_len);
	ip->proto = h.proto;
	ip->ttl = h.ttl;
	kvnet_ip4_l4(skb, ip);
	return 0;
}

/* The tuple conntrack knows the packet by. */
static __always_inline void kvnet_ip4_key(const struct kvnet_ip4 *ip,
					  struct kvnet_ct_key *k)
{
	k->saddr = ip->saddr;
	k->daddr = ip->daddr;
	k->sport = ip->sport;
	k->dport = ip->dport;
	k->proto = ip->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

#endif /* KVNET_LIB_IP4_H */
