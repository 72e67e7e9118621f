// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: the DHCP family, <ip><dhcp> and what it holds.
 *
 * Reading (<range>, <host>), the checks that need the subnet (ranges and
 * reservations inside it, clear of the gateway and of each other), the
 * writer for the <dhcp> element and equality, kept together so that a new
 * DHCP setting is added in one file. libvirt's rule holds: DHCP is served
 * on a network with at least one range or host; hosts without ranges are
 * reservations only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/tree.h>

#include "common/addr.h"
#include "switch/netxml_int.h"

/* ---- reading ------------------------------------------------------------ */

static int nx_range(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "start", "end", NULL };
	static const struct nx_elem tab[] = { { "lease", false, false, NULL } };
	struct net_dhcp_range *r;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, tab, 1);
	if (rc < 0)
		return rc;
	if (x->def->nranges >= NET_MAX_RANGES)
		return nx_fail(x, -EINVAL, "too many DHCP <range> elements "
			       "(max %d)", NET_MAX_RANGES);
	r = &x->def->ranges[x->def->nranges];
	rc = netxml_get_ip4(x, n, "start", &r->start);
	if (rc >= 0)
		rc = netxml_get_ip4(x, n, "end", &r->end);
	if (rc < 0)
		return rc;
	x->def->nranges++;
	return 0;
}

static int nx_host(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "mac", "name", "ip", NULL };
	static const char *const unsup[] = { "id", NULL };
	static const struct nx_elem tab[] = { { "lease", false, false, NULL } };
	struct net_dhcp_host *h;
	char mac[32];
	int rc = netxml_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = netxml_children(x, n, tab, 1);
	if (rc < 0)
		return rc;
	if (x->def->nhosts >= NET_MAX_HOSTS)
		return nx_fail(x, -EINVAL, "too many DHCP <host> elements "
			       "(max %d)", NET_MAX_HOSTS);
	h = &x->def->hosts[x->def->nhosts];
	rc = netxml_get_ip4(x, n, "ip", &h->ip);
	if (rc >= 0)
		rc = netxml_get(x, n, "name", h->name, sizeof(h->name), false);
	if (rc >= 0)
		rc = netxml_get(x, n, "mac", mac, sizeof(mac), false);
	if (rc < 0)
		return rc;
	if (rc > 0 && kv_mac_parse(mac, h->mac) < 0)
		return nx_fail(x, -EINVAL, "invalid MAC address '%s' in <host>",
			       SHOW(mac));
	h->has_mac = rc > 0;
	x->def->nhosts++;
	return 0;
}

int netxml_el_dhcp(struct nx *x, xmlNode *n)
{
	static const struct nx_elem tab[] = {
		{ "range", false, true, nx_range },
		{ "host", false, true, nx_host },
		{ "bootp", false, false, NULL },
	};
	int rc = netxml_attrs(x, n, NULL, NULL);

	return rc < 0 ? rc : netxml_children(x, n, tab, 3);
}

/* ---- checks ------------------------------------------------------------- */

static int nx_check_ranges(const struct net_def *def, char *err,
			   size_t errlen)
{
	struct netxml_subnet sn = netxml_subnet(def);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	char c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	uint32_t s, e, s2, e2;
	int i, j;

	for (i = 0; i < def->nranges; i++) {
		s = ntohl(def->ranges[i].start.s_addr);
		e = ntohl(def->ranges[i].end.s_addr);
		netxml_ntoa(s, a), netxml_ntoa(e, b), netxml_ntoa(sn.gw, g);
		if (s > e)
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s: start is after "
					   "end", a, b);
		if (!netxml_in_subnet(&sn, s) || !netxml_in_subnet(&sn, e))
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s is not inside the "
					   "hosts of subnet %s", a, b, sn.str);
		if (s <= sn.gw && sn.gw <= e)
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s covers the gateway "
					   "%s", a, b, g);
		for (j = 0; j < i; j++) {
			s2 = ntohl(def->ranges[j].start.s_addr);
			e2 = ntohl(def->ranges[j].end.s_addr);
			if (s <= e2 && s2 <= e)
				return netxml_fail(err, errlen, -EINVAL,
						   "DHCP ranges %s-%s and %s-%s "
						   "overlap", netxml_ntoa(s2, c),
						   netxml_ntoa(e2, d), a, b);
		}
	}
	return 0;
}

