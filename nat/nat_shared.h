/* SPDX-License-Identifier: GPL-2.0-only */
/* The layout of kvnet's connection tracking and NAT, shared by the eBPF
 * datapath (ebpf/lib/ct.h, nat.h, the switch and the uplink programs) and
 * by kvnetd (switch/dp_nat.c, nat/), which lists, ages and adopts it.
 *
 * One conntrack table serves the whole daemon (every network and every
 * uplink), because two NAT networks that share an uplink address must
 * never hand out the same port. A flow has two entries:
 *
 *  - the original direction's, keyed by the tuple of the packet that opened
 *    it, holding the tuple that packet is rewritten to, the flow's state,
 *    timer and counters (KVNET_CT_ORIG);
 *  - the reply direction's, keyed by the reverse of the rewritten tuple,
 *    holding the reverse of the original tuple (KVNET_CT_REPLY). Its state
 *    lives in the original entry, found again by reversing its xlate.
 *
 * A packet is looked up by its own tuple; the entry it hits says what it
 * becomes. ICMP echo puts the identifier in sport (requests) or dport
 * (replies), so that the reply's key is the reverse of the request's.
 * An entry whose flow has expired is a miss; kvnetd deletes expired flows
 * in the background, and the map is an LRU, so a full table evicts the
 * coldest flows rather than refusing new ones.
 *
 * Everything is plain fixed-size C, as in kvnet_shared.h.
 */
#ifndef KVNET_NAT_SHARED_H
#define KVNET_NAT_SHARED_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* Pins of the daemon-wide maps and programs: <bpffs>/kvnet/.nat/ (a name
 * no network can have: network names never start with a dot). */
#define KVNET_NAT_PIN_DIR ".nat"
#define KVNET_MAP_CT "ct"
#define KVNET_MAP_NAT_FWD "nat_fwd"
#define KVNET_MAP_NAT_NETS "nat_nets"
#define KVNET_MAP_NAT_CFG "nat_cfg"
#define KVNET_MAP_NAT_STATS "nat_stats"
#define KVNET_PROG_UPLINK "kvnet_uplink"

/* Capacity of the conntrack table (entries; two per flow). */
#define KVNET_CT_MAX 262144
/* Default of <kvnet:conntrack port-max>, the flows one untrusted port of a
 * nat network may hold at once: none, as libvirt's netfilter conntrack has
 * none. A guest that opens connections at a high rate holds many flows
 * (a closed TCP flow stays 10 s), and a count that only the sweep brings
 * down (see ebpf/lib/gwroute.h) would refuse it for a whole pass. */
#define KVNET_CT_PORT_MAX 0
/* Port forwards (all networks) and networks that route. */
#define KVNET_NAT_FWD_MAX 4096
#define KVNET_NAT_NETS_MAX 256
/* Tries at a free source port before a new flow is refused. */
#define KVNET_NAT_PORT_TRIES 32
/* A flow's timer is written at most this often by busy traffic. */
#define KVNET_CT_REFRESH_NS (1000ULL * 1000 * 1000)
/* How long a flow trusts the next hop it cached (see kvnet_ct_val). */
#define KVNET_CT_NH_TTL_NS (1000ULL * 1000 * 1000)

/* The layout of all the daemon-wide maps together, recorded in nat_cfg:
 * bump it on any change of meaning. A restarted kvnetd takes the running
 * maps over only when the layout (and each map's shape) is its own, and
 * starts them all fresh otherwise (flows are lost, nothing else). */
#define KVNET_NAT_LAYOUT 2

#define KVNET_IPPROTO_ICMP 1
#define KVNET_IPPROTO_TCP 6
#define KVNET_IPPROTO_UDP 17

/* A packet's tuple, addresses and ports in network byte order. */
struct kvnet_ct_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

enum kvnet_ct_flags {
	KVNET_CT_ORIG = 1 << 0,	      /* the original direction's entry */
	KVNET_CT_REPLY = 1 << 1,      /* the reply direction's entry */
	KVNET_CT_SNAT = 1 << 2,	      /* the flow's source was translated */
	KVNET_CT_DNAT = 1 << 3,	      /* its destination was (a forward) */
	KVNET_CT_SEEN_REPLY = 1 << 4, /* a reply went through */
	KVNET_CT_FIB_OUTPUT = 1 << 5, /* route the rewritten packet as output
					 through fib_ifindex, not as input
					 from it */
};

/* A flow's state (original entry only). */
enum kvnet_ct_state {
	KVNET_CT_NEW = 0,	  /* TCP: SYN sent; UDP/ICMP: no reply yet */
	KVNET_CT_ESTABLISHED = 1, /* a reply seen */
	KVNET_CT_CLOSING = 2,	  /* TCP: FIN seen */
	KVNET_CT_CLOSED = 3,	  /* TCP: RST seen */
};

