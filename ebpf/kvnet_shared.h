/* SPDX-License-Identifier: GPL-2.0-only */
/* Types, codes and limits shared by the eBPF datapath (ebpf/ programs), the
 * daemon that loads it (switch/datapath.c) and every tool that reads its
 * maps (kvnet fdb/stats, trace). The same drop codes name drop reasons in
 * `kvnet stats` and, later, in `kvnet trace`: add new codes at the end and
 * give each one a name in kvnet_drop_names (switch/datapath.c).
 *
 * Everything here is plain fixed-size C so that the BPF side (vmlinux.h
 * types) and the userspace side (<linux/types.h>) see the same layout.
 */
#ifndef KVNET_SHARED_H
#define KVNET_SHARED_H

#ifndef __bpf__
#include <linux/types.h> /* BPF programs get these from vmlinux.h */
#endif

/* Ports one network can hold; also the size of the flood list. */
#define KVNET_MAX_PORTS 256
/* Default FDB capacity (dynamic + static entries) of one network. */
#define KVNET_FDB_MAX 8192
/* Default FDB aging time, as Linux bridge and Open vSwitch use. */
#define KVNET_AGING_DEFAULT_S 300
/* A learned entry's last_seen is refreshed at most this often, so that a
 * busy flow does not write the FDB on every frame. */
#define KVNET_FDB_REFRESH_NS (1000ULL * 1000 * 1000)

/* Map names, as pinned under <bpffs>/kvnet/<net>/ and as the kernel reports
 * them (BPF object names are at most 15 characters). */
#define KVNET_MAP_FDB "fdb"
#define KVNET_MAP_PORTS "ports"
#define KVNET_MAP_FLOOD "flood_list"
#define KVNET_MAP_STATS "port_stats"
#define KVNET_MAP_CONFIG "config"
#define KVNET_PROG_INGRESS "kvnet_ingress"

/* FDB key: one MAC on one VLAN of one network (each network has its own
 * map, so the network is implicit). vlan is 0 for untagged frames. */
struct kvnet_fdb_key {
	__u8 mac[6];
	__u16 vlan;
};

enum kvnet_fdb_flags {
	KVNET_FDB_STATIC = 1 << 0, /* pinned by the daemon; never aged/moved */
};

struct kvnet_fdb_val {
	__u32 ifindex;	    /* port the MAC lives behind */
	__u32 flags;	    /* enum kvnet_fdb_flags */
	__u64 last_seen_ns; /* bpf_ktime_get_ns() of the last refresh */
};

enum kvnet_port_flags {
	KVNET_PORT_GATEWAY = 1 << 0,  /* switch end of the gateway veth pair */
	KVNET_PORT_TAP = 1 << 1,      /* tun/tap device (a qemu guest) */
	KVNET_PORT_VETH_PEER = 1 << 2, /* veth whose peer is in another netns:
					 bpf_redirect_peer() delivers to it */
	KVNET_PORT_TRUSTED = 1 << 3,  /* exempt from per-port guards */
	KVNET_PORT_ISOLATED = 1 << 4, /* <port isolated='yes'/> */
};

/* ports map value, keyed by ifindex. */
struct kvnet_port {
	__u32 ifindex;
	__u32 flags;	 /* enum kvnet_port_flags */
	__u32 mtu;	 /* L3 MTU of the device, as the Linux bridge compares */
	__u32 stats_idx; /* this port's entry in port_stats, fixed for its life */
};

/* Why the datapath dropped a frame. Stable numbers: they are stored in
 * per-port counters and, later, in trace events. */
enum kvnet_drop {
	KVNET_DROP_NONE = 0,
	KVNET_DROP_MALFORMED,	   /* shorter than an Ethernet header */
	KVNET_DROP_SRC_MULTICAST,  /* source MAC is multicast/broadcast */
	KVNET_DROP_TOO_BIG,	   /* non-GSO frame larger than egress MTU */
	KVNET_DROP_SAME_PORT,	   /* destination lives behind the ingress port */
	KVNET_DROP_ISOLATED,	   /* isolated port to isolated port */
	KVNET_DROP_FDB_FULL,	   /* could not learn: FDB at capacity (frame
				      is still forwarded; counted only) */
	KVNET_DROP_NO_PORTS,	   /* flood with no other port */
	KVNET_DROP_REDIRECT,	   /* redirect helper failed */
	KVNET_DROP_NOT_ROUTED,	   /* IPv4 the network must not route: to or from
				      beyond the gateway in an isolated network */
	KVNET_DROP_LINK_LOCAL,	   /* 01:80:c2:00:00:0x (STP, pause, LACP, LLDP,
				      802.1X): never forwarded, as by a bridge */
	KVNET_DROP_MAX
};

/* Per-port counters, one per CPU (PERCPU_ARRAY indexed by the port's
 * stats_idx). rx is what entered the switch from the port, tx what the
 * switch sent out of it. */
struct kvnet_port_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 flood_packets; /* rx frames that were flooded */
	__u64 drops[KVNET_DROP_MAX];
};

enum kvnet_config_flags {
	/* The network does not route (isolated mode): IPv4 through the gateway
	 * port must come from or go to the gateway address itself. */
	KVNET_CFG_NO_ROUTE = 1 << 0,
};

/* Bumped whenever a map's key or value changes meaning, even at the same
 * size: a restarted kvnetd adopts running maps only of its own layout. */
#define KVNET_LAYOUT_VERSION 2

/* config map, one entry (key 0). */
struct kvnet_config {
	__u64 aging_ns; /* FDB entries older than this are ignored */
	__u32 nports;	/* valid entries in flood_list */
	__u32 flags;	/* enum kvnet_config_flags */
	__u32 gw_ip;	/* gateway IPv4 address, network byte order */
	__u32 gw_bcast; /* the subnet's broadcast address, network byte order */
	__u32 layout;	/* KVNET_LAYOUT_VERSION of the daemon that made the maps */
	__u32 reserved;
};

#endif /* KVNET_SHARED_H */
