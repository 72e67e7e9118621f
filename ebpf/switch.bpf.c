// SPDX-License-Identifier: GPL-2.0-only
/* kvnet L2 switch, tc/tcx ingress of every port of one network. A frame that
 * enters a port is counted and checked, its source MAC learned into the
 * FDB, and it is then redirected to the port its destination MAC lives
 * behind, or flooded to every other port (broadcast, multicast, unknown or
 * aged-out unicast). Whatever crosses the gateway port, into the host or
 * out of it, passes one decision point (lib/l3.h); on a network that routes,
 * IPv4 a guest sends to the gateway is routed and translated by the
 * datapath itself (lib/gwroute.h). A guest sends from its own addresses
 * only (lib/spoof.h), checked before anything is learned. Drops are counted per
 * ingress port by reason (enum kvnet_drop). Frames on a device that is not
 * a port pass to the host untouched. A bridged network's uplink, a host
 * NIC, is a port of its own kind (lib/uplink_l2.h), with a program at its
 * egress too (kvnet_egress). A frame a trace session follows reports each
 * stage it passes and, last, what became of it (lib/trace.h).
 *
 * The helpers live in ebpf/lib/, one concern per header; this file decides.
 */
/* vmlinux.h has a `typedef struct config_s config;` that would take the name
 * of the config map (KVNET_MAP_CONFIG); keep it out of the way. */
#define config kvnet_vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "kvnet_shared.h"
#include "nat/nat_shared.h"
#include "lib/tc.h"
#include "lib/dryrun.h"
#include "lib/eth.h"
#include "lib/stats.h"
#include "lib/config.h"
#include "lib/frame.h"
#include "lib/drop.h"
#include "lib/port.h"
#include "lib/state.h"
#include "lib/fdb.h"
#include "lib/l3.h"
#include "lib/ip4.h"
#include "lib/ct.h"
#include "lib/trace.h"
#include "lib/rewrite.h"
#include "lib/route.h"
#include "lib/nat.h"
#include "lib/gwroute.h"
#include "lib/host.h"
#include "lib/flood.h"
#include "lib/uplink_l2.h"
#include "lib/punt.h"
#include "lib/dhcp.h"
#include "lib/spoof.h"
#include "lib/fastpath.h"
#include "lib/versions.h"

char LICENSE[] SEC("license") = "GPL";

/* Deliver to the known port dst. Returns the verdict, or TC_ACT_UNSPEC if
 * the frame must be flooded instead (dst is no longer a port). */
static __always_inline int kvnet_unicast(struct kvnet_frame *fr, __u32 dst)
{
	struct kvnet_port out;
	__u32 reason;
	int verdict;

	if (dst == fr->in.ifindex)
		return kvnet_drop(fr, KVNET_DROP_SAME_PORT);
	if (kvnet_port_get(dst, &out) < 0)
		return TC_ACT_UNSPEC;
	if (kvnet_port_blocked(&out))
		return kvnet_drop(fr, KVNET_DROP_STP_BLOCKED);
	if (kvnet_port_isolated_pair(&fr->in, &out))
		return kvnet_drop(fr, KVNET_DROP_ISOLATED);
	if (out.flags & KVNET_PORT_GATEWAY) {
		reason = kvnet_frame_gateway(fr);
		if (reason != KVNET_DROP_NONE)
			return kvnet_drop(fr, reason);
		KVNET_TR_NOTE(fr, KVNET_TR_GATEWAY);
	}
	if (!kvnet_port_fits(&out, fr->l3_len, fr->gso))
		return kvnet_drop(fr, KVNET_DROP_TOO_BIG);
	verdict = out.flags & KVNET_PORT_UPLINK ? kvnet_host_or_lan(fr, &out) :
						  kvnet_port_redirect_known(&out);
	if (verdict != TC_ACT_REDIRECT)
		return kvnet_drop(fr, KVNET_DROP_REDIRECT);
	kvnet_stats_tx(&out, fr->len);
	fr->out = dst;
	return verdict;
}

