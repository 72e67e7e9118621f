/* SPDX-License-Identifier: GPL-2.0-only */
/* Types, codes and limits shared by the eBPF datapath (ebpf/ programs), the
 * daemon that loads it (switch/dp_ebpf*.c) and every tool that reads its
 * maps (kvnet fdb/stats, trace). The same drop codes name drop reasons in
 * `kvnet stats` and, later, in `kvnet trace`: add new codes at the end and
 * give each one a name in dp_drop_names (switch/datapath.c).
 *
 * Everything here is plain fixed-size C so that the BPF side (vmlinux.h
 * types) and the userspace side (<linux/types.h>) see the same layout.
 *
 * Upgrades: every map has its own version (KVNET_MAPVER_*), recorded in the
 * map_versions map, whose layout never changes. A restarted kvnetd adopts
 * each running map whose version and shape it shares, one by one, and
 * starts the others fresh. Structs reserve room (drops[], reserved[]) so
 * that a new drop reason or setting does not change a map's layout.
 */
#ifndef KVNET_SHARED_H
#define KVNET_SHARED_H

#ifndef __bpf__
#include <linux/types.h> /* BPF programs get these from vmlinux.h */
#endif

/* Ports one network can hold; also the size of the flood list. */
#define KVNET_MAX_PORTS 256
/* ports_direct (ARRAY by ifindex) covers ifindexes below this; a port of a
 * higher one is found in ports (HASH) alone. */
#define KVNET_PORTS_DIRECT 16384

/* flood_list (ARRAY of __u32) holds two copies of the list of ports a
 * flood goes to, and which one is live. Copy c starts at key
 * c * KVNET_FLOOD_STRIDE with its count, then its ifindexes; key
 * KVNET_FLOOD_SEL holds the live copy's number (0 or 1). kvnetd writes the
 * other copy whole, flips KVNET_FLOOD_SEL, and waits for an RCU grace
 * period before it writes that copy again; a frame reads the selector
 * once, so it walks one list that does not change under it. */
#define KVNET_FLOOD_STRIDE (KVNET_MAX_PORTS + 1)
#define KVNET_FLOOD_SEL (2 * KVNET_FLOOD_STRIDE)
#define KVNET_FLOOD_ENTRIES (KVNET_FLOOD_SEL + 1)
/* Default capacity of the learned FDB (an LRU map) of one network. */
#define KVNET_FDB_MAX 8192
/* Room for static entries: a pinned MAC per port and the gateway's. */
#define KVNET_FDB_STATIC_MAX (2 * KVNET_MAX_PORTS)
/* Default cap on the MACs one untrusted port may have learned. */
#define KVNET_PORT_LEARN_MAX 1024
/* Default FDB aging time, as Linux bridge and Open vSwitch use. */
#define KVNET_AGING_DEFAULT_S 300
/* A learned entry's last_seen is refreshed at most this often, so that a
 * busy flow does not write the FDB on every frame. */
#define KVNET_FDB_REFRESH_NS (1000ULL * 1000 * 1000)
/* A port's frames from the MAC they last learned or refreshed skip the FDB
 * for this long (the learn cache, in port_state): the entry's last_seen
 * then lags by up to KVNET_FDB_REFRESH_NS + KVNET_FDB_LEARN_CACHE_NS. */
#define KVNET_FDB_LEARN_CACHE_NS (500ULL * 1000 * 1000)
/* Default flood storm guard: floods (broadcast, multicast, unknown
 * unicast) one port may start per second, and the burst above that. */
#define KVNET_FLOOD_RATE 20000
#define KVNET_FLOOD_BURST 2000
/* Bytes of a punted frame handed to kvnetd (a BPDU is 35 to 60 bytes, a
 * DHCP message up to 576 usually, 1500 at most). A power of two. */
#define KVNET_PUNT_BYTES 2048
/* Default DHCP guard: client messages one untrusted port may send per
 * second, and in a row. */
