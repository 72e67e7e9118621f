/* SPDX-License-Identifier: GPL-2.0-only */
/* What the host learns of a network's names through the names socket
 * (dns/dns_names.h; the NSS module nss/ asks): one question, a name or an
 * address, answered from the network's zone (dns/dns_zone.h, as
 * dns_zone_finish left it) with the same matching as the guests' DNS
 * forwarder (dns/dns_answer.h):
 *
 *  - a name matches a host by the host's own name, or by its single label
 *    one level below the network's domain; case does not count;
 *  - a host's canonical name is name.domain when the network has a domain
 *    and the name is a single label, else the name itself;
 *  - by name: the canonical name with every address the zone's entries of
 *    that name hold (IPv4 first, each once);
 *  - by address: the canonical names of every entry with that address, in
 *    the zone's order (the first is the name, the rest aliases).
 *
 * Pure: no I/O, no daemon state. */
#ifndef KVNET_DNS_HOSTS_H
#define KVNET_DNS_HOSTS_H

#include "dns/dns_names.h"
#include "dns/dns_zone.h"

/* Add what z knows of q to r. Returns how many lines it added (0: z does
 * not know it). */
int dns_hosts_answer(const struct dns_zone *z, const struct dns_names_req *q,
		     struct dns_names_reply *r);

#endif /* KVNET_DNS_HOSTS_H */
