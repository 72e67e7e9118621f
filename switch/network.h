/* SPDX-License-Identifier: GPL-2.0-only */
/* The network model of kvnetd: defined networks, their lifecycle
 * (define/start/stop/undefine, autostart), their ports, and the daemon
 * context that holds them. Every operation checks everything it can before
 * it changes anything, and undoes what it did if a later step fails, so a
 * refused request leaves no trace. Runtime state (which networks run, with
 * which ports) is written to the run dir after every change, so a restarted
 * kvnetd adopts what is still running in the kernel.
 *
 * network.c: definitions, start/stop, restart adoption; network_port.c:
 * ports and link events; network_stp.c: STP (stp.c) wired to the ports. */
#ifndef KVNET_NETWORK_H
#define KVNET_NETWORK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "common/addr.h"
#include "common/hash.h"
#include "dns/dns_rate.h"
#include "nat/nat_shared.h"
#include "switch/datapath.h"
#include "switch/dhcpd.h"
#include "switch/error.h"
#include "switch/link.h"
#include "switch/loop.h"
#include "switch/netrec.h"
#include "switch/netxml.h"
#include "switch/stp.h"
#include "switch/store.h"

/* The same values as the record's (netrec.h). */
enum port_kind {
	PORT_KIND_OTHER = NETREC_KIND_OTHER,
	PORT_KIND_VETH = NETREC_KIND_VETH,
	PORT_KIND_TAP = NETREC_KIND_TAP,
	PORT_KIND_GATEWAY = NETREC_KIND_GATEWAY,
	PORT_KIND_UPLINK = NETREC_KIND_UPLINK, /* bridged mode's host NIC */
};

/* Work left on a network after start-up (network_restore.c). */
enum netw_pending { NETW_PENDING_NONE, NETW_PENDING_ADOPT, NETW_PENDING_START };

/* What kvnetd is doing with a network, as its record says (intent). */
enum netw_op { NETW_OP_NONE, NETW_OP_STARTING, NETW_OP_STOPPING };

/* Findings of the last reconciliation with the kernel, for `net show`. */
#define NETW_NOTES 8
#define NETW_NOTE_LEN 200

/* Addresses `kvnet port addr add` binds to one port. */
#define KV_PORT_STATIC_MAX NETREC_ADDRS_MAX
#define KV_GUEST_MAX NETREC_GUEST_MAX
/* queues of a multiqueue tap (the kernel allows 256; qemu's virtio-net
 * pairs each with a vCPU, so this is far beyond any real guest) */
#define KVNET_TAP_QUEUES_MAX 64

struct kv_port {
	char iface[IFNAMSIZ];	/* name users know (gateway: the bridge name) */
	int ifindex;		/* the device the datapath is attached to */
	int dev_ifindex;	/* gateway: host-side device holding the IP */
	int peer_ifindex;	/* veth whose peer is in our netns: the peer */
	enum port_kind kind;
	bool owned;		/* kvnet created it and deletes it */
	bool trusted;
	bool has_guest_mac;	/* a static FDB entry pins guest_mac here */
	uint8_t guest_mac[6];
	uint32_t addrs[KV_PORT_STATIC_MAX]; /* static bindings, network order */
	int naddrs;
	uint32_t lease_ips[KVNET_PORT_ADDRS_MAX]; /* leased to it, as last bound */
	int nlease_ips;
	uint8_t host_mac[6];	/* uplink: the NIC's MAC, pinned as the host's */
	bool promisc;		/* uplink: kvnet turned IFF_PROMISC on */
	unsigned no;		/* port number (STP port id), 1.. */
	struct stp_port stp;
	enum netrec_op op;	/* being added or removed (the record says) */
	char guest[KV_GUEST_MAX]; /* the guest's name (`kvnet vm run`), or "" */
};

struct fwd_proxy;

struct trace_session;
struct dnsd;

