// SPDX-License-Identifier: GPL-2.0-only
/* kvnet's uplink program, tcx ingress of every device of the host that is
 * not kvnet's own (the uplinks, whichever the host's routes pick). It
 * takes what comes from outside for kvnet's networks, and nothing else:
 *
 *  - a packet of a tracked flow (the reply to a masqueraded connection, a
 *    port forward's next packet) or an ICMP error about one is translated
 *    and routed to the guest, past the host's netfilter;
 *  - a packet to one of the host's own addresses on a forwarded port opens
 *    the forward's flow (DNAT) and goes the same way;
 *  - a packet for a NAT network's subnet that no flow claims is dropped
 *    (the upstream cannot open connections to guests, even with a route
 *    to the subnet), except for the gateway's own address;
 *  - a packet for a route or open network's subnet is routed in, as
 *    libvirt's rules accept it;
 *  - everything else goes on untouched (TCX_NEXT: the next program on the
 *    device, then the host's stack).
 *
 * Drops and events are counted in nat_stats (there is no switch port to
 * count them against). The replies of a flow a trace follows report their
 * stages (lib/trace_uplink.h).
 */
#define config kvnet_vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "kvnet_shared.h"
#include "nat/nat_shared.h"
#include "lib/tc.h"
#include "lib/eth.h"
#include "lib/ip4.h"
#include "lib/ct.h"
#include "lib/rewrite.h"
#include "lib/route.h"
#include "lib/nat.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int kvnet_up_verdict(int verdict, __u32 reason)
{
	if (verdict == TC_ACT_SHOT)
		kvnet_nat_count(reason != KVNET_DROP_NONE ? reason : KVNET_DROP_REDIRECT);
	return verdict;
}

#include "lib/trace_uplink.h"

/* Is addr one of the host's own? Asked as input from a kvnet gateway
 * device, which forwards, so that the FIB answers rather than refusing. */
static __always_inline int kvnet_up_is_local(struct __sk_buff *skb, const struct kvnet_ip4 *ip,
					     __u32 gw_ifindex, struct kvnet_nat_scratch *s)
{
	return kvnet_route_lookup(skb, &s->r, ip->saddr, ip->daddr, ip->proto, gw_ifindex, 0,
				  0) == KVNET_ROUTE_LOCAL;
}

/* A port forward from outside: open its flow and send the packet on. */
static __noinline int kvnet_up_forward(struct __sk_buff *skb, struct kvnet_ip4 *ip,
				       const struct kvnet_nat_fwd *fwd, __u64 now,
				       struct kvnet_nat_scratch *s)
{
	struct kvnet_nat_new *n = &s->n;
	struct kvnet_ct_key orig;
	struct kvnet_ct_hit hit;
	__u32 reason = KVNET_DROP_NONE;

	__builtin_memset(n, 0, sizeof(*n));
	kvnet_ip4_key(ip, &n->orig);
	orig = n->orig;
	n->xlate = n->orig;
	n->xlate.daddr = fwd->to_addr;
	n->xlate.dport = fwd->to_port;
	n->net_id = fwd->net_id;
	n->fib_ifindex = fwd->gw_ifindex;
	n->flags = KVNET_CT_DNAT | KVNET_CT_FIB_OUTPUT;
	n->reply_fib_ifindex = fwd->gw_ifindex; /* back out as the host routes */
	reason = kvnet_nat_create(skb, s, now);
	if (reason != KVNET_DROP_NONE)
		return kvnet_up_verdict(TC_ACT_SHOT, reason);
	if (kvnet_ct_lookup(&orig, now, &hit) < 0)
		return kvnet_up_verdict(TC_ACT_SHOT, KVNET_DROP_NAT_NO_PORT);
	return kvnet_up_verdict(kvnet_nat_apply(skb, ip, &hit, now, &reason, s), reason);
}

