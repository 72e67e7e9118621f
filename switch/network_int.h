/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals shared by the network model's files (network.c,
 * network_port.c, network_stp.c), and by no one else. */
#ifndef KVNET_NETWORK_INT_H
#define KVNET_NETWORK_INT_H

#include "switch/network.h"

#define ALIAS_PREFIX "kvnet:"
#define ALIAS_MAX 96

/* FDB entries the aging sweep reads per network per tick. */
/* FDB entries the aging sweeps read per tick, over all networks together
 * (a few ms of the loop, however many networks age at once). */
#define NETW_SWEEP_BUDGET 2048

struct kv_port *netw_port_by_name(struct kv_network *n, const char *iface);
struct kv_port *netw_port_by_ifindex(struct kv_network *n, int ifindex);
/* The name of the guest behind p, when kvnet knows it: the hostname its
 * lease carries, else the name of the reservation (<host name=>) for its
 * address or for its pinned MAC. NULL if none, or if it is the port's own
 * name; the name is copied to buf. */
/* The name `kvnet vm run` gave the guest on the port at ifindex, or "". */
const char *netw_port_guest_at(const struct kv_network *n, int ifindex);
const char *netw_port_guest(const struct kv_network *n, const struct kv_port *p, char *buf,
			    size_t len);
/* The datapath flags of p, from what the device says (li). */
uint32_t netw_port_flags(const struct kv_network *n, const struct kv_port *p,
			 const struct link_info *li);
/* Bring the device up if needed, add it to the datapath, pin its MAC. */
int netw_port_plug(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
		   const struct link_info *li, struct kv_error *e);
/* The lowest port number no port of n has. */
unsigned netw_port_no_free(const struct kv_network *n);
/* Write n's runtime record (netrec.h) as it stands: before a change to the
 * kernel (the intent) and after it. */
