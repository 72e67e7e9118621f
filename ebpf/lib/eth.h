/* SPDX-License-Identifier: GPL-2.0-only */
/* Ethernet parsing. Frame bytes are untrusted and are read only through
 * kvnet_pkt_load(), which copies them to the stack after checking them
 * against the skb's linear data (direct access, the common case) or its
 * whole length (bpf_skb_load_bytes, for paged data). The parsed header
 * lives on the stack, so it stays valid across helpers that invalidate
 * packet pointers (bpf_clone_redirect).
 *
 * Networks have no VLANs yet, so the switch understands no tag at all: a
 * frame that carries one, whether the device or the stack already took it
 * out of the data (skb->vlan_present) or it is still in band, is refused
 * (kvnet_eth_tagged). Reading one tag and trusting what follows would let
 * a guest stack tags until the ethertype the switch checks is not the one
 * the host's stack finally acts on.
 */
#ifndef KVNET_LIB_ETH_H
#define KVNET_LIB_ETH_H

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_QINQ1 0x9100 /* pre-standard QinQ outer tag */
#define ETH_P_ARP 0x0806
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* What the switch needs from one frame's L2 header. */
struct kvnet_eth {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__u16 hlen;   /* bytes of L2 header in the data (14) */
	__be16 proto; /* ethertype (or 802.3 length), network byte order */
};

struct kvnet_eth_wire {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__be16 proto;
};

/* A stack buffer of frame bytes, that kvnet_pkt_load() fills or
 * bpf_skb_store_bytes() writes out. A copy is as wide as the narrower
 * alignment of its two ends allows: into a buffer of bytes or of a packed
 * header, clang copies one byte at a time (the trace's match read an
 * IPv4 header in 60 instructions, not 9). */
#define KVNET_PKT_BUF __attribute__((aligned(8)))

/* The one accessor for frame bytes: copy len bytes at off into to, a
 * KVNET_PKT_BUF. Returns 0, or a negative errno if the frame is shorter
 * than off + len. */
static __always_inline int kvnet_pkt_load(struct __sk_buff *skb, __u32 off,
					  void *to, const __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u32 o = off;

	if (off < 64) {
		/* bound the offset where the verifier can see it: the compiler
		 * may test one copy of off and index with another */
		asm volatile("%0 &= 63" : "+r"(o));
		if (data + o + len <= end) {
			/* word loads, not one per byte (if to is aligned
			 * too): the JIT's targets (x86-64, arm64) load
			 * unaligned words as fast, and the verifier checks
			 * alignment only where they don't */
			__builtin_memcpy(to, __builtin_assume_aligned(data + o, 4), len);
			return 0;
		}
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

/* Three 16-bit compares, not six byte ones (half the instructions of a
 * test every frame makes two or three of): the MACs kvnet compares all
 * sit at even offsets of their headers and entries, and were one not to,
 * the JIT's targets load it as fast (see kvnet_pkt_load()). */
static __always_inline int kvnet_mac_eq(const __u8 *a, const __u8 *b)
{
	const __u16 *x = __builtin_assume_aligned(a, 2);
	const __u16 *y = __builtin_assume_aligned(b, 2);

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]));
}

/* Copy a MAC as three 16-bit words, as kvnet_mac_eq() reads them. */
static __always_inline void kvnet_mac_copy(__u8 *to, const __u8 *from)
{
	__builtin_memcpy(__builtin_assume_aligned(to, 2), __builtin_assume_aligned(from, 2),
			 ETH_ALEN);
}

/* 01:80:c2:00:00:00-0f: link-local control protocols (STP, pause, LACP,
 * 802.1X, LLDP) that a bridge never forwards as ordinary frames. */
static __always_inline int kvnet_mac_is_link_local(const __u8 *mac)
{
	return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 &&
	       mac[3] == 0 && mac[4] == 0 && (mac[5] & 0xf0) == 0;
}

/* 01:80:c2:00:00:00, the bridge group address STP BPDUs go to. */
static __always_inline int kvnet_mac_is_stp(const __u8 *mac)
{
	return kvnet_mac_is_link_local(mac) && mac[5] == 0;
}

static __always_inline int kvnet_mac_is_multicast(const __u8 *mac)
{
	return mac[0] & 1; /* the I/G bit; broadcast is multicast too */
}

/* Parse the Ethernet header of skb. Returns 0, or -1 if the frame is
 * shorter than one. */
static __always_inline int kvnet_eth_parse(struct __sk_buff *skb,
					   struct kvnet_eth *eth)
{
	struct kvnet_eth_wire hdr KVNET_PKT_BUF;

	if (kvnet_pkt_load(skb, 0, &hdr, sizeof(hdr)) < 0)
		return -1;
	__builtin_memcpy(eth->dst, hdr.dst, ETH_ALEN);
	__builtin_memcpy(eth->src, hdr.src, ETH_ALEN);
	eth->hlen = ETH_HLEN;
	eth->proto = hdr.proto;
	return 0;
}

/* Does the frame carry a VLAN tag, taken out of the data already or not? */
static __always_inline int kvnet_eth_tagged(const struct __sk_buff *skb,
					    const struct kvnet_eth *eth)
{
	return skb->vlan_present || eth->proto == bpf_htons(ETH_P_8021Q) ||
	       eth->proto == bpf_htons(ETH_P_8021AD) ||
	       eth->proto == bpf_htons(ETH_P_QINQ1);
}

/* Bytes above L2 as the MTU counts them. */
static __always_inline __u32 kvnet_eth_l3_len(const struct __sk_buff *skb,
					      const struct kvnet_eth *eth)
{
	__u32 len = skb->len;

	return len > eth->hlen ? len - eth->hlen : 0;
}

#endif /* KVNET_LIB_ETH_H */
