// SPDX-License-Identifier: GPL-2.0-only
/* What a starting kvnetd makes of what it finds (see network.h). The
 * kernel is the truth; the runtime records are intent (netrec.h).
 *
 * 1. Definitions are loaded from the state dir; a runtime record whose
 *    definition file is gone or unreadable defines its network from its
 *    own copy (a transient network), so no running network is orphaned.
 *    A network that runs runs the definition its record holds: a stored
 *    one that differs is a `net define` for its next start (next_def).
 * 2. The kernel is scanned once: every link of the namespace, its kvnet
 *    mark (alias "kvnet:<net>:<role>", device group) and, if a kvnet
 *    switch runs at its ingress, the uuid of the network that switch
 *    serves (recorded in its config map).
 * 3. Each network is reconciled: a start or stop that was interrupted is
 *    rolled back; a network whose switch runs is adopted with the ports
 *    the kernel says it has (the record only adds what the kernel does not
 *    keep: trusted, pinned MACs; the datapath's maps fill in when the
 *    record is unreadable); one whose switch is gone is cleaned up.
 *    Adopting loads a BPF program (~60-90 ms here), so it comes in two
 *    halves: the ports are claimed at once, and the datapath is loaded
 *    from the event loop, one network per turn (netw_restore_step), or at
 *    once when a request needs the network (netw_ready): kvnetd answers
 *    while it adopts hundreds of networks. Autostarts wait the same way.
 * 4. What no network took is a leftover: kvnet's own devices and
 *    attachments of networks defined here are removed; those of networks
 *    this kvnetd does not know are reported and left alone if they still
 *    forward. A transient network found not running is forgotten.
 * Every finding is logged and kept for `net show` (netw_note).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switch/network_int.h"
#include "switch/log.h"

/* ---- the kernel, scanned once --------------------------------------------- */

struct kdev {
	struct link_info li;
	int probe;	  /* 1: a kvnet switch runs at its tcx ingress */
	uint8_t uuid[16]; /* that switch's network (all zero: unknown) */
	bool taken;	  /* claimed by a network */
};

struct kscan {
	struct kdev *devs;
	int n, cap;
	bool oom;
};

static void kscan_add(void *arg, const struct link_info *li)
{
	struct kscan *ks = arg;
	struct kdev *k;

	if (ks->n == ks->cap) {
		int cap = ks->cap ? ks->cap * 2 : 64;
		struct kdev *nd = realloc(ks->devs, (size_t)cap * sizeof(*nd));

		if (!nd) {
			ks->oom = true;
			return;
		}
		ks->devs = nd;
		ks->cap = cap;
	}
	k = &ks->devs[ks->n++];
	memset(k, 0, sizeof(*k));
	k->li = *li;
	k->probe = dp_ebpf_probe(li->ifindex, k->uuid);
}

static bool kdev_role(const struct kdev *k, const struct kv_network *n, const char *role)
{
	char alias[ALIAS_MAX];

	snprintf(alias, sizeof(alias), ALIAS_PREFIX "%s:%s", n->def.name, role);
	return !strcmp(k->li.alias, alias);
}

/* ---- records ---------------------------------------------------------- */

/* A network's runtime record as found: decoded, or why not. */
struct netw_found {
	struct netrec rec;
	bool have; /* a file exists */
	bool ok;   /* and decodes */
	char err[160];
};

static void netw_load_record(struct kvnetd *d, const char *name, struct netw_found *f)
{
	char *text = NULL;
	int ret = store_load_runtime(&d->store, name, &text);

	memset(f, 0, sizeof(*f));
	if (ret == -ENOENT)
		return;
	f->have = true;
	if (ret < 0)
		snprintf(f->err, sizeof(f->err), "cannot read it: %s",
			 ret == -EINVAL ? "not a regular file" : strerror(-ret));
	else
		f->ok = netrec_decode(text, &f->rec, f->err, sizeof(f->err)) == 0;
	free(text);
}

static const struct netrec_port *netw_rec_port(const struct netw_found *f, int ifindex)
{
	for (int i = 0; f->ok && i < f->rec.nports; i++)
		if (f->rec.ports[i].ifindex == ifindex)
			return &f->rec.ports[i];
	return NULL;
}

/* Does the switch at k serve n? By the uuid it records, or, for a switch
 * of a kvnetd that did not record one, by the record naming the device. */
