// SPDX-License-Identifier: GPL-2.0-only
/* Anti-spoofing bindings of a network's ports (see ebpf/lib/spoof.h): what
 * each untrusted port may send from, computed from
 *  - its pinned MAC (`port add --mac`),
 *  - the addresses kvnet's DHCP server leased on it (a lease records the
 *    port its client last asked from),
 *  - a reservation (<host mac ip>, `dhcp host add`) for its pinned MAC,
 *  - addresses added by `kvnet port addr add` (statically configured
 *    guests), kept in the runtime record;
 * and the set of addresses some port or reservation owns, which ports
 * without an IPv4 binding may not use. Every change (a port, a lease, a
 * reservation, a static address) recomputes the whole and hands it to the
 * datapath, which writes only what differs. A lease that expires leaves
 * its binding within a second (netw_bind_leases_stale, from the DHCP
 * service's tick). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "switch/network_int.h"
#include "switch/log.h"

static const char *const netw_guard_names[] = { "exempt", "unbound", "mac", "bound" };

const char *netw_guard_name(enum netw_guard g)
{
	return (unsigned)g < sizeof(netw_guard_names) / sizeof(*netw_guard_names) ?
		       netw_guard_names[g] : "?";
}

static bool netw_port_exempt(const struct kv_port *p)
{
	return p->trusted || p->kind == PORT_KIND_GATEWAY;
}

/* Add ip (network order) to b unless it is there; bit marks it static. */
static void netw_bind_add_ip(struct kvnet_port_addrs *b, uint32_t ip, bool is_static)
{
	for (__u32 i = 0; i < b->nip; i++)
		if (b->ip[i] == ip) {
			b->static_mask |= is_static ? 1u << i : 0;
			return;
		}
	if (b->nip >= KVNET_PORT_ADDRS_MAX)
		return;
	b->static_mask |= is_static ? 1u << b->nip : 0;
	b->ip[b->nip++] = ip;
}

/* p's binding: statics first, then its MAC's reservations, then leases. */
static void netw_bind_port(const struct kv_network *n, const struct kv_port *p,
			   struct kvnet_port_addrs *b)
{
	memset(b, 0, sizeof(*b));
	if (p->has_guest_mac) {
		b->flags |= KVNET_ADDRS_MAC;
		memcpy(b->mac, p->guest_mac, 6);
	}
	for (int i = 0; i < p->naddrs; i++)
		netw_bind_add_ip(b, p->addrs[i], true);
	for (int i = 0; p->has_guest_mac && i < n->def.nhosts; i++) {
		const struct net_dhcp_host *h = &n->def.hosts[i];

		if (h->has_mac && h->ip.s_addr && !memcmp(h->mac, p->guest_mac, 6))
			netw_bind_add_ip(b, h->ip.s_addr, false);
	}
	for (int i = 0; i < p->nlease_ips; i++)
		netw_bind_add_ip(b, p->lease_ips[i], false);
}

/* Refill every untrusted port's lease_ips from the DHCP server. */
static void netw_bind_collect_leases(struct kv_network *n)
{
	uint64_t now = (uint64_t)time(NULL);
	struct dhcp_lease_rec r;
	uint32_t cursor = 0;
	struct kv_port *p;

	for (int i = 0; i < n->nports; i++)
		n->ports[i].nlease_ips = 0;
	while (n->dhcp && dhcpd_lease_next(n->dhcp, &cursor, &r) == 0) {
		if (r.state != DHCP_LEASE_BOUND || (r.expiry && r.expiry <= now))
			continue;
		p = netw_port_by_ifindex(n, (int)r.port);
		if (!p || netw_port_exempt(p) || p->nlease_ips >= KVNET_PORT_ADDRS_MAX)
			continue;
		p->lease_ips[p->nlease_ips++] = htonl(r.ip);
	}
}

struct netw_bind_set {
	struct dp_binding b[KVNET_MAX_PORTS];
	int nb;
	struct dp_owner o[KVNET_ADDR_OWNERS_MAX];
	int no;
};

