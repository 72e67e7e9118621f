// SPDX-License-Identifier: GPL-2.0-only
/* The DNS forwarder's answer cache (see dns_cache.h): a query's key, the
 * checks and rewrites an answer goes through before it is kept (ldns
 * reads and writes it), and a hash table with an LRU list that serves
 * copies with the query's ID, spelling and aged TTLs. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <ldns/ldns.h>

#include "common/hash.h"
#include "dns/dns_cache.h"

#define DC_HDR 12
#define DC_NAME_MAX 255		     /* a name on the wire (RFC 1035 §2.3.4) */
#define DC_KEY_MAX (DC_NAME_MAX + 5) /* name, type, class, flags */
#define DC_UDP_PLAIN 512
#define DC_TYPE_OPT 41
#define DC_CLASS_IN 1
#define DC_OPT_ECS 8 /* EDNS client subnet (RFC 7871) */
/* A record takes 11 bytes at least (root owner, no data): */
#define DC_RRS_MAX ((DNS_CACHE_ANSWER_MAX - DC_HDR - 5) / 11)

/* the key's flags byte: what in a query changes the answer */
#define DC_K_RD 0x01
#define DC_K_CD 0x02
#define DC_K_AD 0x04
#define DC_K_EDNS 0x08
#define DC_K_DO 0x10

/* A query as the cache sees it. */
struct dc_key {
	uint8_t b[DC_KEY_MAX]; /* lower-case name, type, class, flags */
	size_t len;	       /* of b */
	const uint8_t *qname;  /* the query's own spelling of it */
	size_t namelen;	       /* its length on the wire, at DC_HDR */
	size_t limit;	       /* the longest answer it takes */
	uint16_t qtype;
	uint8_t flags; /* DC_K_*, as in b */
};

struct dc_entry {
	struct dc_entry *hnext;	      /* the bucket's chain */
	struct dc_entry *prev, *next; /* LRU: most recently used first */
	uint64_t hash;
	uint64_t stored_ms, expires_ms;
	uint16_t len, nttl, klen;
	uint16_t ttl_off[]; /* nttl, then the answer (len), then the key (klen) */
};

struct dns_cache {
	struct dc_entry **bucket;
	size_t mask; /* buckets - 1 */
	struct dc_entry *head, *tail;
	unsigned n, max;
	uint8_t seed[KV_SIPHASH_KEY_LEN];
};

/* ---- bytes off the wire ------------------------------------------------- */

/* The one accessor for a message's bytes: n bytes at off of m (len
 * bytes), or NULL when they are not all there. */
static const uint8_t *dc_at(const uint8_t *m, size_t len, size_t off, size_t n)
{
	if (off > len || n > len - off)
		return NULL;
	return m + off;
}

