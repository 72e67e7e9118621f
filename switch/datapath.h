/* SPDX-License-Identifier: GPL-2.0-only */
/* The datapath interface: what the network model (network.c) and the
 * control handlers (control.c) ask of the datapath of one network, behind
 * a table of operations (struct dp_ops), so that another datapath (the
 * userspace one of DESIGN.md) can be added without touching the callers.
 * The eBPF datapath (dp_ebpf.c) is the one implementation today.
 *
 * A network's datapath holds: its ports (each with flags and MTU), its
 * settings (struct dp_config), the FDB (pinned and learned MACs), per-port
 * counters, and a queue of punted frames (BPDUs) for the daemon. Every
 * operation that changes the datapath reports failure, with the errno and
 * what failed in the kv_error.
 */
#ifndef KVNET_DATAPATH_H
#define KVNET_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "kvnet_shared.h"
#include "kvnet_trace.h"
#include "switch/error.h"

struct dp_ops;
struct dp_nat;

/* Every datapath's handle starts with this (implementations embed it as
 * their first member). */
struct dp {
	const struct dp_ops *ops;
	bool adopted;	  /* it took over the state of one that still ran */
	/* Ports of a running datapath whose state could not be taken over
	 * (an upgrade): the caller detaches them unless it re-plugs them. */
	int orphans[KVNET_MAX_PORTS];
	int norphans;
	uint64_t aging_ns;
};

/* Settings that follow from the network's definition. */
struct dp_config {
	uint8_t uuid[16];     /* the network's, recorded in the datapath */
	bool no_route;	      /* isolated: IPv4 only to/from the gateway */
	bool ipv6;	      /* the network has IPv6 */
	bool stp;	      /* kvnetd runs STP: BPDUs are punted to it */
	bool dhcp;	      /* kvnetd serves DHCP: client messages punted */
	unsigned dhcp_rate;   /* client messages per second per port; 0: any */
	unsigned dhcp_burst;
	uint32_t gw_ip;	      /* network byte order; 0 without <ip> */
	uint32_t gw_bcast;    /* network byte order */
	unsigned aging_s;     /* FDB aging */
	unsigned learn_max;   /* MACs one untrusted port may learn; 0: no cap */
	unsigned flood_rate;  /* floods per second one port may start; 0: none */
	unsigned flood_burst;
	/* Networks that route (nat, route, open); see struct kvnet_config. */
	bool routes;
	bool nat;
	bool open;
	int gw_ifindex;	      /* the host side of the gateway */
	int uplink_ifindex;   /* <forward dev=>; 0: any */
	uint32_t subnet, mask; /* network byte order */
	uint16_t nat_port_min, nat_port_max;
	uint32_t nat_addr_min, nat_addr_max; /* network byte order; 0: none */
	unsigned nat_flows_max; /* flows one untrusted port may hold; 0: any */
	uint32_t net_id;      /* the network's id in conntrack */
	uint8_t gw_mac[6];    /* the gateway's MAC */
};

/* One port as the datapath sees it. */
struct dp_port {
	int ifindex;
	uint32_t flags; /* enum kvnet_port_flags */
	unsigned mtu;
};

/* How to open a network's datapath. With nports > 0 it takes over the
 * datapath that still runs on those ports (a daemon restart). */
struct dp_open_args {
	const char *bpffs; /* where pins live; "" for none */
	const char *net;   /* network name */
	unsigned fdb_max;  /* learned FDB capacity; 0 = default */
	const int *ports;
	int nports;
	struct dp_nat *nat; /* the daemon-wide conntrack maps to share, or NULL */
};

/* Anti-spoofing: what one port may send from (see ebpf/lib/spoof.h). */
struct dp_binding {
	int ifindex;
	struct kvnet_port_addrs addrs;
};

/* An address bound or reserved: no port without a binding may use it. */
struct dp_owner {
	uint32_t ip;	/* network byte order */
	int ifindex;	/* 0: reserved for a MAC no port pins */
};

struct dp_fdb_entry {
	struct kvnet_fdb_key key;
	struct kvnet_fdb_val val; /* flags KVNET_FDB_STATIC for pinned MACs */
};

/* A sweep's progress: the sweep runs in slices, one per call. */
struct dp_sweep {
	int deleted; /* entries deleted in this slice */
	unsigned seen; /* entries read in this slice */
	bool done;   /* the slice finished a whole pass over the FDB */
};

