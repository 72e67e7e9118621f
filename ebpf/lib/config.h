/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-network switch settings (config: ARRAY of one kvnet_config), read
 * once per frame into the frame context with defaults applied.
 */
#ifndef KVNET_LIB_CONFIG_H
#define KVNET_LIB_CONFIG_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kvnet_config);
} config SEC(".maps");

/* aging_ns 0 (a config the daemon has not written yet) means the default
 * 300 s rather than "everything expired"; nports is clamped to the flood
 * list's size. Only the fields the datapath reads are copied. */
static __always_inline void kvnet_config_read(struct kvnet_config *out)
{
	const struct kvnet_config *c;
	__u32 zero = 0;

	out->aging_ns = KVNET_AGING_DEFAULT_S * 1000ULL * 1000 * 1000;
	out->nports = 0;
	out->flags = 0;
	out->gw_ip = 0;
	out->gw_bcast = 0;
	out->learn_max = 0;
	out->flood_burst = 0;
	out->flood_ns = 0;
	out->dhcp_ns = 0;
	out->dhcp_burst = 0;
	out->gw_ifindex = 0;
	out->uplink_ifindex = 0;
	out->subnet = 0;
	out->mask = 0;
	out->nat_port_min = 0;
	out->nat_port_max = 0;
	out->nat_addr_min = 0;
	out->nat_addr_max = 0;
	out->net_id = 0;
	out->nat_flows_max = 0;
	out->bind_gen = 0;
	__builtin_memset(out->gw_mac, 0, sizeof(out->gw_mac));
	c = bpf_map_lookup_elem(&config, &zero);
	if (!c)
		return;
	if (c->aging_ns)
		out->aging_ns = c->aging_ns;
	out->nports = c->nports < KVNET_MAX_PORTS ? c->nports : KVNET_MAX_PORTS;
	out->flags = c->flags;
	out->gw_ip = c->gw_ip;
	out->gw_bcast = c->gw_bcast;
	out->learn_max = c->learn_max;
	out->flood_burst = c->flood_burst;
	out->flood_ns = c->flood_ns;
	out->dhcp_ns = c->dhcp_ns;
	out->dhcp_burst = c->dhcp_burst;
	if (!(c->flags & KVNET_CFG_ROUTES))
		return;
	out->gw_ifindex = c->gw_ifindex;
	out->uplink_ifindex = c->uplink_ifindex;
	out->subnet = c->subnet;
	out->mask = c->mask;
	out->nat_port_min = c->nat_port_min;
	out->nat_port_max = c->nat_port_max;
	out->nat_addr_min = c->nat_addr_min;
	out->nat_addr_max = c->nat_addr_max;
	out->net_id = c->net_id;
	out->nat_flows_max = c->nat_flows_max;
	out->bind_gen = c->bind_gen;
	__builtin_memcpy(out->gw_mac, c->gw_mac, sizeof(out->gw_mac));
}

#endif /* KVNET_LIB_CONFIG_H */
