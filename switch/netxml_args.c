// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: `net create NAME --mode M --subnet CIDR [--uplink
 * IF] [--dhcp-range A-B]` flags -> struct net_def (netxml_from_args).
 *
 * The flags say less than XML can, so the rest is derived: the gateway is
 * the subnet's first host address, the default DHCP range every host
 * address after it, identity random. The result passes the same
 * netxml_validate as a parsed document.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/addr.h"
#include "switch/netxml_int.h"

/* "A.B.C.D/P", the network address of a /1../30 subnet. */
static int nx_args_subnet(struct net_def *def, const char *subnet, char *err,
			  size_t errlen)
{
	char addr[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN], *end;
	const char *slash = strchr(subnet, '/');
	unsigned long p;
	uint32_t net;

	if (strchr(subnet, ':'))
		return netxml_fail(err, errlen, -EOPNOTSUPP, "subnet '%s': IPv6 "
				   "is not supported yet", SHOW(subnet));
	if (!slash || (size_t)(slash - subnet) >= sizeof(addr))
		return netxml_fail(err, errlen, -EINVAL, "invalid subnet '%s': "
				   "use A.B.C.D/PREFIX", SHOW(subnet));
	memcpy(addr, subnet, (size_t)(slash - subnet));
	addr[slash - subnet] = '\0';
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, addr, &def->ip) != 1 ||
	    !isdigit((unsigned char)slash[1]) || *end || errno || p < 1 ||
	    p > 30)
		return netxml_fail(err, errlen, -EINVAL, "invalid subnet '%s': "
				   "use A.B.C.D/PREFIX with a prefix of 1..30",
				   SHOW(subnet));
	net = ntohl(def->ip.s_addr) & kv_prefix_mask((unsigned)p);
	if (net != ntohl(def->ip.s_addr))
		return netxml_fail(err, errlen, -EINVAL, "subnet '%s' is not a "
				   "network address (did you mean %s/%lu?)",
				   SHOW(subnet), netxml_ntoa(net, a), p);
	def->ip.s_addr = htonl(net + 1);
	def->prefix = (unsigned)p;
	def->has_ip = true;
	return 0;
}

/* "A-B", "none", or NULL for every host address after the gateway. */
static int nx_args_range(struct net_def *def, const char *range, char *err,
			 size_t errlen)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const char *dash = range ? strchr(range, '-') : NULL;
	struct netxml_subnet sn;

	if (range && !strcmp(range, "none"))
		return 0;
	if (!def->has_ip) {
		if (!range)
			return 0;
		return netxml_fail(err, errlen, -EINVAL, "--dhcp-range needs "
				   "--subnet");
	}
	if (!range) {
		sn = netxml_subnet(def);
		def->ranges[0].start.s_addr = htonl(sn.gw + 1);
		def->ranges[0].end.s_addr = htonl(sn.bcast - 1);
		def->nranges = sn.gw + 1 <= sn.bcast - 1;
		return 0;
	}
	if (!dash || (size_t)(dash - range) >= sizeof(a) ||
	    strlen(dash + 1) >= sizeof(b))
		return netxml_fail(err, errlen, -EINVAL, "invalid DHCP range "
				   "'%s': use A.B.C.D-A.B.C.D", SHOW(range));
	memcpy(a, range, (size_t)(dash - range));
	a[dash - range] = '\0';
	memcpy(b, dash + 1, strlen(dash + 1) + 1);
	if (inet_pton(AF_INET, a, &def->ranges[0].start) != 1 ||
	    inet_pton(AF_INET, b, &def->ranges[0].end) != 1)
		return netxml_fail(err, errlen, -EINVAL, "invalid DHCP range "
				   "'%s': use A.B.C.D-A.B.C.D", SHOW(range));
	def->nranges = 1;
	return 0;
}

static int nx_args_mode(struct net_def *def, const char *mode,
			const char *subnet, char *err, size_t errlen)
{
	int m = mode ? net_mode_parse(mode) : NET_MODE_NAT;

	if (mode && netxml_in_list(netxml_mode_unsupported, mode))
		return netxml_fail(err, errlen, -EOPNOTSUPP,
				   "unsupported mode '%s'", mode);
	if (m < 0)
		return netxml_fail(err, errlen, -EINVAL, "unknown mode '%s': "
				   "use isolated, nat, route, open or bridge",
				   SHOW(mode));
	def->mode = (enum net_mode)m;
	if (m == NET_MODE_BRIDGE && subnet)
		return netxml_fail(err, errlen, -EINVAL, "mode bridge takes no "
				   "--subnet: guests get addresses from the "
				   "LAN");
	if (m != NET_MODE_BRIDGE && m != NET_MODE_ISOLATED && !subnet)
		return netxml_fail(err, errlen, -EINVAL, "mode %s needs "
				   "--subnet CIDR", mode ? mode : "nat");
	return 0;
}

int netxml_from_args(const char *name, const char *mode, const char *subnet,
		     const char *uplink, const char *dhcp_range,
		     struct net_def *def, char *err, size_t errlen)
{
	int rc;

	netxml_init_def(def);
	if (err && errlen)
		err[0] = '\0';
	if (subnet && !subnet[0])
		subnet = NULL;
	if (!netxml_name_valid(name))
		return netxml_fail(err, errlen, -EINVAL, "invalid network name "
				   "'%s': use 1-63 of A-Z a-z 0-9 _ . -, not "
				   "starting with '.' or '-'", SHOW(name));
	memcpy(def->name, name, strlen(name) + 1);
	rc = nx_args_mode(def, mode, subnet, err, errlen);
	if (rc == 0 && uplink && uplink[0]) {
		rc = netxml_check_ifname(uplink, IFNAMSIZ - 1, "uplink", err,
				     errlen);
		if (rc == 0)
			memcpy(def->uplink, uplink, strlen(uplink) + 1);
	}
	if (rc == 0 && subnet)
		rc = nx_args_subnet(def, subnet, err, errlen);
	if (rc == 0)
		rc = nx_args_range(def, dhcp_range, err, errlen);
	if (rc < 0)
		return rc;
	rc = netxml_random_uuid(def->uuid);
	if (rc == 0)
		rc = netxml_random_mac(def->mac);
	if (rc < 0)
		return netxml_fail(err, errlen, rc, "getrandom: %s",
				   strerror(-rc));
	return netxml_validate(def, err, errlen);
}

