/* SPDX-License-Identifier: GPL-2.0-only */
/* The answering side of a network's DNS forwarder (issue 16): one query
 * from a guest, as bytes off the wire, against the network's own names
 * (dns/dns_zone.h). The wire format is ldns's (a well-kept library, no
 * parser of our own for bytes a guest writes). Pure: no I/O, no global
 * state; fuzzed by tests/fuzz/fuzz_dns_answer.c.
 *
 * Verdicts, as dnsmasq gives them for a libvirt network:
 *  - a name of the network (a guest's, plain or under the domain; the
 *    name of a TXT or SRV record), or the reverse name of one of their
 *    addresses: answered (A and AAAA of every host of the name, TXT, SRV,
 *    PTR; any other type of such a name: no data);
 *  - a name the network must not forward (under a localOnly domain or a
 *    domain kept local by <forwarder domain=>, a plain name unless
 *    forwardPlainNames, the reverse of an address of its subnet):
 *    NXDOMAIN, or no data if it is above a name of the network (an empty
 *    non-terminal, "_tcp.lab.example" above "_http._tcp.lab.example");
 *  - a message that is not a query (a response, another opcode): NOTIMP,
 *    or nothing for a response; a query that cannot be read: FORMERR when
 *    at least its header can, else nothing;
 *  - anything else: forwarded upstream as it came.
 */
#ifndef KVNET_DNS_ANSWER_H
#define KVNET_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns_zone.h"

/* Room for any answer the engine writes (it answers one name). */
#define DNS_ANSWER_MAX 4096
/* The UDP payload a client may take without EDNS (RFC 1035). */
#define DNS_UDP_PLAIN 512

enum dns_verdict {
	DNS_ANSWERED, /* out holds the response */
	DNS_FORWARD,  /* send the query upstream as it is */
	DNS_DROP,     /* say nothing */
};

/* Answer the query q (qlen bytes) from zone z. With DNS_ANSWERED the
 * response is in out (room for DNS_ANSWER_MAX), its length in *outlen. */
enum dns_verdict dns_answer(const struct dns_zone *z, const uint8_t *q, size_t qlen,
			    uint8_t *out, size_t *outlen);
/* The same, and with DNS_FORWARD the question it read in *qn (qn->ok
 * false when its name did not fit), so the forwarder reads it once. */
enum dns_verdict dns_answer_q(const struct dns_zone *z, const uint8_t *q, size_t qlen,
			      uint8_t *out, size_t *outlen, struct dns_question *qn);

#endif /* KVNET_DNS_ANSWER_H */
