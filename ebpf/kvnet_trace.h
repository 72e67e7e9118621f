/* SPDX-License-Identifier: GPL-2.0-only */
/* Packet-path tracing, shared by the datapath (ebpf/lib/trace.h), kvnetd
 * (switch/trace.c) and the CLI (`kvnet trace`): the coarse filter a
 * session gives the datapath, and the event each traced stage emits.
 *
 * Up to KVNET_TRACE_SESSIONS traces run on a network at once, each in a
 * slot of the program's trace filter. A frame is traced when it enters a
 * port and matches a slot's coarse keys (port, ethertype, protocol, one
 * IPv4 address, one L4 port, one MAC: each 0 for any, an address or port
 * on either side); every stage it then passes emits an event to the
 * network's trace ring, tagged with the matching slots and an id that all
 * of the frame's events share. The exact filter (pcap syntax) is applied
 * by the CLI to the event's bytes. With no session, the datapath's whole
 * cost is one test of kvnet_trace_sessions.
 *
 * Plain fixed-size C, as kvnet_shared.h.
 */
#ifndef KVNET_TRACE_H
#define KVNET_TRACE_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#include "nat/nat_shared.h" /* struct kvnet_ct_key */

#define KVNET_TRACE_SESSIONS 4 /* kvnet_trace_in4() compares as many */
/* The sessions bit of a dry run's events (`kvnet trace --inject`): the
 * program copy that runs it follows every frame (ebpf/lib/dryrun.h). */
#define KVNET_TRACE_DRY (1u << 31)
/* Bytes of the frame an event carries (from its start). */
#define KVNET_TRACE_SNAP 128
#define KVNET_MAP_TRACE_RING "trace_ring"

/* One session's coarse keys, host byte order except the address. */
struct kvnet_trace_filter {
	__u32 ifindex;	 /* the ingress port; 0: any */
	__u16 ethertype; /* 0: any */
	__u8 ip_proto;	 /* IPv4 protocol; 0: any (implies IPv4 if set) */
	__u8 has_mac;
	__u8 mac[6];	 /* source or destination, if has_mac */
	__u16 l4_port;	 /* TCP/UDP source or destination; 0: any */
	__be32 ip;	 /* IPv4 source or destination; 0: any */
	__u32 reserved;
};

/* Where an event comes from. Stable numbers (they reach the CLI). */
enum kvnet_trace_stage {
	KVNET_TRACE_INGRESS = 1, /* entered a port */
	KVNET_TRACE_SPOOF,	 /* passed anti-spoofing (a failure is a DROP) */
	KVNET_TRACE_FDB,	 /* destination MAC looked up: detail says how */
	KVNET_TRACE_GATEWAY,	 /* crosses the gateway port: into the host */
	KVNET_TRACE_ROUTE,	 /* routed by the datapath: FIB lookup, detail =
				    BPF_FIB_LKUP_RET_*, out = next hop device */
	KVNET_TRACE_CT,		 /* conntrack: detail = enum kvnet_trace_ct */
	KVNET_TRACE_NAT,	 /* rewritten: before and after */
	KVNET_TRACE_DHCP,	 /* handed to kvnetd's DHCP server */
	KVNET_TRACE_REDIRECT,	 /* sent to port out */
	KVNET_TRACE_FLOOD,	 /* flooded: detail = ports, out = the last */
	KVNET_TRACE_HOST,	 /* left to the host's stack */
	KVNET_TRACE_DROP,	 /* dropped: detail = enum kvnet_drop */
	KVNET_TRACE_KERNEL_DROP, /* after the datapath, the kernel dropped it:
				    detail = its enum skb_drop_reason */
	KVNET_TRACE_SERVICE,	 /* sent by kvnetd itself straight out of port
				    out, past the datapath (switch/trace.c):
				    detail = enum kvnet_trace_service */
	KVNET_TRACE_KERNEL_UNWATCHED, /* handed on into the kernel while its
					 drop tracepoints were off (the trace
					 had been idle): what the kernel did
					 with it is not known; they go back on */
	KVNET_TRACE_STAGE_MAX
};

/* KVNET_TRACE_INGRESS details. */
enum kvnet_trace_ingress {
	KVNET_TRACE_INGRESS_FLOW = 1, /* at an uplink: a reply of a flow a
					 trace follows (ebpf/lib/trace_flow.h) */
	KVNET_TRACE_INGRESS_HOST,     /* at a bridged uplink's egress: the
					 host's own frame (lib/uplink_l2.h) */
};