static bool netw_runs_on(const struct kv_network *n, const struct netw_found *f,
			 const struct kdev *k)
{
	static const uint8_t zero[16];
	const struct netrec_port *rp;

	if (k->probe <= 0)
		return false;
	if (!memcmp(k->uuid, n->def.uuid, 16))
		return true;
	if (memcmp(k->uuid, zero, 16) || !(rp = netw_rec_port(f, k->li.ifindex)))
		return false;
	return rp->kind == NETREC_KIND_GATEWAY ? kdev_role(k, n, "gateway")
					       : !strcmp(rp->iface, k->li.name);
}

/* ---- rolling back, cleaning up ---------------------------------------- */

/* Remove everything of n the kernel holds: its switch wherever it runs,
 * the devices carrying its mark, and what its record says it was making. */
static void netw_clean_kernel(struct kvnetd *d, struct kv_network *n,
			      const struct netw_found *f, struct kscan *ks)
{
	for (int i = 0; i < ks->n; i++) {
		struct kdev *k = &ks->devs[i];
		bool mine = netw_owns_device(n, &k->li);

		if (netw_runs_on(n, f, k)) {
			dp_ebpf_detach_any(k->li.ifindex);
			k->taken = true;
		}
		if (mine) {
			link_delete(&d->link, k->li.ifindex);
			k->taken = true;
		}
	}
	/* a tap being made: it may have no mark yet */
	for (int i = 0; f->ok && i < f->rec.nports; i++) {
		const struct netrec_port *rp = &f->rec.ports[i];
		struct link_info li;

		if (rp->op == NETREC_OP_ADDING && rp->kind == NETREC_KIND_TAP &&
		    link_get(&d->link, 0, rp->iface, &li) == 0 && li.kind == LINK_KIND_TAP &&
		    (!li.alias[0] || netw_owns_device(n, &li)))
			link_delete(&d->link, li.ifindex);
	}
	dp_ebpf_unpin(d->bpffs, n->def.name);
	store_delete_runtime(&d->store, n->def.name);
}

/* ---- adopting --------------------------------------------------------- */

/* The gateway's host side, for the switch side sw. */
static struct kdev *netw_gateway_host(struct kv_network *n, struct kscan *ks,
				      const struct kdev *sw)
{
	for (int i = 0; i < ks->n; i++) {
		struct kdev *k = &ks->devs[i];

		if (k != sw && kdev_role(k, n, "gateway") &&
		    (k->li.peer_ifindex == sw->li.ifindex || !strcmp(k->li.name, n->def.bridge)))
			return k;
	}
	return NULL;
}

/* The port the kernel shows at k, with what the record adds. */
static void netw_port_from_kernel(struct kv_network *n, const struct netw_found *f,
				  struct kscan *ks, struct kdev *k, struct kv_port *p)
{
	const struct netrec_port *rp = netw_rec_port(f, k->li.ifindex);
	struct kdev *host;

	memset(p, 0, sizeof(*p));
	p->ifindex = k->li.ifindex;
	snprintf(p->iface, sizeof(p->iface), "%s", k->li.name);
	p->kind = k->li.kind == LINK_KIND_TAP ? PORT_KIND_TAP : PORT_KIND_VETH;
	p->owned = netw_owns_device(n, &k->li);
	if (kdev_role(k, n, "gateway") && (host = netw_gateway_host(n, ks, k))) {
		p->kind = PORT_KIND_GATEWAY;
		p->dev_ifindex = host->li.ifindex;
		snprintf(p->iface, sizeof(p->iface), "%s", n->def.bridge);
		host->taken = true;
	}
	if ((rp && rp->kind == NETREC_KIND_UPLINK) ||
	    (n->def.mode == NET_MODE_BRIDGE && !strcmp(k->li.name, n->def.uplink))) {
		p->kind = PORT_KIND_UPLINK;
		p->trusted = true;
	}
	if (rp) {
		p->promisc = rp->promisc;
		p->trusted = rp->trusted || p->kind == PORT_KIND_UPLINK;
		p->has_guest_mac = rp->has_guest_mac;
		memcpy(p->guest_mac, rp->guest_mac, 6);
		memcpy(p->addrs, rp->addrs, sizeof(p->addrs));
		p->naddrs = rp->naddrs;
		snprintf(p->guest, sizeof(p->guest), "%s", rp->guest);
		p->op = rp->op == NETREC_OP_REMOVING ? NETREC_OP_REMOVING : NETREC_OP_NONE;
	}
	k->taken = true;
}