/* Tracked packets, ICMP errors about them, and port forwards. Returns the
 * verdict, or TC_ACT_UNSPEC if none of them. */
static __always_inline int kvnet_up_tracked(struct __sk_buff *skb, struct kvnet_ip4 *ip,
					    __u64 now, struct kvnet_nat_scratch *s)
{
	const struct kvnet_nat_fwd *fwd;
	struct kvnet_ct_key key;
	struct kvnet_ct_hit hit;
	__u32 reason = KVNET_DROP_NONE;
	int v;

	if (!ip->l4_ok)
		return TC_ACT_UNSPEC;
	kvnet_ip4_key(ip, &key);
	if (kvnet_ct_lookup(&key, now, &hit) == 0) {
		if (hit.e->trace)
			return kvnet_up_traced_apply(skb, ip, &hit, now, s);
		return kvnet_up_verdict(kvnet_nat_apply(skb, ip, &hit, now, &reason, s), reason);
	}
	if (ip->proto == KVNET_IPPROTO_ICMP && kvnet_icmp_is_error(ip->icmp_type)) {
		v = kvnet_nat_icmp_error(skb, ip, now, &reason, s);
		return v == TC_ACT_UNSPEC ? v : kvnet_up_verdict(v, reason);
	}
	fwd = kvnet_nat_fwd_of(ip);
	if (fwd && !(ip->tcp_flags & KVNET_TCP_RST) &&
	    kvnet_up_is_local(skb, ip, fwd->gw_ifindex, s))
		return kvnet_up_forward(skb, ip, fwd, now, s);
	return TC_ACT_UNSPEC;
}

/* Into a route or open network: routed like the host would, past its
 * FORWARD chain. */
static __always_inline int kvnet_up_route_in(struct __sk_buff *skb, struct kvnet_ip4 *ip,
					     const struct kvnet_nat_net *net,
					     struct kvnet_nat_scratch *s)
{
	__u32 tr;

	if (ip->ttl <= 1)
		return TC_ACT_UNSPEC;
	if (kvnet_route_lookup(skb, &s->r, ip->saddr, ip->daddr, ip->proto, net->gw_ifindex, 1,
			       0) != KVNET_ROUTE_FORWARD)
		return TC_ACT_UNSPEC;
	if (kvnet_rewrite_ttl_dec(skb, ip))
		return kvnet_up_verdict(TC_ACT_SHOT, KVNET_DROP_REWRITE);
	kvnet_nat_count(KVNET_NAT_EV_ROUTED_IN);
	tr = kvnet_up_traces ? kvnet_up_route_sessions(skb, ip, net->net_id) : 0;
	if (tr)
		return kvnet_up_verdict(kvnet_up_traced_route(skb, &s->r, tr, net->net_id),
					KVNET_DROP_REDIRECT);
	return kvnet_up_verdict(kvnet_route_send(skb, &s->r), KVNET_DROP_REDIRECT);
}

SEC("tc")
int kvnet_uplink(struct __sk_buff *skb)
{
	struct kvnet_nat_scratch *s = kvnet_nat_scratch();
	const struct kvnet_nat_net *net;
	struct kvnet_ip4 *ip;
	int v;

	if (!s || skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	ip = &s->ip;
	if (kvnet_ip4_parse(skb, ETH_HLEN, ip) < 0)
		return TC_ACT_UNSPEC;
	v = kvnet_up_tracked(skb, ip, bpf_ktime_get_coarse_ns(), s);
	if (v != TC_ACT_UNSPEC)
		return v;
	net = kvnet_nat_net_of(ip->daddr);
	if (!net || ip->daddr == net->gw_ip)
		return TC_ACT_UNSPEC;
	if (net->mode == KVNET_NAT_MODE_NAT)
		return kvnet_up_verdict(TC_ACT_SHOT, KVNET_DROP_NAT_UNSOLICITED);
	return kvnet_up_route_in(skb, ip, net, s);
}
