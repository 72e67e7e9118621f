// SPDX-License-Identifier: GPL-2.0-only
/* Network lifecycle and ports (see network.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "switch/network.h"
#include "common/addr.h"
#include "common/hash.h"
#include "switch/log.h"

#define GW_PEER_SUFFIX "-p"
#define ALIAS_PREFIX "kvnet:"

static const char *const port_kind_names[] = {
	[PORT_KIND_OTHER] = "other",
	[PORT_KIND_VETH] = "veth",
	[PORT_KIND_TAP] = "tap",
	[PORT_KIND_GATEWAY] = "gateway",
};

const char *port_kind_name(enum port_kind kind)
{
	return port_kind_names[kind];
}

struct kv_network *netw_find(struct kvnetd *d, const char *name)
{
	for (int i = 0; i < d->nnets; i++)
		if (!strcmp(d->nets[i]->def.name, name))
			return d->nets[i];
	return NULL;
}

static struct kv_port *netw_port_by_name(struct kv_network *n, const char *iface)
{
	for (int i = 0; i < n->nports; i++)
		if (!strcmp(n->ports[i].iface, iface))
			return &n->ports[i];
	return NULL;
}

static struct kv_port *netw_port_by_ifindex(struct kv_network *n, int ifindex)
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

static uint32_t netw_port_flags(const struct kv_network *n, const struct kv_port *p,
				const struct link_info *li)
{
	uint32_t f = 0;

	/* <port isolated='yes'/>: guests cannot reach each other, only the
	 * gateway (and later the uplink) */
	if (n->def.port_isolated && p->kind != PORT_KIND_GATEWAY)
		f |= KVNET_PORT_ISOLATED;
	if (p->kind == PORT_KIND_GATEWAY)
		f |= KVNET_PORT_GATEWAY;
	if (p->kind == PORT_KIND_TAP)
		f |= KVNET_PORT_TAP;
	if (p->kind == PORT_KIND_VETH && li->peer_other_ns)
		f |= KVNET_PORT_VETH_PEER;
	if (p->trusted)
		f |= KVNET_PORT_TRUSTED;
	return f;
}

/* ---- runtime state ---------------------------------------------------- */

static json_t *netw_runtime_json(const struct kv_network *n)
{
	json_t *ports = json_array();
	char mac[18];

	for (int i = 0; i < n->nports; i++) {
		const struct kv_port *p = &n->ports[i];
		json_t *o = json_pack("{s:s,s:i,s:i,s:s,s:b,s:b}", "iface", p->iface,
				      "ifindex", p->ifindex, "dev_ifindex", p->dev_ifindex,
				      "kind", port_kind_name(p->kind), "owned", p->owned,
				      "trusted", p->trusted);

		if (p->has_guest_mac) {
			kv_mac_format(p->guest_mac, mac);
			json_object_set_new(o, "guest_mac", json_string(mac));
		}
		json_array_append_new(ports, o);
	}
	return json_pack("{s:o}", "ports", ports);
}

static void netw_save_runtime(struct kvnetd *d, const struct kv_network *n)
{
	json_t *j = netw_runtime_json(n);
	char *s = json_dumps(j, JSON_COMPACT);

	if (!s || store_save_runtime(&d->store, n->def.name, s) < 0)
		log_err("cannot save runtime state of network '%s'", n->def.name);
	free(s);
	json_decref(j);
}

/* ---- define / undefine ------------------------------------------------ */

static int netw_check_unique(struct kvnetd *d, const struct net_def *def,
			     struct kv_error *e)
{
	for (int i = 0; i < d->nnets; i++) {
		const struct net_def *o = &d->nets[i]->def;

		if (!strcmp(o->name, def->name))
			continue;
		if (!memcmp(o->uuid, def->uuid, 16))
			return kv_fail(e, KV_ERR_EXISTS, -EEXIST,
				       "network '%s' already has this uuid", o->name);
		if (!strcmp(o->bridge, def->bridge))
			return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
				       "bridge name '%s' is already used by network '%s'",
				       def->bridge, o->name);
	}
	return 0;
}

/* Add def to the table, or replace the definition of the same name. */
static int netw_insert(struct kvnetd *d, const struct net_def *def,
		       struct kv_network **out, struct kv_error *e)
{
	struct kv_network *n = netw_find(d, def->name), **nets;

