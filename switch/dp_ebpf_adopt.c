// SPDX-License-Identifier: GPL-2.0-only
/* Taking over the maps of an eBPF datapath that still runs (a daemon
 * restart or upgrade), map by map. The running maps are found through the
 * program attached to a port (what runs is the truth) or, failing that,
 * through the pins; their versions through map_versions. A map is reused
 * if its version and shape (type, key and value size, and size, except the
 * FDB's, which <kvnet:fdb max> may change) are this build's; any other map
 * starts fresh. Counters (port_stats, port_state) are indexed by the
 * stats_idx the ports map assigns, so they are reused only with it, and
 * so is ports_direct, its mirror (rebuilt from it after the load). The
 * daemon rewrites the ports, the flood list and the config afterwards, so
 * a fresh one of those loses nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "switch/dp_ebpf.h"
#include "switch/log.h"
#include "switch.skel.h"

#define DPE_MAX_QUERY 64
#define DPE_MAX_PROG_MAPS 32

/* The running datapath's maps, by id, and their versions. */
struct dpe_running {
	int fd[KVNET_MAPID_COUNT];
	int versions_fd;
	__u32 version[KVNET_MAPID_COUNT];
};

int dpe_find_attached(int ifindex)
{
	return dpe_find_attached_at(ifindex, DPE_TCX_INGRESS, KVNET_PROG_INGRESS);
}

int dpe_find_attached_at(int ifindex, enum bpf_attach_type type, const char *name)
{
	__u32 ids[DPE_MAX_QUERY];
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = DPE_MAX_QUERY);

	if (bpf_prog_query_opts(ifindex, type, &q) < 0)
		return -1;
	for (__u32 i = 0; i < q.prog_cnt && i < DPE_MAX_QUERY; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && !strcmp(info.name, name))
			return fd;
		close(fd);
	}
	return -1;
}

static void dpe_running_init(struct dpe_running *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		r->fd[i] = -1;
	r->versions_fd = -1;
}

static void dpe_running_close(struct dpe_running *r)
{
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		if (r->fd[i] >= 0)
			close(r->fd[i]);
	if (r->versions_fd >= 0)
		close(r->versions_fd);
	dpe_running_init(r);
}

/* File fd under the map name it carries; closes it if no slot wants it. */
static void dpe_running_take(struct dpe_running *r, const char *name, int fd)
{
	if (!strcmp(name, KVNET_MAP_VERSIONS) && r->versions_fd < 0) {
		r->versions_fd = fd;
		return;
	}
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		if (r->fd[i] < 0 && !strcmp(name, dpe_maps[i].name)) {
			r->fd[i] = fd;
			return;
		}
	close(fd);
}

/* The maps of the program prog_fd. Returns how many were found. */
static int dpe_running_from_prog(struct dpe_running *r, int prog_fd)
{
	__u32 ids[DPE_MAX_PROG_MAPS], n, found = 0;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	info.nr_map_ids = DPE_MAX_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return 0;
	n = info.nr_map_ids < DPE_MAX_PROG_MAPS ? info.nr_map_ids : DPE_MAX_PROG_MAPS;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) < 0) {
			close(fd);
			continue;
		}
		dpe_running_take(r, mi.name, fd);
		found++;
	}
	return (int)found;
}

static int dpe_running_from_pins(struct dpe_running *r, const char *pin_dir)
{
	char path[PATH_MAX + 32];
	int found = 0, fd;

	if (!pin_dir[0])
		return 0;
	for (int i = 0; i < KVNET_MAPID_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, dpe_maps[i].name);
		fd = bpf_obj_get(path);
		if (fd >= 0)
			dpe_running_take(r, dpe_maps[i].name, fd), found++;
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, KVNET_MAP_VERSIONS);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		dpe_running_take(r, KVNET_MAP_VERSIONS, fd);
	return found;
}

/* Find the running maps: through the first port that runs a kvnet
 * program, else the pins. Then read their versions (0: unknown). */
static void dpe_running_find(struct dpe_running *r, const char *pin_dir,
			     const int *ports, int nports)
{
	int found = 0;

	for (int k = 0; k < nports && !found; k++) {
		int prog = dpe_find_attached(ports[k]);

		if (prog < 0)
			continue;
		found = dpe_running_from_prog(r, prog);
		close(prog);
	}
	if (!found)
		dpe_running_from_pins(r, pin_dir);
	for (__u32 i = 0; r->versions_fd >= 0 && i < KVNET_MAPID_COUNT; i++)
		if (bpf_map_lookup_elem(r->versions_fd, &i, &r->version[i]) < 0)
			r->version[i] = 0;
}