/* KVNET_TRACE_SERVICE details: which of kvnetd's services sent it. */
enum kvnet_trace_service {
	KVNET_TRACE_SERVICE_DHCP = 1, /* a DHCP server's reply */
	KVNET_TRACE_SERVICE_STP,      /* a spanning tree BPDU */
};

/* KVNET_TRACE_FDB details. */
enum kvnet_trace_fdb {
	KVNET_TRACE_FDB_HIT = 1, /* out: the port the MAC lives behind */
	KVNET_TRACE_FDB_MISS,	 /* unknown unicast: flooded */
	KVNET_TRACE_FDB_GROUP,	 /* broadcast or multicast: flooded */
};

/* KVNET_TRACE_CT details. */
enum kvnet_trace_ct {
	KVNET_TRACE_CT_NEW = 1,	 /* a flow was opened */
	KVNET_TRACE_CT_ORIG,	 /* a packet of a known flow, its direction */
	KVNET_TRACE_CT_REPLY,	 /* a packet of a known flow, the reply */
};

/* trace_ring record. */
struct kvnet_trace_event {
	__u64 ts_ns;	   /* bpf_ktime_get_ns() */
	__u64 trace_id;	   /* the same for every event of one frame */
	__u32 sessions;	   /* bit i: slot i's filter matched */
	__u32 in_ifindex;
	__u32 out_ifindex; /* 0: none */
	__u16 stage;	   /* enum kvnet_trace_stage */
	__u16 reserved;
	__u32 detail;	   /* per stage, see the enums above */
	__u32 len;	   /* the frame's length now */
	__u32 cap;	   /* bytes in data */
	struct kvnet_ct_key before, after; /* NAT: the rewrite, as conntrack
					      keys it (all 0 for other stages) */
	__u8 data[KVNET_TRACE_SNAP];
};

/* A network's sessions and their coarse filters, as the uplink program
 * reads them (uplink.bpf.c's trace_nets, by net_id, kept by kvnetd): for
 * the packets it routes into a route or open network, which no traced
 * flow marked. */
struct kvnet_trace_net {
	__u32 sessions; /* bit i: slot i runs */
	__u32 reserved;
	struct kvnet_trace_filter f[KVNET_TRACE_SESSIONS];
};

/* What the coarse keys look at in a frame, host byte order except the
 * addresses. */
struct kvnet_trace_frame {
	__u32 ifindex;
	__u16 ethertype;
	__u8 src[6], dst[6];
	__u8 is_ip4; /* an IPv4 header was read */
	__u8 proto;
	__u8 l4_ok;  /* sport and dport were read (TCP, UDP; first fragment) */
	__be32 saddr, daddr;
	__u16 sport, dport;
};

#ifdef __bpf__
#define KVNET_TRACE_INLINE static __always_inline
#else
#define KVNET_TRACE_INLINE static inline
#endif

#define KVNET_TRACE_ETH_IP 0x0800
#define KVNET_TRACE_ETH_ARP 0x0806
#define KVNET_TRACE_ETH_RARP 0x8035
#define KVNET_TRACE_ETH_IPV6 0x86dd

