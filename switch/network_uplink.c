// SPDX-License-Identifier: GPL-2.0-only
/* The uplink of a bridged network (<forward mode='bridge' dev='IF'/>): a
 * host NIC that becomes a switch port and keeps the host's address, so the
 * host stays reachable the whole time. Nothing moves to a bridge: the
 * datapath sits at the NIC's tc ingress and egress and takes only what is
 * for guests (ebpf/lib/uplink_l2.h). This file checks what may be an
 * uplink, plugs it in (promiscuous, so that a real NIC receives frames for
 * its guests' MACs), follows its MAC (pinned as the host's), and lets it go
 * on `net stop`: the programs are detached, the device stays as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "switch/network_int.h"
#include "switch/log.h"

/* Something kvnet made, or runs on: never an uplink. */
static int netw_uplink_kvnet_dev(struct kvnetd *d, const struct link_info *li,
				 struct kv_error *e)
{
	struct kv_network *owner = netw_owner_of(d, li->name, li->ifindex);

	if (owner)
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "interface '%s' is already a port of network '%s'", li->name,
			       owner->def.name);
	if (!strncmp(li->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) ||
	    li->group == LINK_KVNET_GROUP)
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "interface '%s' is a device kvnet made (%s), not a host NIC",
			       li->name, li->alias[0] ? li->alias : "kvnet's device group");
	if (dp_ebpf_attached(li->ifindex))
		return kv_fail(e, KV_ERR_CONFLICT, -EBUSY,
			       "interface '%s' already runs a kvnet switch (another "
			       "kvnetd's?)", li->name);
	return 0;
}

int netw_uplink_check(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	const char *name = n->def.uplink;
	struct link_info li;

	if (link_get(&d->link, 0, name, &li) < 0)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENODEV,
			       "uplink '%s' of network '%s' does not exist", name, n->def.name);
	if (!li.ether)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "uplink '%s' is not an Ethernet device", name);
	if (li.master)
		return kv_fail(e, KV_ERR_CONFLICT, -EBUSY,
			       "uplink '%s' is enslaved to ifindex %d (a bridge or bond); "
			       "name that device as the uplink, or release it", name, li.master);
	return netw_uplink_kvnet_dev(d, &li, e);
}

int netw_uplink_plug(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
		     const struct link_info *li, struct kv_error *e)
{
	struct dp_port dpp = { p->ifindex, netw_port_flags(n, p, li), li->mtu };
	int ret;

	if (!li->promisc) {
		ret = link_set_promisc(&d->link, li->ifindex, true, e);
		if (ret < 0)
			return ret;
		p->promisc = true;
	}
	ret = dp_port_attach(n->dp, &dpp, e);
	if (!ret)
		ret = dp_uplink_attach(n->dp, p->ifindex, li->mac, e);
	if (!ret)
		memcpy(p->host_mac, li->mac, 6);
	return ret;
}

int netw_uplink_up(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	struct link_info li;
	struct kv_port *p;
	int ret;

	if (link_get(&d->link, 0, n->def.uplink, &li) < 0)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENODEV, "uplink '%s' vanished",
			       n->def.uplink);
	if (n->nports >= KVNET_MAX_PORTS)
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "no room for the uplink port");
	p = &n->ports[n->nports];
	*p = (struct kv_port){ .ifindex = li.ifindex, .kind = PORT_KIND_UPLINK,
			       .trusted = true, .no = netw_port_no_free(n) };
	n->nports++;
	stp_port_init(&p->stp, p->no);
	snprintf(p->iface, sizeof(p->iface), "%s", li.name);
	ret = netw_save_runtime(d, n, e); /* the intent, before the kernel */
	if (!ret)
		ret = netw_uplink_plug(d, n, p, &li, e);
	if (!ret)
		log_info("network '%s': uplink %s (ifindex %d) plugged in; the host keeps "
			 "its address on it", n->def.name, li.name, li.ifindex);
	return ret < 0 ? kv_context(e, ret, "uplink '%s'", n->def.uplink) : 0;
}

void netw_uplink_release(struct kvnetd *d, struct kv_port *p)
{
	struct kv_error e = { 0 };

	if (p->promisc && link_set_promisc(&d->link, p->ifindex, false, &e) < 0)
		log_warn("uplink %s: %s", p->iface, e.msg);
	p->promisc = false;
}

void netw_uplink_recheck(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
			 const struct link_info *li)
{
	struct kv_error e = { 0 };
	char was[18], now[18];

	(void)d;
	if (!memcmp(p->host_mac, li->mac, 6))
		return;
	kv_mac_format(p->host_mac, was);
	kv_mac_format(li->mac, now);
	dp_fdb_unpin(n->dp, p->host_mac);
	if (dp_uplink_attach(n->dp, p->ifindex, li->mac, &e) < 0) {
		netw_note(n, "uplink %s changed its MAC to %s and it cannot be pinned: %s",
			  p->iface, now, e.msg);
		return;
	}
	memcpy(p->host_mac, li->mac, 6);
	log_info("network '%s': uplink %s changed its MAC from %s to %s", n->def.name,
		 p->iface, was, now);
}
