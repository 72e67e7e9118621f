// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath of one network (see datapath.h): skeleton loading with
 * map adoption, pinning, tcx attachment, and map access for the daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "switch/datapath.h"
#include "switch/log.h"
#include "switch.skel.h"

/* libbpf 1.1 and Debian 12's UAPI headers predate tcx (kernel 6.6). */
#define DP_TCX_INGRESS ((enum bpf_attach_type)46)
#define DP_BPF_FS_MAGIC 0xcafe4a11
#define DP_MAX_QUERY 64

static const char *const dp_drop_names[KVNET_DROP_MAX] = {
	[KVNET_DROP_NONE] = "none",
	[KVNET_DROP_MALFORMED] = "malformed",
	[KVNET_DROP_SRC_MULTICAST] = "src-multicast",
	[KVNET_DROP_TOO_BIG] = "too-big",
	[KVNET_DROP_SAME_PORT] = "same-port",
	[KVNET_DROP_ISOLATED] = "isolated",
	[KVNET_DROP_FDB_FULL] = "fdb-full",
	[KVNET_DROP_NO_PORTS] = "no-ports",
	[KVNET_DROP_REDIRECT] = "redirect",
	[KVNET_DROP_NOT_ROUTED] = "not-routed",
	[KVNET_DROP_LINK_LOCAL] = "link-local",
};

const char *dp_drop_name(unsigned reason)
{
	if (reason < KVNET_DROP_MAX && dp_drop_names[reason])
		return dp_drop_names[reason];
	return "unknown";
}

uint64_t dp_now_ns(void)
{
	struct timespec ts;

	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int dp_mkdir_p(const char *path)
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

int dp_ensure_bpffs(const char *dir, struct kv_error *e)
{
	struct statfs st;
	int ret;

	if (statfs(dir, &st) == 0 && (unsigned long)st.f_type == DP_BPF_FS_MAGIC)
		return 0;
	ret = dp_mkdir_p(dir);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot create %s: %s", dir,
			       strerror(-ret));
	if (mount("bpffs", dir, "bpf", 0, "mode=0700") < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot mount bpffs on %s: %s",
			       dir, strerror(errno));
	log_info("mounted a bpffs on %s", dir);
	return 0;
}

#define DP_NMAPS 5

struct dp_map_slot {
	const char *name;
	struct bpf_map *map;
	int fd; /* adopted fd, or -1 */
};

static void dp_map_slots(struct dp_net *dp, struct dp_map_slot s[DP_NMAPS])
{
	struct switch_bpf *k = dp->skel;

	s[0] = (struct dp_map_slot){ KVNET_MAP_FDB, k->maps.fdb, -1 };
	s[1] = (struct dp_map_slot){ KVNET_MAP_PORTS, k->maps.ports, -1 };
	s[2] = (struct dp_map_slot){ KVNET_MAP_FLOOD, k->maps.flood_list, -1 };
	s[3] = (struct dp_map_slot){ KVNET_MAP_STATS, k->maps.port_stats, -1 };
	s[4] = (struct dp_map_slot){ KVNET_MAP_CONFIG, k->maps.config, -1 };
}

static void dp_close_slots(struct dp_map_slot *s)
{
	for (int i = 0; i < DP_NMAPS; i++) {
		if (s[i].fd >= 0)
			close(s[i].fd);
		s[i].fd = -1;
	}
}

/* Adopt maps from pins. Returns how many were found. */
static int dp_adopt_pins(struct dp_net *dp, struct dp_map_slot *s)
{
	char path[PATH_MAX + 32];
	int found = 0;

	if (!dp->pin_dir[0])
		return 0;
	for (int i = 0; i < DP_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, s[i].name);
		s[i].fd = bpf_obj_get(path);
		found += s[i].fd >= 0;
	}
	return found;
}

static void dp_adopt_prog_maps(int prog_fd, struct dp_map_slot *s)
{
	__u32 ids[16], nids;
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return;
	nids = info.nr_map_ids < 16 ? info.nr_map_ids : 16;
	for (__u32 i = 0; i < nids; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0)
			for (int j = 0; j < DP_NMAPS; j++)
				if (s[j].fd < 0 && !strcmp(mi.name, s[j].name)) {
					s[j].fd = fd;
					fd = -1;
					break;
				}
		if (fd >= 0)
			close(fd);
	}
}

