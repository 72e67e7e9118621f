/* SPDX-License-Identifier: GPL-2.0-only */
/* Network definitions: libvirt network XML <-> struct net_def.
 *
 * Parses, validates and formats the libvirt <network> document with libxml2.
 * What kvnet understands is an allow-list: any other element or attribute is
 * refused with a message naming it, so a definition is never half-applied.
 * kvnet-only settings live in the kvnet: namespace (KVNET_XML_NS).
 */
#ifndef KVNET_NETXML_H
#define KVNET_NETXML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <net/if.h>

#define KVNET_XML_NS "https://kvnet.dev/xmlns/network/1"
#define NET_NAME_MAX 64
#define NET_MAX_RANGES 16
#define NET_MAX_HOSTS 256
#define NETXML_ERR_MAX 256

enum net_mode {
	NET_MODE_ISOLATED, /* no <forward> */
	NET_MODE_NAT,	   /* <forward mode='nat'> (also <forward/>) */
	NET_MODE_ROUTE,
	NET_MODE_OPEN,
	NET_MODE_BRIDGE,
	NET_MODE_COUNT
};

enum net_datapath { NET_DATAPATH_EBPF, NET_DATAPATH_USER };

struct net_dhcp_range {
	struct in_addr start, end;
};

struct net_dhcp_host {
	uint8_t mac[6];
	bool has_mac;
	char name[64];
	struct in_addr ip;
};

struct net_def {
	char name[NET_NAME_MAX];
	uint8_t uuid[16];	  /* generated when the XML has none */
	char bridge[IFNAMSIZ];	  /* gateway port; default "kvnet-<name>" */
	bool bridge_stp;	  /* accepted for libvirt compatibility */
	unsigned bridge_delay;
	uint8_t mac[6];		  /* gateway MAC; generated 52:54:00:xx:xx:xx */
	enum net_mode mode;
	char uplink[IFNAMSIZ];	  /* <forward dev=...>, "" if none */
	uint16_t nat_port_min, nat_port_max; /* <nat><port start end/>; 1024-65535 */
	char domain[64];	  /* <domain name=...>, "" if none */
	unsigned mtu;		  /* <mtu size=...>, 0 = default */
	bool has_ip;
	struct in_addr ip;	  /* gateway address */
	unsigned prefix;	  /* from prefix= or netmask= */
	struct net_dhcp_range ranges[NET_MAX_RANGES];
	int nranges;
	struct net_dhcp_host hosts[NET_MAX_HOSTS];
	int nhosts;
	/* kvnet: namespace */
	enum net_datapath datapath; /* <kvnet:datapath type='ebpf|user'/> */
	unsigned fdb_aging_s;	    /* <kvnet:fdb aging='300' max='8192'/> */
	unsigned fdb_max;
};

/* Parse a libvirt network XML document. On error returns -EINVAL (or
 * -ENOMEM) and writes a one-line, human-actionable message to err, e.g.
 * "unsupported element <dns> in <network>". Fills defaults (bridge name,
 * MAC, uuid, aging) and validates (netmask contiguous, ranges inside the
 * subnet and not covering the gateway, hosts inside the subnet, names). */
int netxml_parse(const char *buf, size_t len, struct net_def *def, char *err,
		 size_t errlen);

/* Format def as libvirt network XML (what `net dumpxml` prints and what is
 * stored). The output parses back to an equal net_def. *out is malloc'd. */
int netxml_format(const struct net_def *def, char **out);

/* Build a definition for `net create NAME --mode M --subnet CIDR
 * [--uplink IF] [--dhcp-range A-B]`. The gateway is the subnet's first
 * host address. Same error contract as netxml_parse. */
int netxml_from_args(const char *name, const char *mode, const char *subnet,
		     const char *uplink, const char *dhcp_range,
		     struct net_def *def, char *err, size_t errlen);

/* Checks shared by both constructors; exported for the daemon. */
int netxml_validate(struct net_def *def, char *err, size_t errlen);

/* "isolated", "nat", ... and back (-1 if unknown). */
const char *net_mode_name(enum net_mode mode);
int net_mode_parse(const char *s);

/* True if the two networks' IPv4 subnets overlap. */
bool net_subnets_overlap(const struct net_def *a, const struct net_def *b);

#endif /* KVNET_NETXML_H */