#define KVNET_DHCP_RATE 100
#define KVNET_DHCP_BURST 200

/* Map names, as pinned under <bpffs>/kvnet/<net>/ and as the kernel reports
 * them (BPF object names are at most 15 characters). */
#define KVNET_MAP_FDB "fdb"
#define KVNET_MAP_FDB_STATIC "fdb_static"
#define KVNET_MAP_PORTS "ports"
#define KVNET_MAP_FLOOD "flood_list"
#define KVNET_MAP_STATS "port_stats"
#define KVNET_MAP_PORT_STATE "port_state"
#define KVNET_MAP_CONFIG "config"
#define KVNET_MAP_PUNT "punt"
#define KVNET_MAP_VERSIONS "map_versions"
#define KVNET_MAP_PORT_ADDRS "port_addrs"
#define KVNET_MAP_ADDR_OWNERS "addr_owners"
#define KVNET_MAP_PORTS_DIRECT "ports_direct"
#define KVNET_PROG_INGRESS "kvnet_ingress"
/* tc egress of a bridged network's uplink: the host's own frames. */
#define KVNET_PROG_EGRESS "kvnet_egress"

/* Slots of map_versions (ARRAY of __u32, KVNET_MAPID_SLOTS entries): the
 * version of the map of that id that the datapath runs with. Never reorder;
 * a version of 0 means "absent". */
enum kvnet_map_id {
	KVNET_MAPID_FDB,
	KVNET_MAPID_FDB_STATIC,
	KVNET_MAPID_PORTS,
	KVNET_MAPID_FLOOD,
	KVNET_MAPID_STATS,
	KVNET_MAPID_PORT_STATE,
	KVNET_MAPID_CONFIG,
	KVNET_MAPID_PUNT,
	KVNET_MAPID_PORT_ADDRS,
	KVNET_MAPID_ADDR_OWNERS,
	KVNET_MAPID_PORTS_DIRECT,
	KVNET_MAPID_COUNT,
};
#define KVNET_MAPID_SLOTS 32

/* Bump one of these whenever that map's key or value changes meaning, even
 * at the same size. */
#define KVNET_MAPVER_FDB 1
#define KVNET_MAPVER_FDB_STATIC 1
#define KVNET_MAPVER_PORTS 1
#define KVNET_MAPVER_FLOOD 2
#define KVNET_MAPVER_STATS 1
#define KVNET_MAPVER_PORT_STATE 2
#define KVNET_MAPVER_CONFIG 2
#define KVNET_MAPVER_PUNT 2
#define KVNET_MAPVER_PORT_ADDRS 1
#define KVNET_MAPVER_ADDR_OWNERS 1
#define KVNET_MAPVER_PORTS_DIRECT 1

/* FDB key: one MAC on one VLAN of one network (each network has its own
 * maps, so the network is implicit). vlan is 0: VLANs are refused until
 * networks have them. */
struct kvnet_fdb_key {
	__u8 mac[6];
	__u16 vlan;
};

enum kvnet_fdb_flags {
	KVNET_FDB_STATIC = 1 << 0, /* in fdb_static: pinned by the daemon */
	KVNET_FDB_HOST = 1 << 1,   /* the host's own MAC on a bridged network's
				      uplink (pinned there): guest frames for
				      it go up the uplink's ingress, not out */
};

/* Value of both FDB maps: fdb (LRU, learned) and fdb_static (pinned guest
 * and gateway MACs, never aged, evicted or moved by frames). */
struct kvnet_fdb_val {
	__u32 ifindex;	    /* port the MAC lives behind */
	__u32 flags;	    /* enum kvnet_fdb_flags */
	__u64 last_seen_ns; /* bpf_ktime_get_coarse_ns() of the last refresh */
};