/* Does the running map have the layout this build's program expects? An
 * upgrade that changed a struct must not reuse it (the verifier would
 * refuse the program, or worse, the daemon would misread the values). The
 * FDB may differ in size (<kvnet:fdb max>); every other map may not. */
static bool dp_map_compatible(const struct dp_map_slot *s)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);

	if (bpf_obj_get_info_by_fd(s->fd, &mi, &len) < 0)
		return false;
	return mi.type == (__u32)bpf_map__type(s->map) &&
	       mi.key_size == bpf_map__key_size(s->map) &&
	       mi.value_size == bpf_map__value_size(s->map) &&
	       (!strcmp(s->name, KVNET_MAP_FDB) ||
		mi.max_entries == bpf_map__max_entries(s->map));
}

/* The kvnet program attached to ifindex's tcx ingress, as an fd, or -1. */
static int dp_find_attached(int ifindex)
{
	__u32 ids[DP_MAX_QUERY];
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = DP_MAX_QUERY);

	if (bpf_prog_query_opts(ifindex, DP_TCX_INGRESS, &q) < 0)
		return -1;
	for (__u32 i = 0; i < q.prog_cnt && i < DP_MAX_QUERY; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		    !strcmp(info.name, KVNET_PROG_INGRESS))
			return fd;
		close(fd);
	}
	return -1;
}

static int dp_count_found(const struct dp_map_slot *s)
{
	int found = 0;

	for (int i = 0; i < DP_NMAPS; i++)
		found += s[i].fd >= 0;
	return found;
}

/* The running datapath's maps: from the first port that runs a kvnet
 * program (what runs is the truth), else from the pins. */
static void dp_adopt_find(struct dp_net *dp, struct dp_map_slot *s,
			  const int *ports, int nports)
{
	for (int k = 0; k < nports; k++) {
		int prog = dp_find_attached(ports[k]);

		if (prog < 0)
			continue;
		dp_adopt_prog_maps(prog, s);
		close(prog);
		if (dp_count_found(s) == DP_NMAPS)
			return;
		dp_close_slots(s);
	}
	if (dp_adopt_pins(dp, s) < DP_NMAPS)
		dp_close_slots(s);
}

/* Was the config map written by a daemon of this layout? */
static bool dp_layout_ok(int config_fd)
{
	struct kvnet_config cfg = { 0 };
	__u32 zero = 0;

	return bpf_map_lookup_elem(config_fd, &zero, &cfg) == 0 &&
	       cfg.layout == KVNET_LAYOUT_VERSION;
}

/* Remember the ports of a running datapath we cannot adopt. */
static void dp_note_orphans(struct dp_net *dp, int old_ports_fd)
{
	__u32 key, next, *prev = NULL;

	dp->norphans = 0;
	while (dp->norphans < KVNET_MAX_PORTS &&
	       bpf_map_get_next_key(old_ports_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		dp->orphans[dp->norphans++] = (int)key;
	}
}

/* Reuse the maps of the datapath that still runs: all of them, or none (a
 * half-adopted switch would pair an old FDB with a new port table).
 * Returns 1 if adopted, 0 if there is nothing (compatible) to adopt, -1 if
 * libbpf refused one after taking others (the skeleton must be reopened). */
static int dp_adopt(struct dp_net *dp, const int *ports, int nports)
{
	struct dp_map_slot s[DP_NMAPS];
	int ok = 0, ret = 1;

	dp_map_slots(dp, s);
	dp_adopt_find(dp, s, ports, nports);
	if (dp_count_found(s) < DP_NMAPS) {
		dp_close_slots(s);
		return 0;
	}
	for (int i = 0; i < DP_NMAPS; i++)
		ok += dp_map_compatible(&s[i]);
	if (ok < DP_NMAPS || !dp_layout_ok(s[4].fd)) {
		log_warn("the running datapath's maps do not match this kvnetd "
			 "(an upgrade?): starting with a fresh FDB and counters");
		if (bpf_map__key_size(s[1].map) == sizeof(__u32))
			dp_note_orphans(dp, s[1].fd);
		dp_close_slots(s);
		return 0;
	}
	for (int i = 0; ret == 1 && i < DP_NMAPS; i++)
		if (bpf_map__reuse_fd(s[i].map, s[i].fd) < 0)
			ret = -1;
	dp_close_slots(s);
	return ret;
}

static void dp_pin_all(struct dp_net *dp)
{
	struct dp_map_slot s[DP_NMAPS];
	char path[PATH_MAX + 32];

	if (!dp->pin_dir[0] || dp_mkdir_p(dp->pin_dir) < 0)
		return;
	dp_map_slots(dp, s);
	for (int i = 0; i < DP_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, s[i].name);
		unlink(path); /* a stale pin would be adopted next time */
		if (bpf_obj_pin(bpf_map__fd(s[i].map), path) < 0)
			log_warn("cannot pin %s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, KVNET_PROG_INGRESS);
	unlink(path); /* a restarted daemon loads a new program */
	if (bpf_obj_pin(dp->prog_fd, path) < 0)
		log_warn("cannot pin %s: %s", path, strerror(errno));
}

void dp_unpin(struct dp_net *dp)
{
	static const char *const names[] = { KVNET_MAP_FDB, KVNET_MAP_PORTS,
		KVNET_MAP_FLOOD, KVNET_MAP_STATS, KVNET_MAP_CONFIG, KVNET_PROG_INGRESS };
	char path[PATH_MAX + 32];

	if (!dp->pin_dir[0])
		return;
	for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, names[i]);
		unlink(path);
	}
	rmdir(dp->pin_dir);
}

