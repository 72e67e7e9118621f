// SPDX-License-Identifier: GPL-2.0-only
/* Ports of a network (see network.h): adding and removing them, what may
 * become a port at all, and following the devices as they change. Only
 * veths and taps may be added as ports: any other Ethernet device (the
 * host's uplink, say) would be taken away from the host and bridged onto
 * the network; a bridged network's uplink comes from its definition
 * (network_uplink.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/guest.h"
#include "switch/network_int.h"
#include "switch/dhcpd.h"
#include "switch/log.h"

struct kv_port *netw_port_by_name(struct kv_network *n, const char *iface)
{
	for (int i = 0; i < n->nports; i++)
		if (!strcmp(n->ports[i].iface, iface))
			return &n->ports[i];
	return NULL;
}

struct kv_port *netw_port_by_ifindex(struct kv_network *n, int ifindex)
{
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].ifindex == ifindex || n->ports[i].dev_ifindex == ifindex)
			return &n->ports[i];
	return NULL;
}

const char *netw_port_name(const struct kv_network *n, int ifindex)
{
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].ifindex == ifindex)
			return n->ports[i].iface;
	return "?";
}

const char *netw_port_guest_at(const struct kv_network *n, int ifindex)
{
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].ifindex == ifindex)
			return n->ports[i].guest;
	return "";
}

int netw_port_user_ifindex(const struct kv_port *p)
{
	return p->kind == PORT_KIND_GATEWAY ? p->dev_ifindex : p->ifindex;
}

int netw_user_ifindex(const struct kv_network *n, int ifindex)
{
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].ifindex == ifindex)
			return netw_port_user_ifindex(&n->ports[i]);
	return ifindex;
}

unsigned netw_port_no_free(const struct kv_network *n)
{
	unsigned no = 1;

	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].no >= no)
			no = n->ports[i].no + 1;
	if (no <= 4095)
		return no;
	for (no = 1; no <= 4095; no++) { /* wrapped: the lowest free */
		int i;

		for (i = 0; i < n->nports && n->ports[i].no != no; i++)
			;
		if (i == n->nports)
			break;
	}
	return no;
}

uint32_t netw_port_flags(const struct kv_network *n, const struct kv_port *p,
			 const struct link_info *li)
{
	uint32_t f = 0;

	/* <port isolated='yes'/>: guests cannot reach each other, only the
	 * gateway (and later the uplink) */
	if (n->def.port_isolated && p->kind != PORT_KIND_GATEWAY &&
	    p->kind != PORT_KIND_UPLINK)
		f |= KVNET_PORT_ISOLATED;
	if (p->kind == PORT_KIND_UPLINK)
		f |= KVNET_PORT_UPLINK;
	if (p->kind == PORT_KIND_GATEWAY)
		f |= KVNET_PORT_GATEWAY;
	if (p->kind == PORT_KIND_TAP)
		f |= KVNET_PORT_TAP;
	if (p->kind == PORT_KIND_VETH && li->peer_other_ns)
		f |= KVNET_PORT_VETH_PEER;
	if (p->trusted)
		f |= KVNET_PORT_TRUSTED;
	if (p->stp.state != STP_FORWARDING)
		f |= KVNET_PORT_BLOCKED;
	return f;
}

struct kv_network *netw_owner_of(struct kvnetd *d, const char *iface, int ifindex)
{
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		if (!n->active)
			continue;
		if (netw_port_by_name(n, iface) ||
		    (ifindex && netw_port_by_ifindex(n, ifindex)))
			return n;
	}
	return NULL;
}

