// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions, start and stop, and adoption after a restart (see
 * network.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "switch/dp_nat.h"
#include "switch/dnsd.h"
#include "switch/network_int.h"
#include "switch/trace.h"
#include "switch/log.h"

static const char *const port_kind_names[] = {
	[PORT_KIND_OTHER] = "other",
	[PORT_KIND_VETH] = "veth",
	[PORT_KIND_TAP] = "tap",
	[PORT_KIND_GATEWAY] = "gateway",
	[PORT_KIND_UPLINK] = "uplink",
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

/* ---- runtime record ---------------------------------------------------- */

static enum netrec_state netw_rec_state(const struct kv_network *n)
{
	if (n->op == NETW_OP_STARTING)
		return NETREC_STARTING;
	return n->op == NETW_OP_STOPPING ? NETREC_STOPPING : NETREC_ACTIVE;
}

static void netw_rec_port(const struct kv_port *p, struct netrec_port *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->iface, sizeof(r->iface), "%s", p->iface);
	r->ifindex = p->ifindex;
	r->dev_ifindex = p->dev_ifindex;
	r->kind = (enum netrec_kind)p->kind;
	r->owned = p->owned;
	r->trusted = p->trusted;
	r->has_guest_mac = p->has_guest_mac;
	memcpy(r->guest_mac, p->guest_mac, 6);
	memcpy(r->addrs, p->addrs, sizeof(r->addrs));
	r->naddrs = p->naddrs;
	r->promisc = p->promisc;
	r->op = p->op;
	snprintf(r->guest, sizeof(r->guest), "%s", p->guest);
}

int netw_save_runtime(struct kvnetd *d, const struct kv_network *n, struct kv_error *e)
{
	struct netrec *r = calloc(1, sizeof(*r));
	char *text = NULL;
	int ret = -ENOMEM;

	if (r && netxml_format(&n->def, &r->xml) == 0) {
		r->state = netw_rec_state(n);
		memcpy(r->uuid, n->def.uuid, 16);
		for (int i = 0; i < n->nports; i++)
			netw_rec_port(&n->ports[i], &r->ports[r->nports++]);
		text = netrec_encode(r);
	}
	if (text)
		ret = store_save_runtime(&d->store, n->def.name, text);
	free(text);
	if (r)
		netrec_free(r);
	free(r);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot record the runtime state of network '%s': %s",
			       n->def.name, strerror(-ret));
	return 0;
}

void netw_note(struct kv_network *n, const char *fmt, ...)
{
	char msg[NETW_NOTE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("network '%s': %s", n->def.name, msg);
	if (n->nnotes == NETW_NOTES)
		memmove(n->notes[0], n->notes[1], (NETW_NOTES - 1) * NETW_NOTE_LEN);
	else
		n->nnotes++;
	memcpy(n->notes[n->nnotes - 1], msg, NETW_NOTE_LEN);
}

bool netw_owns_device(const struct kv_network *n, const struct link_info *li)
{
	char prefix[ALIAS_MAX];

	snprintf(prefix, sizeof(prefix), ALIAS_PREFIX "%s:", n->def.name);
	return !strncmp(li->alias, prefix, strlen(prefix));
}

/* ---- define / undefine ------------------------------------------------ */

/* Does it still run in the kernel (adopted, or stale from an earlier
 * kvnetd)? Its live definition then stays until it stops. */
static bool netw_running(const struct kv_network *n)
{
	return n->active || n->stale;
}

bool netw_defs_equal(const struct net_def *a, const struct net_def *b)
{
	char *xa = NULL, *xb = NULL;
	bool same = netxml_format(a, &xa) == 0 && netxml_format(b, &xb) == 0 &&
		    !strcmp(xa, xb);

	free(xa);
	free(xb);
	return same;
}

/* Is def free of the names and identity that o (another network's live or
 * next definition) holds? */
static int netw_check_unique_of(const struct net_def *o, const struct net_def *def,
				struct kv_error *e)
{
	if (!memcmp(o->uuid, def->uuid, 16))
		return kv_fail(e, KV_ERR_EXISTS, -EEXIST,
			       "network '%s' already has this uuid", o->name);
	if (!strcmp(o->bridge, def->bridge))
		return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
			       "bridge name '%s' is already used by network '%s'",
			       def->bridge, o->name);
	return 0;
}