enum kvnet_port_flags {
	KVNET_PORT_GATEWAY = 1 << 0,  /* switch end of the gateway veth pair */
	KVNET_PORT_TAP = 1 << 1,      /* tun/tap device (a qemu guest) */
	KVNET_PORT_VETH_PEER = 1 << 2, /* veth whose peer is in another netns:
					 bpf_redirect_peer() delivers to it */
	KVNET_PORT_TRUSTED = 1 << 3,  /* exempt from per-port guards */
	KVNET_PORT_ISOLATED = 1 << 4, /* <port isolated='yes'/> */
	KVNET_PORT_BLOCKED = 1 << 5,  /* STP: neither receives nor sends
					 (BPDUs still reach kvnetd) */
	KVNET_PORT_UPLINK = 1 << 6,   /* the host NIC of a bridged network; it
					 keeps the host's address (lib/uplink_l2.h) */
};

/* ports map value, keyed by ifindex; also ports_direct's, indexed by it
 * (a slot whose ifindex is not its index is no port). */
struct kvnet_port {
	__u32 ifindex;
	__u32 flags;	 /* enum kvnet_port_flags */
	__u32 mtu;	 /* L3 MTU of the device, as the Linux bridge compares */
	__u32 stats_idx; /* this port's slot in port_stats and port_state,
			    fixed for its life */
};

/* Why the datapath dropped a frame. Stable numbers: they are stored in
 * per-port counters and, later, in trace events. Some only count an event
 * and let the frame go on (see dp_drop_is_event in switch/datapath.c). */
enum kvnet_drop {
	KVNET_DROP_NONE = 0,
	KVNET_DROP_MALFORMED,	   /* shorter than an Ethernet header */
	KVNET_DROP_SRC_MULTICAST,  /* source MAC is multicast/broadcast */
	KVNET_DROP_TOO_BIG,	   /* non-GSO frame larger than egress MTU */
	KVNET_DROP_SAME_PORT,	   /* destination lives behind the ingress port */
	KVNET_DROP_ISOLATED,	   /* isolated port to isolated port */
	KVNET_DROP_FDB_FULL,	   /* event: could not learn (FDB at capacity) */
	KVNET_DROP_NO_PORTS,	   /* event: flood with no other port */
	KVNET_DROP_REDIRECT,	   /* redirect helper failed */
	KVNET_DROP_NOT_ROUTED,	   /* IP the network must not route: to or from
				      beyond the gateway in an isolated network */
	KVNET_DROP_LINK_LOCAL,	   /* 01:80:c2:00:00:01-0f (pause, LACP, LLDP,
				      802.1X): never forwarded, as by a bridge */
	KVNET_DROP_VLAN,	   /* 802.1Q/802.1ad tagged: the network has no
				      VLANs */
	KVNET_DROP_ETHERTYPE,	   /* an ethertype the gateway does not take */
	KVNET_DROP_FLOOD_LIMIT,	   /* the port's flood storm guard */
	KVNET_DROP_LEARN_LIMIT,	   /* event: the port's MAC learning cap */
	KVNET_DROP_STP_BLOCKED,	   /* the port is blocked by STP */
	KVNET_DROP_STP_BPDU,	   /* event: a BPDU handed to kvnetd's STP */
	KVNET_DROP_DHCP,	   /* event: a DHCP client message handed to
				      kvnetd's DHCP server */
	KVNET_DROP_DHCP_SERVER,	   /* a DHCP server message from an untrusted
				      port (a rogue server) */
	KVNET_DROP_DHCP_RATE,	   /* the port's DHCP request rate limit */
	KVNET_DROP_NO_ROUTE,	   /* the host has no route for it (or only one
				      through another device than <forward
				      dev=>) */
	KVNET_DROP_NAT_NO_PORT,	   /* NAT: no free source port for a new flow */
	KVNET_DROP_NAT_PROTO,	   /* NAT: a protocol kvnet does not translate
				      (only TCP, UDP and ICMP echo open flows) */
	KVNET_DROP_NAT_UNSOLICITED, /* into a NAT network with no flow or
				      forward that claims it */
	KVNET_DROP_FRAGMENT,	   /* NAT: an IPv4 fragment (not reassembled) */
	KVNET_DROP_REWRITE,	   /* a header rewrite helper failed */
	KVNET_DROP_SPOOF_MAC,	   /* source MAC is not the port's pinned MAC */
	KVNET_DROP_SPOOF_IP,	   /* IPv4 source not the port's (bound to
				      another port, or not bound to this one) */
	KVNET_DROP_SPOOF_ARP,	   /* ARP sender MAC or IPv4 not the port's */
	KVNET_DROP_NAT_FLOW_LIMIT, /* NAT: the port holds <kvnet:conntrack
				      port-max> flows already */
	KVNET_DROP_MAX
};
/* Room for drop reasons in the counters, so that a new reason does not
 * change the layout of port_stats. */
