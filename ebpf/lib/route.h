/* SPDX-License-Identifier: GPL-2.0-only */
/* Routing in the datapath: the host's own FIB decides where a packet goes
 * (bpf_fib_lookup), and the packet is sent there directly, so it never
 * crosses the host's netfilter FORWARD chain (a host firewall whose
 * forward policy is drop, as Docker sets it, cannot break a network).
 *
 * Two kinds of lookup:
 *  - as input from a network's gateway device, for what guests send: the
 *    host's policy routing sees the packet come in where it would have,
 *    which needs forwarding on that device (kvnetd sets it on its own
 *    gateway device, nowhere else);
 *  - as output through a device, for what goes to guests (oif = the
 *    gateway device) and for networks with <forward dev=> (oif = that
 *    uplink): only routes through that device count, as libvirt's
 *    `-o dev` rules allow only them.
 *
 * An unresolved neighbour is left to bpf_redirect_neigh(), which queues
 * the packet while the kernel resolves it.
 */
#ifndef KVNET_LIB_ROUTE_H
#define KVNET_LIB_ROUTE_H

#define KVNET_AF_INET 2

/* What a lookup said, for the caller to act on. */
enum kvnet_route_kind {
	KVNET_ROUTE_FORWARD, /* a next hop: kvnet_route_send() it */
	KVNET_ROUTE_LOCAL,   /* for the host itself (or not unicast) */
	KVNET_ROUTE_TOO_BIG, /* larger than the egress MTU, not GSO */
	KVNET_ROUTE_NONE,    /* no route, blackhole, prohibited */
};

struct kvnet_route {
	struct bpf_fib_lookup fib;
	int rc; /* bpf_fib_lookup()'s answer */
};

/* Look up where saddr -> daddr goes, as input from ifindex or (output)
 * through it. With src, the lookup also says which of the host's addresses
 * the route prefers (fib.ipv4_src), the address masquerade takes. */
static __always_inline enum kvnet_route_kind
kvnet_route_lookup(struct __sk_buff *skb, struct kvnet_route *r, __be32 saddr, __be32 daddr,
		   __u8 proto, __u32 ifindex, int output, int src)
{
	__builtin_memset(&r->fib, 0, sizeof(r->fib));
	r->fib.family = KVNET_AF_INET;
	r->fib.l4_protocol = proto;
	r->fib.ipv4_src = saddr;
	r->fib.ipv4_dst = daddr;
	r->fib.ifindex = ifindex;
	r->rc = bpf_fib_lookup(skb, &r->fib, sizeof(r->fib),
			       (output ? BPF_FIB_LOOKUP_OUTPUT : 0) |
			       (src ? BPF_FIB_LOOKUP_SRC : 0));
	switch (r->rc) {
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
		return KVNET_ROUTE_FORWARD;
	case BPF_FIB_LKUP_RET_NOT_FWDED:
		return KVNET_ROUTE_LOCAL;
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return KVNET_ROUTE_TOO_BIG;
	default:
		return KVNET_ROUTE_NONE;
	}
}

/* Send the packet to the next hop a KVNET_ROUTE_FORWARD lookup found.
 * Returns the verdict, or TC_ACT_SHOT if the redirect failed. */
static __always_inline int kvnet_route_send(struct __sk_buff *skb, const struct kvnet_route *r)
{
	struct bpf_redir_neigh nh = { .nh_family = KVNET_AF_INET };
	__u8 macs[ETH_ALEN * 2] KVNET_PKT_BUF;
	long v;

	if (r->rc == BPF_FIB_LKUP_RET_SUCCESS) {
		__builtin_memcpy(macs, r->fib.dmac, ETH_ALEN);
		__builtin_memcpy(macs + ETH_ALEN, r->fib.smac, ETH_ALEN);
		if (bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0))
			return TC_ACT_SHOT;
		v = bpf_redirect(r->fib.ifindex, 0);
	} else {
		nh.ipv4_nh = r->fib.ipv4_dst; /* the next hop, set by the lookup */
		v = bpf_redirect_neigh(r->fib.ifindex, &nh, sizeof(nh), 0);
	}
	return v == TC_ACT_REDIRECT ? TC_ACT_REDIRECT : TC_ACT_SHOT;
}

#endif /* KVNET_LIB_ROUTE_H */
