// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's ports and settings: the config map, the ports map
 * (written through dp_ebpf_direct.c) and the flood list (double-buffered),
 * each port's counter slot, tcx attachment, counters, and the punt ring
 * kvnetd reads BPDUs from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/random.h>
#include <sys/syscall.h>

#include "switch/dp_ebpf.h"
#include "switch/fault.h"
#include "switch/log.h"

static int dpe_config_get(struct dp_ebpf *dp, struct kvnet_config *cfg)
{
	__u32 zero = 0;

	memset(cfg, 0, sizeof(*cfg));
	return bpf_map_lookup_elem(dp->fd[KVNET_MAPID_CONFIG], &zero, cfg) < 0 ? -errno : 0;
}

static int dpe_config_put(struct dp_ebpf *dp, const struct kvnet_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_update_elem(dp->fd[KVNET_MAPID_CONFIG], &zero, cfg, BPF_ANY) < 0 ?
		       -errno : 0;
}

/* A new anti-spoofing generation (kvnet_config bind_gen) after old:
 * random, so that no earlier one of this network or another comes back (a
 * flow or learn cache stamped with one is checked again,
 * ebpf/lib/fastpath.h), and never 0 or old. */
static __u32 dpe_bind_gen_next(__u32 old)
{
	__u32 gen;

	if (getrandom(&gen, sizeof(gen), 0) != sizeof(gen) || gen == old)
		gen = old + 1;
	if (!gen)
		gen = old == 1 ? 2 : 1;
	return gen;
}

int dpe_bind_gen_bump(struct dp_ebpf *dp)
{
	struct kvnet_config cfg;
	int ret = dpe_config_get(dp, &cfg);

	if (ret < 0)
		return ret;
	cfg.bind_gen = dpe_bind_gen_next(cfg.bind_gen);
	return dpe_config_put(dp, &cfg);
}

static __u32 dpe_config_flags(const struct dp_config *c)
{
	return (c->no_route ? KVNET_CFG_NO_ROUTE : 0) | (c->ipv6 ? KVNET_CFG_IPV6 : 0) |
	       (c->stp ? KVNET_CFG_STP : 0) | (c->dhcp ? KVNET_CFG_DHCP : 0) |
	       (c->routes ? KVNET_CFG_ROUTES : 0) | (c->nat ? KVNET_CFG_NAT : 0) |
	       (c->open ? KVNET_CFG_OPEN : 0);
}

/* The routing part of the settings (all 0 on a network that does not). */
static void dpe_config_routing(struct kvnet_config *cfg, const struct dp_config *c)
{
	cfg->gw_ifindex = c->routes ? (__u32)c->gw_ifindex : 0;
	cfg->uplink_ifindex = c->routes ? (__u32)c->uplink_ifindex : 0;
	cfg->subnet = c->routes ? c->subnet : 0;
	cfg->mask = c->routes ? c->mask : 0;
	cfg->nat_port_min = c->nat ? c->nat_port_min : 0;
	cfg->nat_port_max = c->nat ? c->nat_port_max : 0;
	cfg->nat_addr_min = c->nat ? c->nat_addr_min : 0;
	cfg->nat_addr_max = c->nat ? c->nat_addr_max : 0;
	cfg->nat_flows_max = c->nat ? c->nat_flows_max : 0;
	cfg->net_id = c->net_id;
	memcpy(cfg->gw_mac, c->routes ? c->gw_mac : (const uint8_t[6]){ 0 }, sizeof(cfg->gw_mac));
}

int dpe_configure(struct dp *base, const struct dp_config *c, struct kv_error *e)
{
	struct dp_ebpf *dp = dpe(base);
	struct kvnet_config cfg;
	int ret = dpe_config_get(dp, &cfg);

	if (ret == 0)
		ret = FAULT("dp.configure");
	if (ret == 0) {
		dp->net_id = c->net_id;
		cfg.aging_ns = (__u64)c->aging_s * 1000000000ULL;
		cfg.flags = dpe_config_flags(c);
		cfg.gw_ip = c->gw_ip;
		cfg.gw_bcast = c->gw_bcast;
		cfg.learn_max = c->learn_max;
		cfg.flood_ns = c->flood_rate ? 1000000000ULL / c->flood_rate : 0;
		cfg.flood_burst = c->flood_rate ? c->flood_burst : 0;
		memcpy(cfg.net_uuid, c->uuid, sizeof(cfg.net_uuid));
		cfg.dhcp_ns = c->dhcp_rate ? 1000000000ULL / c->dhcp_rate : 0;
		cfg.dhcp_burst = c->dhcp_rate ? c->dhcp_burst : 0;
		dpe_config_routing(&cfg, c);
		/* a new generation every time, not only for a fresh config: a
		 * kvnetd killed between a change to the maps and its bump left
		 * the old one, and its successor adopts maps and config as
		 * they are (network_restore.c configures after adopting) */
		cfg.bind_gen = dpe_bind_gen_next(cfg.bind_gen);
		ret = dpe_config_put(dp, &cfg);
	}
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot write the datapath's settings: %s",
			       strerror(-ret));
	base->aging_ns = cfg.aging_ns;
	return 0;
}