static void netw_bind_own(struct netw_bind_set *s, uint32_t ip, int ifindex)
{
	for (int i = 0; i < s->no; i++)
		if (s->o[i].ip == ip)
			return; /* the first owner stays */
	if (s->no < KVNET_ADDR_OWNERS_MAX)
		s->o[s->no++] = (struct dp_owner){ ip, ifindex };
}

static void netw_bind_compute(const struct kv_network *n, struct netw_bind_set *s)
{
	struct kvnet_port_addrs a;

	if (n->def.has_ip) /* no guest poses as the gateway */
		netw_bind_own(s, n->def.ip.s_addr, 0);
	for (int i = 0; i < n->nports; i++) {
		const struct kv_port *p = &n->ports[i];

		netw_bind_port(n, p, &a);
		for (__u32 k = 0; k < a.nip; k++)
			netw_bind_own(s, a.ip[k], p->ifindex);
		if (netw_port_exempt(p) || (!a.flags && !a.nip))
			continue;
		s->b[s->nb].ifindex = p->ifindex;
		s->b[s->nb++].addrs = a;
	}
	for (int i = 0; i < n->def.nhosts; i++)
		if (n->def.hosts[i].ip.s_addr)
			netw_bind_own(s, n->def.hosts[i].ip.s_addr, 0);
}

void netw_bind_sync(struct kv_network *n)
{
	struct netw_bind_set *s;

	if (!n->dp || !n->active)
		return;
	s = calloc(1, sizeof(*s));
	if (!s) {
		log_err("network '%s': no memory for the anti-spoofing bindings", n->def.name);
		return;
	}
	netw_bind_collect_leases(n);
	netw_bind_compute(n, s);
	dp_bind_sync(n->dp, s->b, s->nb, s->o, s->no);
	free(s);
}

/* ---- what changes a binding ------------------------------------------- */

static bool netw_port_has_lease(const struct kv_port *p, uint32_t ip)
{
	for (int i = 0; i < p->nlease_ips; i++)
		if (p->lease_ips[i] == ip)
			return true;
	return false;
}

static bool netw_any_port_has_lease(const struct kv_network *n, uint32_t ip)
{
	for (int i = 0; i < n->nports; i++)
		if (netw_port_has_lease(&n->ports[i], ip))
			return true;
	return false;
}

bool netw_bind_lease_touched(const struct kv_network *n, const struct dhcp_changes *ch)
{
	for (int i = 0; i < ch->n; i++) {
		const struct dhcp_lease_rec *r = &ch->rec[i];
		uint32_t ip = htonl(r->ip);
		const struct kv_port *p;

		if (r->state != DHCP_LEASE_BOUND) {
			if (netw_any_port_has_lease(n, ip))
				return true;
			continue;
		}
		p = netw_port_by_ifindex((struct kv_network *)n, (int)r->port);
		if (p && !netw_port_exempt(p) && !netw_port_has_lease(p, ip))
			return true; /* new, or moved here (a renewal changes nothing) */
		if ((!p || netw_port_exempt(p)) && netw_any_port_has_lease(n, ip))
			return true; /* moved away */
	}
	return false;
}

bool netw_bind_leases_stale(const struct kv_network *n)
{
	uint64_t now = (uint64_t)time(NULL);
	struct dhcp_lease_rec r;

	for (int i = 0; n->dhcp && i < n->nports; i++) {
		const struct kv_port *p = &n->ports[i];

		for (int k = 0; k < p->nlease_ips; k++)
			if (dhcpd_lease_find(n->dhcp, ntohl(p->lease_ips[k]), &r) < 0 ||
			    r.state != DHCP_LEASE_BOUND || (r.expiry && r.expiry <= now) ||
			    (int)r.port != p->ifindex)
				return true;
	}
	return false;
}

/* ---- the port's guard, for listings ------------------------------------ */

enum netw_guard netw_port_guard(const struct kv_network *n, const struct kv_port *p,
				struct kvnet_port_addrs *out)
{
	memset(out, 0, sizeof(*out));
	if (netw_port_exempt(p))
		return NETW_GUARD_EXEMPT;
	if (!n->dp || dp_bind_get(n->dp, p->ifindex, out) < 0)
		return NETW_GUARD_UNBOUND;
	if (out->nip)
		return NETW_GUARD_BOUND;
	return out->flags & KVNET_ADDRS_MAC ? NETW_GUARD_MAC : NETW_GUARD_UNBOUND;
}