	if (!n) {
		nets = realloc(d->nets, (size_t)(d->nnets + 1) * sizeof(struct kv_network *));
		if (nets)
			d->nets = nets;
		n = nets ? calloc(1, sizeof(*n)) : NULL;
		if (!n)
			return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
		d->nets[d->nnets++] = n;
	}
	n->def = *def;
	*out = n;
	return 0;
}

static int netw_define_checked(struct kvnetd *d, const struct net_def *def,
			       struct kv_network **out, struct kv_error *e);

/* Redefining a network keeps its identity, as libvirt does: a document
 * without <uuid> or <mac> keeps the ones it had; a different <uuid> is
 * another network and is refused. */
static int netw_keep_identity(const struct kv_network *n, struct net_def *def,
			      struct kv_error *e)
{
	if (!def->uuid_generated && memcmp(def->uuid, n->def.uuid, 16))
		return kv_fail(e, KV_ERR_EXISTS, -EEXIST,
			       "network '%s' already exists with another uuid", def->name);
	memcpy(def->uuid, n->def.uuid, 16);
	if (def->mac_generated)
		memcpy(def->mac, n->def.mac, 6);
	return 0;
}

int netw_define(struct kvnetd *d, const struct net_def *in,
		struct kv_network **out, struct kv_error *e)
{
	struct kv_network *n = netw_find(d, in->name);
	struct net_def *def;
	int ret;

	if (n && n->active)
		return kv_fail(e, KV_ERR_STATE, -EBUSY,
			       "network '%s' is active; stop it before redefining it",
			       in->name);
	def = malloc(sizeof(*def));
	if (!def)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	*def = *in;
	ret = n ? netw_keep_identity(n, def, e) : 0;
	if (!ret)
		ret = netw_define_checked(d, def, out, e);
	free(def);
	return ret;
}

static int netw_define_checked(struct kvnetd *d, const struct net_def *def,
			       struct kv_network **out, struct kv_error *e)
{
	int ret = netw_check_unique(d, def, e);

	if (ret < 0)
		return ret;
	ret = store_save_net(&d->store, def);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot store network '%s': %s",
			       def->name, strerror(-ret));
	ret = netw_insert(d, def, out, e);
	if (!ret)
		log_info("network '%s' defined", def->name);
	return ret;
}

int netw_undefine(struct kvnetd *d, const char *name, struct kv_error *e)
{
	struct kv_network *n = netw_find(d, name);
	int ret;

	if (!n)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' is not defined", name);
	if (n->active)
		return kv_fail(e, KV_ERR_STATE, -EBUSY,
			       "network '%s' is active; stop it before undefining it", name);
	ret = store_delete_net(&d->store, name);
	if (ret < 0 && ret != -ENOENT)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot remove network '%s': %s",
			       name, strerror(-ret));
	store_set_autostart(&d->store, name, false);
	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i] == n) {
			d->nets[i] = d->nets[--d->nnets];
			break;
		}
	log_info("network '%s' undefined", n->def.name);
	free(n);
	return 0;
}

int netw_set_autostart(struct kvnetd *d, struct kv_network *n, bool on,
		       struct kv_error *e)
{
	int ret = store_set_autostart(&d->store, n->def.name, on);

	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot set autostart: %s",
			       strerror(-ret));
	n->autostart = on;
	return 0;
}

/* ---- start / stop ----------------------------------------------------- */

/* Datapath settings that follow from the definition. */
static int netw_dp_configure(struct kv_network *n)
{
	const struct net_def *def = &n->def;
	uint32_t mask = htonl(kv_prefix_mask(def->prefix));

	if (def->has_ip)
		dp_set_no_route(&n->dp, def->mode == NET_MODE_ISOLATED, def->ip.s_addr,
				def->ip.s_addr | ~mask);
	return dp_set_aging(&n->dp, n->def.fdb_aging_s);
}

/* The switch side of the gateway is <bridge>-p, or, for a bridge name
 * with no room for the suffix, kvgw-<8 hex digits of its hash>. */
static void netw_gateway_names(const struct net_def *def, char peer[IFNAMSIZ],
			       char alias[96])
{
	if (strlen(def->bridge) + strlen(GW_PEER_SUFFIX) < IFNAMSIZ)
		snprintf(peer, IFNAMSIZ, "%s" GW_PEER_SUFFIX, def->bridge);
	else
		snprintf(peer, IFNAMSIZ, "kvgw-%08x", kv_name_hash(def->bridge));
	snprintf(alias, 96, ALIAS_PREFIX "%s:gateway", def->name);
}