struct kv_network {
	struct net_def def; /* while it runs: the live definition */
	/* While it runs: the stored definition for its next start, when
	 * `net define` gave it one that differs from the live one (it becomes
	 * def at stop); NULL otherwise. */
	struct net_def *next_def;
	bool active;
	bool route_up;	/* routes: its subnet is in the NAT maps */
	bool stale;	/* still runs from an earlier kvnetd that could not be
			   adopted: start refused, stop cleans it up */
	bool autostart;
	bool transient;	/* undefined while it runs, or its definition file is
			   gone or unreadable: it runs from its live definition
			   (after a restart, the copy in its runtime record)
			   and is forgotten when it stops */
	enum netw_op op;
	enum netw_pending pending; /* adopt or autostart, from the event loop */
	bool annotate_from_dp;	   /* its record was unreadable */
	char degraded[NETW_NOTE_LEN]; /* why it runs short of something, or "" */
	char notes[NETW_NOTES][NETW_NOTE_LEN];
	int nnotes;
	struct dp *dp;
	struct kv_port ports[KVNET_MAX_PORTS];
	int nports;
	uint64_t next_expiry_ns; /* when netw_tick next sweeps the FDB */
	struct loop_watch punt;	 /* the datapath's punted frames (BPDUs, DHCP) */
	struct loop_watch trace; /* its trace ring, while a trace runs (trace.c) */
	struct trace_session *traces[KVNET_TRACE_SESSIONS]; /* by filter slot */
	uint64_t trace_busy_ns;	 /* when its trace last needed the kernel's
				    drops: a session began, or a frame was
				    followed into the kernel */
	uint64_t trace_watch_tried_ns; /* when it last put them on, or tried */
	struct dhcpd *dhcp;	 /* its DHCP service, if it serves DHCP */
	struct dnsd *dns;	 /* its DNS service, if it serves DNS */
	bool dns_stale;		 /* its names changed since the zone was built */
	struct kvnetd *d;	 /* for the watch's callback */
	struct stp_bridge stp;
	bool stp_on;
	uint64_t next_hello_ms;
	/* port forwards served now (network_fwd.c): each holds its host port */
	struct fwd_proxy *fwd_px[NET_MAX_FORWARDS];
	int nfwd_px;
	int fwd_gw_ifindex;    /* the gateway device they go through */
	uint64_t fwd_retry_ms; /* when forwards not served are tried again */
};

struct kvnetd {
	struct store store;
	struct dp_nat *nat; /* conntrack and NAT, shared by every network;
			       NULL until the first datapath loads, or if it
			       could not be loaded (nat_failed) */
	bool nat_failed;
	struct kvnet_nat_cfg nat_timeouts; /* kvnetd --conntrack-timeouts */
	struct link_ctx link;
	struct loop loop;
	char bpffs[PATH_MAX];
	char status_dir[PATH_MAX]; /* libvirt's <bridge>.status files */
	char resolv_conf[PATH_MAX]; /* the host's resolvers: DNS upstreams */
	struct dns_rate_cfg dns_rate; /* kvnetd --dns-rate: per guest address */
	struct kv_network **nets;
	int nnets;
	int sweep_first; /* the network the aging sweeps start with */
	bool uplinks_on; /* the uplink program is attached (a network routes) */
	struct guestd *guestd; /* the sandboxed parser of guests' bytes */
};

const char *port_kind_name(enum port_kind kind);

struct kv_network *netw_find(struct kvnetd *d, const char *name);
/* Load stored definitions and reconcile them with the kernel; what takes
 * long (adopting a running datapath, autostart) is left pending. */
int netw_restore(struct kvnetd *d);
/* Do one pending adoption or autostart. Returns false when none is left. */
bool netw_restore_step(struct kvnetd *d);
/* Finish n's pending work now (a request needs it). */
void netw_finish(struct kvnetd *d, struct kv_network *n);

/* Define a network, or redefine one. A network that runs keeps its live
 * definition: the new one is stored and becomes its next_def (libvirt's
 * net-define of an active network). */
int netw_define(struct kvnetd *d, const struct net_def *def,
		struct kv_network **out, struct kv_error *e);
/* Remove the stored definition and autostart. A network that runs goes on
 * as a transient one; a stopped one is forgotten (and freed). */
