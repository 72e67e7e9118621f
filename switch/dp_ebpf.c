// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath (see dp_ebpf.h): its operations table, loading the
 * switch program over fresh or adopted maps, pinning, and the bpffs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "switch/dp_ebpf.h"
#include "switch/dp_nat.h"
#include "switch/fault.h"
#include "switch/log.h"
#include "switch.skel.h"

#define DPE_BPF_FS_MAGIC 0xcafe4a11

const struct dpe_map_desc dpe_maps[KVNET_MAPID_COUNT] = {
	{ KVNET_MAPID_FDB, KVNET_MAP_FDB, KVNET_MAPVER_FDB },
	{ KVNET_MAPID_FDB_STATIC, KVNET_MAP_FDB_STATIC, KVNET_MAPVER_FDB_STATIC },
	{ KVNET_MAPID_PORTS, KVNET_MAP_PORTS, KVNET_MAPVER_PORTS },
	{ KVNET_MAPID_FLOOD, KVNET_MAP_FLOOD, KVNET_MAPVER_FLOOD },
	{ KVNET_MAPID_STATS, KVNET_MAP_STATS, KVNET_MAPVER_STATS },
	{ KVNET_MAPID_PORT_STATE, KVNET_MAP_PORT_STATE, KVNET_MAPVER_PORT_STATE },
	{ KVNET_MAPID_CONFIG, KVNET_MAP_CONFIG, KVNET_MAPVER_CONFIG },
	{ KVNET_MAPID_PUNT, KVNET_MAP_PUNT, KVNET_MAPVER_PUNT },
	{ KVNET_MAPID_PORT_ADDRS, KVNET_MAP_PORT_ADDRS, KVNET_MAPVER_PORT_ADDRS },
	{ KVNET_MAPID_ADDR_OWNERS, KVNET_MAP_ADDR_OWNERS, KVNET_MAPVER_ADDR_OWNERS },
	{ KVNET_MAPID_PORTS_DIRECT, KVNET_MAP_PORTS_DIRECT, KVNET_MAPVER_PORTS_DIRECT },
};

struct bpf_map *dpe_skel_map(struct switch_bpf *k, enum kvnet_map_id id)
{
	switch (id) {
	case KVNET_MAPID_FDB: return k->maps.fdb;
	case KVNET_MAPID_FDB_STATIC: return k->maps.fdb_static;
	case KVNET_MAPID_PORTS: return k->maps.ports;
	case KVNET_MAPID_FLOOD: return k->maps.flood_list;
	case KVNET_MAPID_STATS: return k->maps.port_stats;
	case KVNET_MAPID_PORT_STATE: return k->maps.port_state;
	case KVNET_MAPID_CONFIG: return k->maps.config;
	case KVNET_MAPID_PUNT: return k->maps.punt;
	case KVNET_MAPID_PORT_ADDRS: return k->maps.port_addrs;
	case KVNET_MAPID_ADDR_OWNERS: return k->maps.addr_owners;
	case KVNET_MAPID_PORTS_DIRECT: return k->maps.ports_direct;
	case KVNET_MAPID_COUNT: break;
	}
	return NULL;
}

static int dpe_mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int dp_ebpf_ensure_bpffs(const char *dir, struct kv_error *e)
{
	struct statfs st;
	int ret;

	if (statfs(dir, &st) == 0 && (unsigned long)st.f_type == DPE_BPF_FS_MAGIC)
		return 0;
	ret = dpe_mkdir_p(dir);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot create %s: %s", dir,
			       strerror(-ret));
	if (mount("bpffs", dir, "bpf", 0, "mode=0700") < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot mount bpffs on %s: %s",
			       dir, strerror(errno));
	log_info("mounted a bpffs on %s", dir);
	return 0;
}

