/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon-wide part of the eBPF datapath: connection tracking and NAT
 * (layout in nat/nat_shared.h). One set of maps serves every network, so
 * that flows and ports are unique host-wide; every network's switch
 * program is loaded over them (dp_nat_reuse), and the uplink program
 * (ebpf/uplink.bpf.c) runs at the tcx ingress of the host's own devices.
 *
 * Like the switch, the uplink program is attached with BPF_PROG_ATTACH, so
 * it keeps translating while kvnetd is down, and a restarted kvnetd takes
 * the running maps over (found through an attached uplink program, else
 * the pins under <bpffs>/kvnet/.nat/): flows survive a restart.
 */
#ifndef KVNET_DP_NAT_H
#define KVNET_DP_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include "kvnet_trace.h"
#include "nat/nat_shared.h"
#include "switch/error.h"

struct bpf_object;

enum dp_nat_map { DPN_CT, DPN_CFG, DPN_STATS, DPN_NETS, DPN_FWD, DPN_COUNT };

struct dp_nat;

/* Load (or take over) the daemon-wide maps and the uplink program. */
int dp_nat_open(struct dp_nat **out, const char *bpffs, struct kv_error *e);
/* Close our handles; what runs keeps running. */
void dp_nat_close(struct dp_nat *nat);
bool dp_nat_adopted(const struct dp_nat *nat);
/* Make a skeleton's copies of the daemon-wide maps these ones, before it
 * is loaded. */
int dp_nat_reuse(struct dp_nat *nat, struct bpf_object *obj);
int dp_nat_fd(const struct dp_nat *nat, enum dp_nat_map m);
/* The trace ring (a map fd) of network net_id, where the uplink program
 * reports the replies of traced flows (ebpf/lib/trace_flow.h), and its
 * sessions' filters (tn), while a trace runs there; ring_fd -1: none
 * now (tn unused). */
int dp_nat_trace_ring(struct dp_nat *nat, uint32_t net_id, int ring_fd,
		      const struct kvnet_trace_net *tn);
/* Events the uplink program had no room for in a trace ring, over every
 * network. */
uint64_t dp_nat_trace_lost(const struct dp_nat *nat);

/* The conntrack timeouts (seconds; 0 keeps the default). */
int dp_nat_set_timeouts(struct dp_nat *nat, const struct kvnet_nat_cfg *t, struct kv_error *e);

/* A routing network's subnet, for the uplink program. */
int dp_nat_net_add(struct dp_nat *nat, uint32_t subnet, unsigned prefix,
		   const struct kvnet_nat_net *v, struct kv_error *e);
void dp_nat_net_del(struct dp_nat *nat, uint32_t subnet, unsigned prefix);
/* Forget every flow of net_id. */
void dp_nat_flush_net(struct dp_nat *nat, uint32_t net_id);

/* Port forwards (dp_nat_fwd.c): the nat_fwd entry of proto and host port
 * (host byte order); delete it if it is net_id's; delete net_id's entries
 * that keep (NULL: none) does not want. */
int dp_nat_fwd_set(struct dp_nat *nat, uint8_t proto, uint16_t port,
		   const struct kvnet_nat_fwd *v, struct kv_error *e);
void dp_nat_fwd_del(struct dp_nat *nat, uint32_t net_id, uint8_t proto, uint16_t port);
void dp_nat_fwd_prune(struct dp_nat *nat, uint32_t net_id,
		      bool (*keep)(void *arg, uint8_t proto, uint16_t port), void *arg);
/* Forget the flows a forward opened: net_id's DNATed flows of proto to
 * host_port, translated to to_addr:to_port (the address in network byte
 * order, the ports in host byte order). */
void dp_nat_flush_fwd(struct dp_nat *nat, uint32_t net_id, uint8_t proto, uint16_t host_port,
		      uint32_t to_addr, uint16_t to_port);

/* The uplink program at a device's tcx ingress. */
int dp_nat_attach(struct dp_nat *nat, int ifindex, struct kv_error *e);
void dp_nat_detach(struct dp_nat *nat, int ifindex);
/* Does a kvnet uplink program (ours or an earlier kvnetd's) run there? */
bool dp_nat_attached(int ifindex);
void dp_nat_detach_any(int ifindex);

/* What the sweep tells its caller: each live masqueraded flow with the
 * network and guest port that opened it, and the end of each pass over
 * the table (the per-port recount, <kvnet:conntrack port-max>). */
struct dp_nat_gc_cb {
	void (*live_flow)(void *ctx, uint32_t net_id, int origin_ifindex);
	void (*pass_done)(void *ctx);
};

/* Delete expired flows, reading up to budget entries; resumes where the
 * last call stopped. Returns flows deleted. */
int dp_nat_gc(struct dp_nat *nat, unsigned budget, const struct dp_nat_gc_cb *cb, void *ctx);

/* One flow, as `kvnet conntrack` lists it. */
struct dp_ct_flow {
	struct kvnet_ct_key orig;  /* as the first packet came */
	struct kvnet_ct_val val;   /* the original entry */
	struct kvnet_ct_val reply; /* the reply entry (zero if missing) */
	int64_t expires_in_ns;	   /* <0: expired, not yet deleted */
};

/* Every live flow of net_id (all networks with 0), malloc'd into *out. */
int dp_nat_flows(struct dp_nat *nat, uint32_t net_id, struct dp_ct_flow **out, int *n);
/* Daemon-wide counters (nat_stats), summed over CPUs. */
int dp_nat_stats(struct dp_nat *nat, uint64_t out[KVNET_NAT_STAT_SLOTS]);

#endif /* KVNET_DP_NAT_H */
