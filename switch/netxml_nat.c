// SPDX-License-Identifier: GPL-2.0-only
/* <forward mode='nat'><nat>: the masquerade's port range (<port start
 * end>) and address range (<address start end>), as libvirt has them:
 * parsing, checking, writing back and comparing. With no <address>, flows
 * take the address the host's route to their destination prefers, as
 * MASQUERADE does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "switch/netxml_int.h"

int netxml_nat_address(struct nx *x, xmlNode *n)
{
	static const char *const ok[] = { "start", "end", NULL };
	int rc = netxml_attrs(x, n, ok, NULL);

	if (rc == 0)
		rc = netxml_children(x, n, NULL, 0);
	if (rc == 0)
		rc = netxml_get_ip4(x, n, "start", &x->def->nat_addr_start);
	if (rc >= 0)
		rc = netxml_get_ip4(x, n, "end", &x->def->nat_addr_end);
	return rc < 0 ? rc : 0;
}

int netxml_nat_check(const struct net_def *def, char *err, size_t errlen)
{
	uint32_t lo = ntohl(def->nat_addr_start.s_addr), hi = ntohl(def->nat_addr_end.s_addr);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (!lo && !hi)
		return 0;
	inet_ntop(AF_INET, &def->nat_addr_start, a, sizeof(a));
	inet_ntop(AF_INET, &def->nat_addr_end, b, sizeof(b));
	if (def->mode != NET_MODE_NAT)
		return netxml_fail(err, errlen, -EINVAL, "NAT address range %s-%s set on "
				   "a '%s' network", a, b, net_mode_name(def->mode));
	if (!lo || !hi || lo > hi)
		return netxml_fail(err, errlen, -EINVAL, "invalid NAT address range %s-%s",
				   a, b);
	return 0;
}

bool netxml_nat_custom(const struct net_def *def)
{
	return def->mode == NET_MODE_NAT &&
	       (def->nat_port_min != NET_NAT_PORT_MIN || def->nat_port_max != NET_NAT_PORT_MAX ||
		def->nat_addr_start.s_addr);
}

void netxml_nat_format(FILE *f, const struct net_def *def)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	fputs("    <nat>\n", f);
	if (def->nat_addr_start.s_addr) {
		inet_ntop(AF_INET, &def->nat_addr_start, a, sizeof(a));
		inet_ntop(AF_INET, &def->nat_addr_end, b, sizeof(b));
		fprintf(f, "      <address start='%s' end='%s'/>\n", a, b);
	}
	if (def->nat_port_min != NET_NAT_PORT_MIN || def->nat_port_max != NET_NAT_PORT_MAX)
		fprintf(f, "      <port start='%u' end='%u'/>\n", def->nat_port_min,
			def->nat_port_max);
	fputs("    </nat>\n", f);
}

bool netxml_nat_equal(const struct net_def *a, const struct net_def *b)
{
	return a->nat_port_min == b->nat_port_min && a->nat_port_max == b->nat_port_max &&
	       a->nat_addr_start.s_addr == b->nat_addr_start.s_addr &&
	       a->nat_addr_end.s_addr == b->nat_addr_end.s_addr;
}
