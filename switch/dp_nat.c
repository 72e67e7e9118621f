// SPDX-License-Identifier: GPL-2.0-only
/* The daemon-wide NAT datapath (see dp_nat.h): loading the uplink program
 * over fresh or running maps, pinning, and attaching it to devices. The
 * conntrack table's own chores (ageing, listing) are in dp_nat_ct.c.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "switch/dp_ebpf.h"
#include "switch/dp_nat.h"
#include "switch/dp_nat_int.h"
#include "switch/log.h"
#include "uplink.skel.h"

#define DPN_MAX_PROG_MAPS 32

static const char *const dpn_names[DPN_COUNT] = {
	[DPN_CT] = KVNET_MAP_CT,	   [DPN_CFG] = KVNET_MAP_NAT_CFG,
	[DPN_STATS] = KVNET_MAP_NAT_STATS, [DPN_NETS] = KVNET_MAP_NAT_NETS,
	[DPN_FWD] = KVNET_MAP_NAT_FWD,
};

static struct bpf_map *dpn_skel_map(struct uplink_bpf *k, enum dp_nat_map m)
{
	switch (m) {
	case DPN_CT: return k->maps.ct;
	case DPN_CFG: return k->maps.nat_cfg;
	case DPN_STATS: return k->maps.nat_stats;
	case DPN_NETS: return k->maps.nat_nets;
	case DPN_FWD: return k->maps.nat_fwd;
	case DPN_COUNT: break;
	}
	return NULL;
}

/* The kvnet uplink program at ifindex's tcx ingress, as an fd, or -1. */
static int dpn_find_attached(int ifindex)
{
	return dpe_find_attached_at(ifindex, DPE_TCX_INGRESS, KVNET_PROG_UPLINK);
}

bool dp_nat_attached(int ifindex)
{
	int fd = dpn_find_attached(ifindex);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

void dp_nat_detach_any(int ifindex)
{
	int fd = dpn_find_attached(ifindex);

	if (fd >= 0) {
		bpf_prog_detach2(fd, ifindex, DPE_TCX_INGRESS);
		close(fd);
	}
}

/* File fd under the map name it carries; closes it if no slot wants it. */
static void dpn_take(int running[DPN_COUNT], const char *name, int fd)
{
	for (int i = 0; i < DPN_COUNT; i++)
		if (running[i] < 0 && !strcmp(name, dpn_names[i])) {
			running[i] = fd;
			return;
		}
	close(fd);
}

static void dpn_from_prog(int running[DPN_COUNT], int prog_fd)
{
	__u32 ids[DPN_MAX_PROG_MAPS], n;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	info.nr_map_ids = DPN_MAX_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return;
	n = info.nr_map_ids < DPN_MAX_PROG_MAPS ? info.nr_map_ids : DPN_MAX_PROG_MAPS;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0)
			dpn_take(running, mi.name, fd);
		else
			close(fd);
	}
}

/* The running maps: through a device that runs the uplink program, else
 * the pins. */
static void dpn_find_running(struct dp_nat *nat, int running[DPN_COUNT])
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	char path[PATH_MAX + 32];
	int prog = -1, fd;

	for (int k = 0; k < DPN_COUNT; k++)
		running[k] = -1;
	for (i = ifs; i && i->if_index && prog < 0; i++)
		prog = dpn_find_attached((int)i->if_index);
	if (ifs)
		if_freenameindex(ifs);
	if (prog >= 0) {
		dpn_from_prog(running, prog);
		close(prog);
		return;
	}
	for (int k = 0; nat->pin_dir[0] && k < DPN_COUNT; k++) {
		snprintf(path, sizeof(path), "%s/%s", nat->pin_dir, dpn_names[k]);
		fd = bpf_obj_get(path);
		if (fd >= 0)
			running[k] = fd;
	}
}

/* Is every running map there, of this build's layout and shape? */
static bool dpn_compatible(struct uplink_bpf *k, const int running[DPN_COUNT])
{
	struct kvnet_nat_cfg cfg;
	__u32 zero = 0;

	for (int i = 0; i < DPN_COUNT; i++) {
		const struct bpf_map *ours = dpn_skel_map(k, (enum dp_nat_map)i);
		struct bpf_map_info mi = { 0 };
		__u32 len = sizeof(mi);

		if (running[i] < 0 || bpf_obj_get_info_by_fd(running[i], &mi, &len) < 0)
			return false;
		if (mi.type != bpf_map__type(ours) || mi.key_size != bpf_map__key_size(ours) ||
		    mi.value_size != bpf_map__value_size(ours) ||
		    mi.max_entries != bpf_map__max_entries(ours))
			return false;
	}
	return bpf_map_lookup_elem(running[DPN_CFG], &zero, &cfg) == 0 &&
	       cfg.layout == KVNET_NAT_LAYOUT;
}

