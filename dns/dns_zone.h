/* SPDX-License-Identifier: GPL-2.0-only */
/* What a network's DNS forwarder knows of its own names (issue 16): the
 * guests' names and addresses (from DHCP leases, reservations and
 * <dns><host>), the TXT and SRV records of <dns><txt> and <dns><srv>, the
 * network's domain and how libvirt's settings scope it (localOnly,
 * forwardPlainNames, domains kept local by <forwarder domain=>). Plain
 * data, filled by kvnetd from the definition and the leases and read by
 * the answering engine (dns/dns_answer.h); the engine itself never
 * touches a socket or the daemon.
 */
#ifndef KVNET_DNS_ZONE_H
#define KVNET_DNS_ZONE_H

#include <stdbool.h>
#include <stdint.h>

#define DNS_NAME_MAX 254 /* a domain name as text, no trailing dot */
#define DNS_TXT_MAX 256	 /* a TXT value as text, its NUL included */
#define DNS_ZONE_HOSTS 1024
#define DNS_ZONE_TXTS 16
#define DNS_ZONE_SRVS 16
#define DNS_ZONE_LOCALS 8

/* A name and its addresses. Several entries may share a name (one per
 * <dns><host ip=>, say): a query gets the addresses of them all. */
struct dns_host {
	char name[DNS_NAME_MAX]; /* a single label, or a full name */
	uint32_t hash;		 /* of the name in lower case: dns_zone_finish */
	bool has_ip4, has_ip6;
	uint32_t ip4;		 /* network order */
	uint8_t ip6[16];
};

/* <dns><txt>: a TXT record. The value is cut at each comma into the
 * record's strings, as dnsmasq's txt-record= (what libvirt writes) does:
 * "v=1,mode=test" is two strings; "" is one empty string. */
struct dns_txt {
	char name[DNS_NAME_MAX];   /* the full name, "_policy.lab.example" */
	char value[DNS_TXT_MAX];
};

/* <dns><srv>: an SRV record (RFC 2782), served as it is (where libvirt's
 * <srv> gives no port=, dnsmasq serves port 1). */
struct dns_srv {
	char name[DNS_NAME_MAX];   /* the full name, "_http._tcp.lab.example" */
	char target[DNS_NAME_MAX]; /* "" or ".": the service is not offered */
	uint16_t port, priority, weight;
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
	struct dns_txt txts[DNS_ZONE_TXTS];
	int ntxts;
	struct dns_srv srvs[DNS_ZONE_SRVS];
	int nsrvs;
	/* <forwarder domain=> without addr: names under these (or these
	 * names) that the zone does not hold get NXDOMAIN, never forwarded */
	char local[DNS_ZONE_LOCALS][DNS_NAME_MAX];
	int nlocal;
};

/* A query's question as read: its name in lower case without the final
 * dot ("" for the root), its type and class. */
struct dns_question {
	bool ok; /* read (the name fits) */
	char name[DNS_NAME_MAX];
	uint16_t type, cls;
};

/* Once the zone is filled: host names to lower case, and their hashes,
 * which the engine compares before the names. */
void dns_zone_finish(struct dns_zone *z);

#endif /* KVNET_DNS_ZONE_H */
