// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: reading the DNS family, libvirt's <dns>.
 *
 * kvnet serves DNS on the gateway address of every network with an <ip>
 * (dns/, switch/dnsd.c), as libvirt's dnsmasq does, so all of libvirt's
 * <dns> is read: enable= (no: no DNS server), forwardPlainNames=,
 * <forwarder addr= domain=> (an IPv4 or IPv6 upstream, for every name or
 * for one domain; a domain alone is answered locally and never
 * forwarded), <host ip=> with its <hostname>s (IPv6 even on an
 * IPv4-only network), <txt name= value=> and <srv service= protocol=
 * domain= target= port= priority= weight=>. An empty <dns/> is the
 * default. Each handler reads syntax (attributes, addresses, numbers,
 * lengths, counts); names, duplicates and the rest of the meaning are
 * netxml_dns_check's (netxml_dns_check.c), so a definition made in code
 * is held to the same rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/tree.h>

#include "switch/netxml_int.h"

/* An IPv4 or IPv6 address attribute: 1 and the address if present, 0 if
 * absent, <0 on error. */
static int nx_dns_get_ip(struct nx *x, xmlNode *n, const char *attr,
			 int *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 8];
	int rc = netxml_get(x, n, attr, buf, sizeof(buf), false);

	if (rc <= 0)
		return rc;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return nx_fail(x, -EINVAL, "invalid IP address %s='%s' on <%s>",
			       attr, SHOW(buf), TAG(n));
	return 1;
}

/* A name attribute (netxml_get's contract), never empty when present. */
static int nx_dns_get_name(struct nx *x, xmlNode *n, const char *attr,
			   char *buf, size_t len, bool required)
{
	int rc = netxml_get(x, n, attr, buf, len, required);

	if (rc > 0 && !buf[0])
		return nx_fail(x, -EINVAL, "invalid %s='' on <%s>: a name is "
			       "needed", attr, TAG(n));
	return rc;
}

/* yes= or no= attribute: 0 absent, 1 present (*out set), <0 error. */
static int nx_dns_yes_no(struct nx *x, xmlNode *n, const char *attr,
			 bool *out)
{
	char v[8];
	int rc = netxml_get(x, n, attr, v, sizeof(v), false);

	if (rc <= 0)
		return rc;
	if (strcmp(v, "yes") && strcmp(v, "no"))
		return nx_fail(x, -EINVAL, "invalid %s='%s' on <%s>: use 'yes' "
			       "or 'no'", attr, SHOW(v), TAG(n));
	*out = !strcmp(v, "yes");
	return 1;
}

/* ---- <forwarder> -------------------------------------------------------- */

static int nx_dns_forwarder(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "addr", "domain", NULL };
	struct net_def *def = x->def;
	struct net_dns_forwarder *f;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (def->ndns_forwarders >= NET_MAX_DNS_FORWARDERS)
		return nx_fail(x, -EINVAL, "too many DNS <forwarder> elements "
			       "(max %d)", NET_MAX_DNS_FORWARDERS);
	f = &def->dns_forwarders[def->ndns_forwarders];
	memset(f, 0, sizeof(*f));
	rc = nx_dns_get_ip(x, n, "addr", &f->family, f->addr);
	if (rc >= 0)
		rc = nx_dns_get_name(x, n, "domain", f->domain,
				     sizeof(f->domain), false);
	if (rc < 0)
		return rc;
	if (!f->family && !xmlHasProp(n, (const xmlChar *)"domain"))
		return nx_fail(x, -EINVAL, "<forwarder> needs addr=, domain= "
			       "or both");
	def->ndns_forwarders++;
	return 0;
}

/* ---- <host> ------------------------------------------------------------- */

/* <hostname>name</hostname> into the <host> being read. */
static int nx_dns_hostname(struct nx *x, xmlNode *n)
{
	struct net_dns_host *h = x->dns_host;

	int rc;

	if (h->nnames >= NET_DNS_HOST_NAMES)
		return nx_fail(x, -EINVAL, "too many <hostname> elements in a "
			       "DNS <host> (max %d)", NET_DNS_HOST_NAMES);
	rc = netxml_text(x, n, h->names[h->nnames], NET_DNS_NAME_MAX,
			 "DNS host name");
	if (rc == 0)
		h->nnames++;
	return rc;
}

static int nx_dns_host(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "ip", NULL };
	static const struct nx_elem tab[] = {
		{ "hostname", false, true, nx_dns_hostname },
	};
	struct net_def *def = x->def;
	struct net_dns_host *h;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc < 0)
		return rc;
	if (def->ndns_hosts >= NET_MAX_DNS_HOSTS)
		return nx_fail(x, -EINVAL, "too many DNS <host> elements (max "
			       "%d)", NET_MAX_DNS_HOSTS);
	h = &def->dns_hosts[def->ndns_hosts];
	memset(h, 0, sizeof(*h));
	rc = nx_dns_get_ip(x, n, "ip", &h->family, h->addr);
	if (rc == 0)
		return nx_fail(x, -EINVAL, "missing attribute 'ip' on <host> in "
			       "<dns>");
	x->dns_host = h;
	if (rc > 0)
		rc = netxml_children(x, n, tab, 1);
	x->dns_host = NULL;
	if (rc < 0)
		return rc;
	if (!h->nnames) /* libvirt: "Missing hostname ... DNS HOST record" */
		return nx_fail(x, -EINVAL, "<host> in <dns> needs at least one "
			       "<hostname>");
	def->ndns_hosts++;
	return 0;
}