/* Reuse the running maps if they fit. Returns true if it did. */
static bool dpn_adopt(struct dp_nat *nat)
{
	int running[DPN_COUNT];
	bool ok;

	dpn_find_running(nat, running);
	ok = dpn_compatible(nat->skel, running);
	for (int i = 0; ok && i < DPN_COUNT; i++)
		ok = bpf_map__reuse_fd(dpn_skel_map(nat->skel, (enum dp_nat_map)i),
				       running[i]) == 0;
	for (int i = 0; i < DPN_COUNT; i++)
		if (running[i] >= 0)
			close(running[i]);
	return ok;
}

static void dpn_pin_all(struct dp_nat *nat)
{
	char path[PATH_MAX + 32];

	if (!nat->pin_dir[0] || (mkdir(nat->pin_dir, 0700) < 0 && errno != EEXIST))
		return;
	for (int i = 0; i < DPN_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", nat->pin_dir, dpn_names[i]);
		unlink(path);
		if (bpf_obj_pin(nat->fd[i], path) < 0)
			log_warn("cannot pin %s: %s", path, strerror(errno));
	}
}

/* Fill in the defaults of a fresh nat_cfg. */
static int dpn_cfg_init(struct dp_nat *nat)
{
	struct kvnet_nat_cfg cfg = {
		.tcp_syn_s = KVNET_CT_TCP_SYN_S,
		.tcp_est_s = KVNET_CT_TCP_EST_S,
		.tcp_closing_s = KVNET_CT_TCP_CLOSING_S,
		.tcp_closed_s = KVNET_CT_TCP_CLOSED_S,
		.udp_s = KVNET_CT_UDP_S,
		.udp_stream_s = KVNET_CT_UDP_STREAM_S,
		.icmp_s = KVNET_CT_ICMP_S,
		.layout = KVNET_NAT_LAYOUT,
	};
	__u32 zero = 0;

	return bpf_map_update_elem(nat->fd[DPN_CFG], &zero, &cfg, BPF_ANY) < 0 ? -errno : 0;
}

static int dpn_load(struct dp_nat *nat)
{
	int ret;

	nat->skel = uplink_bpf__open();
	if (!nat->skel)
		return -errno;
	bpf_program__set_expected_attach_type(nat->skel->progs.kvnet_uplink, DPE_TCX_INGRESS);
	nat->adopted = dpn_adopt(nat);
	if (!nat->adopted) {
		/* a half-done adoption leaves reused maps behind: start over */
		uplink_bpf__destroy(nat->skel);
		nat->skel = uplink_bpf__open();
		if (!nat->skel)
			return -errno;
		bpf_program__set_expected_attach_type(nat->skel->progs.kvnet_uplink,
						      DPE_TCX_INGRESS);
	}
	ret = uplink_bpf__load(nat->skel);
	if (ret)
		return ret < 0 ? ret : -EINVAL;
	nat->prog_fd = bpf_program__fd(nat->skel->progs.kvnet_uplink);
	for (int i = 0; i < DPN_COUNT; i++)
		nat->fd[i] = bpf_map__fd(dpn_skel_map(nat->skel, (enum dp_nat_map)i));
	return nat->adopted ? 0 : dpn_cfg_init(nat);
}

int dp_nat_open(struct dp_nat **out, const char *bpffs, struct kv_error *e)
{
	struct dp_nat *nat = calloc(1, sizeof(*nat));
	int ret;

	if (!nat)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (bpffs && bpffs[0])
		snprintf(nat->pin_dir, sizeof(nat->pin_dir), "%s/kvnet/" KVNET_NAT_PIN_DIR, bpffs);
	ret = dpn_load(nat);
	if (ret < 0) {
		dp_nat_close(nat);
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot load the NAT datapath: %s",
			       strerror(-ret));
	}
	if (nat->adopted)
		log_info("took over the running conntrack and NAT maps");
	dpn_pin_all(nat);
	*out = nat;
	return 0;
}

void dp_nat_close(struct dp_nat *nat)
{
	if (!nat)
		return;
	if (nat->skel)
		uplink_bpf__destroy(nat->skel);
	free(nat);
}

bool dp_nat_adopted(const struct dp_nat *nat)
{
	return nat->adopted;
}

int dp_nat_fd(const struct dp_nat *nat, enum dp_nat_map m)
{
	return nat->fd[m];
}

