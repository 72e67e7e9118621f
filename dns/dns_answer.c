// SPDX-License-Identifier: GPL-2.0-only
/* The answering side of a network's DNS forwarder (see dns_answer.h):
 * ldns reads the query and writes the answer; this file decides. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/hash.h"
#include "dns/dns_answer.h"

#define DNS_HDR 12
#define DNS_EDNS_SIZE 1232 /* what we offer an EDNS client (DNS flag day 2020) */

/* ---- what a name is to the network ------------------------------------ */

/* The query's name as the zone may hold it: the name itself and, for a
 * name one label below the domain, that label (a host's short name). */
struct dns_qname {
	const char *name;
	char label[DNS_NAME_MAX]; /* "" if none */
	uint32_t name_hash, label_hash;
};

/* What became of the query's name. */
struct dns_hit {
	enum { HIT_FORWARD, HIT_NXDOMAIN, HIT_NAME, HIT_PTR } kind;
	const struct dns_host *host; /* HIT_PTR: the name to give */
	struct dns_qname q;	     /* HIT_NAME: whose records to give */
};

/* Does name end with "." + domain (or is it the domain)? */
static bool dns_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (!d || n < d || strcasecmp(name + n - d, domain) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

/* Is name strictly below ancestor? */
static bool dns_below(const char *name, const char *ancestor)
{
	return strlen(name) > strlen(ancestor) && dns_under(name, ancestor);
}

static void dns_qname_init(const struct dns_zone *z, const char *name, struct dns_qname *q)
{
	size_t n = strlen(name), d = strlen(z->domain);

	q->name = name;
	q->label[0] = '\0';
	if (dns_below(name, z->domain) && n - d - 1 < sizeof(q->label) &&
	    !memchr(name, '.', n - d - 1))
		snprintf(q->label, sizeof(q->label), "%.*s", (int)(n - d - 1), name);
	q->name_hash = kv_name_hash(q->name);
	q->label_hash = kv_name_hash(q->label);
}

static bool dns_host_is(const struct dns_host *h, const struct dns_qname *q)
{
	return (h->hash == q->name_hash && !strcmp(h->name, q->name)) ||
	       (q->label[0] && h->hash == q->label_hash && !strcmp(h->name, q->label));
}

/* The host's name as answers give it: under the domain if it is a single
 * label. */
static const char *dns_host_full(const struct dns_zone *z, const struct dns_host *h, char *buf,
				 size_t len)
{
	if (z->domain[0] && !strchr(h->name, '.'))
		snprintf(buf, len, "%s.%s", h->name, z->domain);
	else
		snprintf(buf, len, "%s", h->name);
	return buf;
}

static const struct dns_host *dns_host_at(const struct dns_zone *z, uint32_t ip4)
{
	for (int i = 0; i < z->nhosts && i < DNS_ZONE_HOSTS; i++)
		if (z->hosts[i].has_ip4 && z->hosts[i].ip4 == ip4)
			return &z->hosts[i];
	return NULL;
}

/* Does the zone hold records of this name (addresses, TXT or SRV)? */
static bool dns_holds(const struct dns_zone *z, const struct dns_qname *q)
{
	for (int i = 0; i < z->nhosts && i < DNS_ZONE_HOSTS; i++)
		if (dns_host_is(&z->hosts[i], q))
			return true;
	for (int i = 0; i < z->ntxts && i < DNS_ZONE_TXTS; i++)
		if (!strcasecmp(z->txts[i].name, q->name))
			return true;
	for (int i = 0; i < z->nsrvs && i < DNS_ZONE_SRVS; i++)
		if (!strcasecmp(z->srvs[i].name, q->name))
			return true;
	return false;
}

/* Is name above one of the zone's names ("_tcp.lab.example" above
 * "_http._tcp.lab.example")? Such an empty non-terminal exists, with no
 * records of its own: RFC 8020 §2, "when an iterative resolver receives
 * a response with rcode set to NXDOMAIN, it MAY ... cache" the whole tree
 * below it as gone, so it is no data, never NXDOMAIN. */
static bool dns_above(const struct dns_zone *z, const char *name)
{
	char full[2 * DNS_NAME_MAX + 2];

	for (int i = 0; i < z->ntxts && i < DNS_ZONE_TXTS; i++)
		if (dns_below(z->txts[i].name, name))
			return true;
	for (int i = 0; i < z->nsrvs && i < DNS_ZONE_SRVS; i++)
		if (dns_below(z->srvs[i].name, name))
			return true;
	for (int i = 0; i < z->nhosts && i < DNS_ZONE_HOSTS; i++)
		if (dns_below(dns_host_full(z, &z->hosts[i], full, sizeof(full)), name))
			return true;
	return false;
}

/* Must a name the zone does not hold stay here? Under a localOnly domain
 * or a <forwarder domain=> without addr, or a plain name unless
 * forwardPlainNames. */
static bool dns_kept_local(const struct dns_zone *z, const char *name)
{
	if (!strchr(name, '.') && !z->forward_plain)
		return true;
	if (z->local_only && dns_under(name, z->domain))
		return true;
	for (int i = 0; i < z->nlocal && i < DNS_ZONE_LOCALS; i++)
		if (dns_under(name, z->local[i]))
			return true;
	return false;
}

/* "d.c.b.a.in-addr.arpa" as an address (network order). */
static bool dns_reverse4(const char *name, uint32_t *ip)
{
	unsigned o[4];
	int end = 0;
	uint8_t b[4];

	if (!dns_below(name, "in-addr.arpa")) /* most names: no sscanf */
		return false;
	if (sscanf(name, "%3u.%3u.%3u.%3u.in-addr.arpa%n", &o[3], &o[2], &o[1], &o[0], &end) != 4 ||
	    name[end] != '\0' || !end)
		return false;
	for (int i = 0; i < 4; i++) {
		if (o[i] > 255)
			return false;
		b[i] = (uint8_t)o[i];
	}
	memcpy(ip, b, 4);
	return true;
}

/* "b.a.9.8....ip6.arpa" (32 nibbles, the last first) as an address. */
static bool dns_reverse6(const char *name, uint8_t ip6[16])
{
	static const char hex[] = "0123456789abcdef";
	const char *p;

	if (strlen(name) != 64 + sizeof("ip6.arpa") - 1 || strcmp(name + 64, "ip6.arpa"))
		return false;
	memset(ip6, 0, 16);
	for (int i = 0; i < 32; i++) {
		p = strchr(hex, name[2 * i]);
		if (!name[2 * i] || !p || name[2 * i + 1] != '.')
			return false;
		ip6[(31 - i) / 2] |= (uint8_t)((p - hex) << ((31 - i) % 2 ? 0 : 4));
	}
	return true;
}

static struct dns_hit dns_reverse6_hit(const struct dns_zone *z, const uint8_t ip6[16])
{
	struct dns_hit h = { .kind = HIT_FORWARD };

	for (int i = 0; i < z->nhosts && i < DNS_ZONE_HOSTS && !h.host; i++)
		if (z->hosts[i].has_ip6 && !memcmp(z->hosts[i].ip6, ip6, 16))
			h.host = &z->hosts[i];
	if (h.host)
		h.kind = HIT_PTR;
	return h;
}

static struct dns_hit dns_reverse_hit(const struct dns_zone *z, uint32_t ip)
{
	struct dns_hit h = { .kind = HIT_FORWARD };

	h.host = dns_host_at(z, ip);
	if (h.host)
		h.kind = HIT_PTR;
	else if (z->mask && (ip & z->mask) == z->subnet)
		h.kind = HIT_NXDOMAIN; /* the network's own reverse zone */
	return h;
}

/* The query's name (lower case, no trailing dot) to the network. */
static struct dns_hit dns_lookup(const struct dns_zone *z, const char *name)
{
	struct dns_hit h = { .kind = HIT_FORWARD };
	uint8_t ip6[16];
	uint32_t ip;

	dns_qname_init(z, name, &h.q);
	if (dns_reverse4(name, &ip))
		h = dns_reverse_hit(z, ip);
	else if (dns_reverse6(name, ip6))
		h = dns_reverse6_hit(z, ip6);
	else if (dns_holds(z, &h.q))
		h.kind = HIT_NAME;
	if (h.kind == HIT_FORWARD && dns_kept_local(z, name))
		h.kind = dns_above(z, name) ? HIT_NAME : HIT_NXDOMAIN;
	return h;
}

/* ---- the answer ------------------------------------------------------- */

/* An error with only the header to go on: the query's id, opcode and RD,
 * QR set, and rcode. Nothing for a response or a runt. */
static enum dns_verdict dns_header_error(const uint8_t *q, size_t qlen, unsigned rcode,
					 uint8_t *out, size_t *outlen)
{
	if (qlen < DNS_HDR || (q[2] & 0x80))
		return DNS_DROP;
	memset(out, 0, DNS_HDR);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = 0x80 | (q[2] & 0x79);
	out[3] = (uint8_t)(rcode & 0x0f);
	*outlen = DNS_HDR;
	return DNS_ANSWERED;
}

/* The host's name as a PTR answer gives it. */
static ldns_rdf *dns_host_dname(const struct dns_zone *z, const struct dns_host *host)
{
	char full[2 * DNS_NAME_MAX + 2];
	size_t n;

	dns_host_full(z, host, full, sizeof(full) - 1);
	n = strlen(full);
	full[n] = '.';
	full[n + 1] = '\0';
	return ldns_dname_new_frm_str(full);
}

/* An answer record for the question, with no data yet: owner as asked,
 * TTL 0 (the names follow the leases, as dnsmasq's local-ttl 0). */
static ldns_rr *dns_rr_new(const ldns_rr *question, ldns_rr_type type)
{
	ldns_rr *rr = ldns_rr_new();

	if (!rr)
		return NULL;
	ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(question)));
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, 0);
	return rr;
}