/* Is the interface name free for a device kvnet is about to create? A
 * device that carries our own alias and whose switch side (live_side)
 * runs no kvnet program is a leftover of a daemon killed before it
 * recorded it: it is deleted, not reported. One that still forwards is
 * never touched. */
static int netw_name_taken(struct kvnetd *d, const char *name, const char *alias,
			   const char *live_side, struct kv_error *e)
{
	struct link_info li, sw;

	if (link_get(&d->link, 0, name, &li) < 0)
		return 0;
	if (!strcmp(li.alias, alias)) {
		if (link_get(&d->link, 0, live_side, &sw) == 0 && dp_attached(sw.ifindex))
			return kv_fail(e, KV_ERR_CONFLICT, -EBUSY,
				       "interface '%s' belongs to a network that is still "
				       "forwarding (another kvnetd's?); not touching it", name);
		log_info("deleting leftover %s (%s)", name, alias);
		link_delete(&d->link, li.ifindex);
		return 0;
	}
	return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
		       "interface '%s' already exists; choose another <bridge name=>",
		       name);
}

static int netw_check_startable(struct kvnetd *d, struct kv_network *n,
				struct kv_error *e)
{
	const struct net_def *def = &n->def;
	char peer[IFNAMSIZ], alias[96];

	if (n->active)
		return kv_fail(e, KV_ERR_STATE, -EALREADY, "network '%s' is already active",
			       def->name);
	if (n->stale)
		return kv_fail(e, KV_ERR_STATE, -EBUSY,
			       "network '%s' still runs from an earlier kvnetd that this "
			       "one could not adopt (see its log); `kvnet net stop %s` "
			       "removes it first", def->name, def->name);
	if (def->mode != NET_MODE_ISOLATED)
		return kv_fail(e, KV_ERR_UNSUPPORTED, -EOPNOTSUPP,
			       "forward mode '%s' is not implemented yet: only isolated "
			       "networks (no <forward>) can start", net_mode_name(def->mode));
	if (def->datapath != NET_DATAPATH_EBPF)
		return kv_fail(e, KV_ERR_UNSUPPORTED, -EOPNOTSUPP,
			       "<kvnet:datapath type='user'/> is not implemented yet");
	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i] != n && d->nets[i]->active &&
		    net_subnets_overlap(&d->nets[i]->def, def))
			return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
				       "subnet of '%s' overlaps active network '%s'",
				       def->name, d->nets[i]->def.name);
	if (!def->has_ip)
		return 0;
	netw_gateway_names(def, peer, alias);
	if (netw_name_taken(d, def->bridge, alias, peer, e) < 0 ||
	    netw_name_taken(d, peer, alias, peer, e) < 0)
		return -EEXIST;
	return link_check_subnet_free(&d->link, def->ip, def->prefix, e);
}

/* The gateway port: a veth pair; <bridge> holds the IP in this namespace,
 * <bridge>-p is the switch port. */
static int netw_gateway_up(struct kvnetd *d, struct kv_network *n,
			   struct kv_error *e)
{
	const struct net_def *def = &n->def;
	struct link_info gw, sw;
	char peer[IFNAMSIZ], alias[96];
	struct kv_port *p;
	int ret;

	netw_gateway_names(def, peer, alias);
	ret = link_create_veth(&d->link, def->bridge, def->mac, peer, e);
	if (ret < 0)
		return ret;
	if (link_get(&d->link, 0, def->bridge, &gw) < 0 ||
	    link_get(&d->link, 0, peer, &sw) < 0) {
		link_delete_name(&d->link, def->bridge);
		return kv_fail(e, KV_ERR_SYSTEM, -ENODEV, "gateway veth '%s' vanished",
			       def->bridge);
	}
	if (n->nports >= KVNET_MAX_PORTS) {
		link_delete(&d->link, gw.ifindex);
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "no room for the gateway port");
	}
	p = &n->ports[n->nports++];
	*p = (struct kv_port){ .ifindex = sw.ifindex, .dev_ifindex = gw.ifindex,
			       .kind = PORT_KIND_GATEWAY, .owned = true };
	snprintf(p->iface, sizeof(p->iface), "%s", def->bridge);
	/* isolated (the only mode so far): the host does not route for guests */
	ret = link_set_l3_isolated(&d->link, gw.ifindex, e);
	if (!ret)
		ret = link_set_up(&d->link, sw.ifindex, alias, def->mtu, e);
	if (!ret)
		ret = link_set_up(&d->link, gw.ifindex, alias, def->mtu, e);
	if (!ret)
		ret = link_add_ipv4(&d->link, gw.ifindex, def->ip, def->prefix, e);
	if (!ret)
		ret = dp_port_attach(&n->dp, sw.ifindex, KVNET_PORT_GATEWAY,
				     def->mtu ? def->mtu : sw.mtu, e);
	if (!ret)
		ret = dp_fdb_add_static(&n->dp, def->mac, sw.ifindex);
	return ret;
}