int dp_nat_reuse(struct dp_nat *nat, struct bpf_object *obj)
{
	struct bpf_map *m;

	for (int i = 0; i < DPN_COUNT; i++) {
		m = bpf_object__find_map_by_name(obj, dpn_names[i]);
		if (m && bpf_map__reuse_fd(m, nat->fd[i]) < 0)
			return -errno;
	}
	/* the traced replies' ids, from this load's uplink program (not
	 * adopted: a trace does not outlive its kvnetd) */
	m = bpf_object__find_map_by_name(obj, "trace_handoff");
	if (m && bpf_map__reuse_fd(m, bpf_map__fd(nat->skel->maps.trace_handoff)) < 0)
		return -errno;
	return 0;
}

uint64_t dp_nat_trace_lost(const struct dp_nat *nat)
{
	return nat->skel->bss ? __atomic_load_n(&nat->skel->bss->kvnet_up_trace_lost,
						__ATOMIC_RELAXED) : 0;
}

/* How many networks have a ring in trace_rings now. */
static __u32 dpn_trace_count(int fd)
{
	__u32 key, n = 0;
	__u32 *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &key) == 0 && n < 1024) {
		n++;
		prev = &key;
	}
	return n;
}

int dp_nat_trace_ring(struct dp_nat *nat, uint32_t net_id, int ring_fd,
		      const struct kvnet_trace_net *tn)
{
	int fd = bpf_map__fd(nat->skel->maps.trace_rings);
	int nets = bpf_map__fd(nat->skel->maps.trace_nets), ret = 0;

	if (ring_fd < 0) {
		bpf_map_delete_elem(nets, &net_id);
		if (bpf_map_delete_elem(fd, &net_id) < 0 && errno != ENOENT)
			ret = -errno;
	} else if (bpf_map_update_elem(nets, &net_id, tn, BPF_ANY) < 0 ||
		   bpf_map_update_elem(fd, &net_id, &ring_fd, BPF_ANY) < 0) {
		ret = -errno;
	}
	if (nat->skel->bss)
		__atomic_store_n(&nat->skel->bss->kvnet_up_traces, dpn_trace_count(fd),
				 __ATOMIC_RELEASE);
	return ret;
}

int dp_nat_set_timeouts(struct dp_nat *nat, const struct kvnet_nat_cfg *t, struct kv_error *e)
{
	struct kvnet_nat_cfg cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(nat->fd[DPN_CFG], &zero, &cfg) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot read nat_cfg: %s",
			       strerror(errno));
#define DPN_SET(f) (cfg.f = t->f ? t->f : cfg.f)
	DPN_SET(tcp_syn_s);
	DPN_SET(tcp_est_s);
	DPN_SET(tcp_closing_s);
	DPN_SET(tcp_closed_s);
	DPN_SET(udp_s);
	DPN_SET(udp_stream_s);
	DPN_SET(icmp_s);
#undef DPN_SET
	if (bpf_map_update_elem(nat->fd[DPN_CFG], &zero, &cfg, BPF_ANY) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot write nat_cfg: %s",
			       strerror(errno));
	return 0;
}

int dp_nat_net_add(struct dp_nat *nat, uint32_t subnet, unsigned prefix,
		   const struct kvnet_nat_net *v, struct kv_error *e)
{
	struct kvnet_nat_net_key k = { .prefixlen = prefix, .addr = subnet };

	if (bpf_map_update_elem(nat->fd[DPN_NETS], &k, v, BPF_ANY) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno,
			       "cannot add the subnet to the NAT datapath: %s", strerror(errno));
	return 0;
}

void dp_nat_net_del(struct dp_nat *nat, uint32_t subnet, unsigned prefix)
{
	struct kvnet_nat_net_key k = { .prefixlen = prefix, .addr = subnet };

	bpf_map_delete_elem(nat->fd[DPN_NETS], &k);
}

int dp_nat_attach(struct dp_nat *nat, int ifindex, struct kv_error *e)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts);
	int old = dpn_find_attached(ifindex), ret;

	if (old >= 0) {
		struct bpf_prog_info a = { 0 }, b = { 0 };
		__u32 la = sizeof(a), lb = sizeof(b);

		bpf_obj_get_info_by_fd(old, &a, &la);
		bpf_obj_get_info_by_fd(nat->prog_fd, &b, &lb);
		if (a.id == b.id) {
			close(old);
			return 0;
		}
		opts.flags = BPF_F_REPLACE;
		opts.replace_prog_fd = old;
	}
	ret = bpf_prog_attach_opts(nat->prog_fd, ifindex, DPE_TCX_INGRESS, &opts);
	ret = ret < 0 ? -errno : 0;
	if (old >= 0)
		close(old);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot attach the uplink program to ifindex %d: %s", ifindex,
			       strerror(-ret));
	return 0;
}

void dp_nat_detach(struct dp_nat *nat, int ifindex)
{
	(void)nat;
	dp_nat_detach_any(ifindex);
}