/* What an existing device must be to become a port. */
static int netw_check_device(struct kvnetd *d, struct kv_network *n, const char *iface,
			     const struct link_info *li, struct kv_error *e)
{
	struct kv_network *peer_net;

	if (li->kind != LINK_KIND_VETH && li->kind != LINK_KIND_TAP)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "interface '%s' is %s%s device, not a veth or a tap: only "
			       "those can be ports (any other would be taken from the "
			       "host and bridged onto the network)", iface,
			       li->kind_name[0] ? "a " : "a physical",
			       li->kind_name[0] ? li->kind_name : "");
	if (li->master)
		return kv_fail(e, KV_ERR_CONFLICT, -EBUSY,
			       "interface '%s' is enslaved to ifindex %d (a bridge or bond); "
			       "release it first", iface, li->master);
	if (!strncmp(li->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) &&
	    strstr(li->alias, ":gateway"))
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "interface '%s' is a kvnet gateway port", iface);
	peer_net = li->peer_ifindex ? netw_owner_of(d, "", li->peer_ifindex) : NULL;
	if (peer_net == n)
		return kv_fail(e, KV_ERR_CONFLICT, -ELOOP,
			       "the other end of veth '%s' is already a port of network "
			       "'%s': the pair would send every flood back into it", iface,
			       n->def.name);
	return 0;
}

static int netw_check_port(struct kvnetd *d, struct kv_network *n,
			   const char *iface, bool tap, struct link_info *li,
			   struct kv_error *e)
{
	char why[NETXML_ERR_MAX], alias[ALIAS_MAX];
	struct kv_network *owner;
	bool exists;

	if (!n->active)
		return kv_fail(e, KV_ERR_STATE, -EINVAL,
			       "network '%s' is not active; start it first", n->def.name);
	if (netxml_check_ifname(iface, IFNAMSIZ - 1, "interface name", why, sizeof(why)) < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "%s", why);
	if (n->nports >= KVNET_MAX_PORTS)
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC,
			       "network '%s' has the maximum of %d ports", n->def.name,
			       KVNET_MAX_PORTS);
	exists = link_get(&d->link, 0, iface, li) == 0;
	owner = netw_owner_of(d, iface, exists ? li->ifindex : 0);
	if (owner)
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "interface '%s' is already a port of network '%s'",
			       iface, owner->def.name);
	if (tap && exists) {
		snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s:tap", n->def.name);
		if (netw_name_taken(d, iface, alias, iface, NULL) == 0)
			return 0; /* our own leftover, deleted */
		return kv_fail(e, KV_ERR_EXISTS, -EEXIST,
			       "interface '%s' already exists; --tap creates a new tap "
			       "(omit --tap to attach an existing one)", iface);
	}
	if (!tap && !exists)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENODEV, "no such interface '%s'", iface);
	return tap ? 0 : netw_check_device(d, n, iface, li, e);
}

static void netw_random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x42, 6);
	mac[0] = 0xfe; /* locally administered, as libvirt names tap MACs */
}

static unsigned netw_tap_queues(const struct port_add_req *req)
{
	return req->queues > 1 ? req->queues : 1;
}

static void netw_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

/* Make the tap; with req->fds, its queues stay open there (all closed
 * again on failure). */
static int netw_make_tap(struct kvnetd *d, struct kv_network *n, const char *iface,
			 const struct kv_port *p, const struct port_add_req *req,
			 struct link_info *li, struct kv_error *e)
{
	struct tap_opts o = { .queues = req->queues, .owner = req->owner,
			      .group = req->group, .fds = req->fds };
	char alias[ALIAS_MAX];
	uint8_t mac[6];
	int ret;

	/* libvirt gives the host side of a guest NIC the guest's MAC with
	 * the first byte set to 0xfe, so the host never answers for it. */
	if (p->has_guest_mac) {
		memcpy(mac, p->guest_mac, 6);
		mac[0] = 0xfe;
	} else {
		netw_random_mac(mac);
	}
	o.mac = mac;
	ret = link_create_tap(&d->link, iface, &o, e);
	if (ret < 0)
		return ret;
	snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s:tap", n->def.name);
	ret = link_get(&d->link, 0, iface, li);
	if (ret < 0)
		ret = kv_fail(e, KV_ERR_SYSTEM, ret, "tap '%s' vanished", iface);
	if (!ret)
		ret = link_ipv6_off(li->ifindex, e);
	if (!ret)
		ret = link_set_up(&d->link, li->ifindex, alias, n->def.mtu, e);
	if (ret < 0 && req->fds)
		netw_close_fds(req->fds, netw_tap_queues(req));
	return ret;
}