static void netw_teardown(struct kvnetd *d, struct kv_network *n)
{
	for (int i = n->nports - 1; i >= 0; i--) {
		struct kv_port *p = &n->ports[i];

		if (n->dp.skel)
			dp_port_detach_fast(&n->dp, p->ifindex);
		else
			dp_detach_any(p->ifindex); /* stale: no datapath of ours */
		if (p->owned)
			link_delete(&d->link, p->kind == PORT_KIND_GATEWAY ?
					     p->dev_ifindex : p->ifindex);
	}
	n->nports = 0;
	dp_unpin(&n->dp);
	dp_close(&n->dp);
	n->active = false;
}

int netw_start(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int ret = netw_check_startable(d, n, e);

	if (ret < 0)
		return ret;
	ret = dp_open(&n->dp, d->bpffs, n->def.name, n->def.fdb_max, NULL, 0, e);
	if (ret < 0)
		return ret;
	ret = netw_dp_configure(n);
	if (!ret && n->def.has_ip)
		ret = netw_gateway_up(d, n, e);
	if (ret < 0) {
		kv_fail(e, KV_ERR_SYSTEM, ret, "cannot start network '%s'", n->def.name);
		netw_teardown(d, n);
		return ret;
	}
	n->active = true;
	netw_save_runtime(d, n);
	log_info("network '%s' started", n->def.name);
	if (n->def.nranges)
		log_warn("network '%s': DHCP is not served yet; guests need static "
			 "addresses (gateway %s/%u)", n->def.name, inet_ntoa(n->def.ip),
			 n->def.prefix);
	return 0;
}

int netw_stop(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	if (!n->active && !n->stale)
		return kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' is not active",
			       n->def.name);
	netw_teardown(d, n);
	n->stale = false;
	store_delete_runtime(&d->store, n->def.name);
	log_info("network '%s' stopped", n->def.name);
	return 0;
}

/* ---- ports ------------------------------------------------------------ */

static struct kv_network *netw_owner_of(struct kvnetd *d, const char *iface,
					int ifindex)
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

static int netw_check_port(struct kvnetd *d, struct kv_network *n,
			   const char *iface, bool tap, struct link_info *li,
			   struct kv_error *e)
{
	struct kv_network *owner;
	bool exists;

	if (!n->active)
		return kv_fail(e, KV_ERR_STATE, -EINVAL,
			       "network '%s' is not active; start it first", n->def.name);
	char why[NETXML_ERR_MAX];

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
		char alias[96];

		snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s:tap", n->def.name);
		if (netw_name_taken(d, iface, alias, iface, NULL) == 0)
			return 0; /* our own leftover, deleted */
		return kv_fail(e, KV_ERR_EXISTS, -EEXIST,
			       "interface '%s' already exists; --tap creates a new tap "
			       "(omit --tap to attach an existing one)", iface);
	}
	if (!tap && !exists)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENODEV, "no such interface '%s'", iface);
	if (!tap && (!li->ether || li->ifindex == 1))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "interface '%s' is not an Ethernet device", iface);
	if (!tap && li->master)
		return kv_fail(e, KV_ERR_CONFLICT, -EBUSY,
			       "interface '%s' is enslaved to ifindex %d (a bridge or bond); "
			       "release it first", iface, li->master);
	if (!tap && !strncmp(li->alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) &&
	    strstr(li->alias, ":gateway"))
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "interface '%s' is a kvnet gateway port", iface);
	return 0;
}

static void netw_random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x42, 6);
	mac[0] = 0xfe; /* locally administered, as libvirt names tap MACs */
}

static int netw_make_tap(struct kvnetd *d, struct kv_network *n, const char *iface,
			 const uint8_t *guest_mac, struct link_info *li,
			 struct kv_error *e)
{
	uint8_t mac[6];
	char alias[96];
	int ret;