KVNET_TRACE_INLINE int kvnet_trace_mac_eq(const __u8 *a, const __u8 *b)
{
	for (int i = 0; i < 6; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The IPv4 keys, for an IPv4 frame. One whose header the datapath could
 * not read (version not 4, header length under 20, cut short) is taken:
 * libpcap's "tcp", "host A" and the like read their bytes at fixed offsets
 * without checking the version or the header length, so only the exact
 * filter may refuse it. */
KVNET_TRACE_INLINE int kvnet_trace_ip_takes(const struct kvnet_trace_filter *f,
					    const struct kvnet_trace_frame *x)
{
	if (!x->is_ip4)
		return 1;
	if (f->ip_proto && f->ip_proto != x->proto)
		return 0;
	if (f->ip && f->ip != x->saddr && f->ip != x->daddr)
		return 0;
	if (!f->l4_port)
		return 1;
	if (x->proto != 6 && x->proto != 17)
		return x->proto == 132; /* pcap's "port" has SCTP too */
	/* ports unread (a fragment): a first fragment may match */
	return !x->l4_ok || f->l4_port == x->sport || f->l4_port == x->dport;
}

/* Does the filter take the frame? Never "no" where the exact filter the
 * keys come from (common/trace_keys.h) could say yes: an IPv4 address
 * key takes every ARP and RARP frame (pcap's "host" matches their
 * addresses too) and no IPv6; a protocol or port key takes every IPv6
 * frame (pcap's "tcp" and "port" match IPv6 as well). One copy for the
 * datapath and for the unit test that holds it against libpcap. */
KVNET_TRACE_INLINE int kvnet_trace_filter_takes(const struct kvnet_trace_filter *f,
						const struct kvnet_trace_frame *x)
{
	if (f->ifindex && f->ifindex != x->ifindex)
		return 0;
	if (f->ethertype && f->ethertype != x->ethertype)
		return 0;
	if (f->has_mac && !kvnet_trace_mac_eq(f->mac, x->src) &&
	    !kvnet_trace_mac_eq(f->mac, x->dst))
		return 0;
	if (!f->ip_proto && !f->ip && !f->l4_port)
		return 1;
	if (x->ethertype == KVNET_TRACE_ETH_IP)
		return kvnet_trace_ip_takes(f, x);
	if (x->ethertype == KVNET_TRACE_ETH_ARP || x->ethertype == KVNET_TRACE_ETH_RARP)
		return f->ip && !f->ip_proto && !f->l4_port;
	return x->ethertype == KVNET_TRACE_ETH_IPV6 && !f->ip;
}

/* What every running session's keys ask of a frame, summed up by kvnetd
 * from the slots (kvnet_trace_summarize) and written next to them. The
 * datapath refuses with it, in a few compares, what no session could
 * take: a frame on none of the ports, an IPv4 one with none of the
 * addresses, TCP or UDP over IPv4 with none of the ports. A list counts
 * only if every running session has that key; its unused entries repeat
 * the first. */
struct kvnet_trace_summary {
	__u32 in[KVNET_TRACE_SESSIONS];	  /* ingress ports, if has_in */
	__be32 ip[KVNET_TRACE_SESSIONS];  /* IPv4 addresses, if has_ip */
	__u16 port[KVNET_TRACE_SESSIONS]; /* TCP/UDP ports, if has_port */
	__u8 has_in, has_ip, has_port, reserved;
};

/* The summary of the slots in mask, of filters f. */
KVNET_TRACE_INLINE void kvnet_trace_summarize(const struct kvnet_trace_filter *f, __u32 mask,
					      struct kvnet_trace_summary *s)
{
	int n = 0;

	__builtin_memset(s, 0, sizeof(*s));
	s->has_in = s->has_ip = s->has_port = 1;
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++) {
		if (!(mask & (1u << i)))
			continue;
		s->in[n] = f[i].ifindex;
		s->ip[n] = f[i].ip;
		s->port[n] = f[i].l4_port;
		s->has_in &= f[i].ifindex != 0;
		s->has_ip &= f[i].ip != 0;
		s->has_port &= f[i].l4_port != 0;
		n++;
	}
	if (!n)
		s->has_in = s->has_ip = s->has_port = 0;
	for (int i = n; i < KVNET_TRACE_SESSIONS && n; i++) {
		s->in[i] = s->in[0];
		s->ip[i] = s->ip[0];
		s->port[i] = s->port[0];
	}
}

KVNET_TRACE_INLINE int kvnet_trace_in4(const __u32 *set, __u32 v)
{
	return set[0] == v || set[1] == v || set[2] == v || set[3] == v;
}

KVNET_TRACE_INLINE int kvnet_trace_in2(const __u16 *set, __u16 v)
{
	return set[0] == v || set[1] == v || set[2] == v || set[3] == v;
}

/* Does no session take the frame, by the summary? Never "yes" where one
 * of the slots' kvnet_trace_filter_takes() would take it. */
KVNET_TRACE_INLINE int kvnet_trace_summary_refuses(const struct kvnet_trace_summary *s,
						   const struct kvnet_trace_frame *x)
{
	if (s->has_in && !kvnet_trace_in4(s->in, x->ifindex))
		return 1;
	if (!x->is_ip4)
		return 0;
	if (s->has_ip && !kvnet_trace_in4(s->ip, x->saddr) && !kvnet_trace_in4(s->ip, x->daddr))
		return 1;
	return s->has_port && x->l4_ok && !kvnet_trace_in2(s->port, x->sport) &&
	       !kvnet_trace_in2(s->port, x->dport);
}

#endif /* KVNET_TRACE_H */
