// SPDX-License-Identifier: GPL-2.0-only
/* The bare NAT rewrite of `make bench`'s NAT part (loaded by
 * tools/bench_rewrite.c): the least a masquerading datapath must do to a
 * guest's IPv4 UDP or TCP packet, and nothing more. It sets the Ethernet
 * addresses to the uplink's and its next hop's, the source IP to the
 * uplink's address and the source port to a fixed function of the old one
 * in libvirt's 1024-65535, fixes the IPv4 and L4 checksums, and redirects
 * the frame out of the uplink. No route lookup, no connection state, no
 * port allocation, no TTL: its rate is the ceiling of its hook on this
 * machine, against which the real NAT is measured. One program per hook:
 * XDP (the machine's limit) and tc (tcx ingress, the hook that keeps TSO
 * on veths). Anything else (ARP, IPv6, fragments, IP options) passes.
 *
 * For connections/s the tc side also needs the way back: a second tc
 * program on the uplink's ingress undoes the rewrite for frames to the
 * uplink's address (the destination back to the guest, the port mapped
 * back, its Ethernet addresses the guest's) and redirects them to the
 * guest's port. XDP has no way back here: on a veth uplink it would get
 * the upstream's CHECKSUM_PARTIAL skbs, whose checksum field an XDP
 * program cannot tell from a full one (docs/datapath.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/tc.h"

#define RW_ETH_P_IP 0x0800
#define RW_IPPROTO_TCP 6
#define RW_IPPROTO_UDP 17
#define RW_IP_MF_OFFSET 0x3fff /* more-fragments flag and fragment offset */
#define RW_PORT_MIN 1024       /* libvirt's masquerade range */
#define RW_PORT_RANGE (65535 - RW_PORT_MIN + 1)
#define RW_CSUM_MANGLED_0 0xffff
#define RW_HDRS_MAX 54 /* Ethernet + IPv4 + TCP, no options */
#define RW_L4_OFF 34	/* Ethernet + IPv4 without options */
#define RW_UDP_CSUM_OFF 6
#define RW_TCP_CSUM_OFF 16
#define RW_IP_CSUM_OFF 24 /* from the frame's start */

/* bpf_l4_csum_replace() flags (include/uapi/linux/bpf.h; vmlinux.h has
 * them in an enum, spelled out here as the uapi does for clarity). */
#define RW_F_MARK_MANGLED_0 (1ULL << 5)
#define RW_F_PSEUDO_HDR (1ULL << 4)

/* Counter slots. */
#define RW_SLOT_REWRITTEN 0
#define RW_SLOT_PASSED 1

/* Set by the loader before load. */
const volatile __u32 out_ifindex;
const volatile __be32 snat_ip;
const volatile __u16 port_shift = 1;
const volatile __u8 out_src_mac[6];
const volatile __u8 out_dst_mac[6];
/* The way back (bench_unrewrite_tc), when the loader sets it. */
const volatile __u32 back_ifindex;
const volatile __be32 guest_ip;
const volatile __u8 back_src_mac[6];
const volatile __u8 back_dst_mac[6];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* Where the fields to rewrite are, in one frame. */
struct rw_pkt {
	struct ethhdr *eth;
	struct iphdr *ip;
	__be16 *sport, *dport;
	__sum16 *l4csum;
	__u32 l4csum_off; /* from the frame's start, for the tc helpers */
	__u8 proto;
};

static __always_inline void rw_count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &slot);

	if (n)
		(*n)++;
}

/* Finds the fields in [data, end). Returns 0, or -1 for a frame this
 * program leaves alone. */
