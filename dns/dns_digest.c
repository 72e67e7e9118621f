// SPDX-License-Identifier: GPL-2.0-only
/* A guest's DNS query as fixed-size data (see dns_digest.h): read with
 * ldns in the sandbox, checked and written out again in kvnetd. */
#include <errno.h>
#include <string.h>
#include <ldns/ldns.h>

#include "dns/dns_digest.h"

#define DNS_DIGEST_HDR 12
#define DNS_DIGEST_QR 0x80
#define DNS_DIGEST_OPCODE(f1) (((f1) >> 3) & 0x0f)
#define DNS_DIGEST_TYPE_OPT 41

/* ---- in the sandbox ------------------------------------------------------ */

static void dns_digest_question(const ldns_pkt *p, struct dns_digest *d)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	const ldns_rdf *owner = q ? ldns_rr_owner(q) : NULL;
	size_t n = owner ? ldns_rdf_size(owner) : 0;

	if (!owner || ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME || !n ||
	    n > DNS_DIGEST_NAME_MAX) {
		d->kind = DNS_DIGEST_FORMERR;
		return;
	}
	memcpy(d->qname, ldns_rdf_data(owner), n);
	d->qname_len = (uint8_t)n;
	d->qtype = (uint16_t)ldns_rr_get_type(q);
	d->qclass = (uint16_t)ldns_rr_get_class(q);
	d->edns = ldns_pkt_edns(p) ? 1 : 0;
	if (d->edns) {
		d->edns_udp = ldns_pkt_edns_udp_size(p);
		d->edns_version = ldns_pkt_edns_version(p);
		d->edns_do = ldns_pkt_edns_do(p) ? 1 : 0;
	}
	d->kind = DNS_DIGEST_QUERY;
}

void dns_digest_parse(const uint8_t *q, size_t len, struct dns_digest *d)
{
	ldns_pkt *p = NULL;

	memset(d, 0, sizeof(*d));
	if (len < DNS_DIGEST_HDR || (q[2] & DNS_DIGEST_QR))
		return; /* DNS_DIGEST_DROP */
	memcpy(&d->id, q, 2);
	d->flags[0] = q[2];
	d->flags[1] = q[3];
	d->kind = DNS_DIGEST_FORMERR;
	if (DNS_DIGEST_OPCODE(q[2]) != LDNS_PACKET_QUERY)
		d->kind = DNS_DIGEST_NOTIMP;
	else if (ldns_wire2pkt(&p, q, len) == LDNS_STATUS_OK && p && ldns_pkt_qdcount(p) == 1 &&
		 ldns_rr_list_rr_count(ldns_pkt_question(p)) == 1)
		dns_digest_question(p, d);
	ldns_pkt_free(p);
}

void dns_digest_first_label(const struct dns_digest *d, char out[64])
{
	size_t n = d->qname_len ? d->qname[0] : 0;

	if (n > 63 || n + 1 > d->qname_len)
		n = 0;
	memcpy(out, d->qname + 1, n);
	out[n] = '\0';
}

/* ---- in kvnetd ----------------------------------------------------------- */

/* Labels of 1..63 bytes, ending with the root label exactly at the end. */
static bool dns_digest_name_ok(const uint8_t *name, size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint8_t l = name[off];

		if (l == 0)
			return off + 1 == len;
		if (l > 63)
			return false;
		off += 1u + l;
	}
	return false;
}

static const char *dns_digest_check(const struct dns_digest *d)
{
	unsigned opcode = DNS_DIGEST_OPCODE(d->flags[0]);

	if (d->kind >= DNS_DIGEST_KIND_COUNT)
		return "unknown kind";
	if (d->kind == DNS_DIGEST_DROP)
		return NULL;
	if (d->flags[0] & DNS_DIGEST_QR)
		return "a response";
	if ((d->kind == DNS_DIGEST_NOTIMP) != (opcode != LDNS_PACKET_QUERY))
		return "opcode and kind disagree";
	if (d->kind != DNS_DIGEST_QUERY)
		return d->qname_len || d->edns ? "fields set besides the header" : NULL;
	if (!dns_digest_name_ok(d->qname, d->qname_len))
		return "not a domain name";
	if (d->edns > 1 || d->edns_do > 1 || d->reserved)
		return "flag out of range";
	if (!d->edns && (d->edns_udp || d->edns_version || d->edns_do))
		return "EDNS fields without EDNS";
	return NULL;
}

static size_t dns_digest_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* RFC 6891 §6.1.2: root name, type OPT, the payload size as CLASS, then
 * extended RCODE, version and DO in TTL, no RDATA. */
static size_t dns_digest_opt(const struct dns_digest *d, uint8_t *p)
{
	p[0] = 0;
	dns_digest_put16(p + 1, DNS_DIGEST_TYPE_OPT);
	dns_digest_put16(p + 3, d->edns_udp);
	p[5] = 0;
	p[6] = d->edns_version;
	p[7] = d->edns_do ? 0x80 : 0;
	p[8] = 0;
	dns_digest_put16(p + 9, 0);
	return 11;
}

int dns_digest_wire(const struct dns_digest *d, uint8_t out[DNS_DIGEST_WIRE_MAX],
		    const char **why)
{
	bool query = d->kind == DNS_DIGEST_QUERY;
	size_t n = DNS_DIGEST_HDR;

	*why = dns_digest_check(d);
	if (*why)
		return -EINVAL;
	if (d->kind == DNS_DIGEST_DROP)
		return 0;
	memset(out, 0, DNS_DIGEST_HDR);
	memcpy(out, &d->id, 2);
	out[2] = d->flags[0];
	out[3] = d->flags[1];
	out[5] = query;			/* QDCOUNT */
	out[11] = query && d->edns;	/* ARCOUNT */
	if (!query)
		return (int)n;
	memcpy(out + n, d->qname, d->qname_len);
	n += d->qname_len;
	n += dns_digest_put16(out + n, d->qtype);
	n += dns_digest_put16(out + n, d->qclass);
	if (d->edns)
		n += dns_digest_opt(d, out + n);
	return (int)n;
}
