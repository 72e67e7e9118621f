// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: the DHCP family. <ip><dhcp> with its <range>s and
 * <host> reservations (each with an optional <lease>), <bootp>, and the
 * kvnet-only <kvnet:dhcp ignore-client-id=>.
 *
 * Reading, the checks that need the subnet (ranges and reservations inside
 * it, clear of the gateway and of each other), the writer and equality
 * live together so that a new DHCP setting is added in one file. libvirt's
 * rules hold: DHCP is served on a network with at least one range or host
 * (hosts alone: reservations only); a lease is at least two minutes, and
 * expiry='0' never expires; a host has mac= or id= (a DHCP client
 * identifier), or only a name.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/tree.h>

#include "common/addr.h"
#include "switch/netxml_int.h"

/* ---- <lease> ------------------------------------------------------------ */

static const struct {
	const char *name;
	uint32_t s;
} nx_lease_units[] = {
	{ "seconds", 1 }, { "minutes", 60 }, { "hours", 3600 },
};

/* unit= as an index into nx_lease_units; minutes when absent, as in
 * libvirt. */
static int nx_lease_unit(struct nx *x, xmlNode *n, size_t *u)
{
	char unit[16];
	int rc = netxml_get(x, n, "unit", unit, sizeof(unit), false);

	*u = 1;
	if (rc <= 0)
		return rc;
	for (*u = 0; *u < sizeof(nx_lease_units) / sizeof(nx_lease_units[0]);
	     ++*u)
		if (!strcmp(unit, nx_lease_units[*u].name))
			return 0;
	return nx_fail(x, -EINVAL, "invalid unit='%s' on <lease>: use "
		       "'seconds', 'minutes' or 'hours'", SHOW(unit));
}

/* <lease expiry='N' unit='...'/> into *x->lease_to, in seconds. */
static int nx_lease(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "expiry", "unit", NULL };
	unsigned long long v;
	char buf[32] = "", *end;
	size_t u = 1;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = nx_lease_unit(x, n, &u);
	if (rc == 0)
		rc = netxml_get(x, n, "expiry", buf, sizeof(buf), true);
	if (rc < 0)
		return rc;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (!isdigit((unsigned char)buf[0]) || *end || errno)
		return nx_fail(x, -EINVAL, "invalid expiry='%s' on <lease>: "
			       "expected a whole number (0 = infinite)",
			       SHOW(buf));
	if (v == 0) {
		*x->lease_to = NET_LEASE_INFINITE;
		return 0;
	}
	if (v > NET_LEASE_MAX_S / nx_lease_units[u].s)
		return nx_fail(x, -EINVAL, "lease of %s %s in <%s> is too long "
			       "(max %u seconds; expiry='0' never expires)",
			       buf, nx_lease_units[u].name, TAG(n->parent),
			       NET_LEASE_MAX_S);
	*x->lease_to = (uint32_t)v * nx_lease_units[u].s;
	if (*x->lease_to < NET_LEASE_MIN_S)
		return nx_fail(x, -EINVAL, "lease of %u seconds in <%s> is "
			       "shorter than the minimum of 2 minutes",
			       *x->lease_to, TAG(n->parent));
	return 0;
}

static const struct nx_elem nx_lease_tab[] = {
	{ "lease", false, false, nx_lease },
};

/* ---- <range>, <host>, <bootp> -------------------------------------------- */

static int nx_range(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "start", "end", NULL };
	struct net_dhcp_range *r;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc < 0)
		return rc;
	if (x->def->nranges >= NET_MAX_RANGES)
		return nx_fail(x, -EINVAL, "too many DHCP <range> elements "
			       "(max %d)", NET_MAX_RANGES);
	r = &x->def->ranges[x->def->nranges];
	x->lease_to = &r->lease_s;
	rc = netxml_children(x, n, nx_lease_tab, 1);
	if (rc == 0)
		rc = netxml_get_ip4(x, n, "start", &r->start);
	if (rc >= 0)
		rc = netxml_get_ip4(x, n, "end", &r->end);
	if (rc < 0)
		return rc;
	x->def->nranges++;
	return 0;
}

/* "01:52:54:00:12:34:56": colon-separated octets of one or two hex digits
 * (libvirt's DUID notation), NET_DHCP_ID_MIN..NET_DHCP_ID_MAX of them. */
static int nx_hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' :
	       tolower((unsigned char)c) - 'a' + 10;
}

