/* SPDX-License-Identifier: GPL-2.0-only */
/* DHCP on a network whose DHCP server kvnetd runs (KVNET_CFG_DHCP):
 *  - a client's message (IPv4 UDP to port 67, broadcast or to the gateway
 *    address) goes to kvnetd through the punt ring, with the port it came
 *    in on, and no further: kvnetd answers out of that port. Each
 *    untrusted port may send only so many a second (dhcp-rate);
 *  - a server's message (UDP from port 67 to port 68) from an untrusted
 *    port is a rogue server and is dropped (dhcp-server): a guest hands
 *    out nothing. Trusted ports (an uplink, a relay) are exempt.
 * The gateway's own frames are the host's and pass.
 */
#ifndef KVNET_LIB_DHCP_H
#define KVNET_LIB_DHCP_H

#define KVNET_DHCP_SERVER_PORT 67
#define KVNET_DHCP_CLIENT_PORT 68
#define KVNET_IPPROTO_UDP 17

struct kvnet_ipv4_wire {
	__u8 vihl, tos;
	__be16 tot_len, id, frag;
	__u8 ttl, proto;
	__be16 csum;
	__be32 saddr, daddr;
};

/* The UDP ports and destination of an IPv4 first fragment behind eth.
 * Returns 1 if the frame is one, else 0. */
static __always_inline int kvnet_udp4(struct kvnet_frame *fr, __be32 *daddr,
				      __u16 *sport, __u16 *dport)
{
	struct kvnet_ipv4_wire ip KVNET_PKT_BUF;
	__be16 ports[2] KVNET_PKT_BUF;
	__u32 ihl;

	if (kvnet_pkt_load(fr->skb, fr->eth.hlen, &ip, sizeof(ip)) < 0 ||
	    (ip.vihl >> 4) != 4 || ip.proto != KVNET_IPPROTO_UDP ||
	    (ip.frag & bpf_htons(0x1fff)))
		return 0;
	ihl = (ip.vihl & 0xf) * 4;
	if (ihl < sizeof(ip) || kvnet_pkt_load(fr->skb, fr->eth.hlen + ihl, ports,
					       sizeof(ports)) < 0)
		return 0;
	*daddr = ip.daddr;
	*sport = bpf_ntohs(ports[0]);
	*dport = bpf_ntohs(ports[1]);
	return 1;
}

/* Returns KVNET_DROP_NONE (not kvnetd's business: forward it), or the
 * reason the frame goes no further (KVNET_DROP_DHCP: handed to kvnetd). */
static __always_inline __u32 kvnet_dhcp(struct kvnet_frame *fr)
{
	__u16 sport, dport;
	__be32 daddr;

	if (!(fr->cfg.flags & KVNET_CFG_DHCP) || fr->eth.proto != bpf_htons(ETH_P_IP) ||
	    (fr->in.flags & KVNET_PORT_GATEWAY) || !kvnet_udp4(fr, &daddr, &sport, &dport))
		return KVNET_DROP_NONE;
	if (sport == KVNET_DHCP_SERVER_PORT && dport == KVNET_DHCP_CLIENT_PORT)
		return fr->in.flags & KVNET_PORT_TRUSTED ? KVNET_DROP_NONE :
							    KVNET_DROP_DHCP_SERVER;
	if (dport != KVNET_DHCP_SERVER_PORT ||
	    (daddr != 0xffffffff && daddr != fr->cfg.gw_ip))
		return KVNET_DROP_NONE;
	if (!kvnet_dhcp_allowed(&fr->in, &fr->cfg, fr->now))
		return KVNET_DROP_DHCP_RATE;
	kvnet_punt(fr, KVNET_PUNT_DHCP);
	return KVNET_DROP_DHCP;
}

#endif /* KVNET_LIB_DHCP_H */