#define KVNET_DROP_SLOTS 64

/* Per-port counters, one per CPU (PERCPU_ARRAY indexed by the port's
 * stats_idx). rx is what entered the switch from the port; tx is what the
 * switch handed to the port (redirected or cloned to it: a device that
 * then drops it, a veth whose peer is down, counts it in its own stats). */
struct kvnet_port_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 flood_packets; /* rx frames that were flooded */
	__u64 drops[KVNET_DROP_SLOTS];
};

/* Per-port guard state shared by every CPU (ARRAY indexed by stats_idx);
 * updated without locks, so both guards are approximate under contention. */
struct kvnet_port_state {
	__u64 flood_tat; /* flood guard: theoretical arrival time (GCRA) */
	__u32 learned;	 /* MACs learned in fdb (the daemon recounts it on
			    every aging sweep: LRU evictions are silent) */
	__u32 learn_gen; /* the learn cache's: the network's bind_gen
			    (kvnet_config) learn_mac passed anti-spoofing
			    under; 0 in entries from before it */
	__u64 dhcp_tat;	 /* DHCP guard's clock (GCRA) */
	/* The FDB learn cache (ebpf/lib/fdb.h): the source MAC this port's
	 * frames last learned or refreshed in fdb, and when. */
	__u64 learn_ns;
	__u8 learn_mac[6];
	__u16 reserved1;
	/* Masqueraded flows the port opened that are in conntrack: counted
	 * up by the datapath as it opens them, recounted by the daemon's
	 * conntrack sweep (flows end silently: timeouts, LRU evictions). */
	__u32 flows;
	__u32 reserved;
};

enum kvnet_config_flags {
	/* The network does not route (isolated mode): IPv4 through the gateway
	 * port must come from or go to the gateway address itself. */
	KVNET_CFG_NO_ROUTE = 1 << 0,
	/* The network has IPv6: the gateway takes it (with the guard). */
	KVNET_CFG_IPV6 = 1 << 1,
	/* kvnetd runs STP: BPDUs are punted to it, not forwarded. */
	KVNET_CFG_STP = 1 << 2,
	/* kvnetd serves DHCP: client messages are punted to it, server
	 * messages from untrusted ports dropped. */
	KVNET_CFG_DHCP = 1 << 3,
	/* The network routes (nat, route, open): IPv4 from guests for beyond
	 * the gateway is routed by the datapath. */
	KVNET_CFG_ROUTES = 1 << 4,
	/* ... and translates (nat mode). */
	KVNET_CFG_NAT = 1 << 5,
	/* ... and filters nothing (open mode). */
	KVNET_CFG_OPEN = 1 << 6,
};