static int nx_parse_id(const char *s, uint8_t *id, uint8_t *len)
{
	unsigned n = 0, v, d;

	for (;;) {
		for (d = 0, v = 0; d < 2 && isxdigit((unsigned char)s[d]); d++)
			v = v * 16 + (unsigned)nx_hexval(s[d]);
		if (!d || (s[d] && s[d] != ':'))
			return -EINVAL;
		if (n >= NET_DHCP_ID_MAX)
			return -E2BIG;
		id[n++] = (uint8_t)v;
		if (!s[d])
			break;
		s += d + 1;
	}
	if (n < NET_DHCP_ID_MIN)
		return -EINVAL;
	*len = (uint8_t)n;
	return 0;
}

/* id= at any length (a read buffer would cap it with its own size). */
static int nx_host_id(struct nx *x, xmlNode *n, struct net_dhcp_host *h)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)"id");
	int rc;

	if (!v)
		return 0;
	rc = nx_parse_id((const char *)v, h->id, &h->id_len);
	if (rc == -E2BIG)
		rc = nx_fail(x, -EINVAL, "id='%s' on <host> is longer than %d "
			     "octets", SHOW((const char *)v), NET_DHCP_ID_MAX);
	else if (rc < 0)
		rc = nx_fail(x, -EINVAL, "invalid id='%s' on <host>: use %d to "
			     "%d colon-separated hex octets, e.g. "
			     "01:52:54:00:12:34:56", SHOW((const char *)v),
			     NET_DHCP_ID_MIN, NET_DHCP_ID_MAX);
	xmlFree(v);
	return rc;
}

static int nx_host(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "mac", "id", "name", "ip", NULL };
	struct net_dhcp_host *h;
	char mac[32];
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc < 0)
		return rc;
	if (x->def->nhosts >= NET_MAX_HOSTS)
		return nx_fail(x, -EINVAL, "too many DHCP <host> elements "
			       "(max %d)", NET_MAX_HOSTS);
	h = &x->def->hosts[x->def->nhosts];
	x->lease_to = &h->lease_s;
	rc = netxml_children(x, n, nx_lease_tab, 1);
	if (rc == 0)
		rc = netxml_get_ip4(x, n, "ip", &h->ip);
	if (rc >= 0)
		rc = netxml_get(x, n, "name", h->name, sizeof(h->name), false);
	if (rc >= 0)
		rc = nx_host_id(x, n, h);
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

/* Printable ASCII: what a DHCP boot file name can carry unchanged. */
static bool nx_boot_file_ok(const char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			return false;
	return true;
}

static int nx_bootp(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "file", "server", NULL };
	struct net_def *def = x->def;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get(x, n, "file", def->boot_file,
				sizeof(def->boot_file), true);
	if (rc < 0)
		return rc;
	if (!def->boot_file[0] || !nx_boot_file_ok(def->boot_file))
		return nx_fail(x, -EINVAL, "invalid file='%s' on <bootp>: a "
			       "non-empty name of printable ASCII",
			       SHOW(def->boot_file));
	if (!xmlHasProp(n, (const xmlChar *)"server"))
		return 0;
	rc = netxml_get_ip4(x, n, "server", &def->boot_server);
	if (rc >= 0 && !def->boot_server.s_addr)
		return nx_fail(x, -EINVAL, "<bootp> server 0.0.0.0 is not a "
			       "unicast address");
	return rc < 0 ? rc : 0;
}

int netxml_el_dhcp(struct nx *x, xmlNode *n)
{
	static const struct nx_elem tab[] = {
		{ "range", false, true, nx_range },
		{ "host", false, true, nx_host },
		{ "bootp", false, false, nx_bootp },
	};
	int rc = netxml_attrs(x, n, NULL, NULL);

	return rc < 0 ? rc : netxml_children(x, n, tab, 3);
}

/* <kvnet:dhcp ignore-client-id='yes|no'/> */
int netxml_el_kv_dhcp(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "ignore-client-id", NULL };
	char v[8];
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get(x, n, "ignore-client-id", v, sizeof(v), false);
	if (rc <= 0)
		return rc;
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return nx_fail(x, -EINVAL, "invalid ignore-client-id='%s' on "
			       "<kvnet:dhcp>: use 'yes' or 'no'", SHOW(v));
	x->def->dhcp_ignore_client_id = !strcmp(v, "yes");
	return 0;
}

/* ---- checks ------------------------------------------------------------- */

static bool nx_lease_valid(uint32_t s)
{
	return s == NET_LEASE_DEFAULT || s == NET_LEASE_INFINITE ||
	       (s >= NET_LEASE_MIN_S && s <= NET_LEASE_MAX_S);
}

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
		if (!nx_lease_valid(def->ranges[i].lease_s))
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP range %s-%s: invalid lease "
					   "time %u s", a, b,
					   def->ranges[i].lease_s);
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