/* ---- static addresses --------------------------------------------------- */

static int netw_addr_parse(const struct kv_network *n, const char *text, uint32_t *ip,
			   struct kv_error *e)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, text, &a) != 1)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid IPv4 address '%s'", text);
	h = ntohl(a.s_addr);
	if (!h || h == 0xffffffff || (h >> 28) == 0xe || (h >> 24) == 127)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "%s is not a unicast address a guest can have", text);
	if (n->def.has_ip && a.s_addr == n->def.ip.s_addr)
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST, "%s is the gateway's address", text);
	*ip = a.s_addr;
	return 0;
}

/* Is ip another port's (static, leased, or its MAC's reservation), or
 * reserved for a MAC that p does not pin? */
static int netw_addr_check_free(const struct kv_network *n, const struct kv_port *p,
				uint32_t ip, const char *text, struct kv_error *e)
{
	struct kvnet_port_addrs a;

	for (int i = 0; i < n->nports; i++) {
		const struct kv_port *q = &n->ports[i];

		netw_bind_port(n, q, &a);
		for (__u32 k = 0; q != p && k < a.nip; k++)
			if (a.ip[k] == ip)
				return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
					       "%s is bound to port '%s'", text, q->iface);
	}
	for (int i = 0; i < n->def.nhosts; i++) {
		const struct net_dhcp_host *h = &n->def.hosts[i];

		if (h->ip.s_addr == ip && (!p->has_guest_mac || !h->has_mac ||
					   memcmp(h->mac, p->guest_mac, 6)))
			return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
				       "%s is reserved for another client (dhcp host)", text);
	}
	return 0;
}

static struct kv_port *netw_addr_port(struct kv_network *n, const char *iface,
				      struct kv_error *e)
{
	struct kv_port *p;

	if (!n->active) {
		kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' is not active", n->def.name);
		return NULL;
	}
	p = netw_port_by_name(n, iface);
	if (!p)
		kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "interface '%s' is not a port of network "
			"'%s'", iface, n->def.name);
	else if (p->kind == PORT_KIND_GATEWAY)
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "'%s' is the gateway port: its address is "
			"the network's", iface);
	return p && p->kind != PORT_KIND_GATEWAY ? p : NULL;
}

static int netw_addr_commit(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int ret = netw_save_runtime(d, n, e);

	netw_bind_sync(n);
	return ret;
}

int netw_port_addr_add(struct kvnetd *d, struct kv_network *n, const char *iface,
		       const char *text, struct kv_error *e)
{
	struct kv_port *p = netw_addr_port(n, iface, e);
	uint32_t ip = 0;

	if (!p || netw_addr_parse(n, text, &ip, e) < 0)
		return -EINVAL;
	for (int i = 0; i < p->naddrs; i++)
		if (p->addrs[i] == ip)
			return 0;
	if (netw_addr_check_free(n, p, ip, text, e) < 0)
		return -EEXIST;
	if (p->naddrs >= KV_PORT_STATIC_MAX)
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "port '%s' has the maximum of %d "
			       "static addresses", iface, KV_PORT_STATIC_MAX);
	p->addrs[p->naddrs++] = ip;
	log_info("network '%s': port %s may send from %s", n->def.name, iface, text);
	return netw_addr_commit(d, n, e);
}

int netw_port_addr_del(struct kvnetd *d, struct kv_network *n, const char *iface,
		       const char *text, struct kv_error *e)
{
	struct kv_port *p = netw_addr_port(n, iface, e);
	struct in_addr a;

	if (!p)
		return -EINVAL;
	if (inet_pton(AF_INET, text, &a) != 1)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid IPv4 address '%s'", text);
	for (int i = 0; i < p->naddrs; i++)
		if (p->addrs[i] == a.s_addr) {
			p->addrs[i] = p->addrs[--p->naddrs];
			log_info("network '%s': port %s no longer sends from %s", n->def.name,
				 iface, text);
			return netw_addr_commit(d, n, e);
		}
	return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "port '%s' has no static address %s",
		       iface, text);
}
