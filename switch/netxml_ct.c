// SPDX-License-Identifier: GPL-2.0-only
/* <kvnet:conntrack port-max='N'/>: the most translated flows one untrusted
 * port of a nat network may hold at once in kvnet's conntrack table, which
 * every network shares. Without a cap one guest opening flows as fast as
 * it can pushes the least recently used flows out of the table (it is an
 * LRU), idle connections of other guests among them. 0 (the default, as
 * libvirt's conntrack has no such cap): none. Parsing, checking, writing
 * back and comparing.
 */
#include <errno.h>
#include <stdio.h>

#include "nat/nat_shared.h"
#include "switch/netxml_int.h"

int netxml_el_kv_conntrack(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "port-max", NULL };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "port-max", 0, KVNET_CT_MAX / 2, &x->def->ct_port_max);
	return rc < 0 ? rc : 0;
}

bool netxml_ct_set(const struct net_def *def)
{
	return def->ct_port_max != KVNET_CT_PORT_MAX;
}

void netxml_ct_format(FILE *f, const struct net_def *def)
{
	if (netxml_ct_set(def))
		fprintf(f, "  <kvnet:conntrack port-max='%u'/>\n", def->ct_port_max);
}

int netxml_ct_check(const struct net_def *def, char *err, size_t errlen)
{
	if (netxml_ct_set(def) && def->mode != NET_MODE_NAT)
		return netxml_fail(err, errlen, -EINVAL, "<kvnet:conntrack> set on a '%s' "
				   "network: only nat networks translate flows",
				   net_mode_name(def->mode));
	return 0;
}
