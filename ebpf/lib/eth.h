/* SPDX-License-Identifier: GPL-2.0-only */
/* Ethernet parsing. Frame bytes are untrusted and are read only through
 * kvnet_pkt_load(), which copies them to the stack after checking them
 * against the skb's linear data (direct access, the common case) or its
 * whole length (bpf_skb_load_bytes, for paged data). The parsed header
 * lives on the stack, so it stays valid across helpers that invalidate
 * packet pointers (bpf_clone_redirect).
 */
#ifndef KVNET_LIB_ETH_H
#define KVNET_LIB_ETH_H

#define ETH_ALEN 6
#define ETH_HLEN 14
#define VLAN_HLEN 4
#define VLAN_VID_MASK 0x0fff
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

/* What the switch needs from one frame's L2 header. */
struct kvnet_eth {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__u16 vlan;  /* FDB VLAN: accelerated tag, else in-band tag, else 0 */
	__u16 hlen;  /* bytes of L2 header in the data: 14, or 18 if tagged */
	__be16 proto; /* ethertype behind the tag, network byte order */
};

struct kvnet_eth_wire {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__be16 proto;
};

struct kvnet_vlan_wire {
	__be16 tci;
	__be16 proto;
};

/* The one accessor for frame bytes: copy len bytes at off into to.
 * Returns 0, or a negative errno if the frame is shorter than off + len. */
static __always_inline int kvnet_pkt_load(struct __sk_buff *skb, __u32 off,
					  void *to, const __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;

	if (off < 64 && data + off + len <= end) {
		__builtin_memcpy(to, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

/* 01:80:c2:00:00:00-0f: link-local control protocols (STP, pause, LACP,
 * 802.1X, LLDP) that a bridge consumes and never forwards. */
static __always_inline int kvnet_mac_is_link_local(const __u8 *mac)
{
	return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 &&
	       mac[3] == 0 && mac[4] == 0 && (mac[5] & 0xf0) == 0;
}

static __always_inline int kvnet_mac_is_multicast(const __u8 *mac)
{
	return mac[0] & 1; /* the I/G bit; broadcast is multicast too */
}

/* Parse the Ethernet header (and one in-band 802.1Q/802.1ad tag) of skb.
 * Returns 0, or -1 if the frame is too short for what it claims to be. */
static __always_inline int kvnet_eth_parse(struct __sk_buff *skb,
					   struct kvnet_eth *eth)
{
	struct kvnet_eth_wire hdr;
	struct kvnet_vlan_wire tag;
	__u16 vid = 0;

	if (kvnet_pkt_load(skb, 0, &hdr, sizeof(hdr)) < 0)
		return -1;
	__builtin_memcpy(eth->dst, hdr.dst, ETH_ALEN);
	__builtin_memcpy(eth->src, hdr.src, ETH_ALEN);
	eth->hlen = ETH_HLEN;
	eth->proto = hdr.proto;
	if (hdr.proto == bpf_htons(ETH_P_8021Q) ||
	    hdr.proto == bpf_htons(ETH_P_8021AD)) {
		if (kvnet_pkt_load(skb, ETH_HLEN, &tag, sizeof(tag)) < 0)
			return -1;
		vid = bpf_ntohs(tag.tci) & VLAN_VID_MASK;
		eth->hlen += VLAN_HLEN;
		eth->proto = tag.proto;
	}
	/* A tag the device (or __netif_receive_skb_core's skb_vlan_untag)
	 * already took out of the data is the outer one; an in-band tag behind
	 * it is then the inner tag of a QinQ frame. */
	if (skb->vlan_present)
		vid = skb->vlan_tci & VLAN_VID_MASK;
	eth->vlan = vid;
	return 0;
}

/* Bytes above L2 as the MTU counts them (the accelerated tag is not in
 * skb->len; an in-band one is, and is not L3). */
static __always_inline __u32 kvnet_eth_l3_len(const struct __sk_buff *skb,
					      const struct kvnet_eth *eth)
{
	__u32 len = skb->len;

	return len > eth->hlen ? len - eth->hlen : 0;
}

#endif /* KVNET_LIB_ETH_H */