int netw_check_unique(struct kvnetd *d, const struct net_def *def,
			     struct kv_error *e)
{
	for (int i = 0; i < d->nnets; i++) {
		const struct kv_network *o = d->nets[i];
		int ret;

		if (!strcmp(o->def.name, def->name))
			continue;
		ret = netw_check_unique_of(&o->def, def, e);
		if (!ret && o->next_def)
			ret = netw_check_unique_of(o->next_def, def, e);
		if (ret < 0)
			return ret;
	}
	return netw_fwd_check_unique(d, def, e);
}

/* Add def to the table, or replace the definition of the same name. */
int netw_insert(struct kvnetd *d, const struct net_def *def,
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
		n->punt.fd = -1;
		n->trace.fd = -1;
		n->d = d;
		d->nets[d->nnets++] = n;
	}
	n->def = *def;
	*out = n;
	return 0;
}

/* Take n (stopped) out of the table and free it. */
static void netw_forget(struct kvnetd *d, struct kv_network *n)
{
	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i] == n) {
			d->nets[i] = d->nets[--d->nnets];
			break;
		}
	free(n->next_def);
	free(n);
}

bool netw_forget_if_transient(struct kvnetd *d, struct kv_network *n)
{
	if (!n->transient || netw_running(n) || n->pending == NETW_PENDING_ADOPT)
		return false;
	log_info("network '%s' is transient and stopped: forgotten", n->def.name);
	netw_forget(d, n);
	return true;
}

static int netw_define_checked(struct kvnetd *d, const struct net_def *def,
			       struct kv_network **out, struct kv_error *e);
static int netw_define_next(struct kvnetd *d, struct kv_network *n,
			    const struct net_def *def, struct kv_error *e);

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

/* Defining a network that runs stores the new definition for its next
 * start and leaves the running one alone, as libvirt does. */
int netw_define(struct kvnetd *d, const struct net_def *in,
		struct kv_network **out, struct kv_error *e)
{
	struct kv_network *n = netw_find(d, in->name);
	struct net_def *def;
	int ret;

	if (n && n->pending == NETW_PENDING_ADOPT)
		netw_finish(d, n);
	def = malloc(sizeof(*def));
	if (!def)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	*def = *in;
	ret = n ? netw_keep_identity(n, def, e) : 0;
	if (!ret && n && netw_running(n)) {
		ret = netw_define_next(d, n, def, e);
		*out = n;
	} else if (!ret) {
		ret = netw_define_checked(d, def, out, e);
	}
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
	if (!ret) {
		(*out)->transient = false;
		log_info("network '%s' defined", def->name);
	}
	return ret;
}

/* A next definition must be able to start where the running ones are:
 * its subnet may not overlap another active network's (a stop and start
 * would otherwise leave the network down). */
static int netw_check_next_subnet(struct kvnetd *d, const struct net_def *def,
				  struct kv_error *e)
{
	for (int i = 0; i < d->nnets; i++) {
		const struct kv_network *o = d->nets[i];

		if (strcmp(o->def.name, def->name) && netw_running(o) &&
		    net_subnets_overlap(&o->def, def))
			return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
				       "network '%s' runs; its new definition's subnet "
				       "overlaps active network '%s'", def->name, o->def.name);
	}
	return 0;
}

/* Store def as running n's next definition (none if it is the live one). */
static int netw_define_next(struct kvnetd *d, struct kv_network *n,
			    const struct net_def *def, struct kv_error *e)
{
	bool same = netw_defs_equal(def, &n->def);
	struct net_def *next = same ? NULL : malloc(sizeof(*next));
	int ret = netw_check_unique(d, def, e);

	if (!ret)
		ret = netw_check_next_subnet(d, def, e);
	if (!ret && !same && !next)
		ret = kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (!ret && (ret = store_save_net(&d->store, def)) < 0)
		kv_fail(e, KV_ERR_SYSTEM, ret, "cannot store network '%s': %s", def->name,
			strerror(-ret));
	if (ret < 0) {
		free(next);
		return ret;
	}
	if (next)
		*next = *def;
	free(n->next_def);
	n->next_def = next;
	n->transient = false;
	log_info("network '%s' defined; %s", def->name, next ?
		 "it runs on, the new definition applies at its next start" :
		 "the definition is the one it runs");
	return 0;
}