static __always_inline int rw_parse(void *data, void *end, struct rw_pkt *p)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct udphdr *udp = (void *)(ip + 1);
	struct tcphdr *tcp = (void *)(ip + 1);

	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(RW_ETH_P_IP))
		return -1;
	if (ip->ihl != 5 || (ip->frag_off & bpf_htons(RW_IP_MF_OFFSET)))
		return -1;
	p->eth = eth;
	p->ip = ip;
	p->proto = ip->protocol;
	p->sport = &udp->source;
	p->dport = &udp->dest;
	if (p->proto == RW_IPPROTO_UDP) {
		p->l4csum = &udp->check;
		p->l4csum_off = RW_L4_OFF + RW_UDP_CSUM_OFF;
	} else if (p->proto == RW_IPPROTO_TCP) {
		if ((void *)(tcp + 1) > end)
			return -1;
		p->l4csum = &tcp->check;
		p->l4csum_off = RW_L4_OFF + RW_TCP_CSUM_OFF;
	} else {
		return -1;
	}
	return 0;
}

/* The stateless port mapping: a bijection of 0-65535 onto 1024-65535
 * wrapped, so that every flow keeps a port of its own. */
static __always_inline __be16 rw_map_port(__be16 old)
{
	__u32 p = bpf_ntohs(old);

	return bpf_htons((__u16)(RW_PORT_MIN + (p + port_shift) % RW_PORT_RANGE));
}

/* The inverse of rw_map_port for ports below 64512 (the guest's
 * ephemeral ports are). */
static __always_inline __be16 rw_unmap_port(__be16 mapped)
{
	__u32 q = bpf_ntohs(mapped) - RW_PORT_MIN;

	return bpf_htons((__u16)((q + RW_PORT_RANGE - port_shift % RW_PORT_RANGE) % RW_PORT_RANGE));
}

/* Addresses and port in place; checksums are the caller's. */
static __always_inline void rw_write(struct rw_pkt *p, __be16 new_port)
{
	for (int i = 0; i < 6; i++) {
		p->eth->h_source[i] = out_src_mac[i];
		p->eth->h_dest[i] = out_dst_mac[i];
	}
	p->ip->saddr = snat_ip;
	*p->sport = new_port;
}

/* One's complement sum folded to 16 bits. */
static __always_inline __u16 rw_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'), for a 32-bit field m (as
 * two 16-bit words, in whatever byte order the packet holds them). */
static __always_inline __u16 rw_csum_replace4(__u16 hc, __u32 from, __u32 to)
{
	__u32 s = (__u16)~hc;

	s += (__u16)~from + (__u16)~(from >> 16);
	s += (to & 0xffff) + (to >> 16);
	return (__u16)~rw_fold(s);
}

static __always_inline __u16 rw_csum_replace2(__u16 hc, __u16 from, __u16 to)
{
	return (__u16)~rw_fold((__u32)(__u16)~hc + (__u16)~from + to);
}

SEC("xdp")
int bench_rewrite_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct rw_pkt p;
	__be32 old_ip;
	__be16 old_port, new_port;
	__u16 c;

	if (rw_parse(data, end, &p) < 0) {
		rw_count(RW_SLOT_PASSED);
		return XDP_PASS;
	}
	old_ip = p.ip->saddr;
	old_port = *p.sport;
	new_port = rw_map_port(old_port);
	rw_write(&p, new_port);
	p.ip->check = rw_csum_replace4(p.ip->check, old_ip, snat_ip);
	/* A zero UDP checksum means none (RFC 768): leave it so. */
	c = *p.l4csum;
	if (p.proto == RW_IPPROTO_TCP || c) {
		c = rw_csum_replace4(c, old_ip, snat_ip);
		c = rw_csum_replace2(c, old_port, new_port);
		if (p.proto == RW_IPPROTO_UDP && !c)
			c = RW_CSUM_MANGLED_0;
		*p.l4csum = c;
	}
	rw_count(RW_SLOT_REWRITTEN);
	return bpf_redirect(out_ifindex, 0);
}

/* skb->data and skb->data_end, each read by one load from the context
 * itself: clang would otherwise compute ctx + offset once and reuse it
 * across the helper call, a ctx pointer the verifier refuses. */