/* The keys of the ports map. Collected before anything is written back:
 * updating a hash entry moves it within its bucket, and a walk that writes
 * as it goes can circle two entries forever and never reach the rest. */
static int dpe_port_keys(struct dp_ebpf *dp, __u32 keys[KVNET_MAX_PORTS])
{
	__u32 key, next, *prev = NULL;
	int n = 0;

	while (n < KVNET_MAX_PORTS &&
	       bpf_map_get_next_key(dp->fd[KVNET_MAPID_PORTS], prev, &next) == 0) {
		key = next;
		prev = &key;
		keys[n++] = key;
	}
	return n;
}

int dpe_port_list(struct dp *base, int *ifindexes, int max)
{
	__u32 keys[KVNET_MAX_PORTS];
	int n = dpe_port_keys(dpe(base), keys);

	for (int i = 0; i < n && i < max; i++)
		ifindexes[i] = (int)keys[i];
	return n < max ? n : max;
}

int dpe_port_get(struct dp *base, int ifindex, struct dp_port *out)
{
	__u32 key = (__u32)ifindex;
	struct kvnet_port v;

	if (bpf_map_lookup_elem(dpe(base)->fd[KVNET_MAPID_PORTS], &key, &v) < 0)
		return -ENOENT;
	*out = (struct dp_port){ ifindex, v.flags, v.mtu };
	return 0;
}

void dpe_state_publish(struct dp_ebpf *dp, __u32 counts[KVNET_MAX_PORTS], size_t field_off)
{
	int fd = dp->fd[KVNET_MAPID_PORT_STATE];
	struct kvnet_port_state st;
	__u32 *field = (__u32 *)((char *)&st + field_off);

	for (__u32 i = 0; i < KVNET_MAX_PORTS; i++) {
		if (bpf_map_lookup_elem(fd, &i, &st) < 0 || *field == counts[i])
			continue;
		*field = counts[i];
		bpf_map_update_elem(fd, &i, &st, BPF_ANY);
	}
	memset(counts, 0, KVNET_MAX_PORTS * sizeof(counts[0]));
}

int dpe_port_slot(struct dp_ebpf *dp, __u32 ifindex)
{
	struct kvnet_port p;

	if (bpf_map_lookup_elem(dp->fd[KVNET_MAPID_PORTS], &ifindex, &p) < 0 ||
	    p.stats_idx >= KVNET_MAX_PORTS)
		return -1;
	return (int)p.stats_idx;
}

/* Wait until no frame can still be walking the copy of the flood list
 * that was live before the last flip: a tc program runs inside an RCU
 * read-side section, and MEMBARRIER_CMD_GLOBAL is synchronize_rcu(). Where
 * membarrier is refused (nohz_full), a pause far longer than any flood
 * walk takes stands in for it. */
static void dpe_flood_quiesce(void)
{
	static bool warned;
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return;
	if (!warned)
		log_warn("membarrier: %s; the flood list waits 50 ms per change instead",
			 strerror(errno));
	warned = true;
	nanosleep(&pause, NULL);
}

/* Publish the ports map as the flood list: write the copy no frame
 * walks (entries, then its count), flip the selector to it, then wait
 * until the other copy is free to be written next time. A frame reads
 * the selector once, so it floods to the old list or the new one, whole. */