/* config map, one entry (key 0). */
struct kvnet_config {
	__u64 aging_ns;	   /* FDB entries older than this are ignored */
	__u32 nports;	   /* unused since flood_list version 2 (it holds
			      its own counts) */
	__u32 flags;	   /* enum kvnet_config_flags */
	__u32 gw_ip;	   /* gateway IPv4 address, network byte order */
	__u32 gw_bcast;	   /* the subnet's broadcast address, network order */
	__u32 learn_max;   /* MACs one untrusted port may learn; 0: no cap */
	__u32 flood_burst; /* flood guard burst; 0 with flood_ns 0: no guard */
	__u64 flood_ns;	   /* flood guard: ns per flood at the sustained rate */
	__u8 net_uuid[16]; /* the network this datapath serves: a restarted
			      kvnetd tells its own ports by it */
	__u64 dhcp_ns;	   /* DHCP guard: ns per client message; 0: none */
	__u32 dhcp_burst;
	/* Routing networks (KVNET_CFG_ROUTES); all 0 otherwise. Addresses
	 * and masks in network byte order. */
	__u32 gw_ifindex;  /* the host side of the gateway (the FIB lookup's
			      input device) */
	__u32 uplink_ifindex; /* <forward dev=>: the only way out; 0: any */
	__u32 subnet;	   /* the network's IPv4 subnet and mask */
	__u32 mask;
	__u16 nat_port_min; /* <nat><port start end/>, host order */
	__u16 nat_port_max;
	__u32 nat_addr_min; /* <nat><address start end/>; 0: the address */
	__u32 nat_addr_max; /* the route to the destination prefers */
	__u32 net_id;	   /* the network's id in conntrack (nat/) */
	__u8 gw_mac[6];	   /* the gateway's MAC: frames to it are routed */
	__u16 reserved1;
	__u32 nat_flows_max; /* flows one untrusted port may hold in
				conntrack (port_state.flows); 0: no cap */
	/* The generation of what anti-spoofing decides by: a new random
	 * non-zero value each time kvnetd changes port_addrs, addr_owners
	 * or the ports map, written after the change. A flow stamped with
	 * the generation its packet was checked under (kvnet_ct_val
	 * bind_gen) needs no second check while it holds
	 * (ebpf/lib/fastpath.h). 0: none yet (a config from before it). */
	__u32 bind_gen;
	__u32 reserved[2];
};

/* Anti-spoofing (ebpf/lib/spoof.h). The addresses bound to one untrusted
 * port: port_addrs, HASH ifindex -> kvnet_port_addrs (no entry: nothing
 * bound). A port with a pinned MAC (--mac) sends from it alone; a port
 * with bound IPv4 addresses sends from them alone (and from 0.0.0.0 to a
 * DHCP server, and ARP probes). addr_owners, HASH IPv4 -> ifindex (0: a
 * reservation whose MAC no port pins), holds every bound or reserved
 * address: a port with none of its own may use any address but those. */
#define KVNET_PORT_ADDRS_MAX 16
#define KVNET_ADDR_OWNERS_MAX 8192

enum kvnet_port_addrs_flags {
	KVNET_ADDRS_MAC = 1 << 0, /* mac is the only source MAC allowed */
};

struct kvnet_port_addrs {
	__u32 flags;	   /* enum kvnet_port_addrs_flags */
	__u32 nip;	   /* valid entries in ip[]; 0: no IPv4 binding */
	__u8 mac[6];
	__u16 reserved0;
	__u32 static_mask; /* ip[i] came from `kvnet port addr add` (bit i);
			      the datapath ignores it, a restarted kvnetd
			      without its record reads it */
	__be32 ip[KVNET_PORT_ADDRS_MAX]; /* network byte order */
	__u32 reserved[4];
};

/* A frame the datapath hands to kvnetd (punt ring buffer). */
enum kvnet_punt_kind {
	KVNET_PUNT_BPDU = 1,
	KVNET_PUNT_DHCP = 2,
};

struct kvnet_punt {
	__u32 kind;    /* enum kvnet_punt_kind */
	__u32 ifindex; /* ingress port */
	__u32 len;     /* bytes of the frame (data holds the first ones) */
	__u32 reserved;
	__u8 data[KVNET_PUNT_BYTES];
};

#endif /* KVNET_SHARED_H */