static __always_inline void *rw_skb_ptr(struct __sk_buff *skb, int end)
{
	void *p;

	if (end)
		asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(p)
			     : "r"(skb), "i"(offsetof(struct __sk_buff, data_end)));
	else
		asm volatile("%0 = *(u32 *)(%1 + %2)" : "=r"(p)
			     : "r"(skb), "i"(offsetof(struct __sk_buff, data)));
	return p;
}

/* On tc the checksum helpers do the L4 field, as a real datapath must:
 * they know the skb's checksum state (a CHECKSUM_PARTIAL field holds only
 * the pseudo-header sum, and the port is not part of it). */
SEC("tc")
int bench_rewrite_tc(struct __sk_buff *skb)
{
	__u64 udp0 = 0;
	struct rw_pkt p;
	__be32 old_ip;
	__be16 old_port, new_port;

	/* Headers in the linear part (a no-op for the bench's small frames). */
	if (rw_skb_ptr(skb, 0) + RW_HDRS_MAX > rw_skb_ptr(skb, 1) &&
	    skb->len >= RW_HDRS_MAX)
		bpf_skb_pull_data(skb, RW_HDRS_MAX);
	if (rw_parse(rw_skb_ptr(skb, 0), rw_skb_ptr(skb, 1), &p) < 0) {
		rw_count(RW_SLOT_PASSED);
		return TC_ACT_OK;
	}
	old_ip = p.ip->saddr;
	old_port = *p.sport;
	new_port = rw_map_port(old_port);
	rw_write(&p, new_port);
	if (p.proto == RW_IPPROTO_UDP)
		udp0 = RW_F_MARK_MANGLED_0;
	/* The helpers invalidate the packet pointers: offsets only now. */
	bpf_l3_csum_replace(skb, RW_IP_CSUM_OFF, old_ip,
			    snat_ip, sizeof(old_ip));
	bpf_l4_csum_replace(skb, p.l4csum_off, old_ip, snat_ip,
			    RW_F_PSEUDO_HDR | udp0 | sizeof(old_ip));
	bpf_l4_csum_replace(skb, p.l4csum_off, old_port, new_port,
			    udp0 | sizeof(old_port));
	rw_count(RW_SLOT_REWRITTEN);
	return bpf_redirect(out_ifindex, 0);
}

/* The way back, on the uplink's tcx ingress: a frame to the uplink's
 * address gets the guest's destination address and port and Ethernet
 * addresses, and goes to the guest's port. */
SEC("tc")
int bench_unrewrite_tc(struct __sk_buff *skb)
{
	__u64 udp0 = 0;
	struct rw_pkt p;
	__be16 old_port, new_port;

	if (rw_skb_ptr(skb, 0) + RW_HDRS_MAX > rw_skb_ptr(skb, 1) &&
	    skb->len >= RW_HDRS_MAX)
		bpf_skb_pull_data(skb, RW_HDRS_MAX);
	if (rw_parse(rw_skb_ptr(skb, 0), rw_skb_ptr(skb, 1), &p) < 0 ||
	    p.ip->daddr != snat_ip) {
		rw_count(RW_SLOT_PASSED);
		return TC_ACT_OK;
	}
	old_port = *p.dport;
	new_port = rw_unmap_port(old_port);
	for (int i = 0; i < 6; i++) {
		p.eth->h_source[i] = back_src_mac[i];
		p.eth->h_dest[i] = back_dst_mac[i];
	}
	p.ip->daddr = guest_ip;
	*p.dport = new_port;
	if (p.proto == RW_IPPROTO_UDP)
		udp0 = RW_F_MARK_MANGLED_0;
	bpf_l3_csum_replace(skb, RW_IP_CSUM_OFF, snat_ip, guest_ip, sizeof(guest_ip));
	bpf_l4_csum_replace(skb, p.l4csum_off, snat_ip, guest_ip,
			    RW_F_PSEUDO_HDR | udp0 | sizeof(guest_ip));
	bpf_l4_csum_replace(skb, p.l4csum_off, old_port, new_port, udp0 | sizeof(old_port));
	rw_count(RW_SLOT_REWRITTEN);
	return bpf_redirect(back_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