static void dp_take_fds(struct dp_net *dp)
{
	struct switch_bpf *k = dp->skel;

	dp->prog_fd = bpf_program__fd(k->progs.kvnet_ingress);
	dp->fdb_fd = bpf_map__fd(k->maps.fdb);
	dp->ports_fd = bpf_map__fd(k->maps.ports);
	dp->flood_fd = bpf_map__fd(k->maps.flood_list);
	dp->stats_fd = bpf_map__fd(k->maps.port_stats);
	dp->config_fd = bpf_map__fd(k->maps.config);
}

/* Open the skeleton and load it, over the running maps when adopting. */
static int dp_load(struct dp_net *dp, unsigned fdb_max, const int *ports, int nports)
{
	int adopted = 0, ret;

	for (int attempt = 0; attempt < 2; attempt++) {
		dp->skel = switch_bpf__open();
		if (!dp->skel)
			return -errno;
		bpf_program__set_expected_attach_type(dp->skel->progs.kvnet_ingress,
						      DP_TCX_INGRESS);
		if (fdb_max)
			bpf_map__set_max_entries(dp->skel->maps.fdb, fdb_max);
		adopted = nports && attempt == 0 ? dp_adopt(dp, ports, nports) : 0;
		if (adopted >= 0)
			break;
		switch_bpf__destroy(dp->skel); /* half-adopted: start over fresh */
		dp->skel = NULL;
	}
	ret = switch_bpf__load(dp->skel);
	if (ret) {
		switch_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return ret < 0 ? ret : -EINVAL;
	}
	dp->adopted = adopted == 1;
	return 0;
}

/* Fresh maps carry this build's layout version. */
static void dp_stamp_layout(struct dp_net *dp)
{
	struct kvnet_config cfg = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(dp->config_fd, &zero, &cfg);
	cfg.layout = KVNET_LAYOUT_VERSION;
	bpf_map_update_elem(dp->config_fd, &zero, &cfg, BPF_ANY);
}

int dp_open(struct dp_net *dp, const char *bpffs, const char *net,
	    unsigned fdb_max, const int *ports, int nports, struct kv_error *e)
{
	int ret;

	memset(dp, 0, sizeof(*dp));
	dp->prog_fd = dp->fdb_fd = dp->ports_fd = dp->flood_fd = -1;
	dp->stats_fd = dp->config_fd = -1;
	if (bpffs && bpffs[0])
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s/kvnet/%s", bpffs, net);
	ret = dp_load(dp, fdb_max, ports, nports);
	if (ret < 0 && nports) {
		log_warn("cannot load over the running maps (%s): starting afresh",
			 strerror(-ret));
		ret = dp_load(dp, fdb_max, NULL, 0);
	}
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot load the BPF datapath: %s",
			       strerror(-ret));
	dp_take_fds(dp);
	if (dp->adopted)
		log_info("adopted the running datapath's maps");
	else
		dp_stamp_layout(dp);
	dp_pin_all(dp);
	return 0;
}

void dp_close(struct dp_net *dp)
{
	if (dp->skel)
		switch_bpf__destroy(dp->skel);
	dp->skel = NULL;
}