	/* libvirt gives the host side of a guest NIC the guest's MAC with
	 * the first byte set to 0xfe, so the host never answers for it. */
	if (guest_mac) {
		memcpy(mac, guest_mac, 6);
		mac[0] = 0xfe;
	} else {
		netw_random_mac(mac);
	}
	ret = link_create_tap(&d->link, iface, mac, e);
	if (ret < 0)
		return ret;
	snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s:tap", n->def.name);
	ret = link_get(&d->link, 0, iface, li);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "tap '%s' vanished", iface);
	return link_set_up(&d->link, li->ifindex, alias, n->def.mtu, e);
}

static enum port_kind netw_kind_of(const struct link_info *li)
{
	if (li->kind == LINK_KIND_VETH)
		return PORT_KIND_VETH;
	if (li->kind == LINK_KIND_TAP)
		return PORT_KIND_TAP;
	return PORT_KIND_OTHER;
}

static int netw_port_plug(struct kvnetd *d, struct kv_network *n,
			  struct kv_port *p, const struct link_info *li,
			  struct kv_error *e)
{
	int ret;

	if (!li->up) {
		ret = link_set_up(&d->link, li->ifindex, NULL, 0, e);
		if (ret < 0)
			return ret;
	}
	ret = dp_port_attach(&n->dp, p->ifindex, netw_port_flags(n, p, li), li->mtu, e);
	if (!ret && p->has_guest_mac && dp_fdb_add_static(&n->dp, p->guest_mac, p->ifindex) < 0)
		ret = kv_fail(e, KV_ERR_SYSTEM, -ENOSPC, "cannot add static FDB entry");
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

int netw_port_add(struct kvnetd *d, struct kv_network *n, const char *iface,
		  bool tap, const char *mac, bool trusted, struct kv_port **out,
		  struct kv_error *e)
{
	struct kv_port port = { .trusted = trusted, .owned = tap };
	struct link_info li = { 0 };
	int ret;

	if (mac && kv_mac_parse(mac, port.guest_mac) < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "invalid MAC address '%s' (expected aa:bb:cc:dd:ee:ff)", mac);
	if (mac && netw_check_guest_mac(d, n, port.guest_mac, e) < 0)
		return -EINVAL;
	port.has_guest_mac = mac != NULL;
	ret = netw_check_port(d, n, iface, tap, &li, e);
	if (ret < 0)
		return ret;
	if (tap) {
		ret = netw_make_tap(d, n, iface, mac ? port.guest_mac : NULL, &li, e);
		if (ret < 0)
			goto undo;
	}
	snprintf(port.iface, sizeof(port.iface), "%s", iface);
	port.ifindex = li.ifindex;
	port.kind = netw_kind_of(&li);
	ret = netw_port_plug(d, n, &port, &li, e);
	if (ret < 0)
		goto undo;
	n->ports[n->nports] = port;
	*out = &n->ports[n->nports++];
	netw_save_runtime(d, n);
	log_info("network '%s': port %s (ifindex %d, %s) added", n->def.name, iface,
		 li.ifindex, port_kind_name(port.kind));
	return 0;
undo:
	if (port.ifindex)
		dp_port_detach(&n->dp, port.ifindex);
	if (tap && link_get(&d->link, 0, iface, &li) == 0)
		link_delete(&d->link, li.ifindex);
	return ret;
}

static void netw_forget_port(struct kvnetd *d, struct kv_network *n,
			     struct kv_port *p, bool delete_dev)
{
	dp_port_detach(&n->dp, p->ifindex);
	if (delete_dev && p->owned)
		link_delete(&d->link, p->ifindex);
	*p = n->ports[--n->nports];
	netw_save_runtime(d, n);
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
	netw_forget_port(d, n, p, true);
	log_info("network '%s': port %s removed", n->def.name, iface);
	return 0;
}

/* ---- link notifications and timers ------------------------------------ */

static void netw_recheck_port(struct kvnetd *d, struct kv_network *n, struct kv_port *p)
{
	struct link_info li;

	if (link_get(&d->link, p->ifindex, NULL, &li) < 0) {
		log_info("network '%s': port %s disappeared; removed", n->def.name, p->iface);
		netw_forget_port(d, n, p, false);
		return;
	}
	/* a veth whose peer moved into (or out of) our namespace needs the
	 * other redirect */
	dp_port_update(&n->dp, p->ifindex,
		       p->kind == PORT_KIND_GATEWAY && n->def.mtu ? n->def.mtu : li.mtu,
		       netw_port_flags(n, p, &li));
}

void netw_link_changed(struct kvnetd *d, int ifindex, bool gone)
{
	(void)gone; /* re-read the link either way: a move also reads as gone */
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		if (!n->active)
			continue;
		for (int j = n->nports - 1; j >= 0; j--) {
			struct kv_port *p = &n->ports[j];

			if (ifindex == 0 || p->ifindex == ifindex || p->dev_ifindex == ifindex)
				netw_recheck_port(d, n, p);
		}
	}
}

