/* SPDX-License-Identifier: GPL-2.0-only */
/* The eBPF datapath of one network, as the daemon sees it: loading the
 * switch program from its skeleton (or adopting the maps of a copy that is
 * still attached after a daemon restart), pinning under
 * <bpffs>/kvnet/<net>/, attaching it to ports, and reading and writing its
 * maps (ports, flood list, FDB, counters, config).
 *
 * Attachment: tcx ingress through BPF_PROG_ATTACH, not through a bpf_link.
 * The kernel itself then holds the program on the device, so forwarding
 * goes on when kvnetd dies, even when the bpffs its pins live in dies with
 * it (a bpffs mounted under `ip netns exec` lives in a private mount
 * namespace). A restarted kvnetd finds the maps again through its pins or,
 * failing that, by asking a port which program it runs (BPF_PROG_QUERY).
 */
#ifndef KVNET_DATAPATH_H
#define KVNET_DATAPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvnet_shared.h"
#include "switch/error.h"

struct switch_bpf;

struct dp_net {
	struct switch_bpf *skel;
	int prog_fd;
	int fdb_fd, ports_fd, flood_fd, stats_fd, config_fd;
	char pin_dir[PATH_MAX]; /* "" when pinning is not possible */
	uint64_t aging_ns;
	bool adopted;		/* the maps are the running datapath's */
	/* Ports of a running datapath whose maps could not be adopted: the
	 * caller detaches the old program from those it does not re-plug. */
	int orphans[KVNET_MAX_PORTS];
	int norphans;
};

struct dp_fdb_entry {
	struct kvnet_fdb_key key;
	struct kvnet_fdb_val val;
};

/* Make sure dir is a bpffs, mounting one there if it is not. */
int dp_ensure_bpffs(const char *dir, struct kv_error *e);

/* Load the datapath of network `net`, with fresh maps (fdb sized fdb_max),
 * or, with adopt (nports > 0), over the maps of the datapath that still
 * runs: found through the program attached to the first of ports[] that
 * has one, else through the pins under <bpffs>/kvnet/<net>/. Maps whose
 * layout this build does not share (an upgrade) are not adopted: the
 * switch then starts with an empty FDB and zero counters, keeps
 * forwarding, and lists the old datapath's ports in dp->orphans. */
int dp_open(struct dp_net *dp, const char *bpffs, const char *net,
	    unsigned fdb_max, const int *ports, int nports, struct kv_error *e);
/* Detach any kvnet program from ifindex (one this dp_net may not know). */
void dp_detach_any(int ifindex);
/* Does ifindex run a kvnet program (ours or anyone's)? */
bool dp_attached(int ifindex);
/* Close our handles; attachments, maps and pins stay. */
void dp_close(struct dp_net *dp);
/* Remove the pins (after every port has been detached). */
void dp_unpin(struct dp_net *dp);

int dp_set_aging(struct dp_net *dp, unsigned seconds);
/* A network that must not route: IPv4 through the gateway port only to or
 * from gw_ip (and the broadcast/multicast addresses). Network byte order. */
void dp_set_no_route(struct dp_net *dp, bool on, uint32_t gw_ip, uint32_t gw_bcast);
/* Add or update a port and attach the program to its tcx ingress
 * (replacing any older kvnet program already there). */
int dp_port_attach(struct dp_net *dp, int ifindex, uint32_t flags,
		   unsigned mtu, struct kv_error *e);
/* New facts about a port's device (its MTU, where its veth peer lives). */
int dp_port_update(struct dp_net *dp, int ifindex, unsigned mtu, uint32_t flags);
/* Detach (if the device still exists), forget the port and its MACs. */
void dp_port_detach(struct dp_net *dp, int ifindex);
/* The same, without forgetting the port's MACs one by one (for a whole
 * network going away: its maps are freed anyway). */
void dp_port_detach_fast(struct dp_net *dp, int ifindex);

int dp_fdb_add_static(struct dp_net *dp, const uint8_t mac[6], int ifindex);
/* Fill *out (malloc'd) with every FDB entry. */
int dp_fdb_dump(struct dp_net *dp, struct dp_fdb_entry **out, int *n);
/* Is the entry past the aging time (and so ignored by the datapath)? */
bool dp_fdb_entry_expired(const struct dp_net *dp, const struct kvnet_fdb_val *v,
			  uint64_t now);
/* Delete dynamic entries older than the aging time; returns how many. */
int dp_fdb_expire(struct dp_net *dp);
/* Delete every entry that points at ifindex. */
void dp_fdb_flush_port(struct dp_net *dp, int ifindex);

/* Sum one port's per-CPU counters. */
int dp_port_stats(struct dp_net *dp, int ifindex, struct kvnet_port_stats *out);

/* "too-big" etc., as in docs/protocol.md. */
const char *dp_drop_name(unsigned reason);
uint64_t dp_now_ns(void);


/* Detach and forget every port in the ports map that keep() rejects (ports
 * that vanished or were removed while the daemon was down), then rewrite
 * the flood list from what remains. */
void dp_ports_prune(struct dp_net *dp, bool (*keep)(int ifindex, void *arg),
		    void *arg);

#endif /* KVNET_DATAPATH_H */
