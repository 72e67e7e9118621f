/* SPDX-License-Identifier: GPL-2.0-only */
/* The uplink of a bridged network (<forward mode='bridge' dev='IF'/>): a
 * host NIC that is a switch port and keeps the host's address. Nothing
 * moves to a bridge; the switch only takes what is for the guests.
 *
 * tc ingress of the NIC (kvnet_ingress), frames from the LAN:
 *  - the source is learned behind the uplink (a LAN MAC);
 *  - for a guest's MAC: redirected to the guest's port, not seen by the host;
 *  - broadcast, multicast, unknown unicast: a clone to every guest, and the
 *    original goes on to the host (as a bridge floods unknown unicast; the
 *    host's stack drops what is not its own);
 *  - for the host's MAC or a LAN MAC, VLAN-tagged, link-local (LLDP, LACP,
 *    BPDUs), malformed, or sent up by kvnet itself (lib/host.h): passed on
 *    untouched, with KVNET_TCX_NEXT, so that other tcx programs and the
 *    host's stack see it as if kvnet were not there.
 * tc egress of the NIC (kvnet_egress), the host's own frames (the host
 * never receives its frames for guests back from the wire):
 *  - frames the switch itself sent out (from a guest's port) pass;
 *  - for a guest's MAC: redirected to the guest's port, never on the wire;
 *  - broadcast and multicast (the host's ARP requests): a clone to every
 *    guest, the original goes on to the wire;
 *  - the rest (for the LAN) goes on to the wire untouched.
 */
#ifndef KVNET_LIB_UPLINK_L2_H
#define KVNET_LIB_UPLINK_L2_H

/* Clone the frame to every guest port; the original goes on. */
static __always_inline int kvnet_uplink_flood(struct kvnet_frame *fr)
{
	struct kvnet_flood fl;

	kvnet_flood_walk(fr, &fl);
	if (!fl.pending.ifindex)
		return KVNET_TCX_NEXT;
	kvnet_flood_clone(&fl);
	if (fl.too_big)
		kvnet_drop_count(&fr->in, KVNET_DROP_TOO_BIG);
	kvnet_stats_flood(&fr->in);
	fr->out = fl.pending.ifindex; /* for a trace: the last guest, and */
	fr->reason = fl.sent;	      /* how many got a clone */
	return KVNET_TCX_NEXT;
}

/* To the guest port dst, from the uplink. */
static __always_inline int kvnet_uplink_to_guest(struct kvnet_frame *fr, __u32 dst,
						 int at_ingress)
{
	struct kvnet_port out;
	int verdict;

	if (kvnet_port_get(dst, &out) < 0)
		return kvnet_uplink_flood(fr); /* no longer a port */
	if (kvnet_port_blocked(&out))
		return kvnet_drop(fr, KVNET_DROP_STP_BLOCKED);
	if (!kvnet_port_fits(&out, fr->l3_len, fr->gso))
		return kvnet_drop(fr, KVNET_DROP_TOO_BIG);
	/* bpf_redirect_peer works only from ingress */
	verdict = at_ingress ? kvnet_port_redirect_known(&out) : kvnet_port_redirect(&out);
	if (verdict != TC_ACT_REDIRECT)
		return kvnet_drop(fr, KVNET_DROP_REDIRECT);
	kvnet_stats_tx(&out, fr->len);
	return verdict;
}

/* Not the switch's business: tagged (the host's VLANs), from a group
 * address, or link-local control frames. */
static __always_inline int kvnet_uplink_host_only(const struct kvnet_frame *fr)
{
	return kvnet_eth_tagged(fr->skb, &fr->eth) || kvnet_mac_is_multicast(fr->eth.src) ||
	       kvnet_mac_is_link_local(fr->eth.dst);
}

/* A frame from the LAN; init is what kvnet_frame_init said. */
static __always_inline int kvnet_uplink_ingress(struct kvnet_frame *fr, __u32 init)
{
	__u32 dst;

	if (init != KVNET_DROP_NONE || kvnet_uplink_host_only(fr))
		return KVNET_TCX_NEXT;
	kvnet_drop_count(&fr->in, kvnet_fdb_learn(fr));
	if (kvnet_mac_is_multicast(fr->eth.dst)) {
		KVNET_TR_NOTE(fr, KVNET_TR_FDB_GROUP);
		return kvnet_uplink_flood(fr);
	}
	dst = kvnet_fdb_lookup(fr);
	KVNET_TR_NOTE(fr, dst ? KVNET_TR_FDB_HIT : KVNET_TR_FDB_MISS);
	fr->out = dst;
	if (!dst)
		return kvnet_uplink_flood(fr);
	if (dst == fr->in.ifindex)
		return KVNET_TCX_NEXT; /* the host's, or another LAN host's */
	return kvnet_uplink_to_guest(fr, dst, 1);
}

/* Did the switch send this frame out of the uplink (from a guest)? The
 * host's own frames come from no device (0), or from one that is not a
 * guest port (routed, or sent up and back by the host). */
static __always_inline int kvnet_uplink_switched(const struct __sk_buff *skb)
{
	__u32 iif = skb->ingress_ifindex;
	struct kvnet_port p;

	return iif && iif != skb->ifindex && kvnet_port_get(iif, &p) == 0;
}

/* A frame leaving the uplink; init is what kvnet_frame_init said. */
static __always_inline int kvnet_uplink_egress(struct kvnet_frame *fr, __u32 init)
{
	__u32 dst;

	if (init != KVNET_DROP_NONE || kvnet_uplink_host_only(fr))
		return KVNET_TCX_NEXT;
	if (kvnet_mac_is_multicast(fr->eth.dst)) {
		KVNET_TR_NOTE(fr, KVNET_TR_FDB_GROUP);
		kvnet_stats_rx(&fr->in, fr->len);
		return kvnet_uplink_flood(fr);
	}
	dst = kvnet_fdb_lookup(fr);
	KVNET_TR_NOTE(fr, dst ? KVNET_TR_FDB_HIT : KVNET_TR_FDB_MISS);
	fr->out = dst;
	if (!dst || dst == fr->in.ifindex)
		return KVNET_TCX_NEXT; /* for the LAN */
	kvnet_stats_rx(&fr->in, fr->len);
	return kvnet_uplink_to_guest(fr, dst, 0);
}

#endif /* KVNET_LIB_UPLINK_L2_H */
