// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: the DNS family written back as libvirt's <dns>, and
 * its equality (netxml_format.c and netxml_equal call these).
 *
 * Only what differs from the default is written: no <dns> at all for a
 * network that serves DNS with no settings, enable='no' alone for one that
 * does not, forwardPlainNames only when 'no' (libvirt's default is 'yes'), an SRV record's numbers
 * only when not 0. Children come in libvirt's order (forwarders, TXT, SRV,
 * hosts), each family in document order, so parse(format(d)) == d.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "switch/netxml_int.h"

/* ---- writing ------------------------------------------------------------ */

static void nx_dns_put_ip(FILE *f, const char *attr, int family,
			  const uint8_t addr[16])
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, a,
		      sizeof(a)))
		fprintf(f, " %s='%s'", attr, a);
}

static void nx_dns_put_forwarders(FILE *f, const struct net_def *def)
{
	const struct net_dns_forwarder *fw;

	for (int i = 0; i < def->ndns_forwarders && i < NET_MAX_DNS_FORWARDERS;
	     i++) {
		fw = &def->dns_forwarders[i];
		fputs("    <forwarder", f);
		if (fw->family)
			nx_dns_put_ip(f, "addr", fw->family, fw->addr);
		if (fw->domain[0])
			netxml_put_attr(f, "domain", fw->domain);
		fputs("/>\n", f);
	}
}

static void nx_dns_put_txts(FILE *f, const struct net_def *def)
{
	for (int i = 0; i < def->ndns_txts && i < NET_MAX_DNS_TXTS; i++) {
		fputs("    <txt", f);
		netxml_put_attr(f, "name", def->dns_txts[i].name);
		netxml_put_attr(f, "value", def->dns_txts[i].value);
		fputs("/>\n", f);
	}
}

static void nx_dns_put_srvs(FILE *f, const struct net_def *def)
{
	const struct net_dns_srv *s;

	for (int i = 0; i < def->ndns_srvs && i < NET_MAX_DNS_SRVS; i++) {
		s = &def->dns_srvs[i];
		fputs("    <srv", f);
		netxml_put_attr(f, "service", s->service);
		netxml_put_attr(f, "protocol", s->protocol);
		if (s->domain[0])
			netxml_put_attr(f, "domain", s->domain);
		if (s->target[0])
			netxml_put_attr(f, "target", s->target);
		if (s->port)
			fprintf(f, " port='%u'", s->port);
		if (s->priority)
			fprintf(f, " priority='%u'", s->priority);
		if (s->weight)
			fprintf(f, " weight='%u'", s->weight);
		fputs("/>\n", f);
	}
}

static void nx_dns_put_hosts(FILE *f, const struct net_def *def)
{
	const struct net_dns_host *h;

	for (int i = 0; i < def->ndns_hosts && i < NET_MAX_DNS_HOSTS; i++) {
		h = &def->dns_hosts[i];
		fputs("    <host", f);
		nx_dns_put_ip(f, "ip", h->family, h->addr);
		fputs(">\n", f);
		for (int j = 0; j < h->nnames && j < NET_DNS_HOST_NAMES; j++) {
			fputs("      <hostname>", f);
			netxml_put_esc(f, h->names[j]);
			fputs("</hostname>\n", f);
		}
		fputs("    </host>\n", f);
	}
}

void netxml_dns_format(FILE *f, const struct net_def *def)
{
	bool body = def->ndns_forwarders > 0 || def->ndns_txts > 0 ||
		    def->ndns_srvs > 0 || def->ndns_hosts > 0;

	if (def->dns_disabled) {
		fputs("  <dns enable='no'/>\n", f);
		return;
	}
	if (!body && !def->dns_plain_local)
		return;
	fputs("  <dns", f);
	if (def->dns_plain_local)
		fputs(" forwardPlainNames='no'", f);
	if (!body) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	nx_dns_put_forwarders(f, def);
	nx_dns_put_txts(f, def);
	nx_dns_put_srvs(f, def);
	nx_dns_put_hosts(f, def);
	fputs("  </dns>\n", f);
}

/* ---- equality (field by field: bytes past a string's end don't count) --- */

static bool nx_dns_addr_equal(int family, const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, family == AF_INET6 ? 16 : family ? 4 : 0);
}

static bool nx_dns_fwd_equal(const struct net_dns_forwarder *a,
			     const struct net_dns_forwarder *b)
{
	return a->family == b->family &&
	       nx_dns_addr_equal(a->family, a->addr, b->addr) &&
	       !strcmp(a->domain, b->domain);
}

static bool nx_dns_host_equal(const struct net_dns_host *a,
			      const struct net_dns_host *b)
{
	if (a->family != b->family || a->nnames != b->nnames ||
	    !nx_dns_addr_equal(a->family, a->addr, b->addr))
		return false;
	for (int i = 0; i < a->nnames && i < NET_DNS_HOST_NAMES; i++)
		if (strcmp(a->names[i], b->names[i]))
			return false;
	return true;
}

static bool nx_dns_srv_equal(const struct net_dns_srv *a,
			     const struct net_dns_srv *b)
{
	return !strcmp(a->service, b->service) &&
	       !strcmp(a->protocol, b->protocol) &&
	       !strcmp(a->domain, b->domain) &&
	       !strcmp(a->target, b->target) && a->port == b->port &&
	       a->priority == b->priority && a->weight == b->weight;
}

static bool nx_dns_records_equal(const struct net_def *a,
				 const struct net_def *b)
{
	int i;

	for (i = 0; i < a->ndns_hosts && i < NET_MAX_DNS_HOSTS; i++)
		if (!nx_dns_host_equal(&a->dns_hosts[i], &b->dns_hosts[i]))
			return false;
	for (i = 0; i < a->ndns_txts && i < NET_MAX_DNS_TXTS; i++)
		if (strcmp(a->dns_txts[i].name, b->dns_txts[i].name) ||
		    strcmp(a->dns_txts[i].value, b->dns_txts[i].value))
			return false;
	for (i = 0; i < a->ndns_srvs && i < NET_MAX_DNS_SRVS; i++)
		if (!nx_dns_srv_equal(&a->dns_srvs[i], &b->dns_srvs[i]))
			return false;
	return true;
}

bool netxml_dns_equal(const struct net_def *a, const struct net_def *b)
{
	int i;

	if (a->dns_disabled != b->dns_disabled ||
	    a->dns_plain_local != b->dns_plain_local ||
	    a->ndns_forwarders != b->ndns_forwarders ||
	    a->ndns_hosts != b->ndns_hosts || a->ndns_txts != b->ndns_txts ||
	    a->ndns_srvs != b->ndns_srvs)
		return false;
	for (i = 0; i < a->ndns_forwarders && i < NET_MAX_DNS_FORWARDERS; i++)
		if (!nx_dns_fwd_equal(&a->dns_forwarders[i],
				      &b->dns_forwarders[i]))
			return false;
	return nx_dns_records_equal(a, b);
}
