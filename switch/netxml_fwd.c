// SPDX-License-Identifier: GPL-2.0-only
/* Port forwards in a network definition, <kvnet:forward proto='tcp'
 * host-port='8080' to='192.168.122.5:80'/> children of <network>:
 * parsing, checking, writing back for dumpxml and the store, equality, and
 * the small parsers the control protocol shares with the XML (protocol
 * names, ports, "IP:PORT"). Forwards belong to nat networks only, target
 * a host address of the network's subnet other than the gateway, and are
 * unique per protocol and host port within the network (across networks,
 * kvnetd checks: network_fwd.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "switch/netxml_int.h"

const char *net_fwd_proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

int net_fwd_proto_parse(const char *s)
{
	if (s && !strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (s && !strcmp(s, "udp"))
		return IPPROTO_UDP;
	return -1;
}

int net_fwd_port_parse(const char *s)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]) || strlen(s) > 5)
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	return (int)v;
}

int net_fwd_to_parse(const char *s, struct in_addr *to, uint16_t *port)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	char ip[INET_ADDRSTRLEN];
	int p;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	p = net_fwd_port_parse(colon + 1);
	if (p < 0 || inet_pton(AF_INET, ip, to) != 1)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int net_fwd_find(const struct net_def *def, uint8_t proto, uint16_t host_port)
{
	for (int i = 0; i < def->nforwards; i++)
		if (def->forwards[i].proto == proto && def->forwards[i].host_port == host_port)
			return i;
	return -1;
}

/* ---- parsing ------------------------------------------------------------- */

static int nx_fwd_attrs(struct nx *x, xmlNode *n, struct net_fwd *f)
{
	char proto[8], to[40];
	unsigned port;
	int rc = netxml_get(x, n, "proto", proto, sizeof(proto), true);

	if (rc >= 0 && net_fwd_proto_parse(proto) < 0)
		return nx_fail(x, -EINVAL, "invalid proto='%s' on <%s>: use 'tcp' or 'udp'",
			       SHOW(proto), TAG(n));
	if (rc >= 0)
		rc = netxml_get_uint(x, n, "host-port", 1, 65535, &port);
	if (rc == 0)
		return nx_fail(x, -EINVAL, "<%s> needs a host-port attribute", TAG(n));
	if (rc >= 0)
		rc = netxml_get(x, n, "to", to, sizeof(to), true);
	if (rc < 0)
		return rc;
	f->proto = (uint8_t)net_fwd_proto_parse(proto);
	f->host_port = (uint16_t)port;
	if (net_fwd_to_parse(to, &f->to, &f->to_port) < 0)
		return nx_fail(x, -EINVAL, "invalid to='%s' on <%s>: use IPv4:PORT, the port "
			       "in 1..65535", SHOW(to), TAG(n));
	return 0;
}

int netxml_el_kv_forward(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "proto", "host-port", "to", NULL };
	struct net_def *def = x->def;
	struct net_fwd f = { 0 };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0 && def->nforwards >= NET_MAX_FORWARDS)
		return nx_fail(x, -EINVAL, "too many <%s> (max %d per network)", TAG(n),
			       NET_MAX_FORWARDS);
	if (rc == 0)
		rc = nx_fwd_attrs(x, n, &f);
	if (rc < 0)
		return rc;
	def->forwards[def->nforwards++] = f;
	return 0;
}

/* ---- checking ------------------------------------------------------------ */

static int nx_fwd_check_one(const struct net_def *def, const struct netxml_subnet *sn,
			    int i, char *err, size_t errlen)
{
	const struct net_fwd *f = &def->forwards[i];
	uint32_t to = ntohl(f->to.s_addr);
	char a[INET_ADDRSTRLEN];

	netxml_ntoa(to, a);
	if (net_fwd_proto_parse(net_fwd_proto_name(f->proto)) < 0 || !f->host_port ||
	    !f->to_port)
		return netxml_fail(err, errlen, -EINVAL, "invalid port forward %d", i);
	if (!netxml_in_subnet(sn, to))
		return netxml_fail(err, errlen, -EINVAL, "port forward %s/%u: %s is not a "
				   "host address of %s (the network, broadcast and "
				   "outside addresses are not guests)",
				   net_fwd_proto_name(f->proto), f->host_port, a, sn->str);
	if (to == sn->gw)
		return netxml_fail(err, errlen, -EINVAL, "port forward %s/%u: %s is the "
				   "gateway's address, not a guest's",
				   net_fwd_proto_name(f->proto), f->host_port, a);
	if (net_fwd_find(def, f->proto, f->host_port) != i)
		return netxml_fail(err, errlen, -EINVAL, "port forward %s/%u is given twice",
				   net_fwd_proto_name(f->proto), f->host_port);
	return 0;
}

int netxml_fwd_check(const struct net_def *def, char *err, size_t errlen)
{
	struct netxml_subnet sn;
	int rc = 0;

	if (!def->nforwards)
		return 0;
	if (def->nforwards < 0 || def->nforwards > NET_MAX_FORWARDS)
		return netxml_fail(err, errlen, -EINVAL, "too many port forwards (max %d)",
				   NET_MAX_FORWARDS);
	if (def->mode != NET_MODE_NAT || !def->has_ip)
		return netxml_fail(err, errlen, -EINVAL, "port forwards need a nat network "
				   "(<forward mode='nat'/> and an <ip>); '%s' is in %s mode",
				   SHOW(def->name), net_mode_name(def->mode));
	sn = netxml_subnet(def);
	for (int i = 0; rc == 0 && i < def->nforwards; i++)
		rc = nx_fwd_check_one(def, &sn, i, err, errlen);
	return rc;
}

/* ---- writing and comparing ----------------------------------------------- */

void netxml_fwd_format(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN];

	for (int i = 0; i < def->nforwards; i++) {
		const struct net_fwd *w = &def->forwards[i];

		inet_ntop(AF_INET, &w->to, a, sizeof(a));
		fprintf(f, "  <kvnet:forward proto='%s' host-port='%u' to='%s:%u'/>\n",
			net_fwd_proto_name(w->proto), w->host_port, a, w->to_port);
	}
}

bool netxml_fwd_equal(const struct net_def *a, const struct net_def *b)
{
	if (a->nforwards != b->nforwards)
		return false;
	for (int i = 0; i < a->nforwards; i++) {
		const struct net_fwd *x = &a->forwards[i], *y = &b->forwards[i];

		if (x->proto != y->proto || x->host_port != y->host_port ||
		    x->to.s_addr != y->to.s_addr || x->to_port != y->to_port)
			return false;
	}
	return true;
}