/* ---- <txt>, <srv> ------------------------------------------------------- */

static int nx_dns_txt(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "name", "value", NULL };
	struct net_def *def = x->def;
	struct net_dns_txt *t;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (def->ndns_txts >= NET_MAX_DNS_TXTS)
		return nx_fail(x, -EINVAL, "too many DNS <txt> elements (max "
			       "%d)", NET_MAX_DNS_TXTS);
	t = &def->dns_txts[def->ndns_txts];
	memset(t, 0, sizeof(*t));
	rc = nx_dns_get_name(x, n, "name", t->name, sizeof(t->name), true);
	if (rc >= 0)
		rc = netxml_get(x, n, "value", t->value, sizeof(t->value), true);
	if (rc < 0)
		return rc;
	def->ndns_txts++;
	return 0;
}

/* port=, priority=, weight=: libvirt takes them only with a target=. */
static int nx_dns_srv_numbers(struct nx *x, xmlNode *n, struct net_dns_srv *s)
{
	static const char *const attrs[] = { "port", "priority", "weight" };
	uint16_t *out[] = { &s->port, &s->priority, &s->weight };
	unsigned v;
	int rc;

	for (size_t i = 0; i < 3; i++) {
		rc = netxml_get_uint(x, n, attrs[i], i == 0 ? 1 : 0, 65535, &v);
		if (rc < 0)
			return rc;
		if (rc > 0 && !s->target[0])
			return nx_fail(x, -EINVAL, "%s= on <srv> needs a "
				       "target=", attrs[i]);
		if (rc > 0)
			*out[i] = (uint16_t)v;
	}
	return 0;
}

static int nx_dns_srv(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "service", "protocol", "domain",
					  "target", "port", "priority",
					  "weight", NULL };
	struct net_def *def = x->def;
	struct net_dns_srv *s;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (def->ndns_srvs >= NET_MAX_DNS_SRVS)
		return nx_fail(x, -EINVAL, "too many DNS <srv> elements (max "
			       "%d)", NET_MAX_DNS_SRVS);
	s = &def->dns_srvs[def->ndns_srvs];
	memset(s, 0, sizeof(*s));
	rc = nx_dns_get_name(x, n, "service", s->service, sizeof(s->service),
			     true);
	if (rc >= 0)
		rc = nx_dns_get_name(x, n, "protocol", s->protocol,
				     sizeof(s->protocol), true);
	if (rc >= 0)
		rc = nx_dns_get_name(x, n, "domain", s->domain,
				     sizeof(s->domain), false);
	if (rc >= 0)
		rc = nx_dns_get_name(x, n, "target", s->target,
				     sizeof(s->target), false);
	if (rc >= 0)
		rc = nx_dns_srv_numbers(x, n, s);
	if (rc < 0)
		return rc;
	def->ndns_srvs++;
	return 0;
}

/* ---- <dns> -------------------------------------------------------------- */

/* libvirt: a disabled <dns> holds nothing else. */
static int nx_dns_disabled(struct nx *x, xmlNode *n)
{
	xmlNode *c;

	if (xmlHasProp(n, (const xmlChar *)"forwardPlainNames"))
		return nx_fail(x, -EINVAL, "<dns enable='no'> turns DNS off and "
			       "takes no forwardPlainNames=");
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return nx_fail(x, -EINVAL, "<dns enable='no'> turns DNS "
				       "off and takes no <%s>", TAG(c));
	x->def->dns_disabled = true;
	return netxml_children(x, n, NULL, 0);
}

int netxml_el_dns(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "enable", "forwardPlainNames", NULL };
	static const struct nx_elem tab[] = {
		{ "forwarder", false, true, nx_dns_forwarder },
		{ "host", false, true, nx_dns_host },
		{ "txt", false, true, nx_dns_txt },
		{ "srv", false, true, nx_dns_srv },
	};
	bool enable = true, forward_plain = true;
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = nx_dns_yes_no(x, n, "enable", &enable);
	if (rc < 0)
		return rc;
	if (!enable)
		return nx_dns_disabled(x, n);
	rc = nx_dns_yes_no(x, n, "forwardPlainNames", &forward_plain);
	if (rc < 0)
		return rc;
	x->def->dns_plain_local = !forward_plain;
	return netxml_children(x, n, tab, sizeof(tab) / sizeof(tab[0]));
}
