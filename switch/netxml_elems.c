// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: the handlers of <network>'s own children.
 *
 * Identity (<name>, <uuid>, <title>, <description>, <metadata>), the
 * gateway device (<bridge>, <mac>, <mtu>), <domain> (with localOnly=),
 * <port>, <forward> with <nat> and <interface>, <ip> (whose <dhcp> is
 * netxml_dhcp.c) and the kvnet: settings <kvnet:datapath> and
 * <kvnet:fdb>. (<dns> is netxml_dns.c.) Each handler checks syntax and
 * ranges as it reads; meaning is netxml_validate's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/tree.h>

#include "common/addr.h"
#include "switch/netxml_int.h"

/* ---- identity ----------------------------------------------------------- */

int netxml_el_name(struct nx *x, xmlNode *n)
{
	x->has_name = true;
	return netxml_text(x, n, x->def->name, sizeof(x->def->name),
		       "network name");
}

int netxml_el_uuid(struct nx *x, xmlNode *n)
{
	char buf[64] = { 0 };
	int rc = netxml_text(x, n, buf, sizeof(buf), "uuid");

	if (rc < 0)
		return rc;
	if (netxml_uuid_parse(buf, x->def->uuid) < 0)
		return nx_fail(x, -EINVAL, "invalid uuid '%s'", SHOW(buf));
	x->has_uuid = true;
	return 0;
}

/* ---- <forward> ---------------------------------------------------------- */

static int nx_nat_port(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "start", "end", NULL };
	unsigned start = 0, end = 0;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (!xmlHasProp(n, (const xmlChar *)"start") ||
	    !xmlHasProp(n, (const xmlChar *)"end"))
		return nx_fail(x, -EINVAL,
			       "<port> in <nat> needs start= and end=");
	rc = netxml_get_uint(x, n, "start", 1, 65535, &start);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "end", 1, 65535, &end);
	if (rc < 0)
		return rc;
	if (start > end)
		return nx_fail(x, -EINVAL, "NAT port range %u-%u: start is "
			       "after end", start, end);
	x->def->nat_port_min = (uint16_t)start;
	x->def->nat_port_max = (uint16_t)end;
	return 0;
}

static int nx_nat(struct nx *x, xmlNode *n)
{
	static const char *const unsup[] = { "ipv6", NULL };
	static const struct nx_elem tab[] = {
		{ "port", false, false, nx_nat_port },
		{ "address", false, false, netxml_nat_address },
	};
	int rc;

	if (x->def->mode != NET_MODE_NAT)
		return nx_fail(x, -EINVAL, "<nat> is only valid in <forward "
			       "mode='nat'>, not mode '%s'",
			       net_mode_name(x->def->mode));
	rc = netxml_attrs(x, n, NULL, unsup);
	return rc < 0 ? rc : netxml_children(x, n, tab, 2);
}

static int nx_iface(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "dev", "connections", NULL };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (++x->nifaces > 1)
		return nx_fail(x, -EOPNOTSUPP, "only one uplink <interface> "
			       "in <forward> is supported");
	rc = netxml_get_ifname(x, n, "dev", IFNAMSIZ - 1, "uplink", x->if_dev);
	if (rc == 0)
		return nx_fail(x, -EINVAL, "missing attribute 'dev' on "
			       "<interface>");
	return rc < 0 ? rc : 0;
}

static int nx_forward_mode(struct nx *x, xmlNode *n)
{
	char mode[32];
	int rc = netxml_get(x, n, "mode", mode, sizeof(mode), false), m;

	if (rc < 0)
		return rc;
	if (rc == 0) { /* <forward/> means nat, as in libvirt */
		x->def->mode = NET_MODE_NAT;
		return 0;
	}
	if (netxml_in_list(netxml_mode_unsupported, mode))
		return nx_fail(x, -EOPNOTSUPP, "unsupported forward mode '%s'",
			       mode);
	m = net_mode_parse(mode);
	if (m < 0 || m == NET_MODE_ISOLATED)
		return nx_fail(x, -EINVAL, "unknown forward mode '%s': use "
			       "nat, route, open or bridge", SHOW(mode));
	x->def->mode = (enum net_mode)m;
	return 0;
}