int netw_save_runtime(struct kvnetd *d, const struct kv_network *n, struct kv_error *e);
/* Log a finding about n and keep it for `net show`. */
void netw_note(struct kv_network *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Does the device carry n's mark (alias kvnet:<name>:...)? */
bool netw_owns_device(const struct kv_network *n, const struct link_info *li);
void netw_delete_owned(struct kvnetd *d, struct kv_network *n, int ifindex);
/* Undo everything of n in the kernel: ports detached, owned devices
 * deleted, the datapath forgotten. */
void netw_teardown(struct kvnetd *d, struct kv_network *n);
int netw_dp_open(struct kvnetd *d, struct kv_network *n, const int *ports, int nports,
		 struct kv_error *e);
int netw_dp_configure(struct kv_network *n, struct kv_error *e);
/* Create the gateway veth pair, address it and plug it in. */
int netw_gateway_up(struct kvnetd *d, struct kv_network *n, struct kv_error *e);

/* network_punt.c: the punt ring's watch (BPDUs to STP, DHCP messages). */
void netw_punt_ready(struct loop_watch *w);

/* network_dns.c: what the DNS service (dnsd.h) knows of the network. */
struct dns_zone;
struct dns_upstream;
/* Does it serve DNS on its gateway (an <ip>, not <dns enable='no'>, not
 * bridged)? DHCP then hands out the gateway as the DNS server. */
bool netw_serves_dns(const struct net_def *def);
/* Serve DNS on it (dnsd.h); a failure is noted, not fatal. */
void netw_dns_start(struct kvnetd *d, struct kv_network *n);
/* Serve it again from new sockets (its gateway device was recreated). */
void netw_dns_restart(struct kvnetd *d, struct kv_network *n);
/* Its names changed: the zone is built again before the next answer. */
void netw_dns_stale(struct kv_network *n);
void netw_dns_zone(const struct kv_network *n, struct dns_zone *z);
/* Its upstreams, at most max: the <forwarder>s, and the host's resolvers
 * unless a forwarder serves every name. Returns how many. */
int netw_dns_upstreams(const struct kvnetd *d, const struct kv_network *n,
		       struct dns_upstream *up, int max);

/* network.c: the daemon-wide NAT maps, loaded on first use. */
struct dp_nat *netw_nat(struct kvnetd *d);

/* network_route.c: networks that route (nat, route, open). */
bool netw_routes(const struct net_def *def);
uint32_t netw_net_id(const struct net_def *def);
/* One tick of the conntrack sweep (expired flows out, per-port recount). */
void netw_ct_sweep(struct kvnetd *d);
/* Fill c's routing part (nothing for a network that does not route). */
int netw_route_config(struct kvnetd *d, const struct kv_network *n, struct dp_config *c);
/* Can it start (the NAT datapath, <forward dev=>)? */
int netw_route_check(struct kvnetd *d, const struct kv_network *n, struct kv_error *e);
/* After the gateway is up: settings, the subnet in the NAT maps, uplinks. */
int netw_route_up(struct kvnetd *d, struct kv_network *n, struct kv_error *e);
/* Before teardown: its subnet and flows out of the NAT maps. */
void netw_route_down(struct kvnetd *d, struct kv_network *n);
/* Attach the uplink program where it belongs, detach it elsewhere. */
void netw_uplinks_sync(struct kvnetd *d);
/* Is def's identity (uuid, bridge, forwarded host ports) free of every
 * other network's live and next definitions? */
int netw_check_unique(struct kvnetd *d, const struct net_def *def, struct kv_error *e);
/* Do a and b say the same (the same XML)? */
bool netw_defs_equal(const struct net_def *a, const struct net_def *b);
/* May a live change (dhcp host, forward) rewrite n's stored definition?
 * Not while a next definition is pending: it would overwrite it. */
int netw_check_live_edit(const struct kv_network *n, struct kv_error *e);
/* Add def to the table, or replace the definition of the same name. */
int netw_insert(struct kvnetd *d, const struct net_def *def, struct kv_network **out,
		struct kv_error *e);
/* Is the interface name free for a device kvnet is about to create? A
 * leftover carrying alias whose live_side runs no kvnet program is deleted;
 * anything else is refused. */
int netw_name_taken(struct kvnetd *d, const char *name, const char *alias,
		    const char *live_side, struct kv_error *e);

/* network_fwd.c: port forwards. Serve def's forwards through gateway
 * device gw_ifindex (after the subnet is in the NAT maps; again when the
 * gateway changes or a restart adopts the network); stop serving them and
 * take them out of the NAT maps; let go of the proxies only (kvnetd
 * exits: forwards keep working from outside); periodic work. */
void netw_fwd_up(struct kvnetd *d, struct kv_network *n, int gw_ifindex);
void netw_fwd_down(struct kvnetd *d, struct kv_network *n);
void netw_fwd_release(struct kv_network *n);
void netw_fwd_tick(struct kvnetd *d, struct kv_network *n);
/* Does another network forward one of def's host ports? */
int netw_fwd_check_unique(struct kvnetd *d, const struct net_def *def, struct kv_error *e);

/* network_addr.c: anti-spoofing bindings. Compute what every port of n
 * may send from (statics, its pinned MAC's reservation, its leases) and
 * make the datapath hold exactly that. */
void netw_bind_sync(struct kv_network *n);
/* Do these lease changes alter a binding? */
bool netw_bind_lease_touched(const struct kv_network *n, const struct dhcp_changes *ch);
/* Has a bound lease ended (expired) since the last sync? */
bool netw_bind_leases_stale(const struct kv_network *n);

/* The active network whose port iface (or ifindex) is, or NULL. */
struct kv_network *netw_owner_of(struct kvnetd *d, const char *iface, int ifindex);

/* network_uplink.c: a bridged network's uplink (a host NIC). */
int netw_uplink_check(struct kvnetd *d, struct kv_network *n, struct kv_error *e);
/* Make it a port of n (net start). */
int netw_uplink_up(struct kvnetd *d, struct kv_network *n, struct kv_error *e);
/* Plug the uplink port p in: at start, and when a restart adopts it. */
int netw_uplink_plug(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
		     const struct link_info *li, struct kv_error *e);
/* Leave the device as kvnet found it (after the datapath let go). */
void netw_uplink_release(struct kvnetd *d, struct kv_port *p);
/* New facts about the uplink's device (its MAC, the host's). */
void netw_uplink_recheck(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
			 const struct link_info *li);
/* network_stp.c */
/* Does kvnetd run STP on n? Not on a bridged network's LAN. */
bool netw_stp_enabled(const struct kv_network *n);
void netw_stp_start(struct kvnetd *d, struct kv_network *n);
/* A BPDU the datapath punted. */
void netw_stp_bpdu(struct kvnetd *d, struct kv_network *n, const struct kvnet_punt *pk);

/* network_services.c: start and stop the network's services (DHCP, DNS,
 * STP and the punt ring's watch). */
int netw_services_start(struct kvnetd *d, struct kv_network *n, struct kv_error *e);
void netw_services_stop(struct kvnetd *d, struct kv_network *n);
/* A port joined: send it a hello at once, so a loop shows right away. */
void netw_stp_port_added(struct kvnetd *d, struct kv_network *n, struct kv_port *p);
void netw_stp_tick(struct kvnetd *d, struct kv_network *n, uint64_t now_ms);

#endif /* KVNET_NETWORK_INT_H */
