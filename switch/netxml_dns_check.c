// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: what the DNS family's fields must mean
 * (netxml_dns_check, called by netxml_validate).
 *
 * The reader (netxml_dns.c) checks syntax; this checks everything the
 * forwarder will rely on, for a definition from any source: names are
 * DNS names (labels of letters, digits, '-' and '_', at most 63
 * characters each and 253 in all, no final dot; an SRV target may be '.',
 * "no such service"), addresses are unicast, counts within the NET_*
 * limits, no record or forwarder given twice, and a network whose DNS is
 * off (<dns enable='no'/>) or that has no gateway address to serve it on
 * (no <ip>) holds no records. Messages name the offending value.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "switch/netxml_int.h"

#define NX_DNS_LABEL_MAX 63
#define NX_DNS_NAME_LEN (NET_DNS_NAME_MAX - 1) /* 253 */
#define NX_DNS_NAME_RULE "use labels of letters, digits, '-' and '_' " \
	"separated by dots, at most 63 characters each and 253 in all"

/* ---- names and addresses ------------------------------------------------ */

static bool nx_dns_label_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* A DNS name as text: dot-separated labels, none empty or starting with
 * '-', no final dot. */
static bool nx_dns_name_ok(const char *s)
{
	size_t len = 0, i;

	for (i = 0; s[i]; i++) {
		if (i >= NX_DNS_NAME_LEN)
			return false;
		if (s[i] == '.' && len == 0)
			return false;
		if (s[i] == '.') {
			len = 0;
			continue;
		}
		if (!nx_dns_label_char(s[i]) || (len == 0 && s[i] == '-') ||
		    ++len > NX_DNS_LABEL_MAX)
			return false;
	}
	return i > 0 && len > 0;
}

/* An SRV service or protocol: one label once '_' is put before it. */
static bool nx_dns_srv_label_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= max || !nx_dns_label_char(s[i]))
			return false;
	return i > 0;
}

static const char *nx_dns_addr(int family, const uint8_t addr[16],
			       char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf,
		       INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

/* Unicast: not 0.0.0.0/8 nor 224.0.0.0 and above; not :: nor ff00::/8. */
static bool nx_dns_unicast(int family, const uint8_t a[16])
{
	static const uint8_t zero[16];

	if (family == AF_INET)
		return a[0] != 0 && a[0] < 224;
	return family == AF_INET6 && memcmp(a, zero, 16) && a[0] != 0xff;
}

static bool nx_dns_addr_eq(int family, const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, family == AF_INET6 ? 16 : 4);
}

/* ---- <forwarder> -------------------------------------------------------- */

/* "8.8.8.8", "8.8.8.8 for example.com" or "for example.com". */
static void nx_dns_fwd_name(const struct net_dns_forwarder *f, char *buf,
			    size_t len)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (f->family)
		nx_dns_addr(f->family, f->addr, a);
	snprintf(buf, len, "%s%s%s", a, f->domain[0] ? (a[0] ? " for " :
		 "for ") : "", SHOW(f->domain));
}

static int nx_dns_fwd_one(const struct net_dns_forwarder *f, char *err,
			  size_t errlen)
{
	char s[INET6_ADDRSTRLEN + 64];

	nx_dns_fwd_name(f, s, sizeof(s));
	if (f->family != 0 && f->family != AF_INET && f->family != AF_INET6)
		return netxml_fail(err, errlen, -EINVAL, "invalid DNS forwarder "
				   "address family %d", f->family);
	if (!f->family && !f->domain[0])
		return netxml_fail(err, errlen, -EINVAL, "a DNS forwarder needs "
				   "an address, a domain or both");
	if (f->family && !nx_dns_unicast(f->family, f->addr))
		return netxml_fail(err, errlen, -EINVAL, "DNS forwarder %s is "
				   "not a unicast address", s);
	if (f->family == AF_INET6 && f->addr[0] == 0xfe &&
	    (f->addr[1] & 0xc0) == 0x80)
		return netxml_fail(err, errlen, -EINVAL, "DNS forwarder %s is "
				   "link-local: its interface cannot be named; "
				   "use a global or unique-local address", s);
	if (f->domain[0] && !nx_dns_name_ok(f->domain))
		return netxml_fail(err, errlen, -EINVAL, "invalid DNS forwarder "
				   "domain '%s': " NX_DNS_NAME_RULE,
				   SHOW(f->domain));
	return 0;
}

/* Two forwarders of one domain: the same twice, or one answering it
 * locally (no addr) while the other sends it upstream. */
static int nx_dns_fwd_pair(const struct net_dns_forwarder *a,
			   const struct net_dns_forwarder *b, char *err,
			   size_t errlen)
{
	char s[INET6_ADDRSTRLEN + 64];

	if (strcasecmp(a->domain, b->domain))
		return 0;
	nx_dns_fwd_name(b, s, sizeof(s));
	if (a->family == b->family &&
	    (!a->family || nx_dns_addr_eq(a->family, a->addr, b->addr)))
		return netxml_fail(err, errlen, -EINVAL, "duplicate DNS "
				   "forwarder %s", s);
	if (a->domain[0] && (!a->family || !b->family))
		return netxml_fail(err, errlen, -EINVAL, "DNS forwarder domain "
				   "'%s' is both answered locally (a "
				   "<forwarder> without addr=) and forwarded",
				   SHOW(a->domain));
	return 0;
}