int dpe_flood_publish(struct dp_ebpf *dp)
{
	__u32 keys[KVNET_MAX_PORTS], key = KVNET_FLOOD_SEL, sel = 0, base, n;
	int fd = dp->fd[KVNET_MAPID_FLOOD];

	n = (__u32)dpe_port_keys(dp, keys);
	if (bpf_map_lookup_elem(fd, &key, &sel) < 0)
		sel = 0;
	sel = (sel & 1) ^ 1;
	base = sel * KVNET_FLOOD_STRIDE;
	for (__u32 i = 0; i < n; i++) {
		key = base + 1 + i;
		if (bpf_map_update_elem(fd, &key, &keys[i], BPF_ANY) < 0)
			return -errno;
	}
	key = KVNET_FLOOD_SEL;
	if (bpf_map_update_elem(fd, &base, &n, BPF_ANY) < 0 ||
	    bpf_map_update_elem(fd, &key, &sel, BPF_ANY) < 0)
		return -errno;
	dpe_flood_quiesce();
	return 0;
}

/* Zero the counter slot idx: its per-CPU stats and its guard state. */
static int dpe_slot_zero(struct dp_ebpf *dp, __u32 idx)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t sz = (sizeof(struct kvnet_port_stats) + 7) & ~7ul;
	struct kvnet_port_state st = { 0 };
	void *zero;
	int ret = 0;

	if (ncpu <= 0)
		return -EINVAL;
	zero = calloc((size_t)ncpu, sz);
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(dp->fd[KVNET_MAPID_STATS], &idx, zero, BPF_ANY) < 0 ||
	    bpf_map_update_elem(dp->fd[KVNET_MAPID_PORT_STATE], &idx, &st, BPF_ANY) < 0)
		ret = -errno;
	free(zero);
	return ret;
}

/* The port's stats_idx: kept if it has one, else the lowest free one,
 * whose counters are then zeroed. */
static int dpe_stats_idx(struct dp_ebpf *dp, __u32 ifindex, __u32 *idx)
{
	bool used[KVNET_MAX_PORTS] = { false };
	__u32 keys[KVNET_MAX_PORTS];
	int n = dpe_port_keys(dp, keys), slot;

	for (int i = 0; i < n; i++) {
		slot = dpe_port_slot(dp, keys[i]);
		if (slot < 0)
			continue;
		if (keys[i] == ifindex) {
			*idx = (__u32)slot;
			return 0;
		}
		used[slot] = true;
	}
	for (*idx = 0; *idx < KVNET_MAX_PORTS && used[*idx]; (*idx)++)
		;
	if (*idx == KVNET_MAX_PORTS)
		return -ENOSPC;
	return dpe_slot_zero(dp, *idx);
}

int dpe_tcx_attach_at(int ifindex, enum bpf_attach_type type, const char *name, int prog_fd)
{
	LIBBPF_OPTS(bpf_prog_attach_opts, opts);
	int old = dpe_find_attached_at(ifindex, type, name);
	int ret;

	if (old >= 0) {
		struct bpf_prog_info a = { 0 }, b = { 0 };
		__u32 la = sizeof(a), lb = sizeof(b);

		bpf_obj_get_info_by_fd(old, &a, &la);
		bpf_obj_get_info_by_fd(prog_fd, &b, &lb);
		if (a.id == b.id) {
			close(old);
			return 0;
		}
		opts.flags = BPF_F_REPLACE;
		opts.replace_prog_fd = old;
	}
	FAULT("dp.attach");
	ret = bpf_prog_attach_opts(prog_fd, ifindex, type, &opts);
	ret = ret < 0 ? -errno : 0;
	FAULT("dp.attached");
	if (old >= 0)
		close(old);
	return ret;
}

static int dpe_tcx_attach(struct dp_ebpf *dp, int ifindex)
{
	return dpe_tcx_attach_at(ifindex, DPE_TCX_INGRESS, KVNET_PROG_INGRESS, dp->prog_fd);
}

static int dpe_port_put(struct dp_ebpf *dp, const struct dp_port *p, struct kv_error *e)
{
	struct kvnet_port v = { .ifindex = (__u32)p->ifindex, .flags = p->flags, .mtu = p->mtu };
	__u32 key = (__u32)p->ifindex;
	int ret = FAULT("dp.port_put");

	if (!ret)
		ret = dpe_stats_idx(dp, key, &v.stats_idx);

	if (!ret)
		ret = dpe_ports_write(dp, &v, BPF_ANY);
	if (!ret)
		ret = dpe_bind_gen_bump(dp);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot add ifindex %d to the datapath's ports: %s",
			       p->ifindex, strerror(-ret));
	return 0;
}

