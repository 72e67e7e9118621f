// SPDX-License-Identifier: GPL-2.0-only
/* Networks that route (libvirt's nat, route and open modes): their part of
 * the datapath's settings, the gateway device's forwarding, their subnet
 * in the daemon-wide NAT maps, and where the uplink program runs.
 *
 * The uplink program (ebpf/uplink.bpf.c) runs at the tcx ingress of every
 * Ethernet device of kvnetd's namespace that is not kvnet's own (its
 * gateways and taps carry kvnet's mark) nor a switch port, for as long as
 * one network routes: replies come back through whichever device the
 * host's routes used, and a NAT subnet must be guarded on every one of
 * them, not only on <forward dev=>. netw_uplinks_sync() makes the
 * attachments match that rule; it runs when a routing network starts or
 * stops, when ports come and go, and on link events.
 *
 * Sysctls: kvnet turns forwarding on for its own gateway device only
 * (bpf_fib_lookup() as input from it needs it, and the host's stack then
 * answers for a router: TTL exceeded, fragmentation needed). That device
 * goes away with the network, so nothing is left to restore; the host's
 * global ip_forward and its other devices are never touched.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "switch/dp_ebpf.h"
#include "switch/dp_nat.h"
#include "switch/log.h"
#include "switch/network_int.h"

bool netw_routes(const struct net_def *def)
{
	return def->has_ip && (def->mode == NET_MODE_NAT || def->mode == NET_MODE_ROUTE ||
			       def->mode == NET_MODE_OPEN);
}

/* The network's id in conntrack: from its uuid, so that it is the same
 * after a restart without being recorded anywhere. Never 0. */
uint32_t netw_net_id(const struct net_def *def)
{
	uint32_t id;

	memcpy(&id, def->uuid, sizeof(id));
	id ^= (uint32_t)def->uuid[4] << 24 | (uint32_t)def->uuid[5] << 16;
	return id ? id : 1;
}

static const struct kv_port *netw_gateway_port(const struct kv_network *n)
{
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].kind == PORT_KIND_GATEWAY)
			return &n->ports[i];
	return NULL;
}

static enum kvnet_nat_mode netw_nat_mode(const struct net_def *def)
{
	if (def->mode == NET_MODE_NAT)
		return KVNET_NAT_MODE_NAT;
	return def->mode == NET_MODE_OPEN ? KVNET_NAT_MODE_OPEN : KVNET_NAT_MODE_ROUTE;
}

int netw_route_config(struct kvnetd *d, const struct kv_network *n, struct dp_config *c)
{
	const struct net_def *def = &n->def;
	const struct kv_port *gw = netw_gateway_port(n);
	struct link_info li;

	if (!netw_routes(def) || !gw)
		return 0;
	c->routes = true;
	c->nat = def->mode == NET_MODE_NAT;
	c->open = def->mode == NET_MODE_OPEN;
	c->gw_ifindex = gw->dev_ifindex;
	if (def->uplink[0] && link_get(&d->link, 0, def->uplink, &li) == 0)
		c->uplink_ifindex = li.ifindex;
	else if (def->uplink[0])
		c->uplink_ifindex = -1; /* gone: nothing may leave */
	c->mask = htonl(kv_prefix_mask(def->prefix));
	c->subnet = def->ip.s_addr & c->mask;
	c->nat_port_min = def->nat_port_min;
	c->nat_port_max = def->nat_port_max;
	c->nat_addr_min = def->nat_addr_start.s_addr;
	c->nat_addr_max = def->nat_addr_end.s_addr;
	c->nat_flows_max = def->ct_port_max;
	c->net_id = netw_net_id(def);
	memcpy(c->gw_mac, def->mac, sizeof(c->gw_mac));
	return 0;
}

/* May the uplink program run on this device? */
static bool netw_uplink_candidate(const struct link_info *li)
{
	if (!li->ether || li->group == LINK_KVNET_GROUP || !strcmp(li->name, "lo"))
		return false;
	return !dp_ebpf_attached(li->ifindex); /* a switch port of some network */
}

static bool netw_any_routes(const struct kvnetd *d)
{
	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i]->route_up)
			return true;
	return false;
}

struct netw_sync {
	struct kvnetd *d;
	bool on;
};