/* rr with one more field of data; NULL (both freed) if either is. */
static ldns_rr *dns_rr_add(ldns_rr *rr, ldns_rdf *rdata)
{
	if (rr && rdata && ldns_rr_push_rdf(rr, rdata))
		return rr;
	ldns_rdf_deep_free(rdata);
	ldns_rr_free(rr);
	return NULL;
}

static ldns_rr *dns_rr(const ldns_rr *question, ldns_rr_type type, ldns_rdf *rdata)
{
	return dns_rr_add(dns_rr_new(question, type), rdata);
}

/* Into the answers, once (RFC 2181 §5: no RR twice in an RRset, and two
 * hosts of one name may share an address). */
static void dns_push(ldns_rr_list *ans, ldns_rr *rr)
{
	if (rr && !ldns_rr_list_contains_rr(ans, rr) && ldns_rr_list_push_rr(ans, rr))
		return;
	ldns_rr_free(rr);
}

/* A TXT record: the value's comma-separated parts as its strings
 * (RFC 1035 §3.3.14, "One or more <character-string>s"). */
static ldns_rr *dns_txt_rr(const ldns_rr *question, const char *value)
{
	ldns_rr *rr = dns_rr_new(question, LDNS_RR_TYPE_TXT);
	char v[DNS_TXT_MAX];
	uint8_t s[DNS_TXT_MAX];
	const char *p = v;
	size_t n;

	snprintf(v, sizeof(v), "%.*s", DNS_TXT_MAX - 1, value);
	for (;;) {
		n = strcspn(p, ",");
		s[0] = (uint8_t)n; /* n < DNS_TXT_MAX = 256 */
		memcpy(s + 1, p, n);
		rr = dns_rr_add(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, n + 1, s));
		if (!rr || p[n] != ',')
			return rr;
		p += n + 1;
	}
}