/* A port the record has but the kernel does not. */
static void netw_port_missing(struct kvnetd *d, struct kv_network *n,
			      const struct netrec_port *rp)
{
	struct link_info li;

	if (rp->op == NETREC_OP_ADDING && rp->kind == NETREC_KIND_TAP &&
	    link_get(&d->link, 0, rp->iface, &li) == 0 && li.kind == LINK_KIND_TAP &&
	    (!li.alias[0] || netw_owns_device(n, &li))) {
		link_delete(&d->link, li.ifindex);
		netw_note(n, "tap %s was being added when kvnetd stopped; removed", rp->iface);
	} else if (rp->op == NETREC_OP_NONE && rp->kind != NETREC_KIND_GATEWAY) {
		netw_note(n, "port %s disappeared while kvnetd was down; removed", rp->iface);
	}
}

/* n's ports, from the kernel. */
static void netw_collect_ports(struct kvnetd *d, struct kv_network *n,
			       const struct netw_found *f, struct kscan *ks)
{
	n->nports = 0;
	for (int i = 0; i < ks->n && n->nports < KVNET_MAX_PORTS; i++)
		if (!ks->devs[i].taken && netw_runs_on(n, f, &ks->devs[i]))
			netw_port_from_kernel(n, f, ks, &ks->devs[i], &n->ports[n->nports++]);
	for (int i = 0; f->ok && i < f->rec.nports; i++) {
		const struct netrec_port *rp = &f->rec.ports[i];
		bool found = false;

		for (int j = 0; j < n->nports && !found; j++)
			found = n->ports[j].ifindex == rp->ifindex && rp->ifindex;
		if (!found)
			netw_port_missing(d, n, rp);
	}
}

/* A port's static addresses, as its anti-spoofing binding marks them. */
static void netw_statics_from_dp(struct kv_network *n, struct kv_port *p)
{
	struct kvnet_port_addrs a;

	p->naddrs = 0;
	if (dp_bind_get(n->dp, p->ifindex, &a) < 0)
		return;
	for (__u32 i = 0; i < a.nip && i < KVNET_PORT_ADDRS_MAX; i++)
		if ((a.static_mask & (1u << i)) && p->naddrs < KV_PORT_STATIC_MAX)
			p->addrs[p->naddrs++] = a.ip[i];
}

/* Without a record, what only the datapath still knows: trusted, its
 * static addresses, and which MAC is pinned to which port. */
static void netw_annotate_from_dp(struct kv_network *n)
{
	struct dp_fdb_entry *v = NULL;
	struct dp_port dpp;
	int cnt = 0;

	for (int i = 0; i < n->nports; i++)
		if (dp_port_get(n->dp, n->ports[i].ifindex, &dpp) == 0)
			n->ports[i].trusted = dpp.flags & KVNET_PORT_TRUSTED;
	for (int i = 0; i < n->nports; i++)
		netw_statics_from_dp(n, &n->ports[i]);
	if (dp_fdb_dump(n->dp, &v, &cnt) < 0)
		return;
	for (int i = 0; i < cnt; i++) {
		struct kv_port *p = netw_port_by_ifindex(n, (int)v[i].val.ifindex);

		if (!p || !(v[i].val.flags & KVNET_FDB_STATIC) || p->kind == PORT_KIND_GATEWAY)
			continue;
		p->has_guest_mac = true;
		memcpy(p->guest_mac, v[i].key.mac, 6);
	}
	free(v);
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
		return kv_fail(e, KV_ERR_SYSTEM, -ENODEV, "ifindex %d is gone", p->ifindex);
	p->no = netw_port_no_free(n);
	stp_port_init(&p->stp, p->no);
	ret = netw_port_plug(d, n, p, &li, e);
	/* the MAC the host really sends from */
	if (!ret && p->kind == PORT_KIND_GATEWAY &&
	    link_get(&d->link, p->dev_ifindex, NULL, &li) == 0)
		ret = dp_fdb_pin(n->dp, li.mac, p->ifindex, e);
	return ret;
}

/* Plug every port into the opened datapath: drop those that fail, and
 * finish the removals the record says were under way. */
static void netw_replug_all(struct kvnetd *d, struct kv_network *n)
{
	struct kv_error e;

	for (int k = n->nports - 1; k >= 0; k--) {
		struct kv_port *p = &n->ports[k];

		memset(&e, 0, sizeof(e));
		if (p->op != NETREC_OP_REMOVING && netw_replug(d, n, p, &e) == 0)
			continue;
		if (p->op == NETREC_OP_REMOVING)
			netw_note(n, "port %s was being removed when kvnetd stopped; removed",
				  p->iface);
		else
			netw_note(n, "port %s dropped on restart: %s", p->iface, e.msg);
		dp_port_detach(n->dp, p->ifindex, true);
		if (p->op == NETREC_OP_REMOVING && p->owned)
			netw_delete_owned(d, n, p->ifindex);
		*p = n->ports[--n->nports];
	}
}

