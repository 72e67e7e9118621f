/* SPDX-License-Identifier: GPL-2.0-only */
/* Switch ports (ports: HASH ifindex -> kvnet_port), the checks that decide
 * whether a frame may leave through one, and the redirect that sends it.
 *
 * ports_direct holds the same entries for ifindexes below
 * KVNET_PORTS_DIRECT, at the index of their ifindex, and is what a frame
 * asks for them: an array lookup is inlined and costs a load, a hash one
 * 8-10 ns of a 110 ns frame (docs/datapath.md), and a switched frame makes
 * two. kvnetd writes an entry to ports before ports_direct and erases it
 * from ports_direct first, so ports_direct never holds a port that ports
 * does not, and a frame that misses it asks ports; a daemon that starts
 * rebuilds ports_direct from ports.
 */
#ifndef KVNET_LIB_PORT_H
#define KVNET_LIB_PORT_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVNET_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct kvnet_port);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVNET_PORTS_DIRECT);
	__type(key, __u32);
	__type(value, struct kvnet_port);
} ports_direct SEC(".maps");

/* ports_direct's slot for ifindex if it holds that port, else ports'
 * entry. No test on ifindex itself: the verifier would carry the range it
 * learnt through the rest of the program, both ways, and it then walks
 * the switch twice over. A port of a high ifindex, or one ports_direct
 * does not have yet or any more (see above), is found in ports. */
static __always_inline const struct kvnet_port *kvnet_port_find(__u32 ifindex)
{
	const struct kvnet_port *p = bpf_map_lookup_elem(&ports_direct, &ifindex);

	if (p && p->ifindex == ifindex && p->ifindex)
		return p;
	return bpf_map_lookup_elem(&ports, &ifindex);
}

/* Copy the port behind ifindex into out. Returns 0, or -1 if it is none. */
static __always_inline int kvnet_port_get(__u32 ifindex, struct kvnet_port *out)
{
	const struct kvnet_port *p = kvnet_port_find(ifindex);

	if (!p)
		return -1;
	*out = *p;
	out->ifindex = ifindex; /* the key is the truth */
	return 0;
}

/* Blocked by STP: the port neither receives nor sends frames. */
static __always_inline int kvnet_port_blocked(const struct kvnet_port *port)
{
	return (port->flags & KVNET_PORT_BLOCKED) != 0;
}

/* <port isolated='yes'/>: isolated ports reach every port but each other. */
static __always_inline int kvnet_port_isolated_pair(const struct kvnet_port *a,
						    const struct kvnet_port *b)
{
	return (a->flags & b->flags & KVNET_PORT_ISOLATED) != 0;
}

/* Would the frame fit out of port? As the Linux bridge's
 * br_dev_queue_push_xmit() (is_skb_forwardable) decides: a GSO skb is
 * segmented later and always fits; otherwise its L3 length must not exceed
 * the port's MTU. mtu 0 means "unknown" and is not checked. */
static __always_inline int kvnet_port_fits(const struct kvnet_port *port,
					   __u32 l3_len, int gso)
{
	return gso || !port->mtu || l3_len <= port->mtu;
}

static __always_inline int kvnet_skb_is_gso(const struct __sk_buff *skb)
{
	return skb->gso_size != 0;
}

/* Send the frame (not a clone) out of port, at its egress: the receiving
 * device classifies it (host, broadcast, multicast, other host) itself. */
static __always_inline int kvnet_port_redirect(const struct kvnet_port *port)
{
	return bpf_redirect(port->ifindex, 0);
}

/* Send a unicast frame to the port its destination MAC was learned behind.
 * A veth whose peer sits in another netns gets it straight into the peer's
 * ingress, skipping the backlog. bpf_redirect_peer() marks the skb
 * PACKET_HOST, which is right only because the FDB says the destination
 * lives there: floods and unknown unicast must not take this path, or a
 * guest would take frames for other MACs as its own. */
static __always_inline int kvnet_port_redirect_known(const struct kvnet_port *port)
{
	if (port->flags & KVNET_PORT_VETH_PEER)
		return bpf_redirect_peer(port->ifindex, 0);
	return bpf_redirect(port->ifindex, 0);
}

#endif /* KVNET_LIB_PORT_H */