static void dp_config_get(struct dp_net *dp, struct kvnet_config *cfg)
{
	__u32 zero = 0;

	memset(cfg, 0, sizeof(*cfg));
	bpf_map_lookup_elem(dp->config_fd, &zero, cfg);
}

static void dp_config_put(struct dp_net *dp, const struct kvnet_config *cfg)
{
	__u32 zero = 0;

	bpf_map_update_elem(dp->config_fd, &zero, cfg, BPF_ANY);
}

int dp_set_aging(struct dp_net *dp, unsigned seconds)
{
	struct kvnet_config cfg;
	__u32 key = 0;

	dp_config_get(dp, &cfg);
	cfg.aging_ns = (uint64_t)seconds * 1000000000ULL;
	dp->aging_ns = cfg.aging_ns;
	return bpf_map_update_elem(dp->config_fd, &key, &cfg, BPF_ANY) < 0 ? -errno : 0;
}

void dp_set_no_route(struct dp_net *dp, bool on, uint32_t gw_ip, uint32_t gw_bcast)
{
	struct kvnet_config cfg;

	dp_config_get(dp, &cfg);
	cfg.flags = on ? cfg.flags | KVNET_CFG_NO_ROUTE : cfg.flags & ~KVNET_CFG_NO_ROUTE;
	cfg.gw_ip = gw_ip;
	cfg.gw_bcast = gw_bcast;
	dp_config_put(dp, &cfg);
}

/* The keys of the ports map. Collected before anything is written back:
 * updating a hash entry moves it within its bucket, and a walk that writes
 * as it goes can circle two entries forever and never reach the rest. */
static int dp_port_keys(struct dp_net *dp, __u32 keys[KVNET_MAX_PORTS])
{
	__u32 key, next, *prev = NULL;
	int n = 0;

	while (n < KVNET_MAX_PORTS &&
	       bpf_map_get_next_key(dp->ports_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		keys[n++] = key;
	}
	return n;
}

/* Rewrite the whole flood list from the ports map: entries first, count
 * last. Only for adoption; a port added or removed touches one slot. */
static void dp_rebuild_flood(struct dp_net *dp)
{
	__u32 keys[KVNET_MAX_PORTS], slot;
	int n = dp_port_keys(dp, keys);
	struct kvnet_config cfg;

	for (slot = 0; slot < (__u32)n; slot++)
		bpf_map_update_elem(dp->flood_fd, &slot, &keys[slot], BPF_ANY);
	dp_config_get(dp, &cfg);
	cfg.nports = (__u32)n;
	dp_config_put(dp, &cfg);
}

/* The flood list stays put while frames walk it: a new port is appended
 * (entry first, then the count that makes it visible). */
static void dp_flood_add(struct dp_net *dp, __u32 ifindex)
{
	struct kvnet_config cfg;
	__u32 v;

	dp_config_get(dp, &cfg);
	for (__u32 i = 0; i < cfg.nports; i++)
		if (bpf_map_lookup_elem(dp->flood_fd, &i, &v) == 0 && v == ifindex)
			return;
	if (cfg.nports >= KVNET_MAX_PORTS)
		return;
	bpf_map_update_elem(dp->flood_fd, &cfg.nports, &ifindex, BPF_ANY);
	cfg.nports++;
	dp_config_put(dp, &cfg);
}

/* A removed port's slot takes the last entry: the count shrinks first, so
 * a frame flooded meanwhile misses the last port once rather than reaching
 * it twice. */
static void dp_flood_del(struct dp_net *dp, __u32 ifindex)
{
	struct kvnet_config cfg;
	__u32 v, last;

	dp_config_get(dp, &cfg);
	for (__u32 i = 0; i < cfg.nports; i++) {
		if (bpf_map_lookup_elem(dp->flood_fd, &i, &v) < 0 || v != ifindex)
			continue;
		last = cfg.nports - 1;
		cfg.nports = last;
		dp_config_put(dp, &cfg);
		if (i != last && bpf_map_lookup_elem(dp->flood_fd, &last, &v) == 0)
			bpf_map_update_elem(dp->flood_fd, &i, &v, BPF_ANY);
		return;
	}
}

/* The port's stats_idx: kept if it has one, else the lowest free one,
 * whose counters are then zeroed. */
static int dp_stats_idx(struct dp_net *dp, __u32 ifindex, __u32 *idx)
{
	bool used[KVNET_MAX_PORTS] = { false };
	__u32 keys[KVNET_MAX_PORTS];
	int n = dp_port_keys(dp, keys), ncpu = libbpf_num_possible_cpus();
	size_t sz = (sizeof(struct kvnet_port_stats) + 7) & ~7ul;
	struct kvnet_port p;
	void *zero;
	int ret;

	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(dp->ports_fd, &keys[i], &p) < 0 ||
		    p.stats_idx >= KVNET_MAX_PORTS)
			continue;
		if (keys[i] == ifindex) {
			*idx = p.stats_idx;
			return 0;
		}
		used[p.stats_idx] = true;
	}
	for (*idx = 0; *idx < KVNET_MAX_PORTS && used[*idx]; (*idx)++)
		;
	if (*idx == KVNET_MAX_PORTS || ncpu <= 0)
		return -ENOSPC;
	zero = calloc((size_t)ncpu, sz);
	if (!zero)
		return -ENOMEM;
	ret = bpf_map_update_elem(dp->stats_fd, idx, zero, BPF_ANY) < 0 ? -errno : 0;
	free(zero);
	return ret;
}

