// SPDX-License-Identifier: GPL-2.0-only
/* A memo of a network's own answers (see dns_memo.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns/dns_memo.h"

#define DNS_HDR 12

struct dns_memo_ent {
	uint32_t gen;
	uint16_t qlen, alen;
	uint8_t q[DNS_MEMO_QUERY_MAX];
	uint8_t a[DNS_MEMO_ANSWER_MAX];
};

void dns_memo_init(struct dns_memo *m)
{
	memset(m, 0, sizeof(*m));
	if (getrandom(m->key, sizeof(m->key), 0) != (ssize_t)sizeof(m->key))
		for (size_t i = 0; i < sizeof(m->key); i++) /* never in practice */
			m->key[i] = (uint8_t)random();
	m->gen = 1;
}

void dns_memo_free(struct dns_memo *m)
{
	for (int i = 0; i < DNS_MEMO_SLOTS; i++) {
		free(m->ent[i]);
		m->ent[i] = NULL;
	}
}

void dns_memo_clear(struct dns_memo *m)
{
	m->gen++;
}

/* The query's two slots: its bytes past the ID, hashed. */
static void dns_memo_slots(const struct dns_memo *m, const uint8_t *q, size_t qlen,
			   unsigned slot[2])
{
	uint64_t h = kv_siphash24(m->key, q + 2, qlen - 2);

	slot[0] = (unsigned)(h % DNS_MEMO_SLOTS);
	slot[1] = (unsigned)((h >> 32) % DNS_MEMO_SLOTS);
}

/* Does entry e hold query q (its ID aside), current? */
static bool dns_memo_holds(const struct dns_memo *m, const struct dns_memo_ent *e,
			   const uint8_t *q, size_t qlen)
{
	return e && e->gen == m->gen && e->qlen == qlen && !memcmp(e->q + 2, q + 2, qlen - 2);
}

bool dns_memo_get(const struct dns_memo *m, const uint8_t *q, size_t qlen, uint8_t *out,
		  size_t outmax, size_t *outlen)
{
	const struct dns_memo_ent *e;
	unsigned slot[2];

	if (qlen < DNS_HDR || qlen > DNS_MEMO_QUERY_MAX)
		return false;
	dns_memo_slots(m, q, qlen, slot);
	e = m->ent[slot[0]];
	if (!dns_memo_holds(m, e, q, qlen))
		e = m->ent[slot[1]];
	if (!dns_memo_holds(m, e, q, qlen) || e->alen > outmax)
		return false;
	memcpy(out, e->a, e->alen);
	memcpy(out, q, 2);
	*outlen = e->alen;
	return true;
}

/* Where query q goes: a slot that holds it already, else a free or
 * stale one, else its second slot (displacing what is there). */
static struct dns_memo_ent **dns_memo_place(struct dns_memo *m, const uint8_t *q, size_t qlen)
{
	unsigned slot[2];

	dns_memo_slots(m, q, qlen, slot);
	for (int i = 0; i < 2; i++)
		if (dns_memo_holds(m, m->ent[slot[i]], q, qlen))
			return &m->ent[slot[i]];
	for (int i = 0; i < 2; i++)
		if (!m->ent[slot[i]] || m->ent[slot[i]]->gen != m->gen)
			return &m->ent[slot[i]];
	return &m->ent[slot[1]];
}

void dns_memo_put(struct dns_memo *m, const uint8_t *q, size_t qlen, const uint8_t *a,
		  size_t alen)
{
	struct dns_memo_ent **slot;

	if (qlen < DNS_HDR || qlen > DNS_MEMO_QUERY_MAX || alen < DNS_HDR ||
	    alen > DNS_MEMO_ANSWER_MAX)
		return;
	slot = dns_memo_place(m, q, qlen);
	if (!*slot && !(*slot = malloc(sizeof(**slot))))
		return;
	(*slot)->gen = m->gen;
	(*slot)->qlen = (uint16_t)qlen;
	(*slot)->alen = (uint16_t)alen;
	memcpy((*slot)->q, q, qlen);
	memcpy((*slot)->a, a, alen);
}
