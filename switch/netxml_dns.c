// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: the DNS family, <dns>.
 *
 * kvnet answers no DNS yet. What it reads is what it can honour today:
 * <dns enable='no'/> (guests get no DNS server) and <forwarder addr=/>
 * entries (IPv4, several), which the DHCP server hands to guests as
 * option 6 until kvnet serves DNS itself and uses them as upstreams. The
 * rest of libvirt's <dns> (<host>, <txt>, <srv>, <forwarder domain=>,
 * forwardPlainNames=) is refused as not implemented yet; an empty <dns>
 * asks for a DNS server kvnet does not have and is refused too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <libxml/tree.h>

#include "switch/netxml_int.h"

/* ---- reading ------------------------------------------------------------ */

static int nx_dns_forwarder(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "addr", NULL };
	struct net_def *def = x->def;
	int rc;

	if (xmlHasProp(n, (const xmlChar *)"domain"))
		return nx_fail(x, -EOPNOTSUPP, "unsupported attribute 'domain' "
			       "on <forwarder>: not implemented yet (kvnet "
			       "serves no DNS; only <forwarder addr='IPv4'/> "
			       "is read)");
	rc = netxml_attrs(x, n, ok, NULL);
	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc < 0)
		return rc;
	if (def->ndns_forwarders >= NET_MAX_DNS_FORWARDERS)
		return nx_fail(x, -EINVAL, "too many DNS <forwarder> elements "
			       "(max %d)", NET_MAX_DNS_FORWARDERS);
	struct net_dns_forwarder *f = &def->dns_forwarders[def->ndns_forwarders];
	struct in_addr a;

	rc = netxml_get_ip4(x, n, "addr", &a);
	if (rc < 0)
		return rc;
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	memcpy(f->addr, &a, 4);
	def->ndns_forwarders++;
	return 0;
}

static int nx_dns_unsupported(struct nx *x, xmlNode *n)
{
	return nx_fail(x, -EOPNOTSUPP, "unsupported element <%s> in <dns>: not "
		       "implemented yet (kvnet serves no DNS; only <forwarder "
		       "addr='IPv4'/> is read)", TAG(n));
}

/* libvirt: a disabled <dns> holds nothing else. */
static int nx_dns_disabled(struct nx *x, xmlNode *n)
{
	xmlNode *c;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return nx_fail(x, -EINVAL, "<dns enable='no'> turns DNS "
				       "off and takes no <%s>", TAG(c));
	x->def->dns_disabled = true;
	return netxml_children(x, n, NULL, 0);
}

int netxml_el_dns(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "enable", NULL };
	static const char *const unsup[] = { "forwardPlainNames", NULL };
	static const struct nx_elem tab[] = {
		{ "forwarder", false, true, nx_dns_forwarder },
		{ "host", false, true, nx_dns_unsupported },
		{ "txt", false, true, nx_dns_unsupported },
		{ "srv", false, true, nx_dns_unsupported },
	};
	char enable[8] = "";
	int rc = netxml_attrs(x, n, ok, unsup);

	if (rc == 0)
		rc = netxml_get(x, n, "enable", enable, sizeof(enable), false);
	if (rc < 0)
		return rc;
	if (rc > 0 && strcmp(enable, "yes") && strcmp(enable, "no"))
		return nx_fail(x, -EINVAL, "invalid enable='%s' on <dns>: use "
			       "'yes' or 'no'", SHOW(enable));
	if (!strcmp(enable, "no"))
		return nx_dns_disabled(x, n);
	rc = netxml_children(x, n, tab, sizeof(tab) / sizeof(tab[0]));
	if (rc == 0 && !x->def->ndns_forwarders)
		return nx_fail(x, -EOPNOTSUPP, "unsupported element <dns>: kvnet "
			       "serves no DNS yet (accepted: <dns enable='no'/>, "
			       "or <forwarder addr='IPv4'/> entries for DHCP to "
			       "hand out)");
	return rc;
}

/* ---- checks, writing, equality ------------------------------------------ */

int netxml_dns_check(const struct net_def *def, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	uint32_t v;
	int i, j;

	if (def->ndns_forwarders < 0 ||
	    def->ndns_forwarders > NET_MAX_DNS_FORWARDERS)
		return netxml_fail(err, errlen, -EINVAL, "too many DNS "
				   "forwarders (max %d)",
				   NET_MAX_DNS_FORWARDERS);
	if (def->dns_disabled && def->ndns_forwarders)
		return netxml_fail(err, errlen, -EINVAL, "DNS forwarders on a "
				   "network with <dns enable='no'/>");
	for (i = 0; i < def->ndns_forwarders; i++) {
		memcpy(&v, def->dns_forwarders[i].addr, 4);
		v = ntohl(v);
		netxml_ntoa(v, a);
		if ((v >> 24) == 0 || (v >> 24) >= 224)
			return netxml_fail(err, errlen, -EINVAL, "DNS forwarder "
					   "%s is not a unicast address", a);
		for (j = 0; j < i; j++)
			if (!memcmp(&def->dns_forwarders[j],
				    &def->dns_forwarders[i],
				    sizeof(def->dns_forwarders[i])))
				return netxml_fail(err, errlen, -EINVAL,
						   "duplicate DNS forwarder %s",
						   a);
	}
	return 0;
}

void netxml_dns_format(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN];
	int i;

	if (def->dns_disabled) {
		fputs("  <dns enable='no'/>\n", f);
		return;
	}
	if (def->ndns_forwarders <= 0)
		return;
	fputs("  <dns>\n", f);
	for (i = 0; i < def->ndns_forwarders && i < NET_MAX_DNS_FORWARDERS; i++)
		fprintf(f, "    <forwarder addr='%s'/>\n",
			inet_ntop(AF_INET, def->dns_forwarders[i].addr, a,
				  sizeof(a)));
	fputs("  </dns>\n", f);
}

bool netxml_dns_equal(const struct net_def *a, const struct net_def *b)
{
	int i;

	if (a->dns_disabled != b->dns_disabled ||
	    a->ndns_forwarders != b->ndns_forwarders)
		return false;
	for (i = 0; i < a->ndns_forwarders && i < NET_MAX_DNS_FORWARDERS; i++)
		if (memcmp(&a->dns_forwarders[i], &b->dns_forwarders[i],
			   sizeof(a->dns_forwarders[i])))
			return false;
	return true;
}