int netxml_el_forward(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "mode", "dev", NULL };
	static const char *const unsup[] = { "managed", NULL };
	static const struct nx_elem tab[] = {
		{ "nat", false, false, nx_nat },
		{ "interface", false, true, nx_iface },
		{ "pf", false, true, NULL },
		{ "address", false, true, NULL },
		{ "driver", false, false, NULL },
	};
	int rc = netxml_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = nx_forward_mode(x, n);
	if (rc == 0)
		rc = netxml_get_ifname(x, n, "dev", IFNAMSIZ - 1, "uplink",
				   x->fwd_dev);
	return rc < 0 ? rc : netxml_children(x, n, tab, 5);
}

/* ---- the gateway device and friends ------------------------------------- */

int netxml_el_bridge(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "name", "stp", "delay", NULL };
	static const char *const unsup[] = { "macTableManager", "zone", NULL };
	char stp[8];
	int rc = netxml_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get_ifname(x, n, "name", NET_BRIDGE_NAME_MAX,
				   "bridge name", x->def->bridge);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "delay", 0, 600, &x->def->bridge_delay);
	if (rc >= 0)
		rc = netxml_get(x, n, "stp", stp, sizeof(stp), false);
	if (rc <= 0)
		return rc;
	if (strcmp(stp, "on") && strcmp(stp, "off"))
		return nx_fail(x, -EINVAL, "invalid stp='%s' on <bridge>: use "
			       "'on' or 'off'", SHOW(stp));
	x->def->bridge_stp = !strcmp(stp, "on");
	return 0;
}

int netxml_el_mac(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "address", NULL };
	char buf[32];
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get(x, n, "address", buf, sizeof(buf), true);
	if (rc < 0)
		return rc;
	if (kv_mac_parse(buf, x->def->mac) < 0)
		return nx_fail(x, -EINVAL, "invalid MAC address '%s' in <mac>",
			       SHOW(buf));
	x->has_mac = true;
	return 0;
}

/* <domain name= localOnly=>: localOnly='yes' keeps the names under the
 * domain to the network's DNS server, never forwarded. */
int netxml_el_domain(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "name", "localOnly", NULL };
	static const char *const unsup[] = { "register", NULL };
	char v[8];
	int rc = netxml_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get(x, n, "name", x->def->domain,
			    sizeof(x->def->domain), true);
	if (rc >= 0)
		rc = netxml_get(x, n, "localOnly", v, sizeof(v), false);
	if (rc <= 0)
		return rc;
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return nx_fail(x, -EINVAL, "invalid localOnly='%s' on <domain>: "
			       "use 'yes' or 'no'", SHOW(v));
	x->def->domain_local_only = !strcmp(v, "yes");
	return 0;
}

/* <title> and <description>: plain text, kept and written back.
 * (<metadata> belongs to other applications: accepted and dropped.) */
static int nx_text_elem(struct nx *x, xmlNode *n, char *out, size_t len)
{
	xmlChar *text;
	int rc = netxml_attrs(x, n, NULL, NULL);

	for (xmlNode *c = n->children; rc == 0 && c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			rc = nx_fail(x, -EINVAL, "<%s> holds text only", TAG(n));
	if (rc < 0)
		return rc;
	text = xmlNodeGetContent(n);
	if (text && strlen((const char *)text) >= len)
		rc = nx_fail(x, -EINVAL, "<%s> is longer than %zu characters", TAG(n),
			     len - 1);
	else if (text)
		snprintf(out, len, "%s", (const char *)text);
	xmlFree(text);
	return rc;
}

int netxml_el_title(struct nx *x, xmlNode *n)
{
	return nx_text_elem(x, n, x->def->title, sizeof(x->def->title));
}

int netxml_el_description(struct nx *x, xmlNode *n)
{
	return nx_text_elem(x, n, x->def->description, sizeof(x->def->description));
}

int netxml_el_metadata(struct nx *x, xmlNode *n)
{
	(void)x, (void)n;
	return 0;
}

int netxml_el_mtu(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "size", NULL };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get_uint(x, n, "size", 68, 65535, &x->def->mtu);
	if (rc == 0)
		return nx_fail(x, -EINVAL, "missing attribute 'size' on <mtu>");
	return rc < 0 ? rc : 0;
}

int netxml_el_port(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "isolated", NULL };
	char v[8];
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get(x, n, "isolated", v, sizeof(v), true);
	if (rc < 0)
		return rc;
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return nx_fail(x, -EINVAL, "invalid isolated='%s' on <port>: "
			       "use 'yes' or 'no'", SHOW(v));
	x->def->port_isolated = !strcmp(v, "yes");
	return 0;
}

