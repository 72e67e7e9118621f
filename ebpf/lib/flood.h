/* SPDX-License-Identifier: GPL-2.0-only */
/* Flooding of broadcast, multicast and unknown unicast in tc: walk the
 * network's flood list with bpf_loop, send a clone (bpf_clone_redirect) to every destination but
 * the last and redirect the frame itself to the last one. That saves a
 * clone and leaves no TC_ACT_SHOT of the original in drop traces.
 *
 * A flood passes the same gateway check as unicast (lib/l3.h): a frame the
 * gateway must not take skips the gateway port. Ports STP blocked are
 * skipped, and each ingress port may start only so many floods a second
 * (the storm guard in lib/state.h), so a loop a guest builds burns a
 * bounded share of the machine.
 *
 * The list is double-buffered (flood_list, see KVNET_FLOOD_SEL in
 * kvnet_shared.h): a frame reads which copy is live once and walks that
 * copy, which kvnetd leaves alone until every frame that may walk it is
 * done. A port added or removed meanwhile is in or out of the whole walk,
 * so no flood reaches a port twice or misses one that stays.
 *
 * On a bridged network the uplink (lib/uplink_l2.h) takes part too: a
 * broadcast or multicast from a guest goes out to the LAN and up to the
 * host (lib/host.h), and link-local frames (a guest's BPDUs, LLDP) never
 * reach the LAN. The uplink's own floods (from the LAN, or the host's)
 * clone to every guest and let the original go on (kvnet_flood_walk).
 *
 * bpf_clone_redirect invalidates packet pointers: nothing here reads the
 * frame, everything it needs was copied to the stack beforehand.
 */
#ifndef KVNET_LIB_FLOOD_H
#define KVNET_LIB_FLOOD_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVNET_FLOOD_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} flood_list SEC(".maps");

/* The value at key in flood_list, or 0. */
static __always_inline __u32 kvnet_flood_word(__u32 key)
{
	__u32 *v = bpf_map_lookup_elem(&flood_list, &key);

	return v ? *(volatile __u32 *)v : 0;
}

/* State of one flood walk, shared with the bpf_loop callback. */
struct kvnet_flood {
	struct __sk_buff *skb;
	struct kvnet_port in;	   /* ingress port */
	struct kvnet_port pending; /* chosen destination not yet sent to */
	__u32 len;		   /* skb->len, for tx_bytes */
	__u32 l3_len;		   /* for the MTU check */
	__u32 gso;
	__u32 nports;
	__u32 base;    /* key of the live copy's first ifindex */
	__u32 gw_ok;   /* the frame may cross the gateway port */
	__u32 too_big; /* some port was skipped for its MTU */
	__u32 mcast;   /* to a group (or broadcast): the host gets a copy */
	__u32 link_local; /* to 01:80:c2:00:00:0x: not for the LAN */
	__u32 sent;	  /* clones delivered, for the trace */
};

/* Send a clone to fl->pending; a failure is counted, not fatal. */
static __always_inline void kvnet_flood_clone(struct kvnet_flood *fl)
{
	long ret;

	if (kvnet_dry_run) { /* lib/dryrun.h: counted as sent, not sent */
		fl->sent++;
		return;
	}
	ret = bpf_clone_redirect(fl->skb, fl->pending.ifindex, 0);

	/* < 0: the helper failed; NET_XMIT_DROP: the qdisc dropped it.
	 * NET_XMIT_CN is what a port without carrier answers (noop_qdisc):
	 * a tap no qemu holds yet. A bridge skips such a disabled port
	 * without counting anything, and so do we. */
	if (ret == NET_XMIT_SUCCESS) {
		kvnet_stats_tx(&fl->pending, fl->len);
		fl->sent++;
	} else if (ret != NET_XMIT_CN) {
		kvnet_drop_count(&fl->in, KVNET_DROP_REDIRECT);
	}
}

/* May the flood go out of port at all? */
static __always_inline int kvnet_flood_eligible(struct kvnet_flood *fl,
						const struct kvnet_port *port)
{
	if (kvnet_port_blocked(port) || kvnet_port_isolated_pair(&fl->in, port))
		return 0;
	if ((port->flags & KVNET_PORT_GATEWAY) && !fl->gw_ok)
		return 0;
	return 1;
}