/* At stop: the next definition becomes the definition. */
static void netw_apply_next_def(struct kv_network *n)
{
	if (!n->next_def)
		return;
	n->def = *n->next_def;
	free(n->next_def);
	n->next_def = NULL;
	log_info("network '%s': its new definition is in effect", n->def.name);
}

int netw_check_live_edit(const struct kv_network *n, struct kv_error *e)
{
	if (!n->next_def)
		return 0;
	return kv_fail(e, KV_ERR_STATE, -EBUSY,
		       "network '%s' has a new definition pending for its next start, "
		       "which a live change would overwrite; stop and start it first, "
		       "or define it again with the change", n->def.name);
}

int netw_undefine(struct kvnetd *d, const char *name, struct kv_error *e)
{
	struct kv_network *n = netw_find(d, name);
	int ret;

	if (!n)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' is not defined", name);
	if (n->transient)
		return kv_fail(e, KV_ERR_STATE, -EINVAL,
			       "network '%s' is transient: it has no definition to remove; "
			       "`kvnet net stop %s` removes it", name, name);
	ret = store_delete_net(&d->store, name);
	if (ret < 0 && ret != -ENOENT)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot remove network '%s': %s",
			       name, strerror(-ret));
	store_set_autostart(&d->store, name, false);
	n->autostart = false;
	if (netw_running(n)) {
		free(n->next_def);
		n->next_def = NULL;
		n->transient = true;
		log_info("network '%s' undefined; it runs on as a transient network until "
			 "it stops", name);
		return 0;
	}
	log_info("network '%s' undefined", name);
	netw_forget(d, n);
	return 0;
}

int netw_set_autostart(struct kvnetd *d, struct kv_network *n, bool on,
		       struct kv_error *e)
{
	int ret;

	if (n->transient && on)
		return kv_fail(e, KV_ERR_STATE, -EINVAL,
			       "network '%s' is transient: it has no definition to start "
			       "from; `kvnet net define` it first", n->def.name);
	ret = store_set_autostart(&d->store, n->def.name, on);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot set autostart: %s",
			       strerror(-ret));
	n->autostart = on;
	return 0;
}

/* ---- start / stop ----------------------------------------------------- */

/* Datapath settings that follow from the definition. */
int netw_dp_configure(struct kv_network *n, struct kv_error *e)
{
	const struct net_def *def = &n->def;
	uint32_t mask = htonl(kv_prefix_mask(def->prefix));
	bool dhcp = def->has_ip && netxml_dhcp_enabled(def);
	struct dp_config c = {
		.no_route = def->mode == NET_MODE_ISOLATED,
		.stp = netw_stp_enabled(n),
		.aging_s = def->fdb_aging_s,
		.learn_max = def->fdb_port_max,
		.flood_rate = def->flood_rate,
		.flood_burst = def->flood_burst,
		.dhcp = dhcp,
		.dhcp_rate = KVNET_DHCP_RATE,
		.dhcp_burst = KVNET_DHCP_BURST,
	};

	memcpy(c.uuid, def->uuid, sizeof(c.uuid));
	if (def->has_ip) {
		c.gw_ip = def->ip.s_addr;
		c.gw_bcast = def->ip.s_addr | ~mask;
	}
	netw_route_config(n->d, n, &c);
	return dp_configure(n->dp, &c, e);
}

/* The switch side of the gateway is <bridge>-p, or, for a bridge name
 * with no room for the suffix, kvgw-<8 hex digits of its hash>. */
static void netw_gateway_names(const struct net_def *def, char peer[IFNAMSIZ],
			       char alias[ALIAS_MAX])
{
	if (strlen(def->bridge) + strlen("-p") < IFNAMSIZ)
		snprintf(peer, IFNAMSIZ, "%s-p", def->bridge);
	else
		snprintf(peer, IFNAMSIZ, "kvgw-%08x", kv_name_hash(def->bridge));
	snprintf(alias, ALIAS_MAX, ALIAS_PREFIX "%s:gateway", def->name);
}