/* Sweep the FDB a few times per aging period, at most once a second and at
 * least every 30 s: the datapath already ignores expired entries, the
 * sweep only frees their room. */
static uint64_t netw_expiry_interval_ns(const struct kv_network *n)
{
	unsigned s = n->def.fdb_aging_s / 4;

	return (uint64_t)(s < 1 ? 1 : s > 30 ? 30 : s) * 1000000000ULL;
}

void netw_tick(struct kvnetd *d)
{
	uint64_t now = dp_now_ns();

	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];
		int expired;

		if (!n->active || now < n->next_expiry_ns)
			continue;
		n->next_expiry_ns = now + netw_expiry_interval_ns(n);
		expired = dp_fdb_expire(&n->dp);
		if (expired > 0)
			log_debug("network '%s': %d FDB entries aged out", n->def.name, expired);
	}
}

void netw_free_all(struct kvnetd *d)
{
	for (int i = 0; i < d->nnets; i++) {
		dp_close(&d->nets[i]->dp);
		free(d->nets[i]);
	}
	free(d->nets);
	d->nets = NULL;
	d->nnets = 0;
}

/* ---- restart: adopt what still runs ------------------------------------ */

static bool netw_port_from_json(struct kvnetd *d, json_t *o, struct kv_port *p)
{
	const char *iface = NULL, *kind = NULL, *mac = NULL;
	int ifindex = 0, dev_ifindex = 0, owned = 0, trusted = 0;
	struct link_info li;

	if (json_unpack(o, "{s:s,s:i,s:i,s:s,s:b,s:b,s?s}", "iface", &iface,
			"ifindex", &ifindex, "dev_ifindex", &dev_ifindex, "kind", &kind,
			"owned", &owned, "trusted", &trusted, "guest_mac", &mac) < 0)
		return false;
	memset(p, 0, sizeof(*p));
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	p->ifindex = ifindex;
	p->dev_ifindex = dev_ifindex;
	p->owned = owned;
	p->trusted = trusted;
	for (unsigned k = 0; k < sizeof(port_kind_names) / sizeof(*port_kind_names); k++)
		if (!strcmp(kind, port_kind_names[k]))
			p->kind = (enum port_kind)k;
	p->has_guest_mac = mac && kv_mac_parse(mac, p->guest_mac) == 0;
	/* the device must still be the one we attached to */
	if (link_get(&d->link, ifindex, NULL, &li) < 0)
		return false;
	if (p->kind == PORT_KIND_GATEWAY)
		return link_get(&d->link, dev_ifindex, NULL, &li) == 0 &&
		       !strcmp(li.name, iface);
	return !strcmp(li.name, iface);
}

static bool netw_keep_port(int ifindex, void *arg)
{
	struct kv_network *n = arg;

	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].ifindex == ifindex)
			return true;
	return false;
}

static int netw_replug(struct kvnetd *d, struct kv_network *n, struct kv_port *p,
		       struct kv_error *e)
{
	struct link_info li;
	int ret;

	if (link_get(&d->link, p->ifindex, NULL, &li) < 0)
		return -ENODEV;
	ret = netw_port_plug(d, n, p, &li, e);
	/* the MAC the host really sends from (the definition may have been
	 * edited while the network ran) */
	if (!ret && p->kind == PORT_KIND_GATEWAY &&
	    link_get(&d->link, p->dev_ifindex, NULL, &li) == 0)
		ret = dp_fdb_add_static(&n->dp, li.mac, p->ifindex);
	return ret;
}

/* Open the datapath over the maps that the listed ports still run. */
static int netw_adopt_datapath(struct kvnetd *d, struct kv_network *n,
			       struct kv_error *e)
{
	int ifindexes[KVNET_MAX_PORTS];

