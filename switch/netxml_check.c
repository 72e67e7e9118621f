// SPDX-License-Identifier: GPL-2.0-only
/* Network definitions: validation (netxml_validate) and the name rules.
 *
 * Everything the two constructors (netxml_parse, netxml_from_args) share,
 * and what the daemon re-runs after changing a definition: checks of
 * meaning, not syntax (the reader already refused malformed values).
 * Messages name the offending value. The DHCP and DNS families' own
 * checks live in netxml_dhcp.c and netxml_dns_check.c and are called from
 * here.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/addr.h"
#include "common/hash.h"
#include "switch/netxml_int.h"

/* ---- names -------------------------------------------------------------- */

/* Names of networks, DHCP hosts and the domain share one rule. */
bool netxml_label_valid(const char *s, size_t max)
{
	size_t i;

	if (!s[0] || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i]; i++) {
		if (i >= max)
			return false;
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	}
	return true;
}

bool netxml_name_valid(const char *name)
{
	return name && netxml_label_valid(name, NET_NAME_MAX - 1);
}

/* Interface names: what the kernel accepts (dev_valid_name), narrowed to
 * printable ASCII so that every name survives XML and JSON unchanged, and
 * without '%', which the kernel takes as a template ("vm%d" -> "vm0"). */
int netxml_check_ifname(const char *s, size_t max, const char *what,
			char *err, size_t errlen)
{
	size_t i, len = strlen(s);

	if (!len || !strcmp(s, ".") || !strcmp(s, ".."))
		return netxml_fail(err, errlen, -EINVAL, "invalid %s '%s'",
				   what, SHOW(s));
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || strchr("/:%", s[i]))
			return netxml_fail(err, errlen, -EINVAL,
					   "invalid %s '%s': no spaces, '/', "
					   "':' or '%%' allowed", what, SHOW(s));
	if (len > max)
		return netxml_fail(err, errlen, -EINVAL,
				   "%s '%s' is too long (max %zu characters)",
				   what, SHOW(s), max);
	return 0;
}

/* ---- subnets ------------------------------------------------------------ */

bool net_subnets_overlap(const struct net_def *a, const struct net_def *b)
{
	return a->has_ip && b->has_ip &&
	       kv_prefix_overlap(a->ip, a->prefix, b->ip, b->prefix);
}

struct netxml_subnet netxml_subnet(const struct net_def *def)
{
	struct netxml_subnet sn;
	char a[INET_ADDRSTRLEN];

	sn.gw = ntohl(def->ip.s_addr);
	sn.mask = kv_prefix_mask(def->prefix);
	sn.net = sn.gw & sn.mask;
	sn.bcast = sn.net | ~sn.mask;
	snprintf(sn.str, sizeof(sn.str), "%s/%u", netxml_ntoa(sn.net, a),
		 def->prefix);
	return sn;
}

bool netxml_in_subnet(const struct netxml_subnet *sn, uint32_t a)
{
	return (a & sn->mask) == sn->net && a != sn->net && a != sn->bcast;
}

/* ---- validation --------------------------------------------------------- */

/* The default gateway device is kvnet-<name>; a name too long for
 * IFNAMSIZ gets kvnet-<8 hex digits of its hash> instead (stable, and
 * checked for clashes like any bridge name). */
static int nx_check_bridge(struct net_def *def, char *err, size_t errlen)
{
	char dflt[8 + NET_NAME_MAX];

	if (def->bridge[0])
		return netxml_check_ifname(def->bridge, NET_BRIDGE_NAME_MAX,
				       "bridge name", err, errlen);
	snprintf(dflt, sizeof(dflt), "kvnet-%s", def->name);
	if (strlen(dflt) > NET_BRIDGE_NAME_MAX)
		snprintf(dflt, sizeof(dflt), "kvnet-%08x", kv_name_hash(def->name));
	memcpy(def->bridge, dflt, strlen(dflt) + 1);
	return 0;
}

static int nx_check_mode(const struct net_def *def, char *err, size_t errlen)
{
	const char *m = net_mode_name(def->mode);

	if ((unsigned)def->mode >= NET_MODE_COUNT)
		return netxml_fail(err, errlen, -EINVAL, "invalid mode %d",
				   (int)def->mode);
	if (def->uplink[0] && def->mode == NET_MODE_ISOLATED)
		return netxml_fail(err, errlen, -EINVAL,
				   "uplink '%s' needs a forward mode (nat, "
				   "route, open or bridge)", def->uplink);
	if (def->mode == NET_MODE_BRIDGE && !def->uplink[0])
		return netxml_fail(err, errlen, -EINVAL,
				   "forward mode 'bridge' needs an uplink: "
				   "<forward mode='bridge' dev='IF'/> or "
				   "<interface dev='IF'/>");
	if (def->mode == NET_MODE_BRIDGE && def->has_ip)
		return netxml_fail(err, errlen, -EINVAL,
				   "forward mode 'bridge' takes no <ip>: guests "
				   "get addresses from the LAN");
	if (def->mode != NET_MODE_ISOLATED && def->mode != NET_MODE_BRIDGE &&
	    !def->has_ip)
		return netxml_fail(err, errlen, -EINVAL,
				   "forward mode '%s' needs an <ip> (the "
				   "gateway address and prefix)", m);
	if (def->nat_port_min < 1 || def->nat_port_min > def->nat_port_max)
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid NAT port range %u-%u",
				   def->nat_port_min, def->nat_port_max);
	if (def->mode != NET_MODE_NAT &&
	    (def->nat_port_min != NET_NAT_PORT_MIN ||
	     def->nat_port_max != NET_NAT_PORT_MAX))
		return netxml_fail(err, errlen, -EINVAL,
				   "NAT port range %u-%u set on a '%s' network",
				   def->nat_port_min, def->nat_port_max, m);
	if (netxml_ct_check(def, err, errlen) < 0)
		return -EINVAL;
	return netxml_nat_check(def, err, errlen);
}