static bool dc_u16(const uint8_t *m, size_t len, size_t off, uint16_t *v)
{
	const uint8_t *p = dc_at(m, len, off, 2);

	if (!p)
		return false;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

static uint8_t dc_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ---- a query's key ------------------------------------------------------ */

/* The header of a plain query: QR, opcode and TC clear, one question,
 * nothing but an OPT record after it. Sets the RD, CD and AD flags. */
static bool dc_key_header(const uint8_t *m, size_t len, uint8_t *flags, uint16_t *arcount)
{
	const uint8_t *h = dc_at(m, len, 0, DC_HDR);

	if (!h || (h[2] & 0xfa) || h[4] || h[5] != 1 || h[6] || h[7] || h[8] || h[9] || h[10] ||
	    h[11] > 1)
		return false;
	*flags = (h[2] & 0x01 ? DC_K_RD : 0) | (h[3] & 0x10 ? DC_K_CD : 0) |
		 (h[3] & 0x20 ? DC_K_AD : 0);
	*arcount = h[11];
	return true;
}

/* The question's name, uncompressed, lower-cased into k; the offset past
 * it, or 0. */
static size_t dc_key_name(const uint8_t *m, size_t len, struct dc_key *k)
{
	size_t off = DC_HDR;
	const uint8_t *p;

	for (;;) {
		p = dc_at(m, len, off, 1);
		if (!p || *p > 63 || off - DC_HDR + 1 + *p > DC_NAME_MAX)
			return 0; /* a pointer, an extended label, too long */
		p = dc_at(m, len, off, 1 + (size_t)*p);
		if (!p)
			return 0;
		for (size_t i = 0; i <= p[0]; i++)
			k->b[off - DC_HDR + i] = dc_lower(p[i]);
		off += 1 + (size_t)p[0];
		if (!p[0])
			break;
	}
	k->qname = m + DC_HDR;
	k->namelen = off - DC_HDR;
	return off;
}

/* The options of an OPT record: false when one is malformed or is an
 * EDNS client subnet (the answer would be for that subnet only). */
static bool dc_key_options(const uint8_t *m, size_t len, size_t off)
{
	uint16_t code, olen;

	while (off < len) {
		if (!dc_u16(m, len, off, &code) || !dc_u16(m, len, off + 2, &olen) ||
		    !dc_at(m, len, off + 4, olen) || code == DC_OPT_ECS)
			return false;
		off += 4 + (size_t)olen;
	}
	return true;
}

/* The query's OPT record at off, the last thing in it (RFC 6891 §6.1.2:
 * owner root, type OPT, class the UDP size, TTL extended rcode, version
 * and flags). Version 0 only. */
static bool dc_key_opt(const uint8_t *m, size_t len, size_t off, struct dc_key *k, uint8_t *flags)
{
	const uint8_t *rr = dc_at(m, len, off, 11);
	size_t udp, rdlen;

	if (!rr || rr[0] || (rr[1] << 8 | rr[2]) != DC_TYPE_OPT || rr[6])
		return false;
	udp = (size_t)(rr[3] << 8 | rr[4]);
	rdlen = (size_t)(rr[9] << 8 | rr[10]);
	if (rdlen != len - off - 11 || !dc_key_options(m, len, off + 11))
		return false;
	/* RFC 6891 §6.2.5: "Values lower than 512 MUST be treated as equal
	 * to 512." */
	k->limit = udp > DC_UDP_PLAIN ? udp : DC_UDP_PLAIN;
	*flags |= DC_K_EDNS | (rr[7] & 0x80 ? DC_K_DO : 0);
	return true;
}

/* The key of a query the cache may answer; false for any other. */
static bool dc_key(const uint8_t *m, size_t len, struct dc_key *k)
{
	uint16_t arcount;
	const uint8_t *tc;
	uint8_t flags;
	size_t off;

	if (!dc_key_header(m, len, &flags, &arcount))
		return false;
	off = dc_key_name(m, len, k);
	tc = off ? dc_at(m, len, off, 4) : NULL;
	if (!tc)
		return false;
	k->qtype = (uint16_t)(tc[0] << 8 | tc[1]);
	/* RFC 6895 §3.1: 128-255 are meta-types and QTYPEs (ANY, AXFR...) */
	if (k->qtype == DC_TYPE_OPT || (k->qtype >= 128 && k->qtype <= 255) ||
	    (tc[2] << 8 | tc[3]) != DC_CLASS_IN)
		return false;
	off += 4;
	k->limit = DC_UDP_PLAIN;
	if (arcount ? !dc_key_opt(m, len, off, k, &flags) : off != len)
		return false;
	memcpy(k->b + k->namelen, tc, 4);
	k->b[k->namelen + 4] = k->flags = flags;
	k->len = k->namelen + 5;
	return true;
}

/* ---- what upstream said (ldns reads it) --------------------------------- */

/* The answer's one question is the key's (the name in any case). */
static bool dc_same_question(const ldns_pkt *r, const struct dc_key *k)
{
	const ldns_rr *q;
	const ldns_rdf *owner;
	const uint8_t *name;

	if (ldns_pkt_qdcount(r) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(r)) != 1)
		return false;
	q = ldns_rr_list_rr(ldns_pkt_question(r), 0);
	owner = ldns_rr_owner(q);
	if (!owner || ldns_rdf_size(owner) != k->namelen)
		return false;
	name = ldns_rdf_data(owner);
	for (size_t i = 0; i < k->namelen; i++)
		if (dc_lower(name[i]) != k->b[i])
			return false;
	return (uint16_t)ldns_rr_get_type(q) == k->qtype &&
	       (uint16_t)ldns_rr_get_class(q) ==
		   (uint16_t)(k->b[k->namelen + 2] << 8 | k->b[k->namelen + 3]);
}

