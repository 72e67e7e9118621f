/* SPDX-License-Identifier: GPL-2.0-only */
/* A memo of a network's own answers (issue 16): the answering engine's
 * answer to a query, kept until the network's names change, so a query
 * asked again byte for byte (its ID aside) is answered without ldns
 * reading it and writing the answer anew. dnsmasq keeps its local names
 * in its cache for the same reason.
 *
 * Sound because the engine is a pure function of the zone and the query's
 * bytes: the same bytes (the ID aside; the spelling of the name, flags and
 * EDNS included) under the same zone get the same answer, with the ID put
 * back. dns_memo_clear must be called whenever the zone is rebuilt.
 *
 * DNS_MEMO_SLOTS entries allocated as they are first used (under 1.8 KB
 * each); a query may sit in either of two slots, both chosen by one
 * SipHash under a random key so guests cannot aim queries at a slot (two
 * choices: a hundred names in 512 slots seldom push each other out, where
 * one choice had a third of them collide). Pure: no sockets, no clock.
 */
#ifndef KVNET_DNS_MEMO_H
#define KVNET_DNS_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hash.h"

#define DNS_MEMO_SLOTS 512
#define DNS_MEMO_QUERY_MAX 512	 /* longer queries are not kept */
#define DNS_MEMO_ANSWER_MAX 1232 /* nor longer answers */

struct dns_memo_ent;

struct dns_memo {
	uint8_t key[KV_SIPHASH_KEY_LEN];
	uint32_t gen; /* entries of another generation are stale */
	struct dns_memo_ent *ent[DNS_MEMO_SLOTS];
};

void dns_memo_init(struct dns_memo *m);
void dns_memo_free(struct dns_memo *m);
/* The zone changed: forget every answer. */
void dns_memo_clear(struct dns_memo *m);
/* The answer kept for query q, with q's ID, into out (room outmax). */
bool dns_memo_get(const struct dns_memo *m, const uint8_t *q, size_t qlen, uint8_t *out,
		  size_t outmax, size_t *outlen);
/* Keep answer a (alen bytes) to query q. */
void dns_memo_put(struct dns_memo *m, const uint8_t *q, size_t qlen, const uint8_t *a,
		  size_t alen);

#endif /* KVNET_DNS_MEMO_H */