int netw_name_taken(struct kvnetd *d, const char *name, const char *alias,
		    const char *live_side, struct kv_error *e)
{
	struct link_info li, sw;

	if (link_get(&d->link, 0, name, &li) < 0)
		return 0;
	if (!strcmp(li.alias, alias)) {
		if (link_get(&d->link, 0, live_side, &sw) == 0 && dp_ebpf_attached(sw.ifindex))
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
	int ret;
	char peer[IFNAMSIZ], alias[ALIAS_MAX];

	if (n->active)
		return kv_fail(e, KV_ERR_STATE, -EALREADY, "network '%s' is already active",
			       def->name);
	if (n->stale)
		return kv_fail(e, KV_ERR_STATE, -EBUSY,
			       "network '%s' still runs from an earlier kvnetd that this "
			       "one could not adopt (see its log); `kvnet net stop %s` "
			       "removes it first", def->name, def->name);
	ret = netw_route_check(d, n, e);
	if (ret < 0)
		return ret;
	if (def->datapath != NET_DATAPATH_EBPF)
		return kv_fail(e, KV_ERR_UNSUPPORTED, -EOPNOTSUPP,
			       "<kvnet:datapath type='user'/> is not implemented yet");
	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i] != n && d->nets[i]->active &&
		    net_subnets_overlap(&d->nets[i]->def, def))
			return kv_fail(e, KV_ERR_CONFLICT, -EEXIST,
				       "subnet of '%s' overlaps active network '%s'",
				       def->name, d->nets[i]->def.name);
	if (def->mode == NET_MODE_BRIDGE)
		return netw_uplink_check(d, n, e);
	if (!def->has_ip)
		return 0;
	netw_gateway_names(def, peer, alias);
	if (netw_name_taken(d, def->bridge, alias, peer, e) < 0 ||
	    netw_name_taken(d, peer, alias, peer, e) < 0)
		return -EEXIST;
	return link_check_subnet_free(&d->link, def->ip, def->prefix, e);
}

/* Create the gateway veth pair and record it as a port (so that a failure
 * from here on is undone by the teardown). */
static int netw_gateway_create(struct kvnetd *d, struct kv_network *n,
			       struct link_info *gw, struct link_info *sw,
			       struct kv_error *e)
{
	const struct net_def *def = &n->def;
	char peer[IFNAMSIZ], alias[ALIAS_MAX];
	struct kv_port *p;
	int ret;

	netw_gateway_names(def, peer, alias);
	if (n->nports >= KVNET_MAX_PORTS)
		return kv_fail(e, KV_ERR_CONFLICT, -ENOSPC, "no room for the gateway port");
	ret = link_create_veth(&d->link, def->bridge, def->mac, peer, e);
	if (ret < 0)
		return ret;
	if (link_get(&d->link, 0, def->bridge, gw) < 0 ||
	    link_get(&d->link, 0, peer, sw) < 0) {
		link_delete_name(&d->link, def->bridge);
		return kv_fail(e, KV_ERR_SYSTEM, -ENODEV, "gateway veth '%s' vanished",
			       def->bridge);
	}
	p = &n->ports[n->nports++];
	*p = (struct kv_port){ .ifindex = sw->ifindex, .dev_ifindex = gw->ifindex,
			       .peer_ifindex = gw->ifindex, .kind = PORT_KIND_GATEWAY,
			       .owned = true, .no = netw_port_no_free(n) };
	stp_port_init(&p->stp, p->no);
	snprintf(p->iface, sizeof(p->iface), "%s", def->bridge);
	ret = link_ipv6_off(sw->ifindex, e);
	return ret < 0 ? ret : link_set_up(&d->link, sw->ifindex, alias, def->mtu, e);
}

/* The gateway port: a veth pair; <bridge> holds the IP in this namespace,
 * <bridge>-p is the switch port. */
int netw_gateway_up(struct kvnetd *d, struct kv_network *n,
			   struct kv_error *e)
{
	const struct net_def *def = &n->def;
	char peer[IFNAMSIZ], alias[ALIAS_MAX];
	struct link_info gw = { 0 }, sw = { 0 };
	struct dp_port dpp;
	int ret;