/* An answer the cache may keep, before its TTLs are looked at. An OPT
 * record in the answer to a query without one is upstream's mistake, not
 * kept (ldns cannot drop it). RFC 6891 §7: "Lack of presence of an OPT
 * record in a request MUST be taken as an indication that the requestor
 * does not implement any part of this specification and that the
 * responder MUST NOT include an OPT record in its response." */
static bool dc_resp_ok(const ldns_pkt *r, const struct dc_key *k)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(r);

	if (!ldns_pkt_qr(r) || ldns_pkt_tc(r) || ldns_pkt_get_opcode(r) != LDNS_PACKET_QUERY ||
	    ldns_pkt_tsig(r) || ldns_pkt_edns_extended_rcode(r) ||
	    (ldns_pkt_edns(r) && !(k->flags & DC_K_EDNS)))
		return false;
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
		return false;
	return dc_same_question(r, k);
}

/* RFC 2181 §8: "Implementations should treat TTL values received with
 * the most significant bit set as if the entire value received was
 * zero." */
static uint32_t dc_rr_ttl(const ldns_rr *rr)
{
	uint32_t t = ldns_rr_ttl(rr);

	return t & 0x80000000U ? 0 : t;
}

static ldns_rr_list *dc_section(const ldns_pkt *r, int i)
{
	if (i == 0)
		return ldns_pkt_answer(r);
	return i == 1 ? ldns_pkt_authority(r) : ldns_pkt_additional(r);
}

/* The smallest TTL of the answer's records (ldns keeps OPT apart). */
static uint32_t dc_min_ttl(const ldns_pkt *r)
{
	uint32_t min = UINT32_MAX;

	for (int s = 0; s < 3; s++)
		for (size_t i = 0; i < ldns_rr_list_rr_count(dc_section(r, s)); i++) {
			uint32_t t = dc_rr_ttl(ldns_rr_list_rr(dc_section(r, s), i));

			min = t < min ? t : min;
		}
	return min;
}

/* The SOA in authority, if there is one that ldns read whole. */
static ldns_rr *dc_soa(const ldns_pkt *r)
{
	ldns_rr_list *auth = ldns_pkt_authority(r);

	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7 &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 6)) == 4)
			return rr;
	}
	return NULL;
}

/* A negative answer: NXDOMAIN, or no record of the type asked. */
static bool dc_negative(const ldns_pkt *r, uint16_t qtype)
{
	ldns_rr_list *an = ldns_pkt_answer(r);

	if (ldns_pkt_get_rcode(r) == LDNS_RCODE_NXDOMAIN)
		return true;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		if ((uint16_t)ldns_rr_get_type(ldns_rr_list_rr(an, i)) == qtype)
			return false;
	return true;
}

/* Lower every TTL over max to max. */
static void dc_cap_ttls(ldns_pkt *r, uint32_t max)
{
	for (int s = 0; s < 3; s++)
		for (size_t i = 0; i < ldns_rr_list_rr_count(dc_section(r, s)); i++) {
			ldns_rr *rr = ldns_rr_list_rr(dc_section(r, s), i);

			if (ldns_rr_ttl(rr) > max)
				ldns_rr_set_ttl(rr, max);
		}
}