static enum port_kind netw_kind_of(const struct link_info *li)
{
	if (li->kind == LINK_KIND_VETH)
		return PORT_KIND_VETH;
	if (li->kind == LINK_KIND_TAP)
		return PORT_KIND_TAP;
	return PORT_KIND_OTHER;
}

static unsigned netw_port_mtu(const struct kv_network *n, const struct kv_port *p,
			      const struct link_info *li)
{
	return p->kind == PORT_KIND_GATEWAY && n->def.mtu ? n->def.mtu : li->mtu;
}

int netw_port_plug(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
		   const struct link_info *li, struct kv_error *e)
{
	struct dp_port dpp = { p->ifindex, netw_port_flags(n, p, li), netw_port_mtu(n, p, li) };
	int ret;

	if (p->kind == PORT_KIND_UPLINK)
		return netw_uplink_plug(d, n, p, li, e);
	if (!li->up) {
		ret = link_set_up(&d->link, li->ifindex, NULL, 0, e);
		if (ret < 0)
			return ret;
	}
	p->peer_ifindex = li->peer_ifindex;
	ret = dp_port_attach(n->dp, &dpp, e);
	if (!ret && p->has_guest_mac)
		ret = dp_fdb_pin(n->dp, p->guest_mac, p->ifindex, e);
	return ret;
}

/* A guest MAC is pinned to one port: not a second one, not the gateway's. */
static int netw_check_guest_mac(struct kvnetd *d, const struct kv_network *n,
				const uint8_t mac[6], struct kv_error *e)
{
	static const uint8_t zero[6];
	char s[18];

	kv_mac_format(mac, s);
	if (!memcmp(mac, zero, 6) || (mac[0] & 1))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "MAC address %s is not a unicast address", s);
	if (!memcmp(mac, n->def.mac, 6))
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "MAC address %s is the gateway's of network '%s'", s,
			       n->def.name);
	for (int i = 0; i < d->nnets; i++)
		for (int j = 0; d->nets[i]->active && j < d->nets[i]->nports; j++) {
			const struct kv_port *p = &d->nets[i]->ports[j];

			if (p->has_guest_mac && !memcmp(p->guest_mac, mac, 6))
				return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
					       "MAC address %s is already pinned to port "
					       "'%s' of network '%s'", s, p->iface,
					       d->nets[i]->def.name);
		}
	return 0;
}

/* The tap-only options make sense with --tap only, within bounds. */
static int netw_check_tap_req(const struct port_add_req *req, struct kv_error *e)
{
	if (!req->tap && (req->queues > 1 || req->owner >= 0 || req->group >= 0 || req->fds))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "queues, owner, group and fds are for a tap kvnet creates "
			       "(--tap)");
	if (req->queues > KVNET_TAP_QUEUES_MAX)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "a tap has at most %d queues, not %u", KVNET_TAP_QUEUES_MAX,
			       req->queues);
	if (req->owner > UINT32_MAX - 1 || req->group > UINT32_MAX - 1)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "owner or group out of range");
	if (req->guest && !kv_guest_name_ok(req->guest))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "invalid guest name '%s' (1 to %d letters, digits, '-', '_' "
			       "and '.', not starting with '-' or '.')", req->guest,
			       KV_GUEST_MAX - 1);
	return 0;
}

/* A guest's name is the host's: one port in any network has it. */
static int netw_check_guest_name(struct kvnetd *d, const char *guest, struct kv_error *e)
{
	for (int i = 0; guest && i < d->nnets; i++)
		for (int j = 0; d->nets[i]->active && j < d->nets[i]->nports; j++) {
			const struct kv_port *p = &d->nets[i]->ports[j];

			if (!strcmp(p->guest, guest))
				return kv_fail(e, KV_ERR_EXISTS, -EEXIST,
					       "a guest named '%s' already runs on network "
					       "'%s' (port %s)", guest, d->nets[i]->def.name,
					       p->iface);
		}
	return 0;
}