struct kvnet_ct_val {
	struct kvnet_ct_key xlate; /* what a packet of this key becomes */
	__u64 expires_ns;	   /* original entry: bpf_ktime_get_coarse_ns() after
				      which the flow is gone */
	__u64 packets;		   /* of this direction (per entry) */
	__u64 bytes;
	__u32 net_id;		   /* the network the flow belongs to */
	__u32 fib_ifindex;	   /* where the rewritten packet is routed:
				      input from, or output through */
	__u16 flags;		   /* enum kvnet_ct_flags */
	__u8 state;		   /* enum kvnet_ct_state */
	__u8 trace;		   /* trace sessions (bits) that follow this
				      direction's packets: set by the switch
				      for a traced frame's flow
				      (ebpf/lib/trace_flow.h) */
	/* The next hop this direction's packets went to, as the FIB said at
	 * nh_time_ns: used for KVNET_CT_NH_TTL_NS before the FIB is asked
	 * again (a route or neighbour change is seen within that time). */
	__u32 nh_ifindex;	   /* 0: none cached */
	__u8 nh_dmac[6];
	__u8 nh_smac[6];
	__u32 bind_gen;		   /* original entry of a masqueraded flow: the
				      network's bind_gen (kvnet_config) under
				      which a packet of it last passed
				      anti-spoofing; 0: none (an entry from
				      before it) */
	__u64 nh_time_ns;
	__u32 nh_mtu;		   /* the next hop device's MTU; 0: unknown
				      (an entry from before it was kept) */
	__u32 origin_ifindex;	   /* original entry of a masqueraded flow: the
				      guest port that opened it (the per-port
				      count, <kvnet:conntrack port-max>) */
};

/* bind_gen took what was padding, which every writer zeroed (the entries
 * are built in zeroed scratch): the layout, and adoption across kvnetd
 * versions, are unchanged. */
_Static_assert(sizeof(struct kvnet_ct_val) == 88, "conntrack entries keep their layout");

/* Conntrack timeouts in seconds (nat_cfg), netfilter's defaults. */
#define KVNET_CT_TCP_SYN_S 120
#define KVNET_CT_TCP_EST_S 432000
#define KVNET_CT_TCP_CLOSING_S 120
#define KVNET_CT_TCP_CLOSED_S 10
#define KVNET_CT_UDP_S 30
#define KVNET_CT_UDP_STREAM_S 120
#define KVNET_CT_ICMP_S 30

/* nat_cfg, one entry (key 0): daemon-wide settings. */
struct kvnet_nat_cfg {
	__u32 tcp_syn_s;
	__u32 tcp_est_s;
	__u32 tcp_closing_s;
	__u32 tcp_closed_s;
	__u32 udp_s;
	__u32 udp_stream_s;
	__u32 icmp_s;
	__u32 layout;	/* KVNET_NAT_LAYOUT of the kvnetd that made the maps */
	__u32 reserved[8];
};

/* nat_nets: LPM trie of the subnets of networks that route or translate,
 * for the uplink: what arrives for them that no flow claims. */
struct kvnet_nat_net_key {
	__u32 prefixlen;
	__u32 addr; /* network byte order */
};

enum kvnet_nat_mode {
	KVNET_NAT_MODE_NAT = 1,	  /* unsolicited traffic in is dropped */
	KVNET_NAT_MODE_ROUTE = 2, /* routed in, to the subnet only */
	KVNET_NAT_MODE_OPEN = 3,  /* routed in, no filtering */
};

struct kvnet_nat_net {
	__u32 net_id;
	__u32 mode;	    /* enum kvnet_nat_mode */
	__u32 gw_ifindex;   /* the host side of the network's gateway */
	__u32 gw_ip;	    /* network byte order */
	__u32 reserved[4];
};

/* nat_fwd: port forwards, keyed by protocol and host port (any of the
 * host's addresses, as libvirt users expect of `-p`-style forwards). */
struct kvnet_nat_fwd_key {
	__u16 port; /* network byte order */
	__u8 proto;
	__u8 pad;
};

struct kvnet_nat_fwd {
	__u32 net_id;
	__u32 to_addr;	   /* the guest, network byte order */
	__u16 to_port;	   /* network byte order */
	__u16 reserved0;
	__u32 gw_ifindex;  /* the host side of that network's gateway */
	__u32 gw_ip;	   /* hairpin and guest-to-forward flows are
			      translated to come from it */
	__u32 reserved[3];
};

/* Why the NAT and routing stages dropped a packet where no switch port
 * counts it (the uplink's program): nat_stats, a PERCPU_ARRAY of
 * KVNET_NAT_STAT_SLOTS counters indexed by enum kvnet_drop (the reasons
 * are shared with the switch), plus these events past KVNET_DROP_SLOTS. */
#define KVNET_NAT_STAT_SLOTS 80
enum kvnet_nat_event {
	KVNET_NAT_EV_XLATE_OUT = 64, /* packets translated toward the uplink */
	KVNET_NAT_EV_XLATE_IN,	     /* translated back toward a guest */
	KVNET_NAT_EV_ROUTED_IN,	     /* routed in without translation */
	KVNET_NAT_EV_NEW_FLOW,	     /* flows created */
	KVNET_NAT_EV_ICMP_ERR,	     /* ICMP errors translated */
	KVNET_NAT_EV_FAST,	     /* of XLATE_OUT, by the established-flow
					path (ebpf/lib/fastpath.h) */
};

#endif /* KVNET_NAT_SHARED_H */