static int nx_dns_check_forwarders(const struct net_def *def, char *err,
				   size_t errlen)
{
	const struct net_dns_forwarder *f = def->dns_forwarders;
	int i, j, rc;

	for (i = 0; i < def->ndns_forwarders; i++) {
		rc = nx_dns_fwd_one(&f[i], err, errlen);
		for (j = 0; rc == 0 && j < i; j++)
			rc = nx_dns_fwd_pair(&f[j], &f[i], err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- <host> ------------------------------------------------------------- */

static int nx_dns_host_names(const struct net_dns_host *h, const char *ip,
			     char *err, size_t errlen)
{
	int i, j;

	if (h->nnames < 1 || h->nnames > NET_DNS_HOST_NAMES)
		return netxml_fail(err, errlen, -EINVAL, "DNS host %s needs 1 "
				   "to %d host names", ip, NET_DNS_HOST_NAMES);
	for (i = 0; i < h->nnames; i++) {
		if (!nx_dns_name_ok(h->names[i]))
			return netxml_fail(err, errlen, -EINVAL, "invalid DNS "
					   "host name '%s' for %s: "
					   NX_DNS_NAME_RULE,
					   SHOW(h->names[i]), ip);
		for (j = 0; j < i; j++)
			if (!strcasecmp(h->names[j], h->names[i]))
				return netxml_fail(err, errlen, -EINVAL,
						   "duplicate host name '%s' "
						   "for DNS host %s",
						   SHOW(h->names[i]), ip);
	}
	return 0;
}

static int nx_dns_check_hosts(const struct net_def *def, char *err,
			      size_t errlen)
{
	const struct net_dns_host *h = def->dns_hosts;
	char ip[INET6_ADDRSTRLEN];
	int i, j, rc;

	for (i = 0; i < def->ndns_hosts; i++) {
		nx_dns_addr(h[i].family, h[i].addr, ip);
		if (h[i].family != AF_INET && h[i].family != AF_INET6)
			return netxml_fail(err, errlen, -EINVAL, "invalid DNS "
					   "host address family %d",
					   h[i].family);
		if (!nx_dns_unicast(h[i].family, h[i].addr))
			return netxml_fail(err, errlen, -EINVAL, "DNS host %s is "
					   "not a unicast address", ip);
		for (j = 0; j < i; j++)
			if (h[j].family == h[i].family &&
			    nx_dns_addr_eq(h[i].family, h[j].addr, h[i].addr))
				return netxml_fail(err, errlen, -EINVAL,
						   "duplicate DNS host %s: give "
						   "all its names in one <host>",
						   ip);
		rc = nx_dns_host_names(&h[i], ip, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- <txt>, <srv> ------------------------------------------------------- */

/* A TXT name without a dot is under the network's domain: both are single
 * labels then, so the full name always fits. */
static int nx_dns_check_txt(const struct net_dns_txt *t, char *err,
			    size_t errlen)
{
	if (!nx_dns_name_ok(t->name))
		return netxml_fail(err, errlen, -EINVAL, "invalid DNS TXT name "
				   "'%s': " NX_DNS_NAME_RULE, SHOW(t->name));
	for (const char *p = t->value; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return netxml_fail(err, errlen, -EINVAL, "DNS TXT "
					   "record '%s': control characters in "
					   "its value", SHOW(t->name));
	return 0;
}

static int nx_dns_check_txts(const struct net_def *def, char *err,
			     size_t errlen)
{
	const struct net_dns_txt *t = def->dns_txts;
	int i, j, rc;

	for (i = 0; i < def->ndns_txts; i++) {
		rc = nx_dns_check_txt(&t[i], err, errlen);
		if (rc < 0)
			return rc;
		for (j = 0; j < i; j++)
			if (!strcasecmp(t[j].name, t[i].name) &&
			    !strcmp(t[j].value, t[i].value))
				return netxml_fail(err, errlen, -EINVAL,
						   "duplicate DNS TXT record "
						   "'%s'", SHOW(t[i].name));
	}
	return 0;
}

/* "_service._protocol[.domain]": the SRV record's name. */
static void nx_dns_srv_name(const struct net_def *def,
			    const struct net_dns_srv *s, char *buf, size_t len)
{
	const char *d = s->domain[0] ? s->domain : def->domain;

	snprintf(buf, len, "_%s._%s%s%s", s->service, s->protocol,
		 d[0] ? "." : "", d);
}

static int nx_dns_check_srv(const struct net_def *def,
			    const struct net_dns_srv *s, char *err,
			    size_t errlen)
{
	char name[3 * NET_DNS_NAME_MAX];

	nx_dns_srv_name(def, s, name, sizeof(name));
	if (!nx_dns_srv_label_ok(s->service, NX_DNS_LABEL_MAX - 1) ||
	    !nx_dns_srv_label_ok(s->protocol, sizeof(s->protocol) - 1))
		return netxml_fail(err, errlen, -EINVAL, "invalid DNS SRV "
				   "service '%s' or protocol '%s': use "
				   "letters, digits, '-' and '_' (at most 62 "
				   "and 15)", SHOW(s->service),
				   SHOW(s->protocol));
	if ((s->domain[0] && !nx_dns_name_ok(s->domain)) ||
	    strlen(name) > NX_DNS_NAME_LEN)
		return netxml_fail(err, errlen, -EINVAL, "invalid DNS SRV "
				   "record name '%s': " NX_DNS_NAME_RULE,
				   SHOW(name));
	if (s->target[0] && strcmp(s->target, ".") &&
	    !nx_dns_name_ok(s->target))
		return netxml_fail(err, errlen, -EINVAL, "invalid DNS SRV "
				   "target '%s' for %s: " NX_DNS_NAME_RULE
				   ", or '.'", SHOW(s->target), SHOW(name));
	if (!s->target[0] && (s->port || s->priority || s->weight))
		return netxml_fail(err, errlen, -EINVAL, "DNS SRV record %s: "
				   "port, priority and weight need a target",
				   SHOW(name));
	return 0;
}

static bool nx_dns_srv_same(const struct net_dns_srv *a,
			    const struct net_dns_srv *b)
{
	return !strcasecmp(a->service, b->service) &&
	       !strcasecmp(a->protocol, b->protocol) &&
	       !strcasecmp(a->domain, b->domain) &&
	       !strcasecmp(a->target, b->target) && a->port == b->port;
}

static int nx_dns_check_srvs(const struct net_def *def, char *err,
			     size_t errlen)
{
	const struct net_dns_srv *s = def->dns_srvs;
	char name[3 * NET_DNS_NAME_MAX];
	int i, j, rc;

	for (i = 0; i < def->ndns_srvs; i++) {
		rc = nx_dns_check_srv(def, &s[i], err, errlen);
		if (rc < 0)
			return rc;
		nx_dns_srv_name(def, &s[i], name, sizeof(name));
		for (j = 0; j < i; j++)
			if (nx_dns_srv_same(&s[j], &s[i]))
				return netxml_fail(err, errlen, -EINVAL,
						   "duplicate DNS SRV record %s "
						   "(target '%s', port %u)",
						   SHOW(name), SHOW(s[i].target),
						   s[i].port);
	}
	return 0;
}

/* ---- the family --------------------------------------------------------- */

/* Counts, and what a network without a DNS server cannot hold. */
static int nx_dns_check_scope(const struct net_def *def, char *err,
			      size_t errlen)
{
	bool records = def->ndns_hosts || def->ndns_txts || def->ndns_srvs;

	if (def->ndns_forwarders < 0 ||
	    def->ndns_forwarders > NET_MAX_DNS_FORWARDERS ||
	    def->ndns_hosts < 0 || def->ndns_hosts > NET_MAX_DNS_HOSTS ||
	    def->ndns_txts < 0 || def->ndns_txts > NET_MAX_DNS_TXTS ||
	    def->ndns_srvs < 0 || def->ndns_srvs > NET_MAX_DNS_SRVS)
		return netxml_fail(err, errlen, -EINVAL, "too many DNS "
				   "forwarders, hosts, TXT or SRV records "
				   "(max %d, %d, %d, %d)",
				   NET_MAX_DNS_FORWARDERS, NET_MAX_DNS_HOSTS,
				   NET_MAX_DNS_TXTS, NET_MAX_DNS_SRVS);
	if (def->dns_disabled && def->ndns_forwarders)
		return netxml_fail(err, errlen, -EINVAL, "DNS forwarders on a "
				   "network with <dns enable='no'/>");
	if (def->dns_disabled && (records || def->dns_plain_local))
		return netxml_fail(err, errlen, -EINVAL, "DNS records or "
				   "forwardPlainNames on a network with <dns "
				   "enable='no'/>");
	if (records && !def->has_ip)
		return netxml_fail(err, errlen, -EINVAL, "DNS <host>, <txt> and "
				   "<srv> records need an <ip>: kvnet serves "
				   "DNS on the gateway address");
	if (def->domain_local_only && !def->domain[0])
		return netxml_fail(err, errlen, -EINVAL, "localOnly needs a "
				   "<domain name=>");
	return 0;
}

int netxml_dns_check(const struct net_def *def, char *err, size_t errlen)
{
	int rc = nx_dns_check_scope(def, err, errlen);

	if (rc == 0)
		rc = nx_dns_check_forwarders(def, err, errlen);
	if (rc == 0)
		rc = nx_dns_check_hosts(def, err, errlen);
	if (rc == 0)
		rc = nx_dns_check_txts(def, err, errlen);
	if (rc == 0)
		rc = nx_dns_check_srvs(def, err, errlen);
	return rc;
}
