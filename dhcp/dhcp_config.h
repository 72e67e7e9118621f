/* SPDX-License-Identifier: GPL-2.0-only */
/* What one network's DHCP server hands out: plain data the daemon fills
 * from the libvirt network XML (<ip>, <dhcp><range>, <domain>, <mtu>,
 * <bootp>, <route>) and sends to the engine as is. No pointers, so it
 * crosses a socketpair to the sandboxed engine unchanged.
 *
 * Reservations (<host>) are not here: they change live, so they travel
 * one at a time (dhcp_server_host_add/del).
 */
#ifndef KVNET_DHCP_CONFIG_H
#define KVNET_DHCP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_hash.h"
#include "dhcp/dhcp_opt.h"

#define DHCP_MAX_RANGES 16
#define DHCP_MAX_DNS 8
#define DHCP_MAX_SEARCH 6
#define DHCP_MAX_ROUTES 16
/* Addresses over all ranges: 4M (a /10), 1 MiB of bitmaps. */
#define DHCP_POOL_MAX (1u << 22)
/* Lease times are seconds; this one is "infinite" (option 51 0xffffffff,
 * RFC 2132 §9.2), as libvirt's <lease expiry='0'/>. */
#define DHCP_LEASE_INFINITE UINT32_MAX
#define DHCP_LEASE_DEFAULT 3600	   /* libvirt's dnsmasq default */
#define DHCP_QUARANTINE_DEFAULT 600 /* a declined or conflicting address */
#define DHCP_OFFER_HOLD_DEFAULT 30  /* an OFFER keeps its address this long */
#define DHCP_ERR_MAX 160

struct dhcp_range {
	uint32_t start, end; /* inclusive */
	uint32_t lease_s;    /* 0: the config's lease_s */
};

struct dhcp_config {
	uint32_t server_ip; /* server identifier (54), router (3), gateway */
	uint32_t subnet;    /* network address */
	uint8_t prefix;	    /* 8 .. 30 */
	struct dhcp_range ranges[DHCP_MAX_RANGES];
	int nranges;
	uint32_t lease_s; /* default lease time */
	bool router;	  /* send option 3 (off for isolated networks) */
	uint32_t dns[DHCP_MAX_DNS];
	int ndns;
	char domain[DHCP_DOMAIN_MAX]; /* option 15, "" none */
	char search[DHCP_MAX_SEARCH][DHCP_DOMAIN_MAX]; /* option 119 */
	int nsearch;
	uint16_t mtu; /* option 26, 0 none (else 68 ..) */
	struct dhcp_route routes[DHCP_MAX_ROUTES]; /* option 121 */
	int nroutes;
	char boot_file[DHCP_FILE_LEN]; /* `file` and option 67, "" none */
	uint32_t boot_server;	       /* siaddr and option 66; 0: server_ip */
	bool ignore_client_id;	/* identify clients by chaddr alone */
	uint32_t port_lease_cap; /* per untrusted port; 0: no cap */
	uint32_t quarantine_s;
	uint32_t offer_hold_s;
	uint8_t hash_key[DHCP_HASH_KEY_LEN]; /* random, from the daemon */
};

/* Zero c, then the defaults: lease 3600 s, quarantine 600 s, offer hold
 * 30 s, router on. */
void dhcp_config_init(struct dhcp_config *c);
/* 0, or -EINVAL with a one-line message: subnet and prefix, server
 * address inside and not network/broadcast, ranges inside the subnet,
 * ordered and disjoint, at most DHCP_POOL_MAX addresses, names valid,
 * counts within their arrays. */
int dhcp_config_check(const struct dhcp_config *c, char *err, size_t errlen);

uint32_t dhcp_config_mask(const struct dhcp_config *c);
uint32_t dhcp_config_broadcast(const struct dhcp_config *c);
bool dhcp_config_in_subnet(const struct dhcp_config *c, uint32_t ip);
/* Never handed out: the network and broadcast addresses, the server's. */
bool dhcp_config_special(const struct dhcp_config *c, uint32_t ip);

#endif /* KVNET_DHCP_CONFIG_H */