int dpe_port_attach(struct dp *base, const struct dp_port *p, struct kv_error *e)
{
	struct dp_ebpf *dp = dpe(base);
	int ret = dpe_port_put(dp, p, e);

	if (ret < 0)
		return ret;
	ret = FAULT("dp.flood_add");
	if (!ret)
		ret = dpe_flood_publish(dp);
	if (ret < 0) {
		dpe_port_detach(base, p->ifindex, true);
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot add ifindex %d to the flood list: %s", p->ifindex,
			       strerror(-ret));
	}
	ret = dpe_tcx_attach(dp, p->ifindex);
	if (ret < 0) {
		dpe_port_detach(base, p->ifindex, true);
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot attach the datapath to ifindex %d (tcx ingress): %s",
			       p->ifindex, strerror(-ret));
	}
	return 0;
}

int dpe_port_update(struct dp *base, const struct dp_port *p, struct kv_error *e)
{
	struct dp_ebpf *dp = dpe(base);
	__u32 key = (__u32)p->ifindex;
	struct kvnet_port v;
	int ret = 0;

	if (bpf_map_lookup_elem(dp->fd[KVNET_MAPID_PORTS], &key, &v) < 0)
		ret = -errno;
	else if (v.mtu == p->mtu && v.flags == p->flags)
		return 0;
	v.ifindex = key; /* the key is the truth */
	v.mtu = p->mtu;
	v.flags = p->flags;
	if (!ret)
		ret = dpe_ports_write(dp, &v, BPF_EXIST);
	if (!ret)
		ret = dpe_bind_gen_bump(dp);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot update port ifindex %d: %s",
			       p->ifindex, strerror(-ret));
	return 0;
}

int dpe_port_detach(struct dp *base, int ifindex, bool flush)
{
	struct dp_ebpf *dp = dpe(base);
	__u32 key = (__u32)ifindex;
	int ret;

	FAULT("dp.detach");
	dp_ebpf_detach_any(ifindex);
	if (flush)
		dpe_fdb_flush_port(base, ifindex);
	ret = dpe_ports_erase(dp, key);
	if (ret < 0)
		log_warn("cannot remove ifindex %d from the datapath: %s", ifindex,
			 strerror(-ret));
	ret = dpe_bind_gen_bump(dp);
	if (ret < 0)
		log_warn("cannot renew the datapath's anti-spoofing generation: %s",
			 strerror(-ret));
	ret = dpe_flood_publish(dp);
	if (ret < 0)
		log_warn("cannot remove ifindex %d from the flood list: %s", ifindex,
			 strerror(-ret));
	return ret;
}

int dpe_port_stats(struct dp *base, int ifindex, struct kvnet_port_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), slot;
	size_t sz = (sizeof(struct kvnet_port_stats) + 7) & ~7ul;
	struct dp_ebpf *dp = dpe(base);
	__u32 idx;
	char *buf;

	memset(out, 0, sizeof(*out));
	slot = dpe_port_slot(dp, (__u32)ifindex);
	if (ncpu <= 0 || slot < 0)
		return ncpu <= 0 ? -EINVAL : -ENOENT;
	idx = (__u32)slot;
	buf = calloc((size_t)ncpu, sz);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->fd[KVNET_MAPID_STATS], &idx, buf) < 0) {
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
		for (int r = 0; r < KVNET_DROP_SLOTS; r++)
			out->drops[r] += s->drops[r];
	}
	free(buf);
	return 0;
}

static int dpe_punt_cb(void *ctx, void *data, size_t size)
{
	struct dp_ebpf *dp = ctx;

	if (size >= sizeof(struct kvnet_punt) && dp->punt_fn)
		dp->punt_fn(dp->punt_arg, data);
	return 0;
}

int dpe_punt_fd(struct dp *base)
{
	struct dp_ebpf *dp = dpe(base);

	if (!dp->rb)
		dp->rb = ring_buffer__new(dp->fd[KVNET_MAPID_PUNT], dpe_punt_cb, dp, NULL);
	return dp->rb ? ring_buffer__epoll_fd(dp->rb) : -1;
}

int dpe_punt_read(struct dp *base, void (*fn)(void *arg, const struct kvnet_punt *p),
		  void *arg)
{
	struct dp_ebpf *dp = dpe(base);
	int ret;

	if (!dp->rb)
		return -EBADF;
	dp->punt_fn = fn;
	dp->punt_arg = arg;
	ret = ring_buffer__consume(dp->rb);
	dp->punt_fn = NULL;
	return ret < 0 ? ret : 0;
}
