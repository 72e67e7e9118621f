// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd's command table: one handler per request type of the control
 * protocol (docs/protocol.md), rendering results as JSON (see control.h),
 * and the framing of responses, whole or, for a command that streams
 * (fdb, in control_fdb.c), a piece at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "switch/control.h"
#include "switch/control_int.h"
#include "switch/dnsd.h"
#include "switch/network_int.h"
#include "switch/fault.h"
#include "switch/log.h"

#define KVNET_VERSION "0.1.0"


/* ---- argument access -------------------------------------------------- */

const char *arg_str(json_t *args, const char *key, bool required,
			   struct kv_error *e)
{
	json_t *v = json_object_get(args, key);

	if (v && json_is_string(v))
		return json_string_value(v);
	if (v)
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "argument '%s' must be a string", key);
	else if (required)
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "missing argument '%s'", key);
	return NULL;
}

/* An optional boolean: absent is false; anything but true/false is an
 * error (a "yes" string must not quietly mean no). */
bool arg_bool(json_t *args, const char *key, struct kv_error *e)
{
	json_t *v = json_object_get(args, key);

	if (v && !json_is_boolean(v))
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "argument '%s' must be true or false", key);
	return json_is_true(v);
}

struct kv_network *arg_net(struct kvnetd *d, json_t *args, const char *key,
				  struct kv_error *e)
{
	const char *name = arg_str(args, key, true, e);
	struct kv_network *n;

	if (!name)
		return NULL;
	n = netw_find(d, name);
	if (!n)
		kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' is not defined", name);
	else if (n->pending == NETW_PENDING_ADOPT)
		netw_finish(d, n); /* still runs from before the restart */
	return n;
}

/* ---- renderers -------------------------------------------------------- */

/* The DNS service: where it answers (or why not), and its counters. */
static void render_dns(const struct kv_network *n, json_t *o)
{
	const struct dnsd_counters *c = n->dns ? dnsd_counters(n->dns) : NULL;
	char where[64];

	if (n->dns)
		snprintf(where, sizeof(where), "%s port 53", inet_ntoa(n->def.ip));
	else
		snprintf(where, sizeof(where), "%s", !netw_serves_dns(&n->def) ? "off" :
			 n->active ? "not served (see the notes)" : "");
	json_object_set_new(o, "dns", json_string(where));
	if (!c)
		return;
	json_object_set_new(o, "dns_counters",
			    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "queries",
				      (json_int_t)c->queries, "answered", (json_int_t)c->answered,
				      "cached", (json_int_t)c->cached,
				      "forwarded", (json_int_t)c->forwarded, "upstream_answers",
				      (json_int_t)c->upstream_answers, "refused",
				      (json_int_t)c->refused, "servfail", (json_int_t)c->servfail,
				      "dropped", (json_int_t)c->dropped, "rate_limited",
				      (json_int_t)c->rate_limited, "formerr", (json_int_t)c->formerr,
				      "notimp", (json_int_t)c->notimp));
}

/* What the network's next start runs, for `net show`: "" when it is the
 * definition shown. */
static const char *render_next_start(const struct kv_network *n)
{
	if (n->next_def)
		return "new definition (see `kvnet net dumpxml --inactive`)";
	if (n->transient)
		return "none: transient, forgotten when it stops";
	return "";
}