static int dp_tcx_attach(struct dp_net *dp, int ifindex)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts);
	int old = dp_find_attached(ifindex);
	int ret;

	if (old >= 0) {
		struct bpf_prog_info a = { 0 }, b = { 0 };
		__u32 la = sizeof(a), lb = sizeof(b);

		bpf_obj_get_info_by_fd(old, &a, &la);
		bpf_obj_get_info_by_fd(dp->prog_fd, &b, &lb);
		if (a.id == b.id) {
			close(old);
			return 0;
		}
		opts.flags = BPF_F_REPLACE;
		opts.replace_prog_fd = old;
	}
	ret = bpf_prog_attach_opts(dp->prog_fd, ifindex, DP_TCX_INGRESS, &opts);
	ret = ret < 0 ? -errno : 0;
	if (old >= 0)
		close(old);
	return ret;
}

int dp_port_attach(struct dp_net *dp, int ifindex, uint32_t flags,
		   unsigned mtu, struct kv_error *e)
{
	struct kvnet_port p = { .ifindex = (__u32)ifindex, .flags = flags, .mtu = mtu };
	__u32 key = (__u32)ifindex;
	int ret;

	ret = dp_stats_idx(dp, key, &p.stats_idx);
	if (!ret && bpf_map_update_elem(dp->ports_fd, &key, &p, BPF_ANY) < 0)
		ret = -errno;
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot add port to the datapath: %s",
			       strerror(-ret));
	dp_flood_add(dp, key);
	ret = dp_tcx_attach(dp, ifindex);
	if (ret < 0) {
		dp_port_detach(dp, ifindex);
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot attach the datapath to ifindex %d (tcx ingress): %s",
			       ifindex, strerror(-ret));
	}
	return 0;
}

int dp_port_update(struct dp_net *dp, int ifindex, unsigned mtu, uint32_t flags)
{
	__u32 key = (__u32)ifindex;
	struct kvnet_port p;

	if (bpf_map_lookup_elem(dp->ports_fd, &key, &p) < 0)
		return -ENOENT;
	if (p.mtu == mtu && p.flags == flags)
		return 0;
	p.mtu = mtu;
	p.flags = flags;
	return bpf_map_update_elem(dp->ports_fd, &key, &p, BPF_EXIST) < 0 ? -errno : 0;
}

