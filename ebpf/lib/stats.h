/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-port counters (port_stats: PERCPU_HASH ifindex -> kvnet_port_stats).
 * The daemon pre-creates a zeroed entry for every port; should one be
 * missing, the first packet creates it, so no counter is ever lost. Each
 * CPU owns its copy, so plain increments are safe.
 */
#ifndef KVNET_LIB_STATS_H
#define KVNET_LIB_STATS_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KVNET_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct kvnet_port_stats);
} port_stats SEC(".maps");

/* The value a missing entry starts from; read-only, so it costs no stack. */
static const struct kvnet_port_stats kvnet_stats_zero;

static __always_inline struct kvnet_port_stats *kvnet_stats_get(__u32 ifindex)
{
	struct kvnet_port_stats *st;

	st = bpf_map_lookup_elem(&port_stats, &ifindex);
	if (st)
		return st;
	bpf_map_update_elem(&port_stats, &ifindex, &kvnet_stats_zero,
			    BPF_NOEXIST);
	return bpf_map_lookup_elem(&port_stats, &ifindex);
}

static __always_inline void kvnet_stats_rx(__u32 ifindex, __u32 bytes)
{
	struct kvnet_port_stats *st = kvnet_stats_get(ifindex);

	if (st) {
		st->rx_packets++;
		st->rx_bytes += bytes;
	}
}

static __always_inline void kvnet_stats_tx(__u32 ifindex, __u32 bytes)
{
	struct kvnet_port_stats *st = kvnet_stats_get(ifindex);

	if (st) {
		st->tx_packets++;
		st->tx_bytes += bytes;
	}
}

static __always_inline void kvnet_stats_flood(__u32 ifindex)
{
	struct kvnet_port_stats *st = kvnet_stats_get(ifindex);

	if (st)
		st->flood_packets++;
}

#endif /* KVNET_LIB_STATS_H */
