/* SPDX-License-Identifier: GPL-2.0-only */
/* A guest's DNS query as plain, fixed-size data: what the sandboxed
 * parser (kvnetd --guestd, docs/privsep.md) reads in the guest's bytes
 * (with ldns), and what kvnetd serves.
 *
 * kvnetd checks every field (dns_digest_wire) and writes the query out
 * again itself, in a canonical form: the header as the guest sent it
 * (QR clear), its one question, and an OPT record with the guest's
 * payload size, version and DO bit if it had EDNS; nothing else (no
 * other EDNS option, no other record). The zone, the cache, the
 * forwarder and the error replies then see only that: bytes kvnetd
 * wrote, from fields it checked. A message that is not a query comes
 * over as its header alone, which gets the answer it got before:
 * NOTIMP for another opcode, FORMERR for a query that cannot be read
 * or that has other than one question, nothing for a response or a
 * runt.
 */
#ifndef KVNET_DNS_DIGEST_H
#define KVNET_DNS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DNS_DIGEST_NAME_MAX 255 /* a name on the wire, root label included */
/* Room for the canonical query: header, question, OPT. */
#define DNS_DIGEST_WIRE_MAX (12 + DNS_DIGEST_NAME_MAX + 4 + 11)

enum dns_digest_kind {
	DNS_DIGEST_DROP = 0,	 /* a runt or a response: say nothing */
	DNS_DIGEST_NOTIMP = 1,	 /* another opcode: the header only */
	DNS_DIGEST_FORMERR = 2,	 /* unreadable, or not one question */
	DNS_DIGEST_QUERY = 3,	 /* a query: every field */
	DNS_DIGEST_KIND_COUNT
};

struct dns_digest {
	uint8_t kind;	     /* enum dns_digest_kind */
	uint8_t flags[2];    /* header bytes 2 and 3 (QR, opcode, RD, AD, CD...) */
	uint8_t qname_len;   /* bytes of qname: labels, the root label last */
	uint16_t id;	     /* as on the wire (network order bytes) */
	uint16_t qtype, qclass;
	uint8_t edns;	     /* an OPT record came (0 or 1) */
	uint8_t edns_version;
	uint8_t edns_do;     /* 0 or 1 */
	uint8_t reserved;
	uint16_t edns_udp;   /* the guest's payload size */
	uint8_t qname[DNS_DIGEST_NAME_MAX];
};

/* In the sandbox: read query q (len bytes) into d (zeroed first). */
void dns_digest_parse(const uint8_t *q, size_t len, struct dns_digest *d);

/* In kvnetd: check every field of d and write its canonical query in
 * out (DNS_DIGEST_WIRE_MAX bytes). Its length; 0 for DNS_DIGEST_DROP;
 * -EINVAL with what was wrong in *why. */
int dns_digest_wire(const struct dns_digest *d, uint8_t out[DNS_DIGEST_WIRE_MAX],
		    const char **why);

/* The first label of d's name, as text (for the fault triggers). */
void dns_digest_first_label(const struct dns_digest *d, char out[64]);

#endif /* KVNET_DNS_DIGEST_H */