/* IPv4 from a guest to the gateway's MAC on a network that routes goes
 * to the routing stage (lib/gwroute.h) straight away, without the FDB:
 * only what it hands back (TC_ACT_UNSPEC: for the host) is switched on,
 * to the gateway port. */
static __always_inline int kvnet_routed(struct kvnet_frame *fr)
{
	struct __sk_buff *skb = fr->skb;
	int verdict;

	if (!(fr->cfg.flags & KVNET_CFG_ROUTES) || (fr->in.flags & KVNET_PORT_GATEWAY) ||
	    fr->eth.proto != bpf_htons(ETH_P_IP) || !kvnet_mac_eq(fr->eth.dst, fr->cfg.gw_mac))
		return TC_ACT_UNSPEC;
	verdict = kvnet_gw_route(skb, fr);
	/* the verifier takes everything a global function could write for a
	 * scalar afterwards: the skb pointer is put back */
	fr->skb = skb;
	KVNET_TR_NOTE(fr, KVNET_TR_ROUTED);
	return verdict;
}

/* A BPDU on a network whose STP kvnetd runs (stp='on') goes to kvnetd and
 * no further (KVNET_DROP_STP_BPDU counts it, as consumed). Without STP it
 * is flooded like any multicast, as a Linux bridge with STP off does, so
 * that the guests' own STP sees a loop they build. */
static __always_inline __u32 kvnet_bpdu(struct kvnet_frame *fr)
{
	kvnet_punt(fr, KVNET_PUNT_BPDU);
	return KVNET_DROP_STP_BPDU;
}

/* Frames the switch refuses before it looks at their destination. Returns
 * a drop reason, or KVNET_DROP_NONE. */
static __always_inline __u32 kvnet_ingress_check(struct kvnet_frame *fr)
{
	const struct kvnet_eth *eth = &fr->eth;

	if (kvnet_mac_is_multicast(eth->src))
		return KVNET_DROP_SRC_MULTICAST;
	if (kvnet_mac_is_stp(eth->dst)) {
		if (fr->cfg.flags & KVNET_CFG_STP)
			return kvnet_bpdu(fr);
	} else if (kvnet_mac_is_link_local(eth->dst)) {
		return KVNET_DROP_LINK_LOCAL;
	}
	if (kvnet_port_blocked(&fr->in))
		return KVNET_DROP_STP_BLOCKED;
	if (kvnet_eth_tagged(fr->skb, eth))
		return KVNET_DROP_VLAN;
	if (fr->in.flags & KVNET_PORT_GATEWAY)
		return kvnet_frame_gateway(fr);
	return kvnet_spoof_check(fr);
}

/* Fill the frame context. Returns 0, or a drop reason. */
static __always_inline __u32 kvnet_frame_init(struct kvnet_frame *fr,
					      struct __sk_buff *skb)
{
	fr->skb = skb;
	fr->len = skb->len;
	fr->gso = kvnet_skb_is_gso(skb);
	fr->gw_reason = KVNET_GW_UNKNOWN;
	fr->reason = KVNET_DROP_NONE;
	fr->out = 0;
	fr->stages = 0;
	if (kvnet_eth_parse(skb, &fr->eth) < 0)
		return KVNET_DROP_MALFORMED;
	fr->l3_len = kvnet_eth_l3_len(skb, &fr->eth);
	kvnet_config_read(&fr->cfg);
	fr->now = bpf_ktime_get_coarse_ns();
	return KVNET_DROP_NONE;
}

/* Where the destination MAC leads: a port, or 0 to flood. */
static __always_inline __u32 kvnet_fdb_dest(struct kvnet_frame *fr)
{
	__u32 dst;

	if (kvnet_mac_is_multicast(fr->eth.dst)) {
		KVNET_TR_NOTE(fr, KVNET_TR_FDB_GROUP);
		return 0;
	}
	dst = kvnet_fdb_lookup(fr);
	KVNET_TR_NOTE(fr, dst ? KVNET_TR_FDB_HIT : KVNET_TR_FDB_MISS);
	return dst;
}

/* Everything the switch does with a frame from a port (not the uplink of
 * a bridged network), once it is parsed. Returns the verdict. */