	netw_gateway_names(def, peer, alias);
	ret = netw_gateway_create(d, n, &gw, &sw, e);
	/* forwarding only where the network routes (network_route.c); no
	 * network has IPv6 yet. Before it is up, so that it never has an
	 * IPv6 address nor takes a Router Advertisement. */
	if (!ret)
		ret = link_gateway_setup(&d->link, gw.ifindex, netw_routes(def), false, e);
	if (!ret)
		ret = link_set_up(&d->link, gw.ifindex, alias, def->mtu, e);
	if (!ret)
		ret = link_add_ipv4(&d->link, gw.ifindex, def->ip, def->prefix, e);
	dpp = (struct dp_port){ sw.ifindex, KVNET_PORT_GATEWAY, def->mtu ? def->mtu : sw.mtu };
	if (!ret)
		ret = dp_port_attach(n->dp, &dpp, e);
	if (!ret)
		ret = dp_fdb_pin(n->dp, def->mac, sw.ifindex, e);
	return ret < 0 ? kv_context(e, ret, "gateway '%s'", def->bridge) : 0;
}

/* Delete a device kvnet made for n, if it still carries n's mark (a
 * record may name a device that is somebody else's by now). */
void netw_delete_owned(struct kvnetd *d, struct kv_network *n, int ifindex)
{
	struct link_info li;

	if (link_get(&d->link, ifindex, NULL, &li) < 0)
		return;
	if (!netw_owns_device(n, &li)) {
		netw_note(n, "not deleting %s (ifindex %d): it does not carry kvnet's "
			  "mark for this network", li.name, ifindex);
		return;
	}
	link_delete(&d->link, ifindex);
}

void netw_teardown(struct kvnetd *d, struct kv_network *n)
{
	netw_services_stop(d, n);
	netw_route_down(d, n);
	for (int i = n->nports - 1; i >= 0; i--) {
		struct kv_port *p = &n->ports[i];

		if (n->dp)
			dp_port_detach(n->dp, p->ifindex, false);
		else
			dp_ebpf_detach_any(p->ifindex); /* stale: no datapath of ours */
		if (p->owned)
			netw_delete_owned(d, n, p->kind == PORT_KIND_GATEWAY ?
						p->dev_ifindex : p->ifindex);
		if (p->kind == PORT_KIND_UPLINK)
			netw_uplink_release(d, p);
	}
	n->nports = 0;
	dp_forget(n->dp);
	dp_close(n->dp);
	n->dp = NULL;
	n->active = false;
	n->degraded[0] = '\0';
	netw_uplinks_sync(d);
}

/* The daemon-wide NAT maps, loaded (or taken over) when the first
 * network that routes loads its datapath rather than at start-up, so
 * that a restarted kvnetd answers before it pays for them, and a kvnetd
 * of isolated networks never does. NULL if they cannot load. */
struct dp_nat *netw_nat(struct kvnetd *d)
{
	struct kv_error e = { 0 };

	if (d->nat || d->nat_failed)
		return d->nat;
	if (dp_nat_open(&d->nat, d->bpffs, &e) < 0 ||
	    dp_nat_set_timeouts(d->nat, &d->nat_timeouts, &e) < 0) {
		log_err("%s: networks that route or translate cannot start", e.msg);
		dp_nat_close(d->nat);
		d->nat = NULL;
		d->nat_failed = true;
	}
	return d->nat;
}

int netw_dp_open(struct kvnetd *d, struct kv_network *n, const int *ports,
			int nports, struct kv_error *e)
{
	/* a network that does not route gets conntrack maps of its own,
	 * token ones its switch never reads (KVNET_CFG_ROUTES is off) */
	struct dp_nat *nat = netw_routes(&n->def) ? netw_nat(d) : NULL;
	struct dp_open_args a = { .bpffs = d->bpffs, .net = n->def.name,
				  .fdb_max = n->def.fdb_max, .ports = ports,
				  .nports = nports, .nat = nat };

	return dp_open(&dp_ebpf_ops, &n->dp, &a, e);
}

/* Everything a start makes, in order. The record already says
 * "starting", so a kill at any point leaves a network the next kvnetd
 * rolls back. */
static int netw_bring_up(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int ret = netw_dp_open(d, n, NULL, 0, e);

	if (!ret)
		ret = netw_dp_configure(n, e);
	if (!ret && n->def.has_ip)
		ret = netw_gateway_up(d, n, e);
	if (!ret && n->def.mode == NET_MODE_BRIDGE)
		ret = netw_uplink_up(d, n, e);
	if (!ret)
		ret = netw_route_up(d, n, e);
	if (!ret)
		ret = netw_services_start(d, n, e);
	return ret;
}