bool dp_ebpf_attached(int ifindex)
{
	int fd = dpe_find_attached(ifindex);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* The egress program only runs on an uplink, which has the ingress one
 * too: both go together. */
void dp_ebpf_detach_any(int ifindex)
{
	int fd = dpe_find_attached(ifindex);

	if (fd >= 0) {
		bpf_prog_detach2(fd, ifindex, DPE_TCX_INGRESS);
		close(fd);
	}
	fd = dpe_find_attached_at(ifindex, DPE_TCX_EGRESS, KVNET_PROG_EGRESS);
	if (fd >= 0) {
		bpf_prog_detach2(fd, ifindex, DPE_TCX_EGRESS);
		close(fd);
	}
}

static void dpe_pin_path(const struct dp_ebpf *dp, const char *name, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s/%s", dp->pin_dir, name);
}

/* Pin every map and the program (replacing stale pins, which would be
 * adopted next time). Pins are a convenience: failures are logged. */
static void dpe_pin_all(struct dp_ebpf *dp)
{
	char path[PATH_MAX + 32];

	if (!dp->pin_dir[0] || dpe_mkdir_p(dp->pin_dir) < 0)
		return;
	for (int i = 0; i < KVNET_MAPID_COUNT; i++) {
		dpe_pin_path(dp, dpe_maps[i].name, path, sizeof(path));
		unlink(path);
		if (bpf_obj_pin(dp->fd[i], path) < 0)
			log_warn("cannot pin %s: %s", path, strerror(errno));
	}
	dpe_pin_path(dp, KVNET_MAP_VERSIONS, path, sizeof(path));
	unlink(path);
	if (bpf_obj_pin(dp->versions_fd, path) < 0)
		log_warn("cannot pin %s: %s", path, strerror(errno));
	dpe_pin_path(dp, KVNET_PROG_INGRESS, path, sizeof(path));
	unlink(path);
	if (bpf_obj_pin(dp->prog_fd, path) < 0)
		log_warn("cannot pin %s: %s", path, strerror(errno));
}

/* Remove the pins under pin_dir, and the directory. */
static void dpe_unpin_dir(const char *pin_dir)
{
	char path[PATH_MAX + 32];

	if (!pin_dir[0])
		return;
	for (int i = 0; i < KVNET_MAPID_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, dpe_maps[i].name);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", pin_dir, KVNET_MAP_VERSIONS);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, KVNET_PROG_INGRESS);
	unlink(path);
	rmdir(pin_dir);
}

static void dpe_forget(struct dp *base)
{
	FAULT("dp.unpin");
	dpe_unpin_dir(dpe(base)->pin_dir);
}

void dp_ebpf_unpin(const char *bpffs, const char *net)
{
	char dir[PATH_MAX];

	if (!bpffs || !bpffs[0])
		return;
	snprintf(dir, sizeof(dir), "%s/kvnet/%s", bpffs, net);
	dpe_unpin_dir(dir);
}

/* Record this build's map versions (each ingress program has them bound
 * to it as it loads, so a restarted daemon finds them among its maps). */
static int dpe_write_versions(struct dp_ebpf *dp)
{
	for (__u32 i = 0; i < KVNET_MAPID_COUNT; i++)
		if (bpf_map_update_elem(dp->versions_fd, &i, &dpe_maps[i].version,
					BPF_ANY) < 0)
			return -errno;
	return 0;
}

static void dpe_take_fds(struct dp_ebpf *dp)
{
	for (int i = 0; i < KVNET_MAPID_COUNT; i++)
		dp->fd[i] = bpf_map__fd(dpe_skel_map(dp->skel, dpe_maps[i].id));
	dp->versions_fd = bpf_map__fd(dp->skel->maps.map_versions);
}

void dpe_keep_ingress_only(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		if (!strcmp(bpf_program__name(prog), "kvnet_ingress"))
			bpf_program__set_expected_attach_type(prog, DPE_TCX_INGRESS);
		else
			bpf_program__set_autoload(prog, false);
	}
}

struct switch_bpf *dpe_open_ingress_only(void)
{
	struct switch_bpf *k = switch_bpf__open();

	if (k)
		dpe_keep_ingress_only(k->obj);
	return k;
}

struct switch_bpf *dpe_load_more(struct dp_ebpf *dp, bool traced)
{
	struct switch_bpf *k = switch_bpf__open();
	struct bpf_map *m, *live = NULL;
	struct bpf_program *prog;
	int ret = 0;

	if (!k)
		return NULL;
	bpf_object__for_each_program(prog, k->obj)
		bpf_program__set_autoload(prog, traced != (prog == k->progs.kvnet_egress));
	bpf_program__set_expected_attach_type(k->progs.kvnet_ingress, DPE_TCX_INGRESS);
	bpf_program__set_expected_attach_type(k->progs.kvnet_egress, DPE_TCX_EGRESS);
	/* the same object: its maps come in the same order as dp->skel's */
	bpf_object__for_each_map(m, k->obj) {
		live = bpf_object__next_map(dp->skel->obj, live);
		if (!live || bpf_map__fd(live) < 0) {
			ret = -ENOENT;
			break;
		}
		if (bpf_map__reuse_fd(m, bpf_map__fd(live))) {
			ret = -errno;
			break;
		}
	}
	if (!ret)
		ret = switch_bpf__load(k);
	if (ret) {
		switch_bpf__destroy(k);
		errno = ret < 0 ? -ret : EINVAL;
		return NULL;
	}
	return k;
}

/* Open the skeleton and create its maps, over what can be adopted of the
 * running ones. None of its programs loads here: the ports' untraced
 * copy loads next (dp_ebpf_untraced.c), and the rest when first needed
 * (dpe_load_more): the traced program and the kernel's drop tracepoints
 * by a trace, the egress program by a bridged network's uplink. A
 * network thus starts, and a restarted daemon adopts it, at the cost of
 * one verification of the switch instead of three. Returns how many maps
 * were adopted, or -errno. */
