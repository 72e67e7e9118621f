/* SPDX-License-Identifier: GPL-2.0-only */
/* Rewriting IPv4 packets in place: addresses, ports, the ICMP echo
 * identifier and the TTL, with every checksum kept right incrementally.
 *
 * The csum helpers know the skb's checksum state: bpf_l4_csum_replace()
 * with BPF_F_PSEUDO_HDR updates a CHECKSUM_PARTIAL skb's pseudo-header seed
 * (a guest's offloaded TCP/UDP, GSO frames included) and a
 * CHECKSUM_COMPLETE skb's skb->csum, and BPF_F_MARK_MANGLED_0 leaves a UDP
 * checksum of 0 ("none") alone. ICMP has no pseudo-header.
 *
 * ICMP errors quote the packet they are about (RFC 5508, 4.3): the quoted
 * header is rewritten too, and since the ICMP checksum covers it, every
 * quoted byte that changes is folded into the ICMP checksum as well; the
 * quoted IPv4 checksum and UDP checksum are updated like any other field,
 * without pseudo-header flags (they are data to the skb).
 *
 * A tracked TCP or UDP packet on its way to a known next hop takes the
 * fast path instead (kvnet_rewrite_block): the transport checksum still
 * through bpf_l4_csum_replace() (one call for the addresses, one more only
 * if a port changes), everything else rewritten on the stack and stored
 * in one call. Each helper call costs more than the arithmetic it saves,
 * the more so with return-thunk mitigations (SRSO) on.
 */
#ifndef KVNET_LIB_REWRITE_H
#define KVNET_LIB_REWRITE_H

#define KVNET_IP_CHECK_OFF 10
#define KVNET_IP_SADDR_OFF 12
#define KVNET_IP_DADDR_OFF 16

/* Offset of the transport checksum, or 0 for a protocol that has none
 * kvnet rewrites. */
static __always_inline __u32 kvnet_l4_csum_off(__u8 proto, __u32 l4_off)
{
	if (proto == KVNET_IPPROTO_TCP)
		return l4_off + 16;
	if (proto == KVNET_IPPROTO_UDP)
		return l4_off + 6;
	if (proto == KVNET_IPPROTO_ICMP)
		return l4_off + 2;
	return 0;
}

static __always_inline __u64 kvnet_l4_csum_flags(__u8 proto)
{
	return proto == KVNET_IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
}

/* Replace an IPv4 address of the packet (outer header) at addr_off. */
static __always_inline int kvnet_rewrite_addr(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					      __u32 addr_off, __be32 from, __be32 to)
{
	__u32 csum_off = kvnet_l4_csum_off(ip->proto, ip->l4_off);

	if (from == to)
		return 0;
	if (csum_off && ip->proto != KVNET_IPPROTO_ICMP && ip->l4_ok &&
	    bpf_l4_csum_replace(skb, csum_off, from, to,
				BPF_F_PSEUDO_HDR | sizeof(to) | kvnet_l4_csum_flags(ip->proto)))
		return -1;
	if (bpf_l3_csum_replace(skb, ip->l3_off + KVNET_IP_CHECK_OFF, from, to, sizeof(to)))
		return -1;
	return bpf_skb_store_bytes(skb, ip->l3_off + addr_off, &to, sizeof(to), 0) ? -1 : 0;
}

/* Replace a 16-bit transport field (a port, the echo identifier). */
static __always_inline int kvnet_rewrite_l4_16(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					       __u32 off, __be16 from, __be16 to)
{
	__u32 csum_off = kvnet_l4_csum_off(ip->proto, ip->l4_off);

	if (from == to)
		return 0;
	if (bpf_l4_csum_replace(skb, csum_off, from, to,
				sizeof(to) | kvnet_l4_csum_flags(ip->proto)))
		return -1;
	return bpf_skb_store_bytes(skb, ip->l4_off + off, &to, sizeof(to), 0) ? -1 : 0;
}

/* Make the packet's tuple to (a conntrack xlate). Returns 0, or -1 if a
 * helper failed (the packet must then be dropped: it may be half done). */