/* ---- <ip> --------------------------------------------------------------- */

/* netmask= or prefix= (exactly one) into def->prefix. */
static int nx_ip_prefix(struct nx *x, xmlNode *n)
{
	bool has_mask = xmlHasProp(n, (const xmlChar *)"netmask");
	struct in_addr m;
	uint32_t mask;
	char a[INET_ADDRSTRLEN];
	unsigned p;
	int rc;

	if (has_mask == !!xmlHasProp(n, (const xmlChar *)"prefix"))
		return nx_fail(x, -EINVAL, "<ip> needs exactly one of "
			       "netmask= and prefix=");
	if (!has_mask)
		return netxml_get_uint(x, n, "prefix", 1, 30, &x->def->prefix);
	rc = netxml_get_ip4(x, n, "netmask", &m);
	if (rc < 0)
		return rc;
	mask = ntohl(m.s_addr);
	for (p = 0; p < 32 && (mask & (1u << (31 - p))); p++)
		;
	if (mask != kv_prefix_mask(p))
		return nx_fail(x, -EINVAL, "netmask %s is not contiguous",
			       netxml_ntoa(mask, a));
	if (p < 1 || p > 30)
		return nx_fail(x, -EINVAL, "netmask %s (/%u) out of range: "
			       "use a prefix of 1..30", netxml_ntoa(mask, a), p);
	x->def->prefix = p;
	return 0;
}

int netxml_el_ip(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "address", "netmask", "prefix",
					  "family", NULL };
	static const char *const unsup[] = { "localPtr", NULL };
	static const struct nx_elem tab[] = {
		{ "dhcp", false, false, netxml_el_dhcp },
		{ "tftp", false, false, NULL },
	};
	char fam[16];
	int rc = netxml_get(x, n, "family", fam, sizeof(fam), false);

	if (rc > 0 && !strcmp(fam, "ipv6"))
		return nx_fail(x, -EOPNOTSUPP, "unsupported <ip family='ipv6'>"
			       ": IPv6 is not supported yet");
	if (rc > 0 && strcmp(fam, "ipv4"))
		return nx_fail(x, -EINVAL, "unknown family='%s' on <ip>",
			       SHOW(fam));
	if (rc >= 0)
		rc = netxml_attrs(x, n, ok, unsup);
	if (rc >= 0)
		rc = netxml_get_ip4(x, n, "address", &x->def->ip);
	if (rc < 0)
		return rc;
	if (++x->nips > 1)
		return nx_fail(x, -EOPNOTSUPP, "unsupported second <ip>: only "
			       "one IPv4 <ip> per network");
	rc = nx_ip_prefix(x, n);
	if (rc < 0)
		return rc;
	x->def->has_ip = true;
	return netxml_children(x, n, tab, 2);
}

/* ---- kvnet: namespace --------------------------------------------------- */

int netxml_el_kv_datapath(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "type", NULL };
	char t[16];
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get(x, n, "type", t, sizeof(t), true);
	if (rc < 0)
		return rc;
	if (!strcmp(t, "ebpf"))
		x->def->datapath = NET_DATAPATH_EBPF;
	else if (!strcmp(t, "user"))
		x->def->datapath = NET_DATAPATH_USER;
	else
		return nx_fail(x, -EINVAL, "unknown datapath type='%s': use "
			       "'ebpf' or 'user'", SHOW(t));
	return 0;
}

int netxml_el_kv_fdb(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "aging", "max", "port-max", NULL };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "aging", NET_FDB_AGING_MIN,
				 NET_FDB_AGING_MAX, &x->def->fdb_aging_s);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "max", NET_FDB_MAX_MIN,
				 NET_FDB_MAX_MAX, &x->def->fdb_max);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "port-max", 0, NET_FDB_MAX_MAX,
				 &x->def->fdb_port_max);
	return rc < 0 ? rc : 0;
}

/* <kvnet:flood rate='20000' burst='2000'/>: the flood storm guard. */
int netxml_el_kv_flood(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "rate", "burst", NULL };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "rate", 0, NET_FLOOD_RATE_MAX,
				 &x->def->flood_rate);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "burst", 1, NET_FLOOD_BURST_MAX,
				 &x->def->flood_burst);
	return rc < 0 ? rc : 0;
}