static json_t *render_net(const struct kv_network *n)
{
	const struct net_def *def = &n->def;
	char uuid[37], mac[18], ip[INET_ADDRSTRLEN] = "", subnet[32] = "";
	json_t *ranges = json_array(), *notes = json_array(), *o;

	netxml_uuid_format(def->uuid, uuid);
	kv_mac_format(def->mac, mac);
	if (def->has_ip) {
		struct in_addr net = { def->ip.s_addr &
				       htonl(kv_prefix_mask(def->prefix)) };
		char nb[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &def->ip, ip, sizeof(ip));
		inet_ntop(AF_INET, &net, nb, sizeof(nb));
		snprintf(subnet, sizeof(subnet), "%s/%u", nb, def->prefix);
	}
	for (int i = 0; i < def->nranges; i++) {
		char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], r[40];

		inet_ntop(AF_INET, &def->ranges[i].start, a, sizeof(a));
		inet_ntop(AF_INET, &def->ranges[i].end, b, sizeof(b));
		snprintf(r, sizeof(r), "%s-%s", a, b);
		json_array_append_new(ranges, json_string(r));
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:o,s:b,s:b,s:s,s:i,s:i,s:b}",
			 "name", def->name, "uuid", uuid, "mode", net_mode_name(def->mode),
			 /* no <ip>: no gateway device exists */
			 "bridge", def->has_ip ? def->bridge : "", "mac", mac, "ip", ip, "prefix",
			 def->has_ip ? (int)def->prefix : 0, "subnet", subnet,
			 "dhcp_ranges", ranges, "active",
			 n->active || n->pending == NETW_PENDING_ADOPT, "autostart",
			 n->autostart, "datapath",
			 def->datapath == NET_DATAPATH_EBPF ? "ebpf" : "user", "ports",
			 n->nports, "fdb_aging", (int)def->fdb_aging_s, "stale", n->stale);
	for (int i = 0; i < n->nnotes; i++)
		json_array_append_new(notes, json_string(n->notes[i]));
	json_object_set_new(o, "persistent", json_boolean(!n->transient));
	json_object_set_new(o, "pending_definition", json_boolean(n->next_def != NULL));
	json_object_set_new(o, "next_start", json_string(render_next_start(n)));
	json_object_set_new(o, "adopting", json_boolean(n->pending == NETW_PENDING_ADOPT));
	json_object_set_new(o, "degraded", json_string(n->degraded));
	json_object_set_new(o, "notes", notes);
	render_dns(n, o);
	control_dhcp_counters(n, o);
	return o;
}

static json_t *render_ips(const uint32_t *ips, int n)
{
	json_t *a = json_array();
	char s[INET_ADDRSTRLEN];

	for (int i = 0; i < n; i++) {
		struct in_addr in = { ips[i] };

		inet_ntop(AF_INET, &in, s, sizeof(s));
		json_array_append_new(a, json_string(s));
	}
	return a;
}

/* The port's anti-spoofing guard: its mode, every address it may send
 * from (as the datapath holds them), and those `port addr add` gave. */
static void render_guard(const struct kv_network *n, const struct kv_port *p, json_t *o)
{
	struct kvnet_port_addrs a;
	enum netw_guard g = netw_port_guard(n, p, &a);

	json_object_set_new(o, "guard", json_string(netw_guard_name(g)));
	json_object_set_new(o, "addrs", render_ips(a.ip, (int)(a.nip < KVNET_PORT_ADDRS_MAX ?
								  a.nip : KVNET_PORT_ADDRS_MAX)));
	json_object_set_new(o, "static_addrs", render_ips(p->addrs, p->naddrs));
}

/* The guest behind the port: the name `kvnet vm run` gave it, else what
 * its leases and reservations call it. */
static void render_guest(const struct kv_network *n, const struct kv_port *p, json_t *o)
{
	char buf[KV_GUEST_MAX];
	const char *name = p->guest[0] ? p->guest : netw_port_guest(n, p, buf, sizeof(buf));

	if (name)
		json_object_set_new(o, "guest", json_string(name));
}

static json_t *render_port(struct kvnetd *d, const struct kv_network *n,
			   const struct kv_port *p)
{
	struct link_info li = { 0 };
	int dev = netw_port_user_ifindex(p);
	char mac[18];

	link_get(&d->link, dev, NULL, &li);
	kv_mac_format(li.mac, mac);
	json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:b,s:b,s:i,s:s,s:s}", "iface", p->iface,
			      "ifindex", dev, "kind", port_kind_name(p->kind),
			      "mac", mac, "owned", p->owned, "trusted", p->trusted,
			      "mtu", (int)li.mtu, "oper", li.carrier ? "up" : "down",
			      "stp", stp_state_name(p->stp.state));

	if (p->has_guest_mac) {
		kv_mac_format(p->guest_mac, mac);
		json_object_set_new(o, "guest_mac", json_string(mac));
	}
	render_guest(n, p, o);
	render_guard(n, p, o);
	return o;
}

/* ---- handlers --------------------------------------------------------- */

static json_t *cmd_ping(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	(void)d, (void)args, (void)e;
	return json_pack("{s:s}", "version", KVNET_VERSION);
}