/* The port record for a new port, before anything is created. */
static int netw_port_prepare(struct kvnetd *d, struct kv_network *n,
			     const struct port_add_req *req, struct kv_port *port,
			     struct kv_error *e)
{
	const char *mac = req->mac;

	*port = (struct kv_port){ .trusted = req->trusted, .owned = req->tap };
	if (netw_check_tap_req(req, e) < 0 || netw_check_guest_name(d, req->guest, e) < 0)
		return -EINVAL;
	if (mac && kv_mac_parse(mac, port->guest_mac) < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "invalid MAC address '%s' (expected aa:bb:cc:dd:ee:ff)", mac);
	if (mac && netw_check_guest_mac(d, n, port->guest_mac, e) < 0)
		return -EINVAL;
	port->has_guest_mac = mac != NULL;
	snprintf(port->guest, sizeof(port->guest), "%s", req->guest ? req->guest : "");
	port->no = netw_port_no_free(n);
	stp_port_init(&port->stp, port->no);
	return 0;
}

/* Make (a tap) and plug the port recorded in slot; the record says
 * "adding" meanwhile. */
static int netw_port_bring_up(struct kvnetd *d, struct kv_network *n, struct kv_port *slot,
			      const struct port_add_req *req, struct link_info *li,
			      struct kv_error *e)
{
	int ret = 0;

	if (req->tap) {
		ret = netw_make_tap(d, n, slot->iface, slot, req, li, e);
		slot->ifindex = li->ifindex;
		if (ret < 0)
			return ret;
	}
	ret = netw_port_plug(d, n, slot, li, e);
	if (!ret) {
		slot->op = NETREC_OP_NONE;
		ret = netw_save_runtime(d, n, e);
	}
	if (ret < 0 && req->tap && req->fds)
		netw_close_fds(req->fds, netw_tap_queues(req));
	return ret;
}

int netw_port_add(struct kvnetd *d, struct kv_network *n, const char *iface,
		  const struct port_add_req *req, struct kv_port **out,
		  struct kv_error *e)
{
	struct kv_error ignored = { 0 };
	struct link_info li = { 0 };
	struct kv_port port, *slot;
	bool tap = req->tap;
	int ret;

	ret = netw_port_prepare(d, n, req, &port, e);
	if (!ret)
		ret = netw_check_port(d, n, iface, tap, &li, e);
	if (ret < 0)
		return ret;
	snprintf(port.iface, sizeof(port.iface), "%s", iface);
	port.ifindex = tap ? 0 : li.ifindex;
	port.kind = tap ? PORT_KIND_TAP : netw_kind_of(&li);
	port.op = NETREC_OP_ADDING;
	slot = &n->ports[n->nports++];
	*slot = port;
	ret = netw_save_runtime(d, n, e); /* the intent, before the kernel */
	if (!ret)
		ret = netw_port_bring_up(d, n, slot, req, &li, e);
	if (ret < 0)
		goto undo;
	*out = slot;
	netw_bind_sync(n);
	netw_stp_port_added(d, n, slot);
	netw_uplinks_sync(d); /* a port is no uplink */
	log_info("network '%s': port %s (ifindex %d, %s%s%s) added", n->def.name, iface,
		 li.ifindex, port_kind_name(port.kind), port.guest[0] ? ", guest " : "",
		 port.guest);
	return 0;
undo:
	if (slot->ifindex)
		dp_port_detach(n->dp, slot->ifindex, true);
	if (tap && slot->ifindex)
		netw_delete_owned(d, n, slot->ifindex);
	n->nports--;
	if (netw_save_runtime(d, n, &ignored) < 0)
		log_err("%s", ignored.msg);
	return kv_context(e, ret, "cannot add port '%s'", iface);
}

/* Detach p, delete its device if kvnet made it (and asked to), and forget
 * it; the record says "removing" while that happens. */
static void netw_forget_port(struct kvnetd *d, struct kv_network *n,
			     struct kv_port *p, bool delete_dev)
{
	struct kv_error e = { 0 };