/* bpf_loop callback: consider flood_list[i]. 0 = go on, 1 = stop. */
static long kvnet_flood_one(__u32 i, void *data)
{
	struct kvnet_flood *fl = data;
	struct kvnet_port port;
	__u32 *ifindex, key;

	if (i >= fl->nports)
		return 1;
	key = fl->base + i;
	ifindex = bpf_map_lookup_elem(&flood_list, &key);
	if (!ifindex || !*ifindex || *ifindex == fl->in.ifindex)
		return 0;
	if (kvnet_port_get(*ifindex, &port) < 0)
		return 0; /* stale slot: the port is gone */
	if (!kvnet_flood_eligible(fl, &port))
		return 0;
	if (port.flags & KVNET_PORT_UPLINK) {
		if (fl->link_local)
			return 0;
		if (fl->mcast)
			kvnet_host_clone(fl->skb, &fl->in, &port, fl->len);
	}
	if (!kvnet_port_fits(&port, fl->l3_len, fl->gso)) {
		fl->too_big = 1;
		return 0;
	}
	if (fl->pending.ifindex)
		kvnet_flood_clone(fl);
	fl->pending = port;
	return 0;
}

/* Pick the live copy of the flood list: its first entry and its count. */
static __always_inline void kvnet_flood_pick(struct kvnet_flood *fl)
{
	__u32 base = (kvnet_flood_word(KVNET_FLOOD_SEL) & 1) * KVNET_FLOOD_STRIDE;
	__u32 n = kvnet_flood_word(base);

	fl->base = base + 1;
	fl->nports = n < KVNET_MAX_PORTS ? n : KVNET_MAX_PORTS;
}

/* Walk the live copy of the flood list for the frame: clones to every
 * eligible port but the last, which is left in fl->pending. */
static __always_inline void kvnet_flood_walk(struct kvnet_frame *fr,
					     struct kvnet_flood *fl)
{
	__builtin_memset(fl, 0, sizeof(*fl));
	fl->skb = fr->skb;
	fl->in = fr->in;
	fl->len = fr->len;
	fl->l3_len = fr->l3_len;
	fl->gso = fr->gso;
	kvnet_flood_pick(fl);
	fl->mcast = kvnet_mac_is_multicast(fr->eth.dst);
	fl->link_local = kvnet_mac_is_link_local(fr->eth.dst);
	/* decided here: the callback must not read the frame */
	fl->gw_ok = (fr->in.flags & KVNET_PORT_GATEWAY) ||
		    kvnet_frame_gateway(fr) == KVNET_DROP_NONE;
	bpf_loop(fl->nports, kvnet_flood_one, fl, 0);
}

/* Flood the frame to every other eligible port. Returns the tc verdict for
 * the original. */
static __always_inline int kvnet_flood(struct kvnet_frame *fr)
{
	struct kvnet_flood fl;
	int verdict;

	if (!kvnet_flood_allowed(&fr->in, &fr->cfg, fr->now))
		return kvnet_drop(fr, KVNET_DROP_FLOOD_LIMIT);
	kvnet_flood_walk(fr, &fl);
	if (!fl.pending.ifindex)
		return kvnet_drop(fr, fl.too_big ? KVNET_DROP_TOO_BIG :
							      KVNET_DROP_NO_PORTS);
	/* Too big for some ports, delivered to the others: counted once. */
	if (fl.too_big)
		kvnet_drop_count(&fr->in, KVNET_DROP_TOO_BIG);
	kvnet_stats_flood(&fr->in);
	verdict = kvnet_port_redirect(&fl.pending);
	if (verdict != TC_ACT_REDIRECT)
		return kvnet_drop(fr, KVNET_DROP_REDIRECT);
	kvnet_stats_tx(&fl.pending, fl.len);
	fr->out = fl.pending.ifindex;
	fr->reason = fl.sent + 1; /* a redirect's reason: the ports reached */
	return verdict;
}

#endif /* KVNET_LIB_FLOOD_H */