/* Host i against the subnet and against hosts 0..i-1. */
static int nx_check_host(const struct net_def *def, int i, char *err,
			 size_t errlen)
{
	const struct net_dhcp_host *h = &def->hosts[i], *o;
	struct netxml_subnet sn = netxml_subnet(def);
	uint32_t ip = ntohl(h->ip.s_addr);
	char a[INET_ADDRSTRLEN], m[18];
	int j;

	netxml_ntoa(ip, a);
	kv_mac_format(h->mac, m);
	if (!h->has_mac && !h->name[0])
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s needs a mac or a name", a);
	if (h->has_mac && !kv_mac_usable(h->mac))
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s: MAC %s is not a unicast "
				   "address", a, m);
	if (h->name[0] && !netxml_label_valid(h->name, 63))
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s: invalid host name '%s'", a,
				   SHOW(h->name));
	if (!netxml_in_subnet(&sn, ip) || ip == sn.gw)
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host IP %s is %s", a,
				   ip == sn.gw ? "the gateway address" :
				   "not a host address of the subnet");
	for (j = 0; j < i; j++) {
		o = &def->hosts[j];
		if (o->ip.s_addr == h->ip.s_addr)
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host IP %s", a);
		if (h->has_mac && o->has_mac && !memcmp(o->mac, h->mac, 6))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host MAC %s", m);
		if (h->name[0] && !strcmp(o->name, h->name))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host name '%s'",
					   h->name);
	}
	return 0;
}

int netxml_dhcp_check(const struct net_def *def, char *err, size_t errlen)
{
	int rc = nx_check_ranges(def, err, errlen), i;

	for (i = 0; rc == 0 && i < def->nhosts; i++)
		rc = nx_check_host(def, i, err, errlen);
	return rc;
}

/* ---- writing and equality ----------------------------------------------- */

bool netxml_dhcp_has(const struct net_def *def)
{
	return def->nranges || def->nhosts;
}

void netxml_dhcp_format(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[18];
	const struct net_dhcp_host *h;
	int i;

	if (!netxml_dhcp_has(def))
		return;
	fputs("    <dhcp>\n", f);
	for (i = 0; i < def->nranges && i < NET_MAX_RANGES; i++)
		fprintf(f, "      <range start='%s' end='%s'/>\n",
			inet_ntop(AF_INET, &def->ranges[i].start, a, sizeof(a)),
			inet_ntop(AF_INET, &def->ranges[i].end, b, sizeof(b)));
	for (i = 0; i < def->nhosts && i < NET_MAX_HOSTS; i++) {
		h = &def->hosts[i];
		fputs("      <host", f);
		if (h->has_mac)
			kv_mac_format(h->mac, m), netxml_put_attr(f, "mac", m);
		if (h->name[0])
			netxml_put_attr(f, "name", h->name);
		fprintf(f, " ip='%s'/>\n",
			inet_ntop(AF_INET, &h->ip, a, sizeof(a)));
	}
	fputs("    </dhcp>\n", f);
}

bool netxml_dhcp_equal(const struct net_def *a, const struct net_def *b)
{
	const struct net_dhcp_host *h, *k;
	int i;

	if (a->nranges != b->nranges || a->nhosts != b->nhosts)
		return false;
	for (i = 0; i < a->nranges && i < NET_MAX_RANGES; i++)
		if (a->ranges[i].start.s_addr != b->ranges[i].start.s_addr ||
		    a->ranges[i].end.s_addr != b->ranges[i].end.s_addr)
			return false;
	for (i = 0; i < a->nhosts && i < NET_MAX_HOSTS; i++) {
		h = &a->hosts[i], k = &b->hosts[i];
		if (h->has_mac != k->has_mac || h->ip.s_addr != k->ip.s_addr ||
		    strcmp(h->name, k->name) ||
		    (h->has_mac && memcmp(h->mac, k->mac, 6)))
			return false;
	}
	return true;
}