static void netw_uplink_sync_one(void *arg, const struct link_info *li)
{
	struct netw_sync *s = arg;
	struct kv_error e = { 0 };

	if (s->on && netw_uplink_candidate(li)) {
		if (dp_nat_attach(s->d->nat, li->ifindex, &e) < 0)
			log_warn("%s: %s", li->name, e.msg);
	} else if (dp_nat_attached(li->ifindex)) {
		dp_nat_detach_any(li->ifindex);
	}
}

void netw_uplinks_sync(struct kvnetd *d)
{
	struct netw_sync s = { d, d->nat && netw_any_routes(d) };

	if (!d->nat || (!s.on && !d->uplinks_on))
		return;
	d->uplinks_on = s.on;
	link_list(&d->link, netw_uplink_sync_one, &s);
}

int netw_route_check(struct kvnetd *d, const struct kv_network *n, struct kv_error *e)
{
	const struct net_def *def = &n->def;
	struct link_info li;

	if (!netw_routes(def))
		return 0;
	if (!netw_nat(d))
		return kv_fail(e, KV_ERR_SYSTEM, -ENOSYS,
			       "the NAT datapath could not be loaded (see kvnetd's log); "
			       "forward mode '%s' cannot start", net_mode_name(def->mode));
	if (def->uplink[0] && link_get(&d->link, 0, def->uplink, &li) < 0)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENODEV,
			       "uplink '%s' (<forward dev=>) does not exist", def->uplink);
	if (def->uplink[0] && (li.group == LINK_KVNET_GROUP || dp_ebpf_attached(li.ifindex)))
		return kv_fail(e, KV_ERR_CONFLICT, -EBUSY,
			       "uplink '%s' is a kvnet port or gateway, not an uplink",
			       def->uplink);
	return 0;
}

int netw_route_up(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	const struct net_def *def = &n->def;
	const struct kv_port *gw = netw_gateway_port(n);
	struct kvnet_nat_net v = { 0 };
	uint32_t mask = htonl(kv_prefix_mask(def->prefix));
	int ret;

	if (!netw_routes(def) || !gw)
		return 0;
	ret = netw_dp_configure(n, e);
	v.net_id = netw_net_id(def);
	v.mode = netw_nat_mode(def);
	v.gw_ifindex = (uint32_t)gw->dev_ifindex;
	v.gw_ip = def->ip.s_addr;
	if (!ret)
		ret = dp_nat_net_add(d->nat, def->ip.s_addr & mask, def->prefix, &v, e);
	n->route_up = ret == 0;
	if (!ret)
		netw_uplinks_sync(d);
	if (!ret)
		netw_fwd_up(d, n, gw->dev_ifindex);
	return ret;
}

void netw_route_down(struct kvnetd *d, struct kv_network *n)
{
	const struct net_def *def = &n->def;
	uint32_t mask = htonl(kv_prefix_mask(def->prefix));

	if (!d->nat || !n->route_up)
		return;
	n->route_up = false;
	netw_fwd_down(d, n);
	dp_nat_net_del(d->nat, def->ip.s_addr & mask, def->prefix);
	dp_nat_flush_net(d->nat, netw_net_id(def));
}

/* ---- the conntrack sweep ------------------------------------------------ */

/* The active nat network whose conntrack id is net_id, or NULL. */
static struct kv_network *netw_by_net_id(struct kvnetd *d, uint32_t net_id)
{
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		if (n->active && n->dp && n->def.mode == NET_MODE_NAT &&
		    netw_net_id(&n->def) == net_id)
			return n;
	}
	return NULL;
}

static void netw_ct_live_flow(void *ctx, uint32_t net_id, int origin_ifindex)
{
	struct kv_network *n = netw_by_net_id(ctx, net_id);

	if (n)
		dp_flows_count(n->dp, origin_ifindex);
}

static void netw_ct_pass_done(void *ctx)
{
	struct kvnetd *d = ctx;

	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i]->active && d->nets[i]->dp && d->nets[i]->def.mode == NET_MODE_NAT)
			dp_flows_publish(d->nets[i]->dp);
}

void netw_ct_sweep(struct kvnetd *d)
{
	static const struct dp_nat_gc_cb cb = {
		.live_flow = netw_ct_live_flow,
		.pass_done = netw_ct_pass_done,
	};

	dp_nat_gc(d->nat, NETW_SWEEP_BUDGET, &cb, d);
}