static __always_inline int kvnet_rewrite_tuple(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					       const struct kvnet_ct_key *to)
{
	if (kvnet_rewrite_addr(skb, ip, KVNET_IP_SADDR_OFF, ip->saddr, to->saddr) ||
	    kvnet_rewrite_addr(skb, ip, KVNET_IP_DADDR_OFF, ip->daddr, to->daddr))
		return -1;
	if (ip->proto == KVNET_IPPROTO_ICMP) {
		if (ip->icmp_type == KVNET_ICMP_ECHO)
			return kvnet_rewrite_l4_16(skb, ip, 4, ip->sport, to->sport);
		if (ip->icmp_type == KVNET_ICMP_ECHOREPLY)
			return kvnet_rewrite_l4_16(skb, ip, 4, ip->dport, to->dport);
		return 0;
	}
	if (kvnet_rewrite_l4_16(skb, ip, 0, ip->sport, to->sport) ||
	    kvnet_rewrite_l4_16(skb, ip, 2, ip->dport, to->dport))
		return -1;
	return 0;
}

/* Routers decrement the TTL (the caller made sure it is above 1). */
static __always_inline int kvnet_rewrite_ttl_dec(struct __sk_buff *skb, const struct kvnet_ip4 *ip)
{
	__be16 from = bpf_htons(((__u16)ip->ttl << 8) | ip->proto);
	__be16 to = bpf_htons(((__u16)(ip->ttl - 1) << 8) | ip->proto);
	__u8 ttl = ip->ttl - 1;

	if (bpf_l3_csum_replace(skb, ip->l3_off + KVNET_IP_CHECK_OFF, from, to, sizeof(to)))
		return -1;
	return bpf_skb_store_bytes(skb, ip->l3_off + 8, &ttl, 1, 0) ? -1 : 0;
}

/* ---- the fast path: the header block in one store ------------------------ */

/* Fold a ones'-complement sum to 16 bits. */
static __always_inline __u16 kvnet_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* The ones'-complement change of replacing 32-bit word a by b and c by d,
 * as a 32-bit partial sum (what bpf_csum_diff() would give). */
static __always_inline __u32 kvnet_csum_diff2(__u32 a, __u32 b, __u32 c, __u32 d)
{
	__u64 sum = (__u64)(~a) + b + (__u32)(~c) + d;

	sum = (sum & 0xffffffff) + (sum >> 32);
	return (__u32)((sum & 0xffffffff) + (sum >> 32));
}

/* The headers the fast path rewrites, as they lie at the start of a TCP
 * or UDP packet with no IPv4 options: 38 bytes, read and written back as
 * one block. */
struct kvnet_hdr_block {
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
	__be16 proto;
	struct kvnet_iphdr_wire ip;
	__be16 sport;
	__be16 dport;
} __attribute__((packed));

/* Can kvnet_rewrite_block() do the packet? TCP and UDP with a transport
 * header read, behind a plain Ethernet header, without IPv4 options. ICMP
 * (the echo identifier sits in what its checksum covers, and errors quote
 * a packet) takes the field-by-field way. */
static __always_inline int kvnet_rewrite_block_ok(const struct kvnet_ip4 *ip)
{
	return ip->l4_ok && ip->l3_off == ETH_HLEN &&
	       ip->l4_off == ETH_HLEN + sizeof(struct kvnet_iphdr_wire) &&
	       (ip->proto == KVNET_IPPROTO_TCP || ip->proto == KVNET_IPPROTO_UDP);
}

/* Make the packet's tuple to, decrement its TTL and set its MACs with two
 * helper calls in all: the transport checksum through
 * bpf_l4_csum_replace() (one call for the addresses, one more only if a
 * port changes), which alone knows the skb's checksum state; then the
 * header block read, rewritten on the stack with the IPv4 checksum
 * computed here (RFC 1624), and stored back in one bpf_skb_store_bytes().
 * No direct packet writes: a program that has any gets a prologue that
 * unclones every cloned skb it sees (TCP's are), switched ones too.
 * Values stay in network byte order: a ones'-complement sum does not
 * care. The caller checked kvnet_rewrite_block_ok(). Returns 0, or -1 if
 * a helper failed (the packet must then be dropped: it may be half
 * done). */