/* Host i on its own: identity, name, address, lease. */
static int nx_check_host(const struct net_def *def, int i, char *err,
			 size_t errlen)
{
	const struct net_dhcp_host *h = &def->hosts[i];
	struct netxml_subnet sn = netxml_subnet(def);
	uint32_t ip = ntohl(h->ip.s_addr);
	char a[INET_ADDRSTRLEN], m[KV_MAC_STRLEN];

	netxml_ntoa(ip, a);
	kv_mac_format(h->mac, m);
	if (!h->has_mac && !h->id_len && !h->name[0])
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s needs a mac, an id or a name",
				   a);
	if (h->has_mac && !kv_mac_usable(h->mac))
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s: MAC %s is not a unicast "
				   "address", a, m);
	if (h->id_len && (h->id_len < NET_DHCP_ID_MIN ||
			  h->id_len > NET_DHCP_ID_MAX))
		return netxml_fail(err, errlen, -EINVAL, "DHCP host %s: client "
				   "id of %u octets (%d..%d)", a, h->id_len,
				   NET_DHCP_ID_MIN, NET_DHCP_ID_MAX);
	if (h->id_len && def->dhcp_ignore_client_id)
		return netxml_fail(err, errlen, -EINVAL, "DHCP host %s: id= "
				   "cannot match with <kvnet:dhcp ignore-"
				   "client-id='yes'/> (clients are told apart "
				   "by MAC only)", a);
	if (h->name[0] && !netxml_label_valid(h->name, 63))
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host %s: invalid host name '%s'", a,
				   SHOW(h->name));
	if (!netxml_in_subnet(&sn, ip) || ip == sn.gw)
		return netxml_fail(err, errlen, -EINVAL,
				   "DHCP host IP %s is %s", a,
				   ip == sn.gw ? "the gateway address" :
				   "not a host address of the subnet");
	if (!nx_lease_valid(h->lease_s))
		return netxml_fail(err, errlen, -EINVAL, "DHCP host %s: invalid "
				   "lease time %u s", a, h->lease_s);
	return 0;
}

/* Host i against hosts 0..i-1: no address, MAC, id or name twice. */
static int nx_check_host_dups(const struct net_def *def, int i, char *err,
			      size_t errlen)
{
	const struct net_dhcp_host *h = &def->hosts[i], *o;
	char a[INET_ADDRSTRLEN], m[KV_MAC_STRLEN];
	int j;

	inet_ntop(AF_INET, &h->ip, a, sizeof(a));
	kv_mac_format(h->mac, m);
	for (j = 0; j < i; j++) {
		o = &def->hosts[j];
		if (o->ip.s_addr == h->ip.s_addr)
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host IP %s", a);
		if (h->has_mac && o->has_mac && !memcmp(o->mac, h->mac, 6))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host MAC %s", m);
		if (h->id_len && o->id_len == h->id_len &&
		    !memcmp(o->id, h->id, h->id_len))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host id (hosts %s "
					   "and %s)", inet_ntoa(o->ip), a);
		if (h->name[0] && !strcmp(o->name, h->name))
			return netxml_fail(err, errlen, -EINVAL,
					   "duplicate DHCP host name '%s'",
					   h->name);
	}
	return 0;
}

static int nx_check_bootp(const struct net_def *def, char *err,
			  size_t errlen)
{
	uint32_t s = ntohl(def->boot_server.s_addr);
	char a[INET_ADDRSTRLEN];

	if (!def->boot_file[0]) {
		if (s)
			return netxml_fail(err, errlen, -EINVAL, "<bootp> "
					   "server without a file");
		return 0;
	}
	if (memchr(def->boot_file, '\0', sizeof(def->boot_file)) == NULL ||
	    !nx_boot_file_ok(def->boot_file))
		return netxml_fail(err, errlen, -EINVAL, "invalid <bootp> file "
				   "'%s'", SHOW(def->boot_file));
	if (s && ((s >> 24) == 0 || (s >> 24) >= 224))
		return netxml_fail(err, errlen, -EINVAL, "<bootp> server %s is "
				   "not a unicast address", netxml_ntoa(s, a));
	return 0;
}

int netxml_dhcp_check(const struct net_def *def, char *err, size_t errlen)
{
	int rc = nx_check_ranges(def, err, errlen), i;

	for (i = 0; rc == 0 && i < def->nhosts; i++) {
		rc = nx_check_host(def, i, err, errlen);
		if (rc == 0)
			rc = nx_check_host_dups(def, i, err, errlen);
	}
	return rc < 0 ? rc : nx_check_bootp(def, err, errlen);
}

bool netxml_dhcp_enabled(const struct net_def *def)
{
	return def->nranges > 0 || def->nhosts > 0;
}

/* ---- writing and equality ----------------------------------------------- */