static int nx_check_misc(const struct net_def *def, char *err, size_t errlen)
{
	char mac[18];

	kv_mac_format(def->mac, mac);
	if (!kv_mac_usable(def->mac))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid bridge MAC %s: must be unicast and "
				   "not all-zero", mac);
	if (def->mtu && (def->mtu < 68 || def->mtu > 65535))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid MTU %u (68..65535)", def->mtu);
	if (def->domain[0] && !netxml_label_valid(def->domain, 63))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid domain name '%s'", SHOW(def->domain));
	if (def->datapath != NET_DATAPATH_EBPF &&
	    def->datapath != NET_DATAPATH_USER)
		return netxml_fail(err, errlen, -EINVAL, "invalid datapath %d",
				   (int)def->datapath);
	if (def->fdb_aging_s < NET_FDB_AGING_MIN ||
	    def->fdb_aging_s > NET_FDB_AGING_MAX)
		return netxml_fail(err, errlen, -EINVAL,
				   "FDB aging %u s out of range (%d..%d)",
				   def->fdb_aging_s, NET_FDB_AGING_MIN,
				   NET_FDB_AGING_MAX);
	if (def->fdb_max < NET_FDB_MAX_MIN || def->fdb_max > NET_FDB_MAX_MAX)
		return netxml_fail(err, errlen, -EINVAL,
				   "FDB max %u out of range (%d..%d)",
				   def->fdb_max, NET_FDB_MAX_MIN,
				   NET_FDB_MAX_MAX);
	if (def->fdb_port_max > NET_FDB_MAX_MAX || def->flood_rate > NET_FLOOD_RATE_MAX ||
	    !def->flood_burst || def->flood_burst > NET_FLOOD_BURST_MAX)
		return netxml_fail(err, errlen, -EINVAL,
				   "FDB port-max, flood rate or burst out of range");
	return 0;
}

static int nx_check_gateway(const struct net_def *def, char *err,
			    size_t errlen)
{
	struct netxml_subnet sn;
	char a[INET_ADDRSTRLEN];
	unsigned first;

	if (def->prefix < 1 || def->prefix > 30)
		return netxml_fail(err, errlen, -EINVAL,
				   "prefix /%u out of range: use 1..30 (room "
				   "for a gateway and guests)", def->prefix);
	sn = netxml_subnet(def);
	first = sn.gw >> 24;
	if (first == 0 || first == 127 || first >= 224)
		return netxml_fail(err, errlen, -EINVAL,
				   "gateway %s is not a usable unicast address",
				   netxml_ntoa(sn.gw, a));
	if (sn.gw == sn.net || sn.gw == sn.bcast)
		return netxml_fail(err, errlen, -EINVAL,
				   "gateway %s is the %s address of %s",
				   netxml_ntoa(sn.gw, a),
				   sn.gw == sn.net ? "network" : "broadcast",
				   sn.str);
	return 0;
}

static int nx_check_ip(const struct net_def *def, char *err, size_t errlen)
{
	int rc;

	if (def->nranges < 0 || def->nranges > NET_MAX_RANGES ||
	    def->nhosts < 0 || def->nhosts > NET_MAX_HOSTS)
		return netxml_fail(err, errlen, -EINVAL,
				   "too many DHCP ranges or hosts (max %d, %d)",
				   NET_MAX_RANGES, NET_MAX_HOSTS);
	if (!def->has_ip) {
		if (def->nranges || def->nhosts)
			return netxml_fail(err, errlen, -EINVAL,
					   "DHCP ranges and hosts need an "
					   "<ip>");
		if (def->boot_file[0])
			return netxml_fail(err, errlen, -EINVAL,
					   "<bootp> needs an <ip>");
		return 0;
	}
	rc = nx_check_gateway(def, err, errlen);
	if (rc < 0)
		return rc;
	return netxml_dhcp_check(def, err, errlen);
}

int netxml_validate(struct net_def *def, char *err, size_t errlen)
{
	int rc;

	if (!netxml_name_valid(def->name))
		return netxml_fail(err, errlen, -EINVAL,
				   "invalid network name '%s': use 1-63 of "
				   "A-Z a-z 0-9 _ . -, not starting with '.' "
				   "or '-'", SHOW(def->name));
	rc = nx_check_bridge(def, err, errlen);
	if (rc == 0 && def->uplink[0])
		rc = netxml_check_ifname(def->uplink, IFNAMSIZ - 1, "uplink", err,
				     errlen);
	if (rc == 0)
		rc = nx_check_mode(def, err, errlen);
	if (rc == 0)
		rc = nx_check_misc(def, err, errlen);
	if (rc == 0)
		rc = nx_check_ip(def, err, errlen);
	if (rc == 0)
		rc = netxml_dns_check(def, err, errlen);
	if (rc == 0)
		rc = netxml_fwd_check(def, err, errlen);
	return rc;
}