	for (int k = 0; k < n->nports; k++)
		ifindexes[k] = n->ports[k].ifindex;
	return dp_open(&n->dp, d->bpffs, n->def.name, n->def.fdb_max, ifindexes,
		       n->nports, e);
}

static int netw_adopt(struct kvnetd *d, struct kv_network *n, const char *state)
{
	struct kv_error e = { 0 };
	json_t *root = json_loads(state, 0, NULL), *ports, *o;
	size_t i;
	int ret;

	ports = root ? json_object_get(root, "ports") : NULL;
	n->nports = 0;
	json_array_foreach(ports, i, o) {
		if (n->nports >= KVNET_MAX_PORTS)
			break;
		if (netw_port_from_json(d, o, &n->ports[n->nports]))
			n->nports++;
		else
			log_info("network '%s': port %s disappeared while kvnetd was "
				 "down; removed", n->def.name,
				 json_string_value(json_object_get(o, "iface")));
	}
	json_decref(root);
	ret = netw_adopt_datapath(d, n, &e);
	if (ret < 0) {
		/* Leave the kernel alone: what runs keeps running. */
		log_err("network '%s': cannot adopt the running datapath: %s; it keeps "
			"forwarding unmanaged until `kvnet net stop %s`", n->def.name,
			e.msg, n->def.name);
		n->stale = true;
		return ret;
	}
	netw_dp_configure(n);
	for (int k = n->nports - 1; k >= 0; k--) {
		memset(&e, 0, sizeof(e));
		if (netw_replug(d, n, &n->ports[k], &e) == 0)
			continue;
		log_err("network '%s': port %s dropped on restart: %s", n->def.name,
			n->ports[k].iface, e.msg);
		dp_port_detach(&n->dp, n->ports[k].ifindex);
		n->ports[k] = n->ports[--n->nports];
	}
	/* an old datapath we could not adopt: nothing of it stays attached */
	for (int k = 0; k < n->dp.norphans; k++)
		if (!netw_keep_port(n->dp.orphans[k], n))
			dp_detach_any(n->dp.orphans[k]);
	dp_ports_prune(&n->dp, netw_keep_port, n);
	n->active = true;
	if (n->def.has_ip && !netw_port_by_name(n, n->def.bridge) &&
	    netw_gateway_up(d, n, &e) < 0)
		log_err("network '%s': cannot recreate the gateway port: %s",
			n->def.name, e.msg);
	netw_save_runtime(d, n);
	log_info("network '%s': adopted, %d ports", n->def.name, n->nports);
	return 0;
}

static void netw_report_bad(void *ctx, const char *path, const char *err)
{
	(void)ctx;
	log_err("ignoring %s: %s", path, err);
}

int netw_restore(struct kvnetd *d)
{
	struct net_def *defs = NULL;
	struct kv_error e = { 0 };
	struct kv_network *n;
	int ndefs = 0, ret;
	char *state = NULL;

	ret = store_load_nets(&d->store, &defs, &ndefs, netw_report_bad, NULL);
	if (ret < 0)
		return ret;
	for (int i = 0; i < ndefs; i++) {
		memset(&e, 0, sizeof(e));
		/* as stored: not written back (the state dir may be read-only) */
		if (netw_check_unique(d, &defs[i], &e) < 0 ||
		    netw_insert(d, &defs[i], &n, &e) < 0) {
			log_err("network '%s': %s", defs[i].name, e.msg);
			continue;
		}
		/* a hand-written file without <uuid>/<mac>: keep what was
		 * generated, or the network would change identity each start */
		if ((n->def.uuid_generated || n->def.mac_generated) &&
		    store_save_net(&d->store, &n->def) < 0)
			log_warn("network '%s': cannot store its generated uuid/mac",
				 n->def.name);
		n->autostart = store_get_autostart(&d->store, n->def.name);
		if (store_load_runtime(&d->store, n->def.name, &state) == 0) {
			netw_adopt(d, n, state);
			free(state);
		}
	}
	free(defs);
	for (int i = 0; i < d->nnets; i++) {
		n = d->nets[i];
		memset(&e, 0, sizeof(e));
		if (n->autostart && !n->active && !n->stale && netw_start(d, n, &e) < 0)
			log_err("autostart of network '%s' failed: %s", n->def.name, e.msg);
	}
	return 0;
}