int netw_undefine(struct kvnetd *d, const char *name, struct kv_error *e);
int netw_start(struct kvnetd *d, struct kv_network *n, struct kv_error *e);
/* Stop n; a next_def becomes its definition. A transient network stays in
 * the table until netw_forget_if_transient (so the caller can show it). */
int netw_stop(struct kvnetd *d, struct kv_network *n, struct kv_error *e);
/* Forget (and free) n if it is transient and no longer runs; true if so. */
bool netw_forget_if_transient(struct kvnetd *d, struct kv_network *n);
int netw_set_autostart(struct kvnetd *d, struct kv_network *n, bool on,
		       struct kv_error *e);

/* What `kvnet port add` asks for besides the interface. */
struct port_add_req {
	bool tap;	    /* make a tap (else attach an existing device) */
	bool trusted;
	const char *mac;    /* the guest's MAC, pinned, or NULL */
	const char *guest;  /* the guest's name, or NULL */
	unsigned queues;    /* tap: 0/1, or a multiqueue tap's queues */
	long owner, group;  /* tap: who else may open it, or -1 */
	int *fds;	    /* tap: NULL for a persistent one; else it never is, and
			       its queues' descriptors (max(queues, 1)) come back
			       here on success, the caller's to hand on */
};

int netw_port_add(struct kvnetd *d, struct kv_network *n, const char *iface,
		  const struct port_add_req *req, struct kv_port **out,
		  struct kv_error *e);
int netw_port_del(struct kvnetd *d, struct kv_network *n, const char *iface,
		  struct kv_error *e);
const char *netw_port_name(const struct kv_network *n, int ifindex);
/* The ifindex users see for a port: the gateway's host-side device. */
int netw_port_user_ifindex(const struct kv_port *p);
int netw_user_ifindex(const struct kv_network *n, int ifindex);

/* Anti-spoofing (network_addr.c): addresses of statically configured
 * guests, bound to their port, live and recorded. ip is dotted quad. */
int netw_port_addr_add(struct kvnetd *d, struct kv_network *n, const char *iface,
		       const char *ip, struct kv_error *e);
int netw_port_addr_del(struct kvnetd *d, struct kv_network *n, const char *iface,
		       const char *ip, struct kv_error *e);

/* What a port may send from, as the datapath holds it. */
enum netw_guard {
	NETW_GUARD_EXEMPT,  /* trusted or the gateway: not checked */
	NETW_GUARD_UNBOUND, /* any address no other port owns, any MAC */
	NETW_GUARD_MAC,	    /* its pinned MAC; addresses as unbound */
	NETW_GUARD_BOUND,   /* its bound addresses (and MAC, if pinned) */
};
const char *netw_guard_name(enum netw_guard g);
enum netw_guard netw_port_guard(const struct kv_network *n, const struct kv_port *p,
				struct kvnet_port_addrs *out);

/* DHCP reservations, changed live and stored (network_dhcp.c). */
int netw_dhcp_host_add(struct kvnetd *d, struct kv_network *n, const struct net_dhcp_host *h,
		       struct kv_error *e);
int netw_dhcp_host_del(struct kvnetd *d, struct kv_network *n, const struct net_dhcp_host *h,
		       struct kv_error *e);

/* Port forwards, changed live and stored (network_fwd.c). A forward is
 * active while its network routes and kvnetd holds its host port. */
int netw_fwd_add(struct kvnetd *d, struct kv_network *n, const struct net_fwd *f,
		 struct kv_error *e);
int netw_fwd_del(struct kvnetd *d, struct kv_network *n, uint8_t proto, uint16_t host_port,
		 struct kv_error *e);
bool netw_fwd_active(const struct kv_network *n, uint8_t proto, uint16_t host_port);

/* A link changed (link.h); ifindex 0: re-check all. */
void netw_link_changed(struct kvnetd *d, const struct link_event *ev);
/* Periodic work: FDB aging, STP hellos and timers. */
void netw_tick(struct kvnetd *d);
void netw_free_all(struct kvnetd *d);

#endif /* KVNET_NETWORK_H */