/* How long the answer may be kept, in s (0: not at all); its TTLs capped
 * to that kind of answer's longest. */
static uint32_t dc_ttl(ldns_pkt *r, uint16_t qtype)
{
	uint32_t ttl = dc_min_ttl(r), cap = DNS_CACHE_TTL_MAX, min;
	ldns_rr *soa;

	if (dc_negative(r, qtype)) {
		/* RFC 2308 §5: "Negative responses without SOA records SHOULD
		 * NOT be cached [...]" and "the TTL of this record is set from
		 * the minimum of the MINIMUM field of the SOA record and the
		 * TTL of the SOA itself". */
		soa = dc_soa(r);
		if (!soa)
			return 0;
		min = ldns_rdf2native_int32(ldns_rr_rdf(soa, 6));
		min = min & 0x80000000U ? 0 : min;
		cap = DNS_CACHE_NEG_TTL_MAX;
		if (ldns_rr_ttl(soa) > min)
			ldns_rr_set_ttl(soa, min);
		ttl = ttl < min ? ttl : min;
	}
	if (ttl == UINT32_MAX)
		return 0; /* no record at all: cannot happen past dc_negative */
	dc_cap_ttls(r, cap);
	return ttl < cap ? ttl : cap;
}

/* The answer as the cache keeps it (see dns_cache.h), into *w; its
 * length, or 0. */
static size_t dc_rewrite(ldns_pkt *r, uint8_t **w)
{
	size_t n = 0;

	ldns_rdf_deep_free(ldns_pkt_edns_data(r));
	ldns_pkt_set_edns_data(r, NULL);
	ldns_pkt_set_edns_option_list(r, NULL);
	ldns_pkt_set_id(r, 0);
	ldns_pkt_set_aa(r, false);
	if (ldns_pkt2wire(w, r, &n) != LDNS_STATUS_OK)
		return 0;
	return n;
}

/* ---- the answer as kept -------------------------------------------------- */

/* Past the name at off (compressed or not), or 0. */
static size_t dc_skip_name(const uint8_t *m, size_t len, size_t off)
{
	const uint8_t *p;

	for (;;) {
		p = dc_at(m, len, off, 1);
		if (!p)
			return 0;
		if ((*p & 0xc0) == 0xc0)
			return dc_at(m, len, off, 2) ? off + 2 : 0;
		if (*p & 0xc0)
			return 0;
		off += 1 + (size_t)*p;
		if (!*p)
			return off;
	}
}

/* Where the TTLs of the answer m are (every record but OPT), into
 * ttl[DC_RRS_MAX]: how many, or -1 when m is not one question and whole
 * records to its very end. */
static int dc_ttl_offsets(const uint8_t *m, size_t len, uint16_t *ttl)
{
	uint16_t c[4], type, rdlen;
	size_t off;
	int n = 0;

	for (int i = 0; i < 4; i++)
		if (!dc_u16(m, len, 4 + 2 * (size_t)i, &c[i]))
			return -1;
	off = dc_skip_name(m, len, DC_HDR);
	if (c[0] != 1 || !off || !dc_at(m, len, off, 4))
		return -1;
	off += 4;
	for (unsigned i = 0; i < (unsigned)c[1] + c[2] + c[3]; i++) {
		off = dc_skip_name(m, len, off);
		if (!off || !dc_u16(m, len, off, &type) || !dc_u16(m, len, off + 8, &rdlen) ||
		    !dc_at(m, len, off + 10, rdlen))
			return -1;
		if (type != DC_TYPE_OPT) {
			if (n == DC_RRS_MAX)
				return -1;
			ttl[n++] = (uint16_t)(off + 4);
		}
		off += 10 + (size_t)rdlen;
	}
	return off == len ? n : -1;
}

/* The kept answer starts with the key's name, uncompressed (so a hit can
 * write the query's spelling over it). */