static __always_inline int kvnet_rewrite_block(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					       const struct kvnet_ct_key *to, const __u8 *dmac,
					       const __u8 *smac)
{
	__u32 csum_off = kvnet_l4_csum_off(ip->proto, ip->l4_off);
	__u64 flags = kvnet_l4_csum_flags(ip->proto);
	struct kvnet_hdr_block b KVNET_PKT_BUF;
	__be16 ttl_old, ttl_new;
	__u64 sum;

	if ((ip->saddr != to->saddr || ip->daddr != to->daddr) &&
	    bpf_l4_csum_replace(skb, csum_off, 0,
				kvnet_csum_diff2(ip->saddr, to->saddr, ip->daddr, to->daddr),
				BPF_F_PSEUDO_HDR | flags))
		return -1;
	if ((ip->sport != to->sport || ip->dport != to->dport) &&
	    bpf_l4_csum_replace(skb, csum_off, 0,
				kvnet_csum_diff2(ip->sport, to->sport, ip->dport, to->dport),
				flags))
		return -1;
	if (kvnet_pkt_load(skb, 0, &b, sizeof(b)) < 0)
		return -1;
	__builtin_memcpy(&ttl_old, &b.ip.ttl, sizeof(ttl_old)); /* ttl, proto */
	ttl_new = ttl_old;
	((__u8 *)&ttl_new)[0]--;
	sum = (__u16)~b.ip.check;
	sum += kvnet_csum_diff2(ip->saddr, to->saddr, ip->daddr, to->daddr);
	sum += (__u16)~ttl_old;
	sum += ttl_new;
	b.ip.check = (__u16)~kvnet_csum_fold(sum);
	__builtin_memcpy(&b.ip.ttl, &ttl_new, sizeof(ttl_new));
	b.ip.saddr = to->saddr;
	b.ip.daddr = to->daddr;
	b.sport = to->sport;
	b.dport = to->dport;
	kvnet_mac_copy(b.dmac, dmac);
	kvnet_mac_copy(b.smac, smac);
	return bpf_skb_store_bytes(skb, 0, &b, sizeof(b), 0) ? -1 : 0;
}

/* ---- inside an ICMP error ------------------------------------------------ */

/* Store size bytes (2 or 4) at off inside an ICMP error's quote, where the
 * value was from, and fold the change into the ICMP checksum. */
static __always_inline int kvnet_quote_store(struct __sk_buff *skb, __u32 icmp_csum_off,
					     __u32 off, __u32 from, __u32 to, __u32 size)
{
	if (from == to)
		return 0;
	if (bpf_l4_csum_replace(skb, icmp_csum_off, from, to, size))
		return -1;
	return bpf_skb_store_bytes(skb, off, &to, size, 0) ? -1 : 0;
}

/* Update a checksum field inside the quote (the quoted IPv4 header's, or
 * the quoted UDP/TCP one) for a change of from to to (size 2 or 4), and
 * fold its own change into the ICMP checksum. A quoted checksum the router
 * cut off is left alone, and so is a quoted UDP checksum of 0 (none). */
static __always_inline int kvnet_quote_csum(struct __sk_buff *skb, __u32 icmp_csum_off,
					    __u32 csum_off, __u32 from, __u32 to, __u32 size,
					    int zero_is_none)
{
	__u16 before, after;

	if (from == to || kvnet_pkt_load(skb, csum_off, &before, 2) < 0)
		return 0;
	if (zero_is_none && before == 0)
		return 0;
	if (bpf_l4_csum_replace(skb, csum_off, from, to, size) ||
	    kvnet_pkt_load(skb, csum_off, &after, 2) < 0)
		return -1;
	if (before == after)
		return 0;
	return bpf_l4_csum_replace(skb, icmp_csum_off, before, after, 2) ? -1 : 0;
}

#endif /* KVNET_LIB_REWRITE_H */