	p->op = NETREC_OP_REMOVING;
	if (netw_save_runtime(d, n, &e) < 0)
		log_err("%s", e.msg);
	dp_port_detach(n->dp, p->ifindex, true);
	if (delete_dev && p->owned)
		netw_delete_owned(d, n, p->ifindex);
	*p = n->ports[--n->nports];
	memset(&e, 0, sizeof(e));
	if (netw_save_runtime(d, n, &e) < 0)
		log_err("%s", e.msg);
	netw_bind_sync(n);
	netw_uplinks_sync(d);
}

int netw_port_del(struct kvnetd *d, struct kv_network *n, const char *iface,
		  struct kv_error *e)
{
	struct kv_port *p;

	if (!n->active)
		return kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' is not active",
			       n->def.name);
	p = netw_port_by_name(n, iface);
	if (!p)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT,
			       "interface '%s' is not a port of network '%s'", iface,
			       n->def.name);
	if (p->kind == PORT_KIND_GATEWAY)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "'%s' is the gateway port of network '%s'; it goes away "
			       "with `kvnet net stop`", iface, n->def.name);
	if (p->kind == PORT_KIND_UPLINK)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "'%s' is the uplink of network '%s'; it is let go (and "
			       "keeps the host's address) with `kvnet net stop`", iface,
			       n->def.name);
	netw_forget_port(d, n, p, true);
	log_info("network '%s': port %s removed", n->def.name, iface);
	return 0;
}

/* ---- link notifications ------------------------------------------------ */

static int netw_detach_there(void *arg)
{
	int ifindex = *(int *)arg;

	dp_ebpf_detach_any(ifindex);
	return dp_ebpf_attached(ifindex) ? -EBUSY : 0;
}

/* The port's device moved to another namespace, with the switch still
 * attached (a move keeps tcx programs): detach it there. */
static void netw_port_moved(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
			    const struct link_event *ev)
{
	int ifindex = ev->new_ifindex;
	int ret = link_in_nsid(&d->link, ev->new_nsid, netw_detach_there, &ifindex);

	if (ret < 0)
		netw_note(n, "port %s moved to another namespace (nsid %d, ifindex %d) and "
			  "kvnet's switch could not be detached there: %s", p->iface,
			  ev->new_nsid, ev->new_ifindex, strerror(-ret));
	else
		log_info("network '%s': port %s moved to another namespace; the switch "
			 "was detached there and the port removed", n->def.name, p->iface);
	netw_forget_port(d, n, p, false);
}

/* The gateway was deleted by hand: make a new one, or say why not. */
static void netw_gateway_lost(struct kvnetd *d, struct kv_network *n, struct kv_port *p)
{
	struct kv_error e = { 0 };

	netw_forget_port(d, n, p, false);
	if (netw_gateway_up(d, n, &e) == 0 && netw_route_up(d, n, &e) == 0 &&
	    netw_save_runtime(d, n, &e) == 0) {
		netw_note(n, "gateway '%s' was deleted; recreated", n->def.bridge);
		n->degraded[0] = '\0';
		netw_dns_restart(d, n); /* its sockets were bound to the old device */
		return;
	}
	snprintf(n->degraded, sizeof(n->degraded),
		 "gateway '%s' was deleted and cannot be recreated: %.*s", n->def.bridge,
		 (int)(sizeof(n->degraded) / 2), e.msg);
	netw_note(n, "%s", n->degraded);
}

/* Read the port's device again: gone (deleted, moved away), renamed, or
 * new facts (MTU; a veth whose peer moved into or out of our namespace
 * needs the other redirect). */
