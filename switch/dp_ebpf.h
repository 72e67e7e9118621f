/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the eBPF datapath (dp_ebpf*.c), shared by its files and not
 * by anyone else: the handle, and the table of its maps.
 *
 * Loading: the switch program (ebpf/switch.bpf.c) comes from its skeleton.
 * On a daemon restart the maps of the program that still runs are taken
 * over map by map (dp_ebpf_adopt.c): each one whose version (map_versions)
 * and shape this build shares is reused, the others start fresh.
 *
 * Attachment: tcx ingress through BPF_PROG_ATTACH, not through a bpf_link.
 * The kernel itself then holds the program on the device, so forwarding
 * goes on when kvnetd dies, even when the bpffs its pins live in dies with
 * it (a bpffs mounted under `ip netns exec` lives in a private mount
 * namespace). A restarted kvnetd finds the maps again by asking a port
 * which program it runs (BPF_PROG_QUERY) or, failing that, through its
 * pins under <bpffs>/kvnet/<net>/.
 */
#ifndef KVNET_DP_EBPF_H
#define KVNET_DP_EBPF_H

#include <limits.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "switch/datapath.h"

/* libbpf 1.1 and Debian 12's UAPI headers predate tcx (kernel 6.6). */
#define DPE_TCX_INGRESS ((enum bpf_attach_type)46)
#define DPE_TCX_EGRESS ((enum bpf_attach_type)47)

struct switch_bpf;
struct switch_untraced_bpf;

struct dp_ebpf {
	struct dp base;
	struct switch_bpf *skel;     /* the maps; none of its programs */
	struct switch_bpf *traced;   /* the traced ingress program, once needed */
	struct switch_bpf *egress;   /* the egress program, once needed */
	struct switch_untraced_bpf *untraced; /* its untraced copy, or NULL */
	int prog_fd;		     /* what the ports run: one of these two */
	int traced_fd;
	int untraced_fd;
	int egress_fd;		   /* kvnet_egress: a bridged network's uplink */
	int fd[KVNET_MAPID_COUNT]; /* by enum kvnet_map_id */
	int versions_fd;
	struct dp_nat *nat;	   /* the daemon's conntrack, or NULL */
	__u32 net_id;		   /* as configured */
	char pin_dir[PATH_MAX];	   /* "" when pinning is not possible */
	struct ring_buffer *rb;	   /* punt consumer, made on first use */
	void (*punt_fn)(void *arg, const struct kvnet_punt *p);
	void *punt_arg;
	struct ring_buffer *trace_rb; /* trace consumer, made on first use */
#define DPE_TRACE_LINKS 2
	struct bpf_link *trace_links[DPE_TRACE_LINKS]; /* kfree_skb, consume_skb */
	void (*trace_fn)(void *arg, const struct kvnet_trace_event *ev);
	void *trace_arg;
	unsigned trace_taken; /* events taken in this read */
	/* aging sweep, one slice per call */
	bool sweeping;
	__u64 sweep_token;
	__u32 sweep_learned[KVNET_MAX_PORTS]; /* by stats_idx, this pass */
	__u32 sweep_flows[KVNET_MAX_PORTS];   /* conntrack's recount, by stats_idx */
};

static inline struct dp_ebpf *dpe(struct dp *dp)
{
	return (struct dp_ebpf *)dp;
}

/* One map of the datapath: its id, name, version, and skeleton map. */
struct dpe_map_desc {
	enum kvnet_map_id id;
	const char *name;
	__u32 version;
};

extern const struct dpe_map_desc dpe_maps[KVNET_MAPID_COUNT];
struct bpf_map *dpe_skel_map(struct switch_bpf *k, enum kvnet_map_id id);

/* dp_ebpf_adopt.c: reuse the running datapath's maps, one by one, before
 * the skeleton is loaded. Returns how many were adopted; lists the ports
 * of an old datapath in dp->base.orphans when not all could be. */
int dpe_adopt(struct dp_ebpf *dp, const int *ports, int nports);
/* The kvnet program attached to ifindex's tcx ingress, as an fd, or -1. */
int dpe_find_attached(int ifindex);
/* The program called name attached to ifindex at tcx hook type. */
int dpe_find_attached_at(int ifindex, enum bpf_attach_type type, const char *name);
/* Attach prog_fd at ifindex's tcx hook type, atomically over the kvnet
 * program called name that runs there (a restart), if any. */
int dpe_tcx_attach_at(int ifindex, enum bpf_attach_type type, const char *name, int prog_fd);

/* dp_ebpf_trace.c */
void dpe_trace_close(struct dp_ebpf *dp);
int dpe_trace_set(struct dp *dp, __u32 mask, const struct kvnet_trace_filter *f);
int dpe_trace_fd(struct dp *dp);
int dpe_trace_watch_kernel(struct dp *dp, bool on);
uint64_t dpe_trace_followed_ns(struct dp *dp);
int dpe_trace_read(struct dp *dp, void (*fn)(void *arg, const struct kvnet_trace_event *ev),
		   void *arg, uint64_t *lost);