bool netxml_dhcp_has(const struct net_def *def)
{
	return netxml_dhcp_enabled(def) || def->boot_file[0];
}

/* " ...>\n<lease .../>\n</elem>\n" or "/>\n", at the given indent. */
static void nx_put_lease_end(FILE *f, uint32_t s, const char *elem)
{
	size_t i = sizeof(nx_lease_units) / sizeof(nx_lease_units[0]);

	if (s == NET_LEASE_DEFAULT) {
		fputs("/>\n", f);
		return;
	}
	if (s == NET_LEASE_INFINITE) {
		fprintf(f, ">\n        <lease expiry='0'/>\n      </%s>\n", elem);
		return;
	}
	while (--i && s % nx_lease_units[i].s)
		;
	fprintf(f, ">\n        <lease expiry='%u' unit='%s'/>\n      </%s>\n",
		s / nx_lease_units[i].s, nx_lease_units[i].name, elem);
}

static void nx_put_host(FILE *f, const struct net_dhcp_host *h)
{
	char a[INET_ADDRSTRLEN], m[KV_MAC_STRLEN];
	unsigned i;

	fputs("      <host", f);
	if (h->has_mac)
		kv_mac_format(h->mac, m), netxml_put_attr(f, "mac", m);
	if (h->id_len) {
		fputs(" id='", f);
		for (i = 0; i < h->id_len && i < NET_DHCP_ID_MAX; i++)
			fprintf(f, "%s%02x", i ? ":" : "", h->id[i]);
		fputc('\'', f);
	}
	if (h->name[0])
		netxml_put_attr(f, "name", h->name);
	fprintf(f, " ip='%s'", inet_ntop(AF_INET, &h->ip, a, sizeof(a)));
	nx_put_lease_end(f, h->lease_s, "host");
}

void netxml_dhcp_format(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int i;

	if (!netxml_dhcp_has(def))
		return;
	fputs("    <dhcp>\n", f);
	for (i = 0; i < def->nranges && i < NET_MAX_RANGES; i++) {
		fprintf(f, "      <range start='%s' end='%s'",
			inet_ntop(AF_INET, &def->ranges[i].start, a, sizeof(a)),
			inet_ntop(AF_INET, &def->ranges[i].end, b, sizeof(b)));
		nx_put_lease_end(f, def->ranges[i].lease_s, "range");
	}
	for (i = 0; i < def->nhosts && i < NET_MAX_HOSTS; i++)
		nx_put_host(f, &def->hosts[i]);
	if (def->boot_file[0]) {
		fputs("      <bootp", f);
		netxml_put_attr(f, "file", def->boot_file);
		if (def->boot_server.s_addr)
			fprintf(f, " server='%s'", inet_ntop(AF_INET,
				&def->boot_server, a, sizeof(a)));
		fputs("/>\n", f);
	}
	fputs("    </dhcp>\n", f);
}

bool netxml_dhcp_kv_set(const struct net_def *def)
{
	return def->dhcp_ignore_client_id;
}

void netxml_dhcp_format_kv(FILE *f, const struct net_def *def)
{
	if (def->dhcp_ignore_client_id)
		fputs("  <kvnet:dhcp ignore-client-id='yes'/>\n", f);
}

static bool nx_host_equal(const struct net_dhcp_host *h,
			  const struct net_dhcp_host *k)
{
	return h->has_mac == k->has_mac && h->ip.s_addr == k->ip.s_addr &&
	       !strcmp(h->name, k->name) &&
	       (!h->has_mac || !memcmp(h->mac, k->mac, 6)) &&
	       h->id_len == k->id_len && h->id_len <= NET_DHCP_ID_MAX &&
	       !memcmp(h->id, k->id, h->id_len) && h->lease_s == k->lease_s;
}

bool netxml_dhcp_equal(const struct net_def *a, const struct net_def *b)
{
	int i;

	if (a->nranges != b->nranges || a->nhosts != b->nhosts ||
	    strcmp(a->boot_file, b->boot_file) ||
	    a->boot_server.s_addr != b->boot_server.s_addr ||
	    a->dhcp_ignore_client_id != b->dhcp_ignore_client_id)
		return false;
	for (i = 0; i < a->nranges && i < NET_MAX_RANGES; i++)
		if (a->ranges[i].start.s_addr != b->ranges[i].start.s_addr ||
		    a->ranges[i].end.s_addr != b->ranges[i].end.s_addr ||
		    a->ranges[i].lease_s != b->ranges[i].lease_s)
			return false;
	for (i = 0; i < a->nhosts && i < NET_MAX_HOSTS; i++)
		if (!nx_host_equal(&a->hosts[i], &b->hosts[i]))
			return false;
	return true;
}
