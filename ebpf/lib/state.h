/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-port guard state (port_state: ARRAY of kvnet_port_state indexed by
 * the port's stats_idx), shared by every CPU: the flood guard's clock and
 * the count of MACs the port has learned. Writes are plain or atomic adds
 * without a lock, so the guards are approximate when several CPUs serve one
 * port at once; they bound a hostile guest, they do not meter exactly.
 */
#ifndef KVNET_LIB_STATE_H
#define KVNET_LIB_STATE_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KVNET_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct kvnet_port_state);
} port_state SEC(".maps");

static __always_inline struct kvnet_port_state *
kvnet_state_get(const struct kvnet_port *port)
{
	__u32 idx = port->stats_idx;

	return bpf_map_lookup_elem(&port_state, &idx);
}

/* Flood storm guard, a GCRA: the port may start a flood every flood_ns on
 * average, with flood_burst in a row. Returns 1 if this flood is within
 * the limit (and accounts for it), 0 if it must be dropped. */
static __always_inline int kvnet_flood_allowed(const struct kvnet_port *port,
					       const struct kvnet_config *cfg,
					       __u64 now)
{
	struct kvnet_port_state *st;
	__u64 tat, tau;

	if (!cfg->flood_ns || (port->flags & KVNET_PORT_TRUSTED))
		return 1;
	st = kvnet_state_get(port);
	if (!st)
		return 1;
	tau = cfg->flood_ns * cfg->flood_burst;
	tat = *(volatile __u64 *)&st->flood_tat;
	if (tat < now)
		tat = now; /* idle long enough: the whole burst is back */
	if (tat - now > tau)
		return 0;
	*(volatile __u64 *)&st->flood_tat = tat + cfg->flood_ns;
	return 1;
}

/* The DHCP guard, the same GCRA on its own clock: at most dhcp_ns apart on
 * average, dhcp_burst in a row. 1: within the limit. */
static __always_inline int kvnet_dhcp_allowed(const struct kvnet_port *port,
					      const struct kvnet_config *cfg,
					      __u64 now)
{
	struct kvnet_port_state *st;
	__u64 tat, tau;

	if (!cfg->dhcp_ns || (port->flags & KVNET_PORT_TRUSTED))
		return 1;
	st = kvnet_state_get(port);
	if (!st)
		return 1;
	tau = cfg->dhcp_ns * cfg->dhcp_burst;
	tat = *(volatile __u64 *)&st->dhcp_tat;
	if (tat < now)
		tat = now;
	if (tat - now > tau)
		return 0;
	*(volatile __u64 *)&st->dhcp_tat = tat + cfg->dhcp_ns;
	return 1;
}

#endif /* KVNET_LIB_STATE_H */