static int netw_adopt_datapath(struct kvnetd *d, struct kv_network *n)
{
	int ifindexes[KVNET_MAX_PORTS];
	struct kv_error e = { 0 };

	for (int k = 0; k < n->nports; k++)
		ifindexes[k] = n->ports[k].ifindex;
	if (netw_dp_open(d, n, ifindexes, n->nports, &e) < 0) {
		/* Leave the kernel alone: what runs keeps running. */
		netw_note(n, "cannot adopt the running datapath: %s; it keeps forwarding "
			  "unmanaged until `kvnet net stop %s`", e.msg, n->def.name);
		n->stale = true;
		return -1;
	}
	if (netw_dp_configure(n, &e) < 0)
		netw_note(n, "%s", e.msg);
	return 0;
}

/* Adopting, second half (from the event loop, or at once when a request
 * needs the network): load the datapath over the running maps and plug
 * the ports that netw_collect_ports claimed. */
static void netw_adopt_finish(struct kvnetd *d, struct kv_network *n)
{
	struct kv_error e = { 0 };

	if (netw_adopt_datapath(d, n) < 0)
		return;
	if (n->annotate_from_dp)
		netw_annotate_from_dp(n);
	netw_replug_all(d, n);
	/* an old datapath we could not adopt: nothing of it stays attached */
	for (int k = 0; k < n->dp->norphans; k++)
		if (!netw_keep_port(n->dp->orphans[k], n))
			dp_ebpf_detach_any(n->dp->orphans[k]);
	dp_ports_prune(n->dp, netw_keep_port, n);
	n->active = true;
	if (n->def.has_ip && !netw_port_by_name(n, n->def.bridge)) {
		if (netw_gateway_up(d, n, &e) < 0)
			snprintf(n->degraded, sizeof(n->degraded), "no gateway: %.*s",
				 (int)sizeof(n->degraded) / 2, e.msg);
		netw_note(n, "its gateway was gone; %s", n->degraded[0] ? n->degraded :
								   "recreated");
	}
	memset(&e, 0, sizeof(e));
	if (netw_route_up(d, n, &e) < 0)
		netw_note(n, "%s", e.msg);
	memset(&e, 0, sizeof(e));
	if (netw_services_start(d, n, &e) < 0)
		netw_note(n, "%s", e.msg);
	memset(&e, 0, sizeof(e));
	if (netw_save_runtime(d, n, &e) < 0)
		log_err("%s", e.msg);
	log_info("network '%s': adopted, %d ports", n->def.name, n->nports);
}

/* Adopting, first half (at start-up, before anything else may take a
 * device for a leftover): claim the ports the kernel shows. */
static void netw_adopt_claim(struct kvnetd *d, struct kv_network *n,
			     const struct netw_found *f, struct kscan *ks)
{
	netw_collect_ports(d, n, f, ks);
	n->annotate_from_dp = !f->ok;
	n->pending = NETW_PENDING_ADOPT;
}

/* ---- the live definition ---------------------------------------------- */

/* The definition n runs, from its record's copy: the stored one may be a
 * newer `net define` (kept as next_def, for its next start), or be gone
 * (transient). A copy that is not n's (another name or uuid) is ignored. */
static void netw_take_live_def(struct kv_network *n, const struct netw_found *f)
{
	struct net_def *live = f->rec.xml ? calloc(1, sizeof(*live)) : NULL;
	char err[NETXML_ERR_MAX];

	if (!live)
		return;
	if (netxml_parse(f->rec.xml, strlen(f->rec.xml), live, err, sizeof(err)) < 0 ||
	    strcmp(live->name, n->def.name) || memcmp(live->uuid, n->def.uuid, 16)) {
		netw_note(n, "the definition in its runtime record is unusable; it is "
			  "taken to run its stored one");
	} else if (!n->transient && !netw_defs_equal(live, &n->def)) {
		n->next_def = malloc(sizeof(*n->next_def));
		if (n->next_def) {
			*n->next_def = n->def;
			n->def = *live;
			log_info("network '%s': runs its earlier definition; the stored one "
				 "applies at its next start", n->def.name);
		}
	}
	free(live);
}