/* An SRV record (RFC 2782): priority, weight, port, target; no target is
 * ".", "the service is decidedly not available at this domain". */
static ldns_rr *dns_srv_rr(const ldns_rr *question, const struct dns_srv *s)
{
	ldns_rr *rr = dns_rr_new(question, LDNS_RR_TYPE_SRV);
	char target[DNS_NAME_MAX + 1];

	snprintf(target, sizeof(target), "%.*s.", DNS_NAME_MAX - 1,
		 strcmp(s->target, ".") ? s->target : "");
	rr = dns_rr_add(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, s->priority));
	rr = dns_rr_add(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, s->weight));
	rr = dns_rr_add(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, s->port));
	return dns_rr_add(rr, ldns_dname_new_frm_str(target));
}

static bool dns_wants(ldns_rr_type asked, ldns_rr_type t)
{
	return asked == t || asked == LDNS_RR_TYPE_ANY;
}

/* The addresses of every host of the name. */
static void dns_host_records(const struct dns_zone *z, const ldns_rr *question, ldns_rr_type t,
			     const struct dns_qname *q, ldns_rr_list *ans)
{
	const struct dns_host *h;

	for (int i = 0; i < z->nhosts && i < DNS_ZONE_HOSTS; i++) {
		h = &z->hosts[i];
		if (!dns_host_is(h, q))
			continue;
		if (h->has_ip4 && dns_wants(t, LDNS_RR_TYPE_A))
			dns_push(ans, dns_rr(question, LDNS_RR_TYPE_A,
					     ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, &h->ip4)));
		if (h->has_ip6 && dns_wants(t, LDNS_RR_TYPE_AAAA))
			dns_push(ans, dns_rr(question, LDNS_RR_TYPE_AAAA,
					     ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, h->ip6)));
	}
}

