/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-port counters (port_stats: PERCPU_ARRAY indexed by the port's
 * stats_idx, which the daemon assigns for the port's lifetime and zeroes
 * when it assigns it). An array lookup is inlined by the JIT, where a hash
 * would be hashed on every frame. Each CPU owns its copy, so plain
 * increments are safe.
 */
#ifndef KVNET_LIB_STATS_H
#define KVNET_LIB_STATS_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KVNET_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct kvnet_port_stats);
} port_stats SEC(".maps");

static __always_inline struct kvnet_port_stats *
kvnet_stats_get(const struct kvnet_port *port)
{
	__u32 idx = port->stats_idx;

	return bpf_map_lookup_elem(&port_stats, &idx);
}

static __always_inline void kvnet_stats_rx(const struct kvnet_port *port, __u32 bytes)
{
	struct kvnet_port_stats *st = kvnet_stats_get(port);

	if (st) {
		st->rx_packets++;
		st->rx_bytes += bytes;
	}
}

static __always_inline void kvnet_stats_tx(const struct kvnet_port *port, __u32 bytes)
{
	struct kvnet_port_stats *st = kvnet_stats_get(port);

	if (st) {
		st->tx_packets++;
		st->tx_bytes += bytes;
	}
}

static __always_inline void kvnet_stats_flood(const struct kvnet_port *port)
{
	struct kvnet_port_stats *st = kvnet_stats_get(port);

	if (st)
		st->flood_packets++;
}

#endif /* KVNET_LIB_STATS_H */