/* ---- one network ------------------------------------------------------ */

static bool netw_kernel_has(const struct kv_network *n, const struct netw_found *f,
			    const struct kscan *ks)
{
	for (int i = 0; i < ks->n; i++)
		if (!ks->devs[i].taken && netw_runs_on(n, f, &ks->devs[i]))
			return true;
	return false;
}

static void netw_reconcile(struct kvnetd *d, struct kv_network *n,
			   const struct netw_found *f, struct kscan *ks)
{
	bool running = netw_kernel_has(n, f, ks);

	if (f->have && !f->ok)
		netw_note(n, "its runtime record is unreadable (%s); %s", f->err,
			  running ? "adopting what the kernel runs" : "nothing of it runs");
	if (f->ok && f->rec.state != NETREC_ACTIVE) {
		netw_clean_kernel(d, n, f, ks);
		netw_note(n, "it was being %s when kvnetd stopped; rolled back",
			  f->rec.state == NETREC_STARTING ? "started" : "stopped");
		return;
	}
	if (running) {
		if (f->ok)
			netw_take_live_def(n, f);
		netw_adopt_claim(d, n, f, ks);
		return;
	}
	if (f->ok)
		netw_note(n, "it was active, but nothing of it runs any more");
	if (f->have)
		netw_clean_kernel(d, n, f, ks);
	else
		dp_ebpf_unpin(d->bpffs, n->def.name);
}

/* ---- leftovers -------------------------------------------------------- */

/* The network named in a kvnet alias ("kvnet:<net>:<role>"), or NULL. */
static struct kv_network *netw_of_alias(struct kvnetd *d, const char *alias,
					char *name, size_t len)
{
	const char *p = alias + strlen(ALIAS_PREFIX), *colon;

	if (strncmp(alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) ||
	    !(colon = strrchr(p, ':')) || (size_t)(colon - p) >= len)
		return NULL;
	memcpy(name, p, (size_t)(colon - p));
	name[colon - p] = '\0';
	return netw_find(d, name);
}

static struct kv_network *netw_of_uuid(struct kvnetd *d, const uint8_t uuid[16])
{
	for (int i = 0; i < d->nnets; i++)
		if (!memcmp(d->nets[i]->def.uuid, uuid, 16))
			return d->nets[i];
	return NULL;
}

/* A device that carries kvnet's alias or group and that no network took. */
static void netw_leftover_marked(struct kvnetd *d, struct kdev *k)
{
	char name[NET_NAME_MAX];
	struct kv_network *n = netw_of_alias(d, k->li.alias, name, sizeof(name));
	struct kdev peer = { 0 };

	if (n) {
		netw_note(n, "removed leftover device %s", k->li.name);
		link_delete(&d->link, k->li.ifindex);
		return;
	}
	if (k->li.peer_ifindex)
		peer.probe = dp_ebpf_probe(k->li.peer_ifindex, peer.uuid);
	if (k->probe > 0 || peer.probe > 0) {
		log_warn("%s carries kvnet's mark (%s) for a network this kvnetd does not "
			 "know, and still forwards: left alone", k->li.name,
			 k->li.alias[0] ? k->li.alias : "device group");
		return;
	}
	log_warn("removed leftover device %s (%s)", k->li.name,
		 k->li.alias[0] ? k->li.alias : "kvnet's device group");
	link_delete(&d->link, k->li.ifindex);
}

/* A device running a kvnet switch that no network took. */
static void netw_leftover_switch(struct kvnetd *d, struct kdev *k)
{
	struct kv_network *n = netw_of_uuid(d, k->uuid);

	if (!n) {
		log_warn("%s runs a kvnet switch of a network this kvnetd does not know: "
			 "left alone", k->li.name);
		return;
	}
	dp_ebpf_detach_any(k->li.ifindex);
	netw_note(n, "detached its switch from %s, which is not one of its ports",
		  k->li.name);
}

static void netw_leftovers(struct kvnetd *d, struct kscan *ks)
{
	for (int i = 0; i < ks->n; i++) {
		struct kdev *k = &ks->devs[i];
		bool marked = !strncmp(k->li.alias, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) ||
			      k->li.group == LINK_KVNET_GROUP;

		if (k->taken)
			continue;
		if (marked)
			netw_leftover_marked(d, k);
		else if (k->probe > 0)
			netw_leftover_switch(d, k);
	}
}

