/* SPDX-License-Identifier: GPL-2.0-only */
/* What a network's DNS forwarder knows of its own names (issue 16): the
 * guests' names and addresses (from DHCP leases, reservations and
 * <dns><host>), the network's domain and how libvirt's settings scope
 * it. Plain data, filled by kvnetd from the definition and the leases and
 * read by the answering engine (dns/dns_answer.h); the engine itself
 * never touches a socket or the daemon.
 */
#ifndef KVNET_DNS_ZONE_H
#define KVNET_DNS_ZONE_H

#include <stdbool.h>
#include <stdint.h>

#define DNS_NAME_MAX 254 /* a domain name as text, no trailing dot */
#define DNS_ZONE_HOSTS 1024

struct dns_host {
	char name[DNS_NAME_MAX]; /* a single label, or a full name */
	bool has_ip4, has_ip6;
	uint32_t ip4;		 /* network order */
	uint8_t ip6[16];
};

struct dns_zone {
	char domain[DNS_NAME_MAX]; /* <domain name=>, "" for none */
	bool local_only;	   /* <domain localOnly='yes'>: never forwarded */
	bool forward_plain;	   /* <dns forwardPlainNames='yes'>: names with
				      no dot go upstream if not ours */
	uint32_t subnet, mask;	   /* the network's IPv4 (network order): its
				      reverse names are ours */
	struct dns_host hosts[DNS_ZONE_HOSTS];
	int nhosts;
};

#endif /* KVNET_DNS_ZONE_H */