bool dp_attached(int ifindex)
{
	int fd = dp_find_attached(ifindex);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

void dp_detach_any(int ifindex)
{
	int fd = dp_find_attached(ifindex);

	if (fd >= 0) {
		bpf_prog_detach2(fd, ifindex, DP_TCX_INGRESS);
		close(fd);
	}
}

void dp_port_detach_fast(struct dp_net *dp, int ifindex)
{
	__u32 key = (__u32)ifindex;

	dp_detach_any(ifindex);
	bpf_map_delete_elem(dp->ports_fd, &key);
	dp_flood_del(dp, key);
}

void dp_port_detach(struct dp_net *dp, int ifindex)
{
	dp_port_detach_fast(dp, ifindex);
	dp_fdb_flush_port(dp, ifindex);
}

int dp_fdb_add_static(struct dp_net *dp, const uint8_t mac[6], int ifindex)
{
	struct kvnet_fdb_key k = { 0 };
	struct kvnet_fdb_val v = { .ifindex = (__u32)ifindex, .flags = KVNET_FDB_STATIC };

	memcpy(k.mac, mac, 6);
	v.last_seen_ns = dp_now_ns();
	return bpf_map_update_elem(dp->fdb_fd, &k, &v, BPF_ANY) < 0 ? -errno : 0;
}

int dp_fdb_dump(struct dp_net *dp, struct dp_fdb_entry **out, int *n)
{
	struct kvnet_fdb_key key, next, *prev = NULL;
	struct dp_fdb_entry *v = NULL, *tmp;
	int cnt = 0, cap = 0;

	while (bpf_map_get_next_key(dp->fdb_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(v, (size_t)cap * sizeof(*v));
			if (!tmp) {
				free(v);
				return -ENOMEM;
			}
			v = tmp;
		}
		if (bpf_map_lookup_elem(dp->fdb_fd, &key, &v[cnt].val) < 0)
			continue;
		v[cnt++].key = key;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Delete the entries the predicate selects (collected first: deleting
 * while walking a hash map restarts the walk). */
static int dp_fdb_delete_if(struct dp_net *dp,
			    bool (*pred)(const struct dp_fdb_entry *, const void *),
			    const void *arg)
{
	struct dp_fdb_entry *v;
	int n, deleted = 0;

	if (dp_fdb_dump(dp, &v, &n) < 0)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (pred(&v[i], arg) && bpf_map_delete_elem(dp->fdb_fd, &v[i].key) == 0)
			deleted++;
	free(v);
	return deleted;
}

/* As the datapath decides (lib/fdb.h): a signed age, so an entry another
 * CPU refreshed after we read the clock is fresh, not ancient. */
bool dp_fdb_entry_expired(const struct dp_net *dp, const struct kvnet_fdb_val *v,
			  uint64_t now)
{
	return !(v->flags & KVNET_FDB_STATIC) &&
	       (int64_t)(now - v->last_seen_ns) > (int64_t)dp->aging_ns;
}

struct dp_expiry {
	const struct dp_net *dp;
	uint64_t now;
};

static bool dp_fdb_expired(const struct dp_fdb_entry *e, const void *arg)
{
	const struct dp_expiry *x = arg;

	return dp_fdb_entry_expired(x->dp, &e->val, x->now);
}

int dp_fdb_expire(struct dp_net *dp)
{
	struct dp_expiry x = { dp, dp_now_ns() };

	return dp_fdb_delete_if(dp, dp_fdb_expired, &x);
}

static bool dp_fdb_on_port(const struct dp_fdb_entry *e, const void *arg)
{
	return e->val.ifindex == *(const __u32 *)arg;
}

void dp_fdb_flush_port(struct dp_net *dp, int ifindex)
{
	__u32 idx = (__u32)ifindex;

	dp_fdb_delete_if(dp, dp_fdb_on_port, &idx);
}

int dp_port_stats(struct dp_net *dp, int ifindex, struct kvnet_port_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t sz = (sizeof(struct kvnet_port_stats) + 7) & ~7ul;
	__u32 key = (__u32)ifindex;
	struct kvnet_port p;
	char *buf;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(dp->ports_fd, &key, &p) < 0)
		return -ENOENT;
	buf = calloc((size_t)ncpu, sz);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->stats_fd, &p.stats_idx, buf) < 0) {
		free(buf);
		return -ENOENT;
	}
	for (int c = 0; c < ncpu; c++) {
		const struct kvnet_port_stats *s = (const void *)(buf + (size_t)c * sz);

		out->rx_packets += s->rx_packets;
		out->rx_bytes += s->rx_bytes;
		out->tx_packets += s->tx_packets;
		out->tx_bytes += s->tx_bytes;
		out->flood_packets += s->flood_packets;
		for (int r = 0; r < KVNET_DROP_MAX; r++)
			out->drops[r] += s->drops[r];
	}
	free(buf);
	return 0;
}

void dp_ports_prune(struct dp_net *dp, bool (*keep)(int ifindex, void *arg),
		    void *arg)
{
	__u32 keys[KVNET_MAX_PORTS];
	int n = dp_port_keys(dp, keys);

	for (int i = 0; i < n; i++)
		if (!keep((int)keys[i], arg))
			dp_port_detach(dp, (int)keys[i]);
	dp_rebuild_flood(dp);
}
