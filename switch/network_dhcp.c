// SPDX-License-Identifier: GPL-2.0-only
/* Reservations changed while a network runs (`kvnet dhcp host add|del`):
 * the definition is changed, checked and stored first, then the running
 * DHCP server follows, so a refused change leaves both as they were. A
 * reservation for an address another client holds takes effect at that
 * client's next REQUEST, which is NAKed (dhcp_server_host_add). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "switch/network_int.h"
#include "switch/log.h"

/* Store def as n's definition, and tell the running parts. */
static int netw_dhcp_commit(struct kvnetd *d, struct kv_network *n, const struct net_def *def,
			    struct kv_error *e)
{
	struct kv_error ignored = { 0 };
	int ret = 0;

	if (!n->transient)
		ret = store_save_net(&d->store, def);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot store network '%s': %s",
			       n->def.name, strerror(-ret));
	n->def = *def;
	if (n->active && netw_save_runtime(d, n, &ignored) < 0)
		log_err("%s", ignored.msg);
	netw_bind_sync(n); /* a reservation binds its MAC's port */
	netw_dns_stale(n); /* and its name is the guest's */
	return 0;
}

/* The first DHCP reservation of a network that served none: serve it. */
static int netw_dhcp_begin(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int ret = netw_dp_configure(n, e);

	return ret < 0 ? ret : netw_services_start(d, n, e);
}

int netw_dhcp_host_add(struct kvnetd *d, struct kv_network *n, const struct net_dhcp_host *h,
		       struct kv_error *e)
{
	struct net_def *def = malloc(sizeof(*def));
	char err[NETXML_ERR_MAX];
	struct dhcp_host dh;
	int ret = def ? netw_check_live_edit(n, e)
		      : kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");

	if (!ret && n->def.nhosts >= NET_MAX_HOSTS)
		ret = kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "network '%s' has the maximum of %d "
			      "reservations", n->def.name, NET_MAX_HOSTS);
	if (!ret) {
		*def = n->def;
		def->hosts[def->nhosts++] = *h;
		if (netxml_validate(def, err, sizeof(err)) < 0)
			ret = kv_fail(e, KV_ERR_INVALID, -EINVAL, "%s", err);
	}
	dhcpd_host_from_def(h, &dh);
	if (!ret && n->dhcp && (ret = dhcpd_host_add(n->dhcp, &dh)) < 0)
		kv_fail(e, KV_ERR_CONFLICT, ret, "the DHCP server refuses it: %s", strerror(-ret));
	if (!ret)
		ret = netw_dhcp_commit(d, n, def, e);
	if (!ret && n->active && !n->dhcp && n->def.has_ip)
		ret = netw_dhcp_begin(d, n, e);
	free(def);
	return ret;
}

static int netw_dhcp_host_find(const struct net_def *def, const struct net_dhcp_host *h)
{
	for (int i = 0; i < def->nhosts; i++)
		if (def->hosts[i].has_mac && !memcmp(def->hosts[i].mac, h->mac, 6) &&
		    def->hosts[i].ip.s_addr == h->ip.s_addr)
			return i;
	return -1;
}

int netw_dhcp_host_del(struct kvnetd *d, struct kv_network *n, const struct net_dhcp_host *h,
		       struct kv_error *e)
{
	int i = netw_dhcp_host_find(&n->def, h);
	struct net_def *def;
	struct dhcp_host dh;
	int ret;

	if (i < 0)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' has no reservation "
			       "of that address for that MAC", n->def.name);
	if (netw_check_live_edit(n, e) < 0)
		return -EBUSY;
	def = malloc(sizeof(*def));
	if (!def)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	*def = n->def;
	def->hosts[i] = def->hosts[--def->nhosts];
	dhcpd_host_from_def(&n->def.hosts[i], &dh);
	ret = netw_dhcp_commit(d, n, def, e);
	if (!ret && n->dhcp)
		dhcpd_host_del(n->dhcp, &dh);
	free(def);
	return ret;
}
