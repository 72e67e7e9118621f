/* SPDX-License-Identifier: GPL-2.0-only */
/* The DNS service of one network, in kvnetd (issue 16): what dnsmasq does
 * for a libvirt network, on the gateway address.
 *
 * It listens on the gateway's address, port 53, UDP and TCP, bound to the
 * gateway device (SO_BINDTODEVICE), so only what reaches that device from
 * the network is read; a query whose source is outside the network's
 * subnet is REFUSED, so it is no open resolver. A query the network's
 * own names answer (dns/dns_answer.h, from the zone that
 * switch/network_dns.c builds) is answered at once; the rest goes
 * upstream (dns/dns_forward.h) from a socket of kvnetd's namespace, so a
 * stub on 127.0.0.53 serves as an upstream too, and the upstream's answer
 * goes back to the guest, and is cached for as long as its TTL allows
 * (dns/dns_cache.h): a name asked again is answered from the cache, as
 * dnsmasq's. A query over TCP is answered over TCP, and one it
 * forwards goes upstream over TCP (dnsd_uptcp.c), so a long answer
 * arrives whole.
 *
 * The zone is rebuilt on the first query after the network's names
 * changed (a lease, a reservation, the definition): netw_dns_stale().
 */
#ifndef KVNET_DNSD_H
#define KVNET_DNSD_H

#include <stdint.h>

#include "switch/error.h"

struct kvnetd;
struct kv_network;
struct dnsd;
struct dns_zone;

struct dnsd_counters {
	uint64_t queries;   /* read from guests, UDP and TCP */
	uint64_t answered;  /* from the network's own names */
	uint64_t cached;    /* answered from the cache of upstream's answers */
	uint64_t forwarded; /* sent upstream (first tries) */
	uint64_t upstream_answers; /* passed back to guests */
	uint64_t refused;   /* from outside the subnet */
	uint64_t servfail;  /* no upstream, none answered, table full */
	uint64_t dropped;   /* unreadable, or answers to nothing asked */
	uint64_t rate_limited; /* over the client's rate (dns/dns_rate.h) */
	uint64_t formerr;   /* malformed queries answered FORMERR */
	uint64_t notimp;    /* other opcodes answered NOTIMP */
	uint64_t sandboxed; /* read by the sandboxed parser (a query asked
			       again byte for byte is not read again) */
};

/* Serve DNS on n's gateway address. */
int dnsd_open(struct kvnetd *d, struct kv_network *n, struct dnsd **out, struct kv_error *e);
void dnsd_close(struct dnsd *s);
/* Once a second: queries timed out, idle TCP clients, the host's
 * resolv.conf read again when it changed. */
void dnsd_tick(struct dnsd *s);
/* The upstreams again (the definition or resolv.conf changed). */
void dnsd_upstreams_reload(struct dnsd *s);
const struct dnsd_counters *dnsd_counters(const struct dnsd *s);
/* The network's names as the service answers them (rebuilt first if they
 * changed): the host's lookups (names_sock.c) read the same zone. */
const struct dns_zone *dnsd_zone(struct dnsd *s);

#endif /* KVNET_DNSD_H */