static json_t *define_and_render(struct kvnetd *d, const struct net_def *def,
				 struct kv_error *e)
{
	struct kv_network *n;

	if (netw_define(d, def, &n, e) < 0)
		return NULL;
	return render_net(n);
}

static json_t *cmd_net_define(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	const char *xml = arg_str(args, "xml", true, e);
	struct net_def *def;
	char err[NETXML_ERR_MAX] = "";
	json_t *res = NULL;

	if (!xml)
		return NULL;
	def = calloc(1, sizeof(*def));
	if (!def)
		return NULL;
	int ret = netxml_parse(xml, strlen(xml), def, err, sizeof(err));

	if (ret < 0)
		kv_fail(e, ret == -EOPNOTSUPP ? KV_ERR_UNSUPPORTED : KV_ERR_INVALID, ret,
			"%s", err);
	else
		res = define_and_render(d, def, e);
	free(def);
	return res;
}

static json_t *cmd_net_create(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	const char *name = arg_str(args, "name", true, e);
	const char *mode = arg_str(args, "mode", true, e);
	const char *subnet = arg_str(args, "subnet", false, e);
	const char *uplink = arg_str(args, "uplink", false, e);
	const char *range = arg_str(args, "dhcp_range", false, e);
	char err[NETXML_ERR_MAX] = "";
	struct net_def *def;
	json_t *res = NULL;

	if (e->code)
		return NULL;
	def = calloc(1, sizeof(*def));
	if (!def)
		return NULL;
	int ret = netxml_from_args(name, mode, subnet, uplink, range, def, err, sizeof(err));

	if (ret < 0)
		kv_fail(e, ret == -EOPNOTSUPP ? KV_ERR_UNSUPPORTED : KV_ERR_INVALID, ret,
			"%s", err);
	else if (netw_find(d, name))
		kv_fail(e, KV_ERR_EXISTS, -EEXIST, "network '%s' is already defined", name);
	else
		res = define_and_render(d, def, e);
	free(def);
	return res;
}

static json_t *cmd_net_start(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "name", e);

	return n && netw_start(d, n, e) == 0 ? render_net(n) : NULL;
}

static json_t *cmd_net_stop(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "name", e);
	json_t *res;

	if (!n || netw_stop(d, n, e) < 0)
		return NULL;
	res = render_net(n);
	netw_forget_if_transient(d, n); /* shown once more, as stopped */
	return res;
}

static json_t *cmd_net_undefine(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "name", e);

	return n && netw_undefine(d, n->def.name, e) == 0 ? json_object() : NULL;
}

static json_t *cmd_net_autostart(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "name", e);
	bool on = !json_object_get(args, "enable") || arg_bool(args, "enable", e);

	if (!n || e->code)
		return NULL;
	return netw_set_autostart(d, n, on, e) == 0 ? render_net(n) : NULL;
}

static json_t *cmd_net_show(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "name", e);

	return n ? render_net(n) : NULL;
}

static json_t *cmd_net_dumpxml(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "name", e);
	bool inactive = arg_bool(args, "inactive", e);
	char *xml = NULL;
	json_t *res;

	if (!n || e->code)
		return NULL;
	/* --inactive: what the next start runs (libvirt's net-dumpxml) */
	if (netxml_format(inactive && n->next_def ? n->next_def : &n->def, &xml) < 0) {
		kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "cannot format network XML");
		return NULL;
	}
	res = json_pack("{s:s}", "xml", xml);
	free(xml);
	return res;
}

static json_t *cmd_net_list(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	json_t *list = json_array();

	(void)args, (void)e;
	for (int i = 0; i < d->nnets; i++)
		json_array_append_new(list, render_net(d->nets[i]));
	return list;
}

struct kv_network *control_arg_active_net(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);

	if (n && !n->active) {
		kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' is not active", n->def.name);
		return NULL;
	}
	return n;
}

/* An optional non-negative integer argument no larger than max; -1 when
 * absent. */
static long arg_count(json_t *args, const char *key, long max, struct kv_error *e)
{
	json_t *v = json_object_get(args, key);

	if (!v || json_is_null(v))
		return -1;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "\"%s\" must be an integer from 0 to %ld",
			key, max);
		return -1;
	}
	return (long)json_integer_value(v);
}

