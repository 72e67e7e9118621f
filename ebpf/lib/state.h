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

/* A GCRA (the generic cell rate algorithm) on the clock *tat: one event
 * every interval_ns on average, burst in a row. Returns 1 if this event is
 * within the limit (and accounts for it), 0 if it is over. */
static __always_inline int kvnet_gcra(__u64 *tat_p, __u64 interval_ns, __u32 burst, __u64 now)
{
	__u64 tat = *(volatile __u64 *)tat_p;

	if (tat < now)
		tat = now; /* idle long enough: the whole burst is back */
	if (tat - now > interval_ns * burst)
		return 0;
	*(volatile __u64 *)tat_p = tat + interval_ns;
	return 1;
}

/* The flood storm guard: a port may start a flood every flood_ns on
 * average, flood_burst in a row. Trusted ports are not limited. */
static __always_inline int kvnet_flood_allowed(const struct kvnet_port *port,
					       const struct kvnet_config *cfg,
					       __u64 now)
{
	struct kvnet_port_state *st;

	if (!cfg->flood_ns || (port->flags & KVNET_PORT_TRUSTED))
		return 1;
	st = kvnet_state_get(port);
	return !st || kvnet_gcra(&st->flood_tat, cfg->flood_ns, cfg->flood_burst, now);
}

/* The DHCP guard, the same on its own clock. */
static __always_inline int kvnet_dhcp_allowed(const struct kvnet_port *port,
					      const struct kvnet_config *cfg,
					      __u64 now)
{
	struct kvnet_port_state *st;

	if (!cfg->dhcp_ns || (port->flags & KVNET_PORT_TRUSTED))
		return 1;
	st = kvnet_state_get(port);
	return !st || kvnet_gcra(&st->dhcp_tat, cfg->dhcp_ns, cfg->dhcp_burst, now);
}

#endif /* KVNET_LIB_STATE_H */
