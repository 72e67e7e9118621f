// SPDX-License-Identifier: GPL-2.0-only
/* The forwarding side of a network's DNS forwarder (see dns_forward.h):
 * the upstream a name goes to, the table of queries waiting, and the
 * checks an answer passes before it reaches a guest. ldns reads the
 * questions. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <netinet/in.h>

#include <ldns/ldns.h>

#include "dns/dns_forward.h"

#define DNS_HDR 12

/* ---- names and upstreams ------------------------------------------------ */

/* The question of a message: its name (lower case, no final dot), type
 * and class. False unless it has exactly one. */
static bool dns_fwd_question(const uint8_t *wire, size_t len, char *name, uint16_t *type,
			     uint16_t *cls)
{
	ldns_pkt *p = NULL;
	ldns_rr *q;
	char *s = NULL;
	size_t n;
	bool ok = false;

	if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK)
		return false;
	if (ldns_pkt_qdcount(p) == 1 && ldns_rr_list_rr_count(ldns_pkt_question(p)) == 1) {
		q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
		s = ldns_rdf2str(ldns_rr_owner(q));
		n = s ? strlen(s) : 0;
		if (n && s[n - 1] == '.')
			s[--n] = '\0';
		ok = s && n < DNS_NAME_MAX;
		for (size_t i = 0; ok && i <= n; i++)
			name[i] = (char)tolower((unsigned char)s[i]);
		*type = (uint16_t)ldns_rr_get_type(q);
		*cls = (uint16_t)ldns_rr_get_class(q);
	}
	free(s);
	ldns_pkt_free(p);
	return ok;
}

/* How well domain covers name: its length + 1, or 0 when it does not
 * (the empty domain covers everything with 1). */
static size_t dns_fwd_cover(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (!d)
		return 1;
	if (n < d || strcasecmp(name + n - d, domain) != 0)
		return 0;
	return n == d || name[n - d - 1] == '.' ? d + 1 : 0;
}

/* The upstream for name after index after (-1: the first), cycling among
 * those whose domain covers it best; -1 if none does. */
static int dns_fwd_pick(const struct dns_fwd *f, const char *name, int after)
{
	size_t best = 0;
	int k;

	for (int i = 0; i < f->nup; i++) {
		size_t c = dns_fwd_cover(name, f->up[i].domain);

		if (c > best)
			best = c;
	}
	if (!best)
		return -1;
	for (int j = 1; j <= f->nup; j++) {
		k = ((after < 0 ? -1 : after) + j) % f->nup;
		if (dns_fwd_cover(name, f->up[k].domain) == best)
			return k;
	}
	return -1;
}

void dns_fwd_init(struct dns_fwd *f)
{
	memset(f, 0, sizeof(*f));
	f->rand_pos = sizeof(f->rand);
}

void dns_fwd_set_upstreams(struct dns_fwd *f, const struct dns_upstream *up, int n)
{
	f->nup = n < DNS_FWD_UPSTREAMS ? n : DNS_FWD_UPSTREAMS;
	memcpy(f->up, up, (size_t)f->nup * sizeof(*up));
	for (int i = 0; i < DNS_FWD_SLOTS; i++)
		if (f->q[i].used && f->q[i].upstream >= f->nup)
			f->q[i].upstream = -1;
}

/* ---- the table ---------------------------------------------------------- */

static uint16_t dns_fwd_random16(struct dns_fwd *f)
{
	uint16_t v;

	if (f->rand_pos + 2 > sizeof(f->rand)) {
		if (getrandom(f->rand, sizeof(f->rand), 0) != (ssize_t)sizeof(f->rand))
			for (size_t i = 0; i < sizeof(f->rand); i++) /* never in practice */
				f->rand[i] ^= (uint8_t)(random() >> 7);
		f->rand_pos = 0;
	}
	memcpy(&v, f->rand + f->rand_pos, 2);
	f->rand_pos += 2;
	return v;
}

static int dns_fwd_free_slot(const struct dns_fwd *f)
{
	for (int i = 0; i < DNS_FWD_SLOTS; i++)
		if (!f->q[i].used)
			return i;
	return -1;
}

/* A fresh upstream ID for slot i: random, and unused. */
static uint16_t dns_fwd_new_id(struct dns_fwd *f, int i)
{
	uint16_t id;

	do
		id = dns_fwd_random16(f);
	while (f->slot_of_id[id]);
	f->slot_of_id[id] = (uint16_t)(i + 1);
	return id;
}

/* The question into q: qn's, or read from the query. */
static bool dns_fwd_take_question(struct dns_fwd_query *q, const uint8_t *query, size_t len,
				  const struct dns_question *qn)
{
	if (!qn)
		return dns_fwd_question(query, len, q->qname, &q->qtype, &q->qclass);
	if (!qn->ok)
		return false;
	memcpy(q->qname, qn->name, sizeof(q->qname));
	q->qtype = qn->type;
	q->qclass = qn->cls;
	return true;
}

static bool dns_fwd_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
	return false;
}

/* The same client (address and port, or TCP connection), ID and question. */
static bool dns_fwd_same_query(const struct dns_fwd_query *a, const struct dns_fwd_query *b)
{
	const struct dns_fwd_client *x = &a->client, *y = &b->client;
	bool same_client = x->tcp_conn >= 0 ?
		x->tcp_conn == y->tcp_conn && x->tcp_gen == y->tcp_gen :
		y->tcp_conn < 0 && x->addrlen == y->addrlen && !memcmp(&x->addr, &y->addr, x->addrlen);

	return same_client && a->id_guest == b->id_guest && a->qtype == b->qtype &&
	       a->qclass == b->qclass && !strcmp(a->qname, b->qname);
}