/* ---- start-up --------------------------------------------------------- */

static void netw_report_bad(void *ctx, const char *path, const char *err)
{
	(void)ctx;
	log_err("ignoring %s: %s", path, err);
}

static void netw_load_definitions(struct kvnetd *d)
{
	struct net_def *defs = NULL;
	struct kv_error e = { 0 };
	struct kv_network *n = NULL;
	int ndefs = 0;

	if (store_load_nets(&d->store, &defs, &ndefs, netw_report_bad, NULL) < 0)
		return;
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
	}
	free(defs);
}

/* A runtime record whose network has no (readable) definition: the
 * network runs from the record's copy, as a transient network. */
static void netw_define_from_record(void *arg, const char *name)
{
	struct kvnetd *d = arg;
	struct netw_found *f;
	struct net_def *def;
	char err[NETXML_ERR_MAX];
	struct kv_error e = { 0 };
	struct kv_network *n;

	if (netw_find(d, name) || !(f = malloc(sizeof(*f))))
		return;
	netw_load_record(d, name, f);
	def = f->ok && f->rec.xml ? calloc(1, sizeof(*def)) : NULL;
	if (!def)
		log_err("network '%s' has a runtime record but no definition, and the "
			"record holds none it can run from", name);
	else if (netxml_parse(f->rec.xml, strlen(f->rec.xml), def, err, sizeof(err)) < 0 ||
		 strcmp(def->name, name) || netw_check_unique(d, def, &e) < 0 ||
		 netw_insert(d, def, &n, &e) < 0)
		log_err("network '%s': the definition in its runtime record is unusable",
			name);
	else
		n->transient = true,
		netw_note(n, "its definition file is missing or unreadable: it runs from "
			  "the copy in its runtime record (`kvnet net define` makes it "
			  "persistent again)");
	free(def);
	if (f->ok)
		netrec_free(&f->rec);
	free(f);
}

static void netw_reconcile_all(struct kvnetd *d, struct kscan *ks)
{
	struct netw_found *f = malloc(sizeof(*f));

	if (!f)
		return;
	/* networks whose switch runs claim their devices first, so that
	 * nothing of theirs is taken for a leftover of another */
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		netw_load_record(d, n->def.name, f);
		netw_reconcile(d, n, f, ks);
		if (f->ok)
			netrec_free(&f->rec);
	}
	free(f);
}

int netw_restore(struct kvnetd *d)
{
	struct kscan ks = { 0 };
	int ret;

	netw_load_definitions(d);
	store_list_runtime(&d->store, netw_define_from_record, d);
	ret = link_list(&d->link, kscan_add, &ks);
	if (ret < 0 || ks.oom)
		log_err("cannot list the links of this namespace: %s",
			strerror(ret < 0 ? -ret : ENOMEM));
	else
		netw_reconcile_all(d, &ks);
	if (ret == 0 && !ks.oom)
		netw_leftovers(d, &ks);
	free(ks.devs);
	/* a transient network found not running is gone (backwards: a
	 * forgotten one's slot takes the last) */
	for (int i = d->nnets - 1; ret == 0 && !ks.oom && i >= 0; i--)
		netw_forget_if_transient(d, d->nets[i]);
	for (int i = 0; i < d->nnets; i++) {
		struct kv_network *n = d->nets[i];

		if (n->autostart && !n->pending && !n->active && !n->stale)
			n->pending = NETW_PENDING_START;
	}
	return 0;
}

/* Adopt or autostart n now. */
void netw_finish(struct kvnetd *d, struct kv_network *n)
{
	struct kv_error e = { 0 };
	enum netw_pending what = n->pending;

	n->pending = NETW_PENDING_NONE;
	if (what == NETW_PENDING_ADOPT)
		netw_adopt_finish(d, n);
	else if (what == NETW_PENDING_START && netw_start(d, n, &e) < 0)
		log_err("autostart of network '%s' failed: %s", n->def.name, e.msg);
}

bool netw_restore_step(struct kvnetd *d)
{
	for (int i = 0; i < d->nnets; i++)
		if (d->nets[i]->pending) {
			/* the daemon-wide NAT maps first, as a turn of their
			 * own (the uplink program's load): a request that came
			 * meanwhile is answered before the first routing
			 * network's datapath loads */
			if (!d->nat && !d->nat_failed && netw_routes(&d->nets[i]->def)) {
				netw_nat(d);
				return true;
			}
			netw_finish(d, d->nets[i]);
			return true;
		}
	return false;
}