static __always_inline int kvnet_switch(struct kvnet_frame *fr)
{
	__u32 dst, reason = kvnet_ingress_check(fr);
	int verdict;

	if (reason != KVNET_DROP_NONE)
		return kvnet_drop(fr, reason);
	if (!(fr->in.flags & (KVNET_PORT_GATEWAY | KVNET_PORT_TRUSTED)))
		KVNET_TR_NOTE(fr, KVNET_TR_SPOOF);
	kvnet_drop_count(&fr->in, kvnet_fdb_learn(fr));
	reason = kvnet_dhcp(fr);
	if (reason != KVNET_DROP_NONE)
		return kvnet_drop(fr, reason);
	verdict = kvnet_routed(fr);
	if (verdict != TC_ACT_UNSPEC)
		return verdict;
	dst = kvnet_fdb_dest(fr);
	if (dst) {
		verdict = kvnet_unicast(fr, dst);
		if (verdict != TC_ACT_UNSPEC)
			return verdict;
	}
	return kvnet_flood(fr);
}

/* Did the frame go on into this namespace's kernel, which may still drop
 * it (the host's stack, a gateway port, a tap, an uplink)? Not into a
 * guest's namespace (a veth peer), whose drops are the guest's business
 * and whose devices the daemon cannot name. */
static __always_inline int kvnet_trace_to_host(struct kvnet_frame *fr, int verdict)
{
	struct kvnet_port out;

	if (verdict == TC_ACT_SHOT || (verdict == TC_ACT_REDIRECT && fr->reason))
		return 0; /* dropped, or flooded: the clones are other skbs */
	if (verdict != TC_ACT_REDIRECT || kvnet_port_get(fr->out, &out) < 0)
		return 1;
	return !(out.flags & KVNET_PORT_VETH_PEER);
}

/* The stages the followed frame passed, from its notes. */
static __always_inline void kvnet_trace_stages(struct __sk_buff *skb, struct kvnet_frame *fr)
{
	__u32 st = fr->stages, fdb;

	if (st & KVNET_TR_SPOOF)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_SPOOF, 0, 0);
	if (st & KVNET_TR_ROUTED)
		kvnet_gw_trace(skb, fr);
	fdb = st & KVNET_TR_FDB_HIT ? KVNET_TRACE_FDB_HIT :
	      st & KVNET_TR_FDB_MISS ? KVNET_TRACE_FDB_MISS :
	      st & KVNET_TR_FDB_GROUP ? KVNET_TRACE_FDB_GROUP : 0;
	if (fdb)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_FDB, fdb,
				 fdb == KVNET_TRACE_FDB_HIT ? fr->out : 0);
	if (st & KVNET_TR_GATEWAY)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_GATEWAY, 0, fr->out);
}

/* The followed frame's events after its ingress: the stages it passed,
 * then what became of it. A global function, verified once on its own:
 * as a static one, its tests of the notes would make the verifier keep
 * every path of the switch apart by the notes it took. Returns 0. */
__noinline int kvnet_trace_verdict(struct __sk_buff *skb, struct kvnet_frame *fr, int verdict)
{
	if (!fr || !kvnet_trace_marked())
		return 0;
	kvnet_trace_stages(skb, fr);
	if (verdict == TC_ACT_SHOT && fr->reason == KVNET_DROP_DHCP)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_DHCP, 0, 0);
	else if (verdict == TC_ACT_SHOT)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_DROP, fr->reason, 0);
	else if (verdict == TC_ACT_REDIRECT && fr->reason)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_FLOOD, fr->reason, fr->out);
	else if (verdict == TC_ACT_REDIRECT)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_REDIRECT, 0, fr->out);
	else
		kvnet_trace_emit(skb, fr, KVNET_TRACE_HOST, 0, 0);
	if (!kvnet_trace_to_host(fr, verdict))
		return 0;
	if (!kvnet_trace_kernel_on && !kvnet_dry_run)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_KERNEL_UNWATCHED, 0, fr->out);
	kvnet_trace_follow(skb, fr);
	return 0;
}