/* May slot n (filled, not yet used) join the table? */
static enum dns_fwd_err dns_fwd_admit(const struct dns_fwd *f, const struct dns_fwd_query *n)
{
	unsigned mine = 0;

	for (int i = 0; i < DNS_FWD_SLOTS; i++) {
		const struct dns_fwd_query *q = &f->q[i];

		if (!q->used || q == n)
			continue;
		if (dns_fwd_same_query(q, n))
			return DNS_FWD_DUP;
		mine += dns_fwd_same_host(&q->client.addr, &n->client.addr);
	}
	return mine >= DNS_FWD_PER_CLIENT ? DNS_FWD_FULL : DNS_FWD_OK;
}

enum dns_fwd_err dns_fwd_add(struct dns_fwd *f, const uint8_t *query, size_t len,
			     const struct dns_question *qn, const struct dns_fwd_client *c,
			     uint64_t now_ms, int *slot)
{
	enum dns_fwd_err admit;
	struct dns_fwd_query *q;
	uint16_t id;
	int i, up;

	if (len < DNS_HDR || len > DNS_FWD_QUERY_MAX)
		return DNS_FWD_BAD;
	i = dns_fwd_free_slot(f);
	if (i < 0)
		return DNS_FWD_FULL;
	q = &f->q[i];
	if (!dns_fwd_take_question(q, query, len, qn))
		return DNS_FWD_BAD;
	up = dns_fwd_pick(f, q->qname, -1);
	if (up < 0)
		return DNS_FWD_NO_UPSTREAM;
	memcpy(&q->id_guest, query, 2);
	q->client = *c;
	admit = dns_fwd_admit(f, q);
	if (admit != DNS_FWD_OK)
		return admit;
	id = dns_fwd_new_id(f, i);
	q->id_up = htons(id);
	q->upstream = up;
	q->tries = 1;
	q->deadline_ms = now_ms + DNS_FWD_TRY_MS;
	q->len = (uint16_t)len;
	memcpy(q->wire, query, len);
	memcpy(q->wire, &q->id_up, 2);
	q->used = true;
	f->used++;
	*slot = i;
	return DNS_FWD_OK;
}

void dns_fwd_done(struct dns_fwd *f, int i)
{
	struct dns_fwd_query *q = &f->q[i];

	if (!q->used)
		return;
	f->slot_of_id[ntohs(q->id_up)] = 0;
	q->used = false;
	f->used--;
}

/* ---- answers ------------------------------------------------------------ */

static bool dns_fwd_same_addr(const struct sockaddr_storage *a, const struct sockaddr *b,
			      socklen_t blen)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET && blen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (b->sa_family == AF_INET6 && blen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return false;
}

int dns_fwd_answer(struct dns_fwd *f, uint8_t *resp, size_t len, const struct sockaddr *from,
		   socklen_t fromlen)
{
	char name[DNS_NAME_MAX];
	uint16_t id, type, cls;
	struct dns_fwd_query *q;
	int i;

	if (len < DNS_HDR || !(resp[2] & 0x80))
		return -1;
	memcpy(&id, resp, 2);
	i = f->slot_of_id[ntohs(id)] - 1;
	if (i < 0)
		return -1;
	q = &f->q[i];
	if (q->upstream < 0 || !dns_fwd_same_addr(&f->up[q->upstream].addr, from, fromlen))
		return -1;
	if (!dns_fwd_question(resp, len, name, &type, &cls) || strcmp(name, q->qname) ||
	    type != q->qtype || cls != q->qclass)
		return -1;
	memcpy(resp, &q->id_guest, 2);
	return i;
}

/* ---- time --------------------------------------------------------------- */

int dns_fwd_expired(const struct dns_fwd *f, uint64_t now_ms, int *cursor)
{
	for (; *cursor < DNS_FWD_SLOTS; (*cursor)++)
		if (f->q[*cursor].used && f->q[*cursor].deadline_ms <= now_ms)
			return (*cursor)++;
	return -1;
}

bool dns_fwd_retry(struct dns_fwd *f, int i, uint64_t now_ms)
{
	struct dns_fwd_query *q = &f->q[i];
	int up;

	if (q->tries >= DNS_FWD_TRIES)
		return false;
	up = dns_fwd_pick(f, q->qname, q->upstream);
	if (up < 0)
		return false;
	q->upstream = up;
	q->tries++;
	q->deadline_ms = now_ms + DNS_FWD_TRY_MS;
	return true;
}

/* ---- error answers ------------------------------------------------------ */

size_t dns_fwd_error_reply(const uint8_t *query, size_t len, unsigned rcode, uint8_t *out,
			   size_t outmax)
{
	ldns_pkt *q = NULL, *r;
	uint8_t *wire = NULL;
	size_t n = 0;

	if (ldns_wire2pkt(&q, query, len) != LDNS_STATUS_OK || ldns_pkt_qr(q))
		goto out;
	r = ldns_pkt_new();
	if (!r)
		goto out;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	ldns_rr_list_deep_free(ldns_pkt_question(r));
	ldns_pkt_set_question(r, ldns_rr_list_clone(ldns_pkt_question(q)));
	ldns_pkt_set_qdcount(r, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_question(r)));
	if (ldns_pkt2wire(&wire, r, &n) != LDNS_STATUS_OK || n > outmax)
		n = 0;
	else
		memcpy(out, wire, n);
	free(wire);
	ldns_pkt_free(r);
out:
	ldns_pkt_free(q);
	return n;
}