/* The TXT and SRV records of the name. */
static void dns_named_records(const struct dns_zone *z, const ldns_rr *question, ldns_rr_type t,
			      const char *name, ldns_rr_list *ans)
{
	for (int i = 0; dns_wants(t, LDNS_RR_TYPE_TXT) && i < z->ntxts && i < DNS_ZONE_TXTS; i++)
		if (!strcasecmp(z->txts[i].name, name))
			dns_push(ans, dns_txt_rr(question, z->txts[i].value));
	for (int i = 0; dns_wants(t, LDNS_RR_TYPE_SRV) && i < z->nsrvs && i < DNS_ZONE_SRVS; i++)
		if (!strcasecmp(z->srvs[i].name, name))
			dns_push(ans, dns_srv_rr(question, &z->srvs[i]));
}

/* The records answering the question of type t about hit h (none: no
 * data for that type). */
static void dns_records(const struct dns_zone *z, const ldns_rr *question, ldns_rr_type t,
			const struct dns_hit *h, ldns_rr_list *ans)
{
	if (h->kind == HIT_PTR && dns_wants(t, LDNS_RR_TYPE_PTR))
		dns_push(ans, dns_rr(question, LDNS_RR_TYPE_PTR, dns_host_dname(z, h->host)));
	if (h->kind != HIT_NAME)
		return;
	dns_host_records(z, question, t, &h->q, ans);
	dns_named_records(z, question, t, h->q.name, ans);
}

/* The response to q: rcode, the question, the answers (ans is taken,
 * whatever happens). */
static ldns_pkt *dns_response(const ldns_pkt *q, ldns_pkt_rcode rcode, ldns_rr_list *ans)
{
	ldns_pkt *r = ldns_pkt_new();

	if (!r) {
		ldns_rr_list_deep_free(ans);
		return NULL;
	}
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_opcode(r, LDNS_PACKET_QUERY);
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
			 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
	ldns_pkt_push_rr_list(r, LDNS_SECTION_ANSWER, ans); /* the records move */
	ldns_rr_list_free(ans);
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(r, DNS_EDNS_SIZE);
	return r;
}

/* r on the wire, as much as the client takes: over its limit, the
 * answers go and TC says so. */
static enum dns_verdict dns_wire(ldns_pkt *r, size_t limit, uint8_t *out, size_t *outlen)
{
	uint8_t *buf = NULL;
	size_t size = 0;

	if (ldns_pkt2wire(&buf, r, &size) != LDNS_STATUS_OK || !buf)
		return DNS_DROP;
	if (size > limit || size > DNS_ANSWER_MAX) {
		free(buf);
		buf = NULL;
		ldns_rr_list_deep_free(ldns_pkt_answer(r));
		ldns_pkt_set_answer(r, ldns_rr_list_new());
		ldns_pkt_set_ancount(r, 0);
		ldns_pkt_set_tc(r, true);
		if (ldns_pkt2wire(&buf, r, &size) != LDNS_STATUS_OK || !buf || size > limit) {
			free(buf);
			return DNS_DROP;
		}
	}
	memcpy(out, buf, size);
	*outlen = size;
	free(buf);
	return DNS_ANSWERED;
}