SEC("tc")
int kvnet_ingress(struct __sk_buff *skb)
{
	struct kvnet_trace_cur *c;
	struct kvnet_frame fr;
	__u32 reason;
	int verdict, wanted;

	if (kvnet_port_get(skb->ifindex, &fr.in) < 0)
		return TC_ACT_OK;
	if (kvnet_host_sent_up(skb, &fr.in))
		return KVNET_TCX_NEXT;
	kvnet_stats_rx(&fr.in, skb->len);
	wanted = kvnet_trace_wants(skb, &fr);
	if (!wanted) {
		verdict = kvnet_fast(skb, &fr);
		if (verdict != TC_ACT_UNSPEC)
			return verdict;
	}
	reason = kvnet_frame_init(&fr, skb);
	if ((fr.in.flags & KVNET_PORT_UPLINK) && reason != KVNET_DROP_NONE)
		return kvnet_uplink_ingress(&fr, reason);
	if (reason != KVNET_DROP_NONE)
		return kvnet_drop(&fr, reason);
	if (wanted)
		kvnet_trace_start_wanted(skb, &fr, 0);
	if (fr.in.flags & KVNET_PORT_UPLINK)
		verdict = kvnet_uplink_ingress(&fr, reason);
	else
		verdict = kvnet_switch(&fr);
	c = kvnet_trace_followed();
	if (c) {
		if (kvnet_trace_on())
			kvnet_trace_verdict(skb, &fr, verdict);
		c->sessions = 0;
	}
	return verdict;
}

/* The kernel's drops of the frames a trace follows (lib/trace.h). */
SEC("tp_btf/kfree_skb")
int BPF_PROG(kvnet_trace_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return kvnet_trace_kfree(skb, reason);
}

SEC("tp_btf/consume_skb")
int BPF_PROG(kvnet_trace_consume_skb, struct sk_buff *skb)
{
	return kvnet_trace_consumed(skb);
}

/* The followed host frame's events at a bridged uplink's egress: the FDB
 * lookup, then where it went: to a guest's port, cloned to every guest
 * (and on to the wire), or on to the wire only (out: the uplink). A
 * global function, as kvnet_trace_verdict. Returns 0. */
__noinline int kvnet_trace_egress_verdict(struct __sk_buff *skb, struct kvnet_frame *fr,
					  int verdict)
{
	if (!fr || !kvnet_trace_marked())
		return 0;
	kvnet_trace_stages(skb, fr);
	if (verdict == TC_ACT_SHOT)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_DROP, fr->reason, 0);
	else if (verdict == TC_ACT_REDIRECT)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_REDIRECT, 0, fr->out);
	else if (fr->stages & KVNET_TR_FDB_GROUP)
		kvnet_trace_emit(skb, fr, KVNET_TRACE_FLOOD, fr->reason, fr->out);
	else
		kvnet_trace_emit(skb, fr, KVNET_TRACE_REDIRECT, 0, fr->in.ifindex);
	return 0;
}

/* tc egress of a bridged network's uplink: the host's own frames, for the
 * guests among them (lib/uplink_l2.h), traced from here as if they had
 * entered the uplink (the ingress event says they came from the host). */
SEC("tc")
int kvnet_egress(struct __sk_buff *skb)
{
	struct kvnet_trace_cur *c;
	struct kvnet_frame fr;
	__u32 reason;
	int verdict;

	if (kvnet_port_get(skb->ifindex, &fr.in) < 0 || !(fr.in.flags & KVNET_PORT_UPLINK) ||
	    kvnet_uplink_switched(skb))
		return KVNET_TCX_NEXT;
	reason = kvnet_frame_init(&fr, skb);
	if (reason != KVNET_DROP_NONE)
		return kvnet_uplink_egress(&fr, reason);
	kvnet_trace_start(skb, &fr, KVNET_TRACE_INGRESS_HOST);
	verdict = kvnet_uplink_egress(&fr, reason);
	c = kvnet_trace_followed();
	if (c) {
		if (kvnet_trace_on())
			kvnet_trace_egress_verdict(skb, &fr, verdict);
		c->sessions = 0;
	}
	return verdict;
}
