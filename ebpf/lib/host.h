/* SPDX-License-Identifier: GPL-2.0-only */
/* The host behind a bridged network's uplink (a host NIC that keeps the
 * host's address). The host's MAC is pinned in fdb_static to the uplink
 * with KVNET_FDB_HOST. A guest frame for it must reach the host's stack,
 * not the wire, so it is redirected into the uplink's ingress
 * (BPF_F_INGRESS) as if it came from the LAN; broadcasts and multicasts
 * from guests get such a copy too (the host's ARP must see a guest's
 * request). A frame sent up that way carries KVNET_HOST_MARK in skb->mark
 * (same namespace: the redirect keeps the mark), so that the switch at the
 * uplink's ingress passes it to the host at once, clears the mark, and
 * neither learns nor switches it again (the guest's MAC would otherwise
 * move behind the uplink).
 */
#ifndef KVNET_LIB_HOST_H
#define KVNET_LIB_HOST_H

/* include/uapi/linux/bpf.h */
#define KVNET_BPF_F_INGRESS 1
/* tcx: go on with the next program on the device (TCX_NEXT), then the
 * host's stack. The uplink is the host's NIC, where other programs may
 * run after ours. */
#define KVNET_TCX_NEXT (-1)
/* "kvhm": a frame kvnet handed up the uplink's ingress. Frames from the
 * wire carry no mark (a NIC's skbs are new, a veth's peer scrubs it). */
#define KVNET_HOST_MARK 0x6b76686du

/* Is mac the host's own, on the uplink? */
static __always_inline int kvnet_host_mac(const __u8 *mac, __u32 uplink)
{
	const struct kvnet_fdb_val *v;
	struct kvnet_fdb_key key;

	kvnet_fdb_key_make(&key, mac);
	v = bpf_map_lookup_elem(&fdb_static, &key);
	return v && (v->flags & KVNET_FDB_HOST) && v->ifindex == uplink;
}

/* Unicast out of the uplink: up its ingress if it is for the host, else
 * out to the LAN. Returns the verdict. */
static __always_inline int kvnet_host_or_lan(struct kvnet_frame *fr,
					     const struct kvnet_port *up)
{
	if (!kvnet_host_mac(fr->eth.dst, up->ifindex))
		return bpf_redirect(up->ifindex, 0);
	fr->skb->mark = KVNET_HOST_MARK;
	return bpf_redirect(up->ifindex, KVNET_BPF_F_INGRESS);
}

/* A copy of a flooded frame for the host, up the uplink's ingress. */
static __always_inline void kvnet_host_clone(struct __sk_buff *skb,
					     const struct kvnet_port *in,
					     const struct kvnet_port *up, __u32 len)
{
	__u32 mark = skb->mark;
	long ret;

	if (kvnet_dry_run) /* lib/dryrun.h */
		return;
	skb->mark = KVNET_HOST_MARK;
	ret = bpf_clone_redirect(skb, up->ifindex, KVNET_BPF_F_INGRESS);
	skb->mark = mark;
	if (ret == NET_XMIT_SUCCESS)
		kvnet_stats_tx(up, len);
	else
		kvnet_drop_count(in, KVNET_DROP_REDIRECT);
}

/* At the uplink's ingress: a frame kvnet sent up to the host? Then it
 * passes, unmarked. */
static __always_inline int kvnet_host_sent_up(struct __sk_buff *skb,
					      const struct kvnet_port *in)
{
	if (!(in->flags & KVNET_PORT_UPLINK) || skb->mark != KVNET_HOST_MARK)
		return 0;
	skb->mark = 0;
	return 1;
}

#endif /* KVNET_LIB_HOST_H */
