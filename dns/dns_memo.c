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

/* The query's slot: its bytes past the ID, hashed. */
static unsigned dns_memo_slot(const struct dns_memo *m, const uint8_t *q, size_t qlen)
{
	return (unsigned)(kv_siphash24(m->key, q + 2, qlen - 2) % DNS_MEMO_SLOTS);
}

bool dns_memo_get(const struct dns_memo *m, const uint8_t *q, size_t qlen, uint8_t *out,
		  size_t outmax, size_t *outlen)
{
	const struct dns_memo_ent *e;

	if (qlen < DNS_HDR || qlen > DNS_MEMO_QUERY_MAX)
		return false;
	e = m->ent[dns_memo_slot(m, q, qlen)];
	if (!e || e->gen != m->gen || e->qlen != qlen || e->alen > outmax ||
	    memcmp(e->q + 2, q + 2, qlen - 2))
		return false;
	memcpy(out, e->a, e->alen);
	memcpy(out, q, 2);
	*outlen = e->alen;
	return true;
}

void dns_memo_put(struct dns_memo *m, const uint8_t *q, size_t qlen, const uint8_t *a,
		  size_t alen)
{
	struct dns_memo_ent **slot;

	if (qlen < DNS_HDR || qlen > DNS_MEMO_QUERY_MAX || alen < DNS_HDR ||
	    alen > DNS_MEMO_ANSWER_MAX)
		return;
	slot = &m->ent[dns_memo_slot(m, q, qlen)];
	if (!*slot && !(*slot = malloc(sizeof(**slot))))
		return;
	(*slot)->gen = m->gen;
	(*slot)->qlen = (uint16_t)qlen;
	(*slot)->alen = (uint16_t)alen;
	memcpy((*slot)->q, q, qlen);
	memcpy((*slot)->a, a, alen);
}