struct dp_ops {
	const char *name;
	int (*open)(struct dp **out, const struct dp_open_args *a, struct kv_error *e);
	/* Close our handles; the datapath keeps forwarding. */
	void (*close)(struct dp *dp);
	/* Remove what outlives the process (pins), after every detach. */
	void (*forget)(struct dp *dp);
	int (*configure)(struct dp *dp, const struct dp_config *c, struct kv_error *e);
	/* Add or update a port and start switching its frames. */
	int (*port_attach)(struct dp *dp, const struct dp_port *p, struct kv_error *e);
	/* New facts about a port (MTU, flags). */
	int (*port_update)(struct dp *dp, const struct dp_port *p, struct kv_error *e);
	/* Stop switching the port's frames and forget it (and, with flush,
	 * the MACs learned on it). */
	int (*port_detach)(struct dp *dp, int ifindex, bool flush);
	int (*fdb_pin)(struct dp *dp, const uint8_t mac[6], int ifindex, struct kv_error *e);
	int (*fdb_unpin)(struct dp *dp, const uint8_t mac[6]);
	int (*fdb_dump)(struct dp *dp, struct dp_fdb_entry **out, int *n);
	/* One page of the FDB, as fdb_dump lists it (pinned entries, then the
	 * learned ones not pinned), for a reader that takes it a piece at a
	 * time: *cursor is 0 for the first page and is set to where the next
	 * one starts, or to 0 after the last. The order survives changes
	 * between pages: an entry that stays is listed once, one learned
	 * meanwhile may or may not be. About max entries (malloc'd, in *out):
	 * a page may be short, even empty, before the last, and longer only
	 * when the datapath cannot split what it reads at once (a hash
	 * bucket). -EINVAL for a cursor it never gave out. */
	int (*fdb_page)(struct dp *dp, uint64_t *cursor, int max, struct dp_fdb_entry **out,
			int *n);
	int (*fdb_flush_port)(struct dp *dp, int ifindex);
	/* Age out up to budget learned entries; see struct dp_sweep. */
	int (*fdb_sweep)(struct dp *dp, unsigned budget, struct dp_sweep *out);
	/* The conntrack sweep's recount of the flows each port opened: one
	 * live flow of the port's, then (at the end of a pass) write every
	 * port's count where the datapath caps it, and start again. */
	void (*flows_count)(struct dp *dp, int ifindex);
	void (*flows_publish)(struct dp *dp);
	int (*port_stats)(struct dp *dp, int ifindex, struct kvnet_port_stats *out);
	/* The ifindexes of the ports the datapath knows. */
	int (*port_list)(struct dp *dp, int *ifindexes, int max);
	/* What the datapath knows of one port: 0, or -ENOENT. */
	int (*port_get)(struct dp *dp, int ifindex, struct dp_port *out);
	/* Make the anti-spoofing maps hold exactly these bindings and owners
	 * (what is not listed goes); a frame sees each entry whole. */
	int (*bind_sync)(struct dp *dp, const struct dp_binding *b, int nb,
			 const struct dp_owner *o, int no);
	/* The binding of one port as the datapath holds it: 0, or -ENOENT. */
	int (*bind_get)(struct dp *dp, int ifindex, struct kvnet_port_addrs *out);
	/* fd that polls readable when punted frames wait, or -1. */
	int (*punt_fd)(struct dp *dp);
	/* Hand every waiting punted frame to fn. */
	int (*punt_read)(struct dp *dp, void (*fn)(void *arg, const struct kvnet_punt *p),
			 void *arg);
	/* Packet-path tracing (ebpf/kvnet_trace.h): the sessions in mask
	 * trace with the filters f[i] (the others stop). */
	int (*trace_set)(struct dp *dp, __u32 mask, const struct kvnet_trace_filter *f);
	/* fd that polls readable when trace events wait, or -1. */
	int (*trace_fd)(struct dp *dp);
	/* Watch the kernel's drops of the frames a trace follows into it
	 * (its tracepoints), or stop. Returns 1 if that changed the watch,
	 * 0 if not, or a negative errno. */
	int (*trace_watch_kernel)(struct dp *dp, bool on);
	/* When a traced frame was last followed into the kernel (ns of
	 * CLOCK_MONOTONIC), or 0: never, or more than a second ago (it may
	 * be set back then; read it more often than that). */
	uint64_t (*trace_followed_ns)(struct dp *dp);
	/* Hand every waiting event to fn; *lost: the events the datapath had
	 * no room for, since it was loaded. */
	int (*trace_read)(struct dp *dp, void (*fn)(void *arg, const struct kvnet_trace_event *ev),
			  void *arg, uint64_t *lost);
	/* A dry run (`kvnet trace --inject`): the datapath's program, run on
	 * the frame as if it had entered the port at ifindex, over a copy of
	 * the network's state, so that nothing is sent and nothing changes.
	 * Every stage's event goes to fn; *verdict is the program's tc
	 * verdict. */
	int (*inject)(struct dp *dp, int ifindex, const void *frame, size_t len,
		      void (*fn)(void *arg, const struct kvnet_trace_event *ev), void *arg,
		      int *verdict, struct kv_error *e);
	/* The port at ifindex (attached already) is a bridged network's
	 * uplink, a host NIC whose address host_mac is the host's: watch the
	 * host's own frames leaving it too, and pin host_mac to it as the
	 * host's (guest frames for it go up to the host, not out). Again
	 * with a new MAC when the NIC's changes (unpin the old one). Undone
	 * by port_detach. */
	int (*uplink_attach)(struct dp *dp, int ifindex, const uint8_t host_mac[6],
			     struct kv_error *e);
};