static void netw_recheck_port(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
			      const struct link_event *ev)
{
	struct kv_error e = { 0 };
	struct link_info li;
	struct dp_port dpp;

	if (link_get(&d->link, p->ifindex, NULL, &li) < 0) {
		/* Gone: act on its own RTM_DELLINK (which says where a moved
		 * device went), or on a re-check after lost notifications; an
		 * earlier event read late finds it gone too, and waits. */
		if (ev->ifindex && !ev->gone)
			return;
		if (p->kind == PORT_KIND_GATEWAY)
			return netw_gateway_lost(d, n, p);
		if (ev->ifindex == p->ifindex && ev->new_nsid >= 0)
			return netw_port_moved(d, n, p, ev);
		log_info("network '%s': port %s disappeared; removed", n->def.name, p->iface);
		return netw_forget_port(d, n, p, false);
	}
	if (p->kind != PORT_KIND_GATEWAY && strcmp(p->iface, li.name)) {
		log_info("network '%s': port %s is now called %s", n->def.name, p->iface,
			 li.name);
		snprintf(p->iface, sizeof(p->iface), "%s", li.name);
		if (netw_save_runtime(d, n, &e) < 0)
			log_err("%s", e.msg);
	}
	if (p->kind == PORT_KIND_VETH && p->peer_ifindex != li.peer_ifindex)
		log_info("network '%s': the peer of port %s is now %s", n->def.name,
			 p->iface, li.peer_other_ns ? "in another namespace" : "in ours");
	p->peer_ifindex = li.peer_ifindex;
	dpp = (struct dp_port){ p->ifindex, netw_port_flags(n, p, &li),
				netw_port_mtu(n, p, &li) };
	if (dp_port_update(n->dp, &dpp, &e) < 0)
		log_err("network '%s': %s", n->def.name, e.msg);
	if (p->kind == PORT_KIND_UPLINK)
		netw_uplink_recheck(d, n, p, &li);
}

/* Is the event about p: its device, its gateway host side, or its veth
 * peer (which says nothing to the port itself when it changes netns)? */
static bool netw_event_concerns(const struct kv_port *p, const struct link_event *ev)
{
	if (ev->ifindex == 0)
		return true;
	if (p->ifindex == ev->ifindex || p->dev_ifindex == ev->ifindex)
		return true;
	if (p->kind != PORT_KIND_VETH)
		return false;
	return (p->peer_ifindex && p->peer_ifindex == ev->ifindex) || ev->link == p->ifindex;
}

void netw_link_changed(struct kvnetd *d, const struct link_event *ev)
{
	if (!ev->gone)
		netw_uplinks_sync(d); /* a new device may be an uplink */
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		if (!n->active || !n->dp)
			continue;
		for (int j = n->nports - 1; j >= 0; j--)
			if (j < n->nports && netw_event_concerns(&n->ports[j], ev))
				netw_recheck_port(d, n, &n->ports[j], ev);
	}
}

/* The reservation's name for the address ip (network order), or NULL. */
static const char *netw_host_name(const struct kv_network *n, uint32_t ip)
{
	for (int i = 0; i < n->def.nhosts; i++)
		if (n->def.hosts[i].ip.s_addr == ip && n->def.hosts[i].name[0])
			return n->def.hosts[i].name;
	return NULL;
}

const char *netw_port_guest(const struct kv_network *n, const struct kv_port *p, char *buf,
			    size_t len)
{
	struct dhcp_lease_rec l;
	const char *name = p->guest[0] ? p->guest : NULL;

	for (int i = 0; i < p->nlease_ips && !name; i++) {
		if (n->dhcp && dhcpd_lease_find(n->dhcp, ntohl(p->lease_ips[i]), &l) == 0 &&
		    l.hostname[0])
			name = l.hostname;
		else
			name = netw_host_name(n, p->lease_ips[i]);
	}
	for (int i = 0; i < p->naddrs && !name; i++)
		name = netw_host_name(n, p->addrs[i]);
	for (int i = 0; i < n->def.nhosts && !name && p->has_guest_mac; i++)
		if (n->def.hosts[i].has_mac && n->def.hosts[i].name[0] &&
		    !memcmp(n->def.hosts[i].mac, p->guest_mac, 6))
			name = n->def.hosts[i].name; /* reserved for its pinned MAC */
	if (!name || !strcmp(name, p->iface))
		return NULL;
	snprintf(buf, len, "%s", name);
	return buf;
}