static bool dc_name_first(const uint8_t *m, size_t len, const struct dc_key *k)
{
	const uint8_t *p = dc_at(m, len, DC_HDR, k->namelen);

	if (!p)
		return false;
	for (size_t i = 0; i < k->namelen; i++)
		if (dc_lower(p[i]) != k->b[i])
			return false;
	return true;
}

static uint8_t *dc_wire(const struct dc_entry *e)
{
	return (uint8_t *)(e->ttl_off + e->nttl);
}

static const uint8_t *dc_ekey(const struct dc_entry *e)
{
	return dc_wire(e) + e->len;
}

/* ---- the table ---------------------------------------------------------- */

static uint64_t dc_hash(const struct dns_cache *c, const struct dc_key *k)
{
	return kv_siphash24(c->seed, k->b, k->len);
}

/* The link to k's entry in its bucket's chain, or NULL. */
static struct dc_entry **dc_find(struct dns_cache *c, const struct dc_key *k, uint64_t h)
{
	struct dc_entry **link = &c->bucket[h & c->mask];

	for (; *link; link = &(*link)->hnext)
		if ((*link)->hash == h && (*link)->klen == k->len &&
		    !memcmp(dc_ekey(*link), k->b, k->len))
			return link;
	return NULL;
}

static void dc_lru_unlink(struct dns_cache *c, struct dc_entry *e)
{
	*(e->prev ? &e->prev->next : &c->head) = e->next;
	*(e->next ? &e->next->prev : &c->tail) = e->prev;
	e->prev = e->next = NULL;
}

static void dc_lru_front(struct dns_cache *c, struct dc_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	*(c->head ? &c->head->prev : &c->tail) = e;
	c->head = e;
}

static void dc_remove(struct dns_cache *c, struct dc_entry **link)
{
	struct dc_entry *e = *link;

	*link = e->hnext;
	dc_lru_unlink(c, e);
	free(e);
	c->n--;
}

/* Make room: the least recently used entry goes. */
static void dc_evict(struct dns_cache *c)
{
	struct dc_entry **link;

	if (!c->tail)
		return;
	link = &c->bucket[c->tail->hash & c->mask];
	while (*link != c->tail)
		link = &(*link)->hnext;
	dc_remove(c, link);
}

/* Keep answer w (n bytes, its TTLs at ttl[nttl]) under k for ttl_s. */
static void dc_insert(struct dns_cache *c, const struct dc_key *k, const uint8_t *w, size_t n,
		      const uint16_t *ttl, int nttl, uint64_t now_ms, uint32_t ttl_s)
{
	uint64_t h = dc_hash(c, k);
	struct dc_entry **link = dc_find(c, k, h), *e;

	if (link)
		dc_remove(c, link);
	if (c->n >= c->max)
		dc_evict(c);
	e = malloc(sizeof(*e) + (size_t)nttl * sizeof(*ttl) + n + k->len);
	if (!e)
		return;
	*e = (struct dc_entry){ .hash = h,
				.stored_ms = now_ms,
				.expires_ms = now_ms + (uint64_t)ttl_s * 1000,
				.len = (uint16_t)n,
				.nttl = (uint16_t)nttl,
				.klen = (uint16_t)k->len };
	memcpy(e->ttl_off, ttl, (size_t)nttl * sizeof(*ttl));
	memcpy(dc_wire(e), w, n);
	memcpy(dc_wire(e) + n, k->b, k->len);
	e->hnext = c->bucket[h & c->mask];
	c->bucket[h & c->mask] = e;
	dc_lru_front(c, e);
	c->n++;
}

/* ---- the API ------------------------------------------------------------ */

struct dns_cache *dns_cache_new(unsigned max_entries)
{
	struct dns_cache *c;
	size_t nb = 1;