extern const struct dp_ops dp_ebpf_ops;

/* The calls, dispatched through dp->ops. */
int dp_open(const struct dp_ops *ops, struct dp **out, const struct dp_open_args *a,
	    struct kv_error *e);
void dp_close(struct dp *dp);
void dp_forget(struct dp *dp);
int dp_configure(struct dp *dp, const struct dp_config *c, struct kv_error *e);
int dp_port_attach(struct dp *dp, const struct dp_port *p, struct kv_error *e);
int dp_port_update(struct dp *dp, const struct dp_port *p, struct kv_error *e);
int dp_port_detach(struct dp *dp, int ifindex, bool flush);
int dp_fdb_pin(struct dp *dp, const uint8_t mac[6], int ifindex, struct kv_error *e);
int dp_fdb_unpin(struct dp *dp, const uint8_t mac[6]);
int dp_fdb_dump(struct dp *dp, struct dp_fdb_entry **out, int *n);
int dp_fdb_page(struct dp *dp, uint64_t *cursor, int max, struct dp_fdb_entry **out, int *n);
int dp_fdb_flush_port(struct dp *dp, int ifindex);
int dp_fdb_sweep(struct dp *dp, unsigned budget, struct dp_sweep *out);
void dp_flows_count(struct dp *dp, int ifindex);
void dp_flows_publish(struct dp *dp);
int dp_port_stats(struct dp *dp, int ifindex, struct kvnet_port_stats *out);
int dp_port_list(struct dp *dp, int *ifindexes, int max);
int dp_port_get(struct dp *dp, int ifindex, struct dp_port *out);
int dp_bind_sync(struct dp *dp, const struct dp_binding *b, int nb, const struct dp_owner *o,
		 int no);
int dp_bind_get(struct dp *dp, int ifindex, struct kvnet_port_addrs *out);
int dp_punt_fd(struct dp *dp);
int dp_punt_read(struct dp *dp, void (*fn)(void *arg, const struct kvnet_punt *p),
		 void *arg);
int dp_uplink_attach(struct dp *dp, int ifindex, const uint8_t host_mac[6],
		     struct kv_error *e);
int dp_trace_set(struct dp *dp, __u32 mask, const struct kvnet_trace_filter *f);
int dp_trace_fd(struct dp *dp);
int dp_trace_watch_kernel(struct dp *dp, bool on);
uint64_t dp_trace_followed_ns(struct dp *dp);
int dp_trace_read(struct dp *dp, void (*fn)(void *arg, const struct kvnet_trace_event *ev),
		  void *arg, uint64_t *lost);
int dp_inject(struct dp *dp, int ifindex, const void *frame, size_t len,
	      void (*fn)(void *arg, const struct kvnet_trace_event *ev), void *arg, int *verdict,
	      struct kv_error *e);

/* Detach and forget every port that keep() rejects (ports that vanished
 * or were removed while the daemon was down). */
void dp_ports_prune(struct dp *dp, bool (*keep)(int ifindex, void *arg), void *arg);

/* Is the entry past the aging time (and so ignored by the datapath)? */
bool dp_fdb_entry_expired(const struct dp *dp, const struct kvnet_fdb_val *v,
			  uint64_t now);

/* "too-big" etc., as in docs/protocol.md. */
const char *dp_drop_name(unsigned reason);
/* Reasons that count an event, not a frame lost (the frame went on, or
 * was consumed by kvnetd). */
bool dp_drop_is_event(unsigned reason);
uint64_t dp_now_ns(void);

/* eBPF facts about a device, whatever network (or daemon) put them there:
 * does it run a kvnet program at its tcx ingress, and detach it. */
bool dp_ebpf_attached(int ifindex);
/* The uuid of the network whose switch runs at ifindex's tcx ingress.
 * Returns 1 (uuid filled; all zero from a kvnetd that did not record
 * one), 0 if no kvnet program runs there, or -errno. */
int dp_ebpf_probe(int ifindex, uint8_t uuid[16]);
void dp_ebpf_detach_any(int ifindex);
/* The map called name (KVNET_MAP_*) of the kvnet switch at ifindex's tcx
 * ingress, as an fd (for test tools), or -ENOENT. */
int dp_ebpf_map_fd(int ifindex, const char *name);
/* Remove the pins of network net under bpffs (a network that no longer
 * runs). */
void dp_ebpf_unpin(const char *bpffs, const char *net);
/* Make sure dir is a bpffs, mounting one there if it is not. */
int dp_ebpf_ensure_bpffs(const char *dir, struct kv_error *e);

#endif /* KVNET_DATAPATH_H */