/* port.add: with "fds", the tap is never persistent and its queues go to
 * the client with the response (kvnet vm run hands them to qemu), so it
 * lives exactly as long as they do wherever either side dies. */
static json_t *cmd_port_add(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	int fds[KVNET_TAP_QUEUES_MAX];
	struct kv_network *n = arg_net(d, args, "net", e);
	const char *iface = arg_str(args, "iface", true, e);
	struct port_add_req req = {
		.mac = arg_str(args, "mac", false, e),
		.guest = arg_str(args, "guest", false, e),
		.tap = arg_bool(args, "tap", e),
		.trusted = arg_bool(args, "trusted", e),
		.owner = arg_count(args, "owner", UINT32_MAX - 1, e),
		.group = arg_count(args, "group", UINT32_MAX - 1, e),
	};
	long queues = arg_count(args, "queues", KVNET_TAP_QUEUES_MAX, e);
	bool pass_fds = arg_bool(args, "fds", e);
	struct kv_port *p;

	if (!n || !iface || e->code)
		return NULL;
	req.queues = queues < 0 ? 0 : (unsigned)queues;
	req.fds = pass_fds ? fds : NULL;
	if (netw_port_add(d, n, iface, &req, &p, e) < 0)
		return NULL;
	if (pass_fds)
		control_give_fds(fds, req.queues > 1 ? req.queues : 1);
	return render_port(d, n, p);
}

static json_t *cmd_port_del(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	const char *iface = arg_str(args, "iface", true, e);

	if (!n || !iface)
		return NULL;
	return netw_port_del(d, n, iface, e) == 0 ? json_object() : NULL;
}

static json_t *cmd_port_list(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	json_t *list;

	if (!n)
		return NULL;
	list = json_array();
	for (int i = 0; i < n->nports; i++)
		json_array_append_new(list, render_port(d, n, &n->ports[i]));
	return list;
}

/* port.addr.add / port.addr.del: {net, iface, ip} */
static json_t *cmd_port_addr(struct kvnetd *d, json_t *args, struct kv_error *e, bool add)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	const char *iface = arg_str(args, "iface", true, e);
	const char *ip = arg_str(args, "ip", true, e);
	int ret;

	if (!n || !iface || !ip)
		return NULL;
	ret = add ? netw_port_addr_add(d, n, iface, ip, e) : netw_port_addr_del(d, n, iface, ip, e);
	return ret < 0 ? NULL : render_port(d, n, netw_port_by_name(n, iface));
}

static json_t *cmd_port_addr_add(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	return cmd_port_addr(d, args, e, true);
}

static json_t *cmd_port_addr_del(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	return cmd_port_addr(d, args, e, false);
}

static json_t *render_stats(const struct kv_port *p, const struct kvnet_port_stats *s)
{
	json_t *drops = json_object();
	json_int_t total = 0;

	for (unsigned r = 1; r < KVNET_DROP_MAX; r++) {
		if (!s->drops[r])
			continue;
		json_object_set_new(drops, dp_drop_name(r), json_integer((json_int_t)s->drops[r]));
		if (!dp_drop_is_event(r))
			total += (json_int_t)s->drops[r];
	}
	return json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:o,s:I}", "port", p->iface,
			 "ifindex", netw_port_user_ifindex(p), "rx_packets", (json_int_t)s->rx_packets,
			 "rx_bytes", (json_int_t)s->rx_bytes, "tx_packets",
			 (json_int_t)s->tx_packets, "tx_bytes", (json_int_t)s->tx_bytes,
			 "flood_packets", (json_int_t)s->flood_packets, "drops", drops,
			 "drops_total", total);
}

static json_t *cmd_stats(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = control_arg_active_net(d, args, e);
	struct kvnet_port_stats s;
	json_t *list;

	if (!n)
		return NULL;
	list = json_array();
	for (int i = 0; i < n->nports; i++) {
		dp_port_stats(n->dp, n->ports[i].ifindex, &s);
		json_array_append_new(list, render_stats(&n->ports[i], &s));
	}
	if (d->nat && netw_routes(&n->def))
		json_array_append_new(list, control_ct_stats_row(d));
	return list;
}