int netw_start(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int ret;

	if (n->pending == NETW_PENDING_START)
		n->pending = NETW_PENDING_NONE; /* started by request, not by autostart */
	ret = netw_check_startable(d, n, e);

	if (ret < 0)
		return ret;
	n->op = NETW_OP_STARTING;
	n->nnotes = 0;
	ret = netw_save_runtime(d, n, e);
	if (!ret)
		ret = netw_bring_up(d, n, e);
	if (!ret) {
		n->op = NETW_OP_NONE;
		ret = netw_save_runtime(d, n, e);
	}
	if (ret < 0) {
		kv_context(e, ret, "cannot start network '%s'", n->def.name);
		netw_teardown(d, n);
		n->op = NETW_OP_NONE;
		store_delete_runtime(&d->store, n->def.name);
		return ret;
	}
	n->active = true;
	log_info("network '%s' started", n->def.name);
	return 0;
}

int netw_stop(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	struct kv_error ignored = { 0 };

	if (!n->active && !n->stale)
		return kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' is not active",
			       n->def.name);
	n->op = NETW_OP_STOPPING;
	/* a stop goes on even when the intent cannot be written */
	if (netw_save_runtime(d, n, &ignored) < 0)
		log_err("%s", ignored.msg);
	netw_teardown(d, n);
	n->stale = false;
	n->op = NETW_OP_NONE;
	store_delete_runtime(&d->store, n->def.name);
	log_info("network '%s' stopped", n->def.name);
	netw_apply_next_def(n);
	return 0;
}

/* ---- timers ------------------------------------------------------------ */

/* Sweep the FDB a few times per aging period, at most once a second and at
 * least every 30 s: the datapath already ignores expired entries, the
 * sweep only frees their room and recounts each port's learned MACs. A
 * sweep goes on, a budget of entries per tick, until it completes a pass. */
static uint64_t netw_expiry_interval_ns(const struct kv_network *n)
{
	unsigned s = n->def.fdb_aging_s / 4;

	return (uint64_t)(s < 1 ? 1 : s > 30 ? 30 : s) * 1000000000ULL;
}

/* One slice of n's sweep, if one is due, out of *budget entries. */
static void netw_sweep(struct kv_network *n, uint64_t now, unsigned *budget)
{
	struct dp_sweep sw;

	if (now < n->next_expiry_ns || !*budget)
		return;
	if (dp_fdb_sweep(n->dp, *budget, &sw) < 0) {
		n->next_expiry_ns = now + netw_expiry_interval_ns(n);
		return;
	}
	*budget = *budget > sw.seen ? *budget - sw.seen : 0;
	if (sw.deleted > 0)
		log_debug("network '%s': %d FDB entries aged out", n->def.name, sw.deleted);
	if (sw.done)
		n->next_expiry_ns = now + netw_expiry_interval_ns(n);
}

void netw_tick(struct kvnetd *d)
{
	uint64_t now = dp_now_ns();
	unsigned budget = NETW_SWEEP_BUDGET;

	/* the networks take turns at the sweep budget: start one further on
	 * each tick */
	d->sweep_first = d->nnets ? (d->sweep_first + 1) % d->nnets : 0;
	for (int k = 0; k < d->nnets; k++) {
		struct kv_network *n = d->nets[(d->sweep_first + k) % d->nnets];

		if (n->active)
			netw_sweep(n, now, &budget);
	}
	if (d->nat)
		netw_ct_sweep(d);
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		if (!n->active)
			continue;
		netw_stp_tick(d, n, now / 1000000);
		netw_fwd_tick(d, n);
		trace_tick(n);
		if (n->dhcp)
			dhcpd_tick(n->dhcp);
		if (n->dns)
			dnsd_tick(n->dns);
	}
}

void netw_free_all(struct kvnetd *d)
{
	for (int i = 0; i < d->nnets; i++) {
		netw_fwd_release(d->nets[i]);
		trace_net_end(d, d->nets[i], "kvnetd is stopping");
		loop_del(&d->loop, &d->nets[i]->punt);
		dnsd_close(d->nets[i]->dns);
		dp_close(d->nets[i]->dp);
		free(d->nets[i]->next_def);
		free(d->nets[i]);
	}
	free(d->nets);
	d->nets = NULL;
	d->nnets = 0;
}

