// SPDX-License-Identifier: GPL-2.0-only
/* The control protocol's DHCP commands (docs/protocol.md): the leases a
 * network's DHCP server holds, and reservations changed live. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "dhcp/dhcp_json.h"
#include "switch/control_int.h"
#include "switch/network_int.h"

static json_t *render_lease(const struct kv_network *n, const struct dhcp_lease_rec *r,
			    uint64_t now)
{
	char ip[INET_ADDRSTRLEN], mac[KV_MAC_STRLEN] = "", cid[3 * DHCP_ID_MAX + 1] = "";
	struct in_addr a = { htonl(r->ip) };
	json_int_t left = r->expiry > now ? (json_int_t)(r->expiry - now) : 0;

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (r->hlen == 6)
		kv_mac_format(r->chaddr, mac);
	if (r->has_cid)
		dhcp_json_hex(r->id, r->id_len, cid);
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "ip", ip, "mac", mac,
			 "hostname", r->hostname, "client_id", cid, "expiry",
			 (json_int_t)r->expiry, "expires_in", r->expiry ? left : (json_int_t)-1,
			 "port", netw_port_name(n, (int)r->port),
			 "guest", netw_port_guest_at(n, (int)r->port),
			 "state", dhcp_lease_state_name(r->state));
}

json_t *control_leases(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = control_arg_active_net(d, args, e);
	uint64_t now = (uint64_t)time(NULL);
	struct dhcp_lease_rec r;
	uint32_t cursor = 0;
	json_t *list;

	if (!n)
		return NULL;
	if (!n->dhcp) {
		kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' serves no DHCP (no <dhcp> "
			"range or host)", n->def.name);
		return NULL;
	}
	list = json_array();
	while (dhcpd_lease_next(n->dhcp, &cursor, &r) == 0)
		if (r.state == DHCP_LEASE_BOUND && (!r.expiry || r.expiry > now))
			json_array_append_new(list, render_lease(n, &r, now));
	return list;
}

/* A reservation from the request's mac, ip and name. */
static int arg_host(json_t *args, struct net_dhcp_host *h, struct kv_error *e)
{
	const char *mac = arg_str(args, "mac", true, e);
	const char *ip = arg_str(args, "ip", true, e);
	const char *name = arg_str(args, "name", false, e);

	memset(h, 0, sizeof(*h));
	if (e->code)
		return -EINVAL;
	if (kv_mac_parse(mac, h->mac) < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid MAC address '%s'", mac);
	if (inet_pton(AF_INET, ip, &h->ip) != 1)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid IPv4 address '%s'", ip);
	if (name && strlen(name) >= sizeof(h->name))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "host name '%s' is too long", name);
	h->has_mac = true;
	snprintf(h->name, sizeof(h->name), "%s", name ? name : "");
	return 0;
}

void control_dhcp_counters(const struct kv_network *n, json_t *o)
{
	const struct dhcp_counters *c = n->dhcp ? dhcpd_counters(n->dhcp) : NULL;
	json_t *counts;

	if (!c)
		return;
	counts = json_pack("{s:I}", "served", (json_int_t)c->reason[DHCP_R_NONE]);
	for (int r = DHCP_R_NONE + 1; r < DHCP_R_COUNT; r++)
		if (c->reason[r])
			json_object_set_new(counts, dhcp_reason_name((enum dhcp_reason)r),
					    json_integer((json_int_t)c->reason[r]));
	json_object_set_new(o, "dhcp_counters", counts);
}

json_t *control_dhcp_host_add(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	struct net_dhcp_host h;

	if (!n || arg_host(args, &h, e) < 0 || netw_dhcp_host_add(d, n, &h, e) < 0)
		return NULL;
	return json_object();
}

json_t *control_dhcp_host_del(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	struct net_dhcp_host h;

	if (!n || arg_host(args, &h, e) < 0 || netw_dhcp_host_del(d, n, &h, e) < 0)
		return NULL;
	return json_object();
}