static const struct {
	const char *name;
	control_fn fn;		  /* the result, built whole */
	control_stream_fn stream; /* or the response, a piece at a time */
	/* who may: CONTROL_READER for what only reads (never trace: it shows
	 * the guests' packets); root alone for the rest, and for an entry
	 * that says nothing (CONTROL_ROOT is 0) */
	enum control_access open_to;
} control_cmds[] = {
	{ "ping", cmd_ping, NULL, CONTROL_READER },
	{ "net.define", cmd_net_define, NULL, CONTROL_ROOT },
	{ "net.create", cmd_net_create, NULL, CONTROL_ROOT },
	{ "net.start", cmd_net_start, NULL, CONTROL_ROOT },
	{ "net.stop", cmd_net_stop, NULL, CONTROL_ROOT },
	{ "net.undefine", cmd_net_undefine, NULL, CONTROL_ROOT },
	{ "net.autostart", cmd_net_autostart, NULL, CONTROL_ROOT },
	{ "net.show", cmd_net_show, NULL, CONTROL_READER },
	{ "net.dumpxml", cmd_net_dumpxml, NULL, CONTROL_READER },
	{ "net.list", cmd_net_list, NULL, CONTROL_READER },
	{ "port.add", cmd_port_add, NULL, CONTROL_ROOT },
	{ "port.del", cmd_port_del, NULL, CONTROL_ROOT },
	{ "port.list", cmd_port_list, NULL, CONTROL_READER },
	{ "port.addr.add", cmd_port_addr_add, NULL, CONTROL_ROOT },
	{ "port.addr.del", cmd_port_addr_del, NULL, CONTROL_ROOT },
	{ "fdb", NULL, control_fdb_open, CONTROL_READER },
	{ "trace", NULL, control_trace_open, CONTROL_ROOT },
	{ "trace.inject", control_trace_inject, NULL, CONTROL_ROOT },
	{ "stats", cmd_stats, NULL, CONTROL_READER },
	{ "leases", control_leases, NULL, CONTROL_READER },
	{ "conntrack", control_conntrack, NULL, CONTROL_READER },
	{ "dhcp.host.add", control_dhcp_host_add, NULL, CONTROL_ROOT },
	{ "dhcp.host.del", control_dhcp_host_del, NULL, CONTROL_ROOT },
	{ "forward.add", control_fwd_add, NULL, CONTROL_ROOT },
	{ "forward.del", control_fwd_del, NULL, CONTROL_ROOT },
	{ "forward.list", control_fwd_list, NULL, CONTROL_READER },
};

/* ---- request / response ----------------------------------------------- */

/* Where control_give_fds() puts descriptors: the response being made. */
static struct control_fds *control_out_fds;

void control_give_fds(const int *fds, unsigned n)
{
	struct control_fds *out = control_out_fds;

	for (unsigned i = 0; i < n; i++) {
		if (out && out->n < CONTROL_FDS_MAX)
			out->fd[out->n++] = fds[i];
		else
			close(fds[i]);
	}
}

void control_fds_close(struct control_fds *fds)
{
	for (unsigned i = 0; i < fds->n; i++)
		close(fds->fd[i]);
	fds->n = 0;
}

/* "net.start" as the CLI spells it: "net start". */
static const char *control_cli_words(const char *cmd, char *buf, size_t size)
{
	snprintf(buf, size, "%s", cmd);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = ' ';
	return buf;
}

static json_t *control_dispatch(struct kvnetd *d, json_t *req, enum control_access who,
				struct control_stream **more, struct kv_error *e)
{
	char words[64];
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	json_t *args = json_object_get(req, "args"), *none, *res = NULL;
	size_t i;

	if (!cmd) {
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "request has no \"cmd\" string");
		return NULL;
	}
	if (args && !json_is_object(args)) {
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "\"args\" must be an object");
		return NULL;
	}
	for (i = 0; i < sizeof(control_cmds) / sizeof(*control_cmds); i++)
		if (!strcmp(cmd, control_cmds[i].name))
			break;
	if (i == sizeof(control_cmds) / sizeof(*control_cmds)) {
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "unknown command '%s'", cmd);
		return NULL;
	}
	if (who != CONTROL_ROOT && control_cmds[i].open_to != who) {
		kv_fail(e, KV_ERR_PERMISSION, -EPERM, "permission denied: '%s' needs root",
			control_cli_words(cmd, words, sizeof(words)));
		return NULL;
	}
	none = args ? NULL : json_object();
	if (control_cmds[i].stream)
		control_cmds[i].stream(d, args ? args : none, more, e);
	else
		res = control_cmds[i].fn(d, args ? args : none, e);
	json_decref(none);
	return res;
}