/* The question's name as text: lower case, no trailing dot. */
static bool dns_qname(const ldns_rr *question, char *name, size_t len)
{
	char *s = ldns_rdf2str(ldns_rr_owner(question));
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		s[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	snprintf(name, len, "%s", s);
	free(s);
	return n < len;
}

/* A readable query with one question: answer, refuse or forward it. */
/* The most an answer may take: 512 bytes without EDNS, else the smaller
 * of the client's size and ours (RFC 6891 §6.2.5), never under 512. */
static size_t dns_udp_limit(const ldns_pkt *q)
{
	size_t theirs = ldns_pkt_edns_udp_size(q);

	if (!ldns_pkt_edns(q))
		return DNS_UDP_PLAIN;
	return theirs < DNS_UDP_PLAIN ? DNS_UDP_PLAIN : theirs > DNS_EDNS_SIZE ? DNS_EDNS_SIZE : theirs;
}

/* What is forwarded: the question as read, for the forwarder. */
static enum dns_verdict dns_forwarded(const ldns_rr *question, const char *name, bool ok,
				      struct dns_question *qn)
{
	if (!qn)
		return DNS_FORWARD;
	qn->ok = ok && strlen(name) < sizeof(qn->name);
	if (qn->ok)
		memcpy(qn->name, name, strlen(name) + 1);
	qn->type = (uint16_t)ldns_rr_get_type(question);
	qn->cls = (uint16_t)ldns_rr_get_class(question);
	return DNS_FORWARD;
}

static enum dns_verdict dns_decide(const struct dns_zone *z, const ldns_pkt *q, uint8_t *out,
				   size_t *outlen, struct dns_question *qn)
{
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	size_t limit = dns_udp_limit(q);
	char name[DNS_NAME_MAX + 64];
	enum dns_verdict v;
	struct dns_hit h;
	ldns_rr_list *ans;
	ldns_pkt *r;

	if (!question)
		return DNS_FORWARD;
	if (!dns_qname(question, name, sizeof(name)))
		return dns_forwarded(question, name, false, qn);
	if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN)
		return dns_forwarded(question, name, true, qn);
	h = dns_lookup(z, name);
	if (h.kind == HIT_FORWARD)
		return dns_forwarded(question, name, true, qn);
	ans = ldns_rr_list_new();
	if (!ans)
		return DNS_DROP;
	if (h.kind != HIT_NXDOMAIN)
		dns_records(z, question, ldns_rr_get_type(question), &h, ans);
	r = dns_response(q, h.kind == HIT_NXDOMAIN ? LDNS_RCODE_NXDOMAIN : LDNS_RCODE_NOERROR,
			 ans);
	if (!r)
		return DNS_DROP;
	v = dns_wire(r, limit, out, outlen);
	ldns_pkt_free(r);
	return v;
}

enum dns_verdict dns_answer(const struct dns_zone *z, const uint8_t *q, size_t qlen,
			    uint8_t *out, size_t *outlen)
{
	return dns_answer_q(z, q, qlen, out, outlen, NULL);
}

enum dns_verdict dns_answer_q(const struct dns_zone *z, const uint8_t *q, size_t qlen,
			      uint8_t *out, size_t *outlen, struct dns_question *qn)
{
	enum dns_verdict v;
	ldns_pkt *p = NULL;

	if (qlen < DNS_HDR || (q[2] & 0x80))
		return DNS_DROP; /* a runt, or a response: nobody asked */
	if (((q[2] >> 3) & 0x0f) != LDNS_PACKET_QUERY)
		return dns_header_error(q, qlen, LDNS_RCODE_NOTIMPL, out, outlen);
	if (ldns_wire2pkt(&p, q, qlen) != LDNS_STATUS_OK || !p)
		return dns_header_error(q, qlen, LDNS_RCODE_FORMERR, out, outlen);
	if (ldns_pkt_qdcount(p) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(p)) != 1)
		v = dns_header_error(q, qlen, LDNS_RCODE_FORMERR, out, outlen);
	else
		v = dns_decide(z, p, out, outlen, qn);
	ldns_pkt_free(p);
	return v;
}