	if (!max_entries || max_entries > DNS_CACHE_ENTRIES_MAX)
		return NULL;
	while (nb < max_entries)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->bucket = calloc(nb, sizeof(struct dc_entry *));
	if (!c->bucket || getrandom(c->seed, sizeof(c->seed), 0) != (ssize_t)sizeof(c->seed)) {
		free(c->bucket);
		free(c);
		return NULL;
	}
	c->mask = nb - 1;
	c->max = max_entries;
	return c;
}

void dns_cache_flush(struct dns_cache *c)
{
	struct dc_entry *e, *next;

	for (e = c->head; e; e = next) {
		next = e->next;
		free(e);
	}
	memset(c->bucket, 0, (c->mask + 1) * sizeof(struct dc_entry *));
	c->head = c->tail = NULL;
	c->n = 0;
}

void dns_cache_free(struct dns_cache *c)
{
	if (!c)
		return;
	dns_cache_flush(c);
	free(c->bucket);
	free(c);
}

unsigned dns_cache_entries(const struct dns_cache *c)
{
	return c->n;
}

void dns_cache_put(struct dns_cache *c, const uint8_t *query, size_t qlen, const uint8_t *resp,
		   size_t rlen, uint64_t now_ms)
{
	ldns_pkt *q = NULL, *r = NULL;
	uint16_t ttl[DC_RRS_MAX];
	uint8_t *w = NULL;
	struct dc_key k;
	uint32_t ttl_s;
	size_t n;
	int nttl;

	if (!dc_key(query, qlen, &k) || ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK ||
	    ldns_wire2pkt(&r, resp, rlen) != LDNS_STATUS_OK || !dc_resp_ok(r, &k))
		goto out;
	ttl_s = dc_ttl(r, k.qtype);
	n = ttl_s ? dc_rewrite(r, &w) : 0;
	if (!n || n > DNS_CACHE_ANSWER_MAX || !dc_name_first(w, n, &k))
		goto out;
	nttl = dc_ttl_offsets(w, n, ttl);
	if (nttl >= 0)
		dc_insert(c, &k, w, n, ttl, nttl, now_ms, ttl_s);
out:
	free(w);
	ldns_pkt_free(r);
	ldns_pkt_free(q);
}

/* The hit: e's answer into out, as for the query m (see dns_cache.h). */
static void dc_serve(const struct dc_entry *e, const uint8_t *m, const struct dc_key *k,
		     uint64_t now_ms, uint8_t *out)
{
	uint32_t age = (uint32_t)((now_ms - e->stored_ms) / 1000), t;
	uint8_t *p;

	memcpy(out, dc_wire(e), e->len);
	memcpy(out, m, 2); /* the ID: dc_key read the header */
	memcpy(out + DC_HDR, k->qname, k->namelen);
	for (unsigned i = 0; i < e->nttl; i++) {
		p = out + e->ttl_off[i];
		t = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		t = t > age ? t - age : 0;
		p[0] = (uint8_t)(t >> 24);
		p[1] = (uint8_t)(t >> 16);
		p[2] = (uint8_t)(t >> 8);
		p[3] = (uint8_t)t;
	}
}

bool dns_cache_get(struct dns_cache *c, const uint8_t *query, size_t qlen, uint64_t now_ms,
		   uint8_t *out, size_t outmax, size_t *outlen)
{
	struct dc_entry **link, *e;
	struct dc_key k;

	if (!dc_key(query, qlen, &k))
		return false;
	link = dc_find(c, &k, dc_hash(c, &k));
	if (!link)
		return false;
	e = *link;
	if (now_ms >= e->expires_ms || now_ms < e->stored_ms) {
		dc_remove(c, link); /* expired, or the clock went back */
		return false;
	}
	if (e->len > k.limit || e->len > outmax)
		return false;
	dc_serve(e, query, &k, now_ms, out);
	dc_lru_unlink(c, e);
	dc_lru_front(c, e);
	*outlen = e->len;
	return true;
}