/* The switch object again, over every map of dp->skel, with either the
 * traced ingress program and the kernel's drop tracepoints (traced) or
 * the egress program loaded. NULL (errno set) if it cannot load. */
struct switch_bpf *dpe_load_more(struct dp_ebpf *dp, bool traced);
/* Of a switch object just opened, load only the ingress program. */
void dpe_keep_ingress_only(struct bpf_object *obj);
/* The switch program's skeleton, opened with only its ingress program to
 * load (a copy of the network's, for dry runs). */
struct switch_bpf *dpe_open_ingress_only(void);

/* dp_ebpf_untraced.c: the switch's two ingress programs, each loaded
 * over the maps of dp->skel: its untraced copy (built with no tracing
 * code), loaded with the network, and the traced one, loaded when a trace
 * first needs it; and which of the two the ports run (traced: while a
 * trace session runs). */
int dpe_untraced_load(struct dp_ebpf *dp);
void dpe_untraced_close(struct dp_ebpf *dp);
int dpe_traced_load(struct dp_ebpf *dp);
void dpe_traced_close(struct dp_ebpf *dp);
int dpe_untraced_select(struct dp_ebpf *dp, bool traced);

/* dp_ebpf_inject.c */
int dpe_inject(struct dp *dp, int ifindex, const void *frame, size_t len,
	       void (*fn)(void *arg, const struct kvnet_trace_event *ev), void *arg, int *verdict,
	       struct kv_error *e);

/* dp_ebpf_ports.c */
int dpe_configure(struct dp *dp, const struct dp_config *c, struct kv_error *e);
int dpe_port_attach(struct dp *dp, const struct dp_port *p, struct kv_error *e);
int dpe_port_update(struct dp *dp, const struct dp_port *p, struct kv_error *e);
int dpe_port_detach(struct dp *dp, int ifindex, bool flush);
int dpe_port_stats(struct dp *dp, int ifindex, struct kvnet_port_stats *out);
int dpe_port_list(struct dp *dp, int *ifindexes, int max);
int dpe_port_get(struct dp *dp, int ifindex, struct dp_port *out);
/* Rewrite the flood list from the ports map, atomically for frames. */
int dpe_flood_publish(struct dp_ebpf *dp);
int dpe_punt_fd(struct dp *dp);
int dpe_punt_read(struct dp *dp, void (*fn)(void *arg, const struct kvnet_punt *p),
		  void *arg);
/* After a change to port_addrs, addr_owners or ports: a new bind_gen. */
int dpe_bind_gen_bump(struct dp_ebpf *dp);
/* The stats_idx of the port behind ifindex, or -1. */
int dpe_port_slot(struct dp_ebpf *dp, __u32 ifindex);
/* The ports map's writes, which keep ports_direct with it
 * (dp_ebpf_direct.c); flags as bpf_map_update_elem's. */
int dpe_ports_write(struct dp_ebpf *dp, const struct kvnet_port *v, __u64 flags);
int dpe_ports_erase(struct dp_ebpf *dp, __u32 ifindex);
/* Make ports_direct what ports says, after a load. */
int dpe_ports_direct_sync(struct dp_ebpf *dp);
/* End of a recount: write counts[slot] into the __u32 at field_off of each
 * port's port_state where it differs (the datapath's other fields there
 * are read and written back as they were), then zero counts. */
void dpe_state_publish(struct dp_ebpf *dp, __u32 counts[KVNET_MAX_PORTS], size_t field_off);

/* dp_ebpf_spoof.c */
int dpe_bind_sync(struct dp *dp, const struct dp_binding *b, int nb, const struct dp_owner *o,
		  int no);
int dpe_bind_get(struct dp *dp, int ifindex, struct kvnet_port_addrs *out);
/* dp_ebpf_uplink.c */
int dpe_uplink_attach(struct dp *dp, int ifindex, const uint8_t host_mac[6],
		      struct kv_error *e);

/* dp_ebpf_fdb.c */
int dpe_fdb_pin(struct dp *dp, const uint8_t mac[6], int ifindex, struct kv_error *e);
int dpe_fdb_unpin(struct dp *dp, const uint8_t mac[6]);
int dpe_fdb_dump(struct dp *dp, struct dp_fdb_entry **out, int *n);
int dpe_fdb_page(struct dp *dp, uint64_t *cursor, int max, struct dp_fdb_entry **out, int *n);
int dpe_fdb_flush_port(struct dp *dp, int ifindex);
int dpe_fdb_sweep(struct dp *dp, unsigned budget, struct dp_sweep *out);
void dpe_flows_count(struct dp *dp, int ifindex);
void dpe_flows_publish(struct dp *dp);

#endif /* KVNET_DP_EBPF_H */