/* Replace every non-ASCII byte of s with '?', in place. */
static const char *control_ascii(char *s)
{
	for (char *p = s; *p; p++)
		if ((unsigned char)*p > 0x7e)
			*p = '?';
	return s;
}

/* The response line for res (stolen), or for e when res is NULL. */
static char *control_render(json_t *res, struct kv_error *e)
{
	json_t *out;
	char *text;

	if (res && !e->code) {
		out = json_pack("{s:b,s:o}", "ok", 1, "result", res);
	} else {
		json_decref(res);
		if (!e->code)
			kv_fail(e, KV_ERR_SYSTEM, -EIO, "internal error");
		out = json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "code", e->code,
				"message", e->msg);
		if (!out) /* not UTF-8 (bytes from a parser's message) */
			out = json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "code",
					e->code, "message", control_ascii(e->msg));
	}
	text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	if (text) {
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);

		if (t) {
			t[n] = '\n';
			t[n + 1] = '\0';
			text = t;
		}
	}
	return text;
}

char *control_begin(struct kvnetd *d, const char *req, size_t len, enum control_access who,
		    struct control_stream **more, struct control_fds *fds)
{
	struct kv_error e = { 0 };
	json_error_t jerr;
	json_t *r = json_loadb(req, len, JSON_REJECT_DUPLICATES, &jerr), *res = NULL;
	char *text = NULL;
	int ret;

	*more = NULL;
	fds->n = 0;
	if (!r || !json_is_object(r))
		kv_fail(&e, KV_ERR_INVALID, -EINVAL, "malformed request: %s",
			r ? "not a JSON object" : jerr.text);
	else {
		control_out_fds = fds;
		fault_arm(true);
		res = control_dispatch(d, r, who, more, &e);
		fault_arm(false);
		control_out_fds = NULL;
	}
	json_decref(r);
	if ((!res && !*more) || e.code)
		control_fds_close(fds); /* an error hands nothing over */
	if (!*more)
		return control_render(res, &e);
	/* the first piece now: what fails before anything is sent is an
	 * error response like any other */
	ret = control_more(d, *more, &text, &e);
	if (ret <= 0) {
		control_stream_free(*more);
		*more = NULL;
	}
	return ret < 0 ? control_render(NULL, &e) : text;
}

int control_more(struct kvnetd *d, struct control_stream *s, char **text, struct kv_error *e)
{
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	int ret;

	if (!f)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	ret = s->next(d, s, f, e);
	if ((fclose(f) || !*text) && ret >= 0)
		ret = kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (ret < 0) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

void control_stream_free(struct control_stream *s)
{
	if (s)
		free(s->priv);
	free(s);
}

void control_stream_conn(struct control_stream *s, int fd)
{
	s->conn_fd = fd;
}

/* Append piece (freed) to *text (realloc'd). */
static int control_append(char **text, size_t *len, char *piece)
{
	size_t n = strlen(piece);
	char *t = realloc(*text, *len + n + 1);

	if (t) {
		memcpy(t + *len, piece, n + 1);
		*text = t;
		*len += n;
	}
	free(piece);
	return t ? 0 : -ENOMEM;
}

char *control_handle(struct kvnetd *d, const char *req, size_t len)
{
	struct control_stream *more;
	struct control_fds fds;
	struct kv_error e = { 0 };
	char *text = control_begin(d, req, len, CONTROL_ROOT, &more, &fds), *piece;
	size_t n = text ? strlen(text) : 0;
	int ret = 1;

	control_fds_close(&fds); /* no socket to pass them on */
	while (more && text && ret == 1) {
		ret = control_more(d, more, &piece, &e);
		if (ret < 0 || control_append(&text, &n, piece) < 0) {
			free(text);
			text = control_render(NULL, &e);
		}
	}
	control_stream_free(more);
	return text;
}