static int dpe_load(struct dp_ebpf *dp, unsigned fdb_max, const int *ports, int nports,
		    struct dp_nat *nat)
{
	struct bpf_program *prog;
	int adopted = 0, ret;

	dp->skel = switch_bpf__open();
	if (!dp->skel)
		return -errno;
	bpf_object__for_each_program(prog, dp->skel->obj)
		bpf_program__set_autoload(prog, false);
	if (fdb_max)
		bpf_map__set_max_entries(dp->skel->maps.fdb, fdb_max);
	/* the conntrack maps are the daemon's, shared by every network that
	 * routes; a switch without them (a tool's, or a network's that does
	 * not route) gets a token table it never uses */
	if (nat)
		ret = dp_nat_reuse(nat, dp->skel->obj);
	else
		ret = bpf_map__set_max_entries(dp->skel->maps.ct, 64);
	if (ret) {
		switch_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return ret;
	}
	if (nports)
		adopted = dpe_adopt(dp, ports, nports);
	ret = switch_bpf__load(dp->skel);
	if (ret) {
		switch_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return ret < 0 ? ret : -EINVAL;
	}
	dpe_take_fds(dp);
	ret = dpe_ports_direct_sync(dp);
	if (ret == 0)
		ret = dpe_write_versions(dp);
	return ret < 0 ? ret : adopted;
}

static void dpe_close(struct dp *base)
{
	struct dp_ebpf *dp = dpe(base);

	if (dp->rb)
		ring_buffer__free(dp->rb);
	dpe_trace_close(dp);
	dpe_traced_close(dp);
	dpe_untraced_close(dp);
	if (dp->egress)
		switch_bpf__destroy(dp->egress);
	if (dp->skel)
		switch_bpf__destroy(dp->skel);
	free(dp);
}

static int dpe_open(struct dp **out, const struct dp_open_args *a, struct kv_error *e)
{
	struct dp_ebpf *dp = calloc(1, sizeof(*dp));
	int ret;

	if (!dp)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (a->bpffs && a->bpffs[0])
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s/kvnet/%s", a->bpffs, a->net);
	dp->base.aging_ns = KVNET_AGING_DEFAULT_S * 1000000000ULL;
	dp->nat = a->nat;
	dp->untraced_fd = -1;
	dp->traced_fd = -1;
	dp->egress_fd = -1;
	FAULT("dp.load");
	ret = dpe_load(dp, a->fdb_max, a->ports, a->nports, a->nat);
	if (ret < 0 && a->nports) {
		log_warn("cannot load over the running maps (%s): starting afresh",
			 strerror(-ret));
		ret = dpe_load(dp, a->fdb_max, NULL, 0, a->nat);
	}
	if (ret < 0) {
		free(dp);
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot load the BPF datapath: %s",
			       strerror(-ret));
	}
	dp->base.adopted = ret > 0;
	ret = dpe_untraced_load(dp);
	if (ret < 0) {
		log_warn("cannot load the untraced program (%s): the traced one runs always",
			 strerror(-ret));
		ret = dpe_traced_load(dp);
	}
	if (ret < 0) {
		dpe_close(&dp->base);
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot load the switch program: %s",
			       strerror(-ret));
	}
	dp->prog_fd = dp->untraced ? dp->untraced_fd : dp->traced_fd;
	dpe_pin_all(dp);
	FAULT("dp.pinned");
	*out = &dp->base;
	return 0;
}

const struct dp_ops dp_ebpf_ops = {
	.name = "ebpf",
	.open = dpe_open,
	.close = dpe_close,
	.forget = dpe_forget,
	.configure = dpe_configure,
	.port_attach = dpe_port_attach,
	.port_update = dpe_port_update,
	.port_detach = dpe_port_detach,
	.fdb_pin = dpe_fdb_pin,
	.fdb_unpin = dpe_fdb_unpin,
	.fdb_dump = dpe_fdb_dump,
	.fdb_page = dpe_fdb_page,
	.fdb_flush_port = dpe_fdb_flush_port,
	.fdb_sweep = dpe_fdb_sweep,
	.flows_count = dpe_flows_count,
	.flows_publish = dpe_flows_publish,
	.port_stats = dpe_port_stats,
	.port_list = dpe_port_list,
	.port_get = dpe_port_get,
	.bind_sync = dpe_bind_sync,
	.bind_get = dpe_bind_get,
	.punt_fd = dpe_punt_fd,
	.punt_read = dpe_punt_read,
	.trace_set = dpe_trace_set,
	.trace_fd = dpe_trace_fd,
	.trace_watch_kernel = dpe_trace_watch_kernel,
	.trace_followed_ns = dpe_trace_followed_ns,
	.trace_read = dpe_trace_read,
	.inject = dpe_inject,
	.uplink_attach = dpe_uplink_attach,
};