/* Does the running map have this build's version and shape? */
static bool dpe_map_compatible(const struct dpe_running *r, int i,
			       const struct bpf_map *ours)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);

	if (r->fd[i] < 0 || r->version[i] != dpe_maps[i].version ||
	    bpf_obj_get_info_by_fd(r->fd[i], &mi, &len) < 0)
		return false;
	return mi.type == (__u32)bpf_map__type(ours) &&
	       mi.key_size == bpf_map__key_size(ours) &&
	       mi.value_size == bpf_map__value_size(ours) &&
	       (i == KVNET_MAPID_FDB || mi.max_entries == bpf_map__max_entries(ours));
}

/* Remember the ports of a running datapath: those not re-plugged keep
 * running an old program that nothing manages. */
static void dpe_note_orphans(struct dp_ebpf *dp, int old_ports_fd)
{
	struct bpf_map_info mi = { 0 };
	__u32 key, next, *prev = NULL, len = sizeof(mi);

	dp->base.norphans = 0;
	if (bpf_obj_get_info_by_fd(old_ports_fd, &mi, &len) < 0 ||
	    mi.key_size != sizeof(__u32))
		return;
	while (dp->base.norphans < KVNET_MAX_PORTS &&
	       bpf_map_get_next_key(old_ports_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		dp->base.orphans[dp->base.norphans++] = (int)key;
	}
}

/* May map i be reused, given what else is? */
static bool dpe_adoptable(const bool ok[KVNET_MAPID_COUNT], int i)
{
	if (i == KVNET_MAPID_STATS || i == KVNET_MAPID_PORT_STATE ||
	    i == KVNET_MAPID_PORTS_DIRECT)
		return ok[i] && ok[KVNET_MAPID_PORTS];
	return ok[i];
}

int dpe_adopt(struct dp_ebpf *dp, const int *ports, int nports)
{
	bool ok[KVNET_MAPID_COUNT];
	struct dpe_running r;
	int adopted = 0;

	dpe_running_init(&r);
	dpe_running_find(&r, dp->pin_dir, ports, nports);
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		ok[i] = dpe_map_compatible(&r, i, dpe_skel_map(dp->skel, dpe_maps[i].id));
	for (int i = 0; i < KVNET_MAPID_COUNT; i++) {
		struct bpf_map *m = dpe_skel_map(dp->skel, dpe_maps[i].id);

		if (dpe_adoptable(ok, i) && bpf_map__reuse_fd(m, r.fd[i]) == 0) {
			adopted++;
			continue;
		}
		if (r.fd[i] >= 0)
			log_warn("map '%s' of the running datapath (version %u) is not "
				 "this kvnetd's (version %u): it starts afresh",
				 dpe_maps[i].name, r.version[i], dpe_maps[i].version);
	}
	if (adopted < KVNET_MAPID_COUNT && r.fd[KVNET_MAPID_PORTS] >= 0)
		dpe_note_orphans(dp, r.fd[KVNET_MAPID_PORTS]);
	dpe_running_close(&r);
	return adopted;
}

int dp_ebpf_probe(int ifindex, uint8_t uuid[16])
{
	struct kvnet_config cfg = { 0 };
	struct bpf_map_info mi = { 0 };
	__u32 zero = 0, len = sizeof(mi);
	int prog = dpe_find_attached(ifindex), fd;
	struct dpe_running r;

	memset(uuid, 0, 16);
	if (prog < 0)
		return 0;
	dpe_running_init(&r);
	dpe_running_from_prog(&r, prog);
	close(prog);
	fd = r.fd[KVNET_MAPID_CONFIG];
	/* only a config of this layout is read (an older one has no uuid) */
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &mi, &len) == 0 &&
	    mi.value_size == sizeof(cfg) && bpf_map_lookup_elem(fd, &zero, &cfg) == 0)
		memcpy(uuid, cfg.net_uuid, 16);
	dpe_running_close(&r);
	return 1;
}

int dp_ebpf_map_fd(int ifindex, const char *name)
{
	struct dpe_running r;
	int prog = dpe_find_attached(ifindex), fd = -ENOENT;

	if (prog < 0)
		return -ENOENT;
	dpe_running_init(&r);
	dpe_running_from_prog(&r, prog);
	close(prog);
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		if (r.fd[i] >= 0 && !strcmp(dpe_maps[i].name, name)) {
			fd = r.fd[i];
			r.fd[i] = -1;
		}
	dpe_running_close(&r);
	return fd;
}
