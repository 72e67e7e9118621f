// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DNS forwarder's answer cache
 * (dns/dns_cache.c): a guest's query, upstream's answer to keep for it,
 * and a second query asked of the cache.
 *
 * The input: one byte of age (in half seconds, of the lookups after the
 * answer was kept), two of the query's length, two of the answer's, the
 * query, the answer, and the second query (the rest; none: the first
 * again). The answer is offered for both queries; then both are asked,
 * into a buffer of exactly outmax bytes (so writing past it is caught).
 * A hit must be a response with the asking query's ID and its question
 * spelled as it was, that ldns reads, no longer than outmax, with no TTL
 * over the cap; and the query must be one ldns reads too (the cache's
 * walk of a query never accepts more than ldns). Otherwise the harness
 * aborts so the fuzzer records the input.
 *
 * Targets: dns/dns_cache.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/dns_cache.h"

#define FUZZ_T0 1000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_cache_fail(const char *what)
{
	fprintf(stderr, "fuzz_dns_cache: %s\n", what);
	abort();
}

/* n bytes of data in a buffer of their own, so reading past them is caught. */
static uint8_t *fuzz_copy(const uint8_t *data, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	if (!b)
		abort();
	memcpy(b, data, n);
	return b;
}

static const ldns_rdf *fuzz_qname(const ldns_pkt *p)
{
	if (ldns_rr_list_rr_count(ldns_pkt_question(p)) != 1)
		return NULL;
	return ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0));
}

/* The hit out (n bytes) against the query q that got it. */
static void fuzz_cache_check(const uint8_t *q, size_t qlen, const uint8_t *out, size_t n)
{
	ldns_pkt *pq = NULL, *pa = NULL;
	const ldns_rdf *nq, *na;

	if (n < 12 || memcmp(out, q, 2) || !(out[2] & 0x80))
		fuzz_cache_fail("a hit that is no response with the query's ID");
	if (ldns_wire2pkt(&pq, q, qlen) != LDNS_STATUS_OK)
		fuzz_cache_fail("a hit for a query ldns cannot read");
	if (ldns_wire2pkt(&pa, out, n) != LDNS_STATUS_OK)
		fuzz_cache_fail("a hit ldns cannot read");
	nq = fuzz_qname(pq);
	na = fuzz_qname(pa);
	if (!nq || !na || ldns_rdf_size(nq) != ldns_rdf_size(na) ||
	    memcmp(ldns_rdf_data(nq), ldns_rdf_data(na), ldns_rdf_size(nq)))
		fuzz_cache_fail("a hit whose question is not spelled as asked");
	for (int s = 0; s < 3; s++) {
		ldns_rr_list *l = s == 0   ? ldns_pkt_answer(pa)
				  : s == 1 ? ldns_pkt_authority(pa)
					   : ldns_pkt_additional(pa);

		for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
			if (ldns_rr_ttl(ldns_rr_list_rr(l, i)) > DNS_CACHE_TTL_MAX)
				fuzz_cache_fail("a hit with a TTL over the cap");
	}
	ldns_pkt_free(pq);
	ldns_pkt_free(pa);
}

static void fuzz_cache_get(struct dns_cache *c, const uint8_t *q, size_t qlen, uint64_t now,
			   size_t outmax)
{
	uint8_t *out = malloc(outmax);
	size_t n = 0;

	if (!out)
		abort();
	if (dns_cache_get(c, q, qlen, now, out, outmax, &n)) {
		if (n > outmax)
			fuzz_cache_fail("a hit longer than outmax");
		fuzz_cache_check(q, qlen, out, n);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_cache *c;
	uint64_t now;
	size_t qlen, rlen, q2len;
	uint8_t *q, *r, *q2, age;

	if (size < 5)
		return 0;
	age = data[0];
	now = FUZZ_T0 + (uint64_t)age * 500;
	qlen = (size_t)(data[1] << 8 | data[2]);
	rlen = (size_t)(data[3] << 8 | data[4]);
	data += 5;
	size -= 5;
	qlen = qlen < size ? qlen : size;
	rlen = rlen < size - qlen ? rlen : size - qlen;
	q2len = size - qlen - rlen;
	q = fuzz_copy(data, qlen);
	r = fuzz_copy(data + qlen, rlen);
	q2 = q2len ? fuzz_copy(data + qlen + rlen, q2len) : fuzz_copy(data, q2len = qlen);
	c = dns_cache_new(2);
	if (!c)
		abort();
	dns_cache_put(c, q, qlen, r, rlen, FUZZ_T0);
	dns_cache_put(c, q2, q2len, r, rlen, FUZZ_T0);
	if (dns_cache_entries(c) > 2)
		fuzz_cache_fail("more entries than room");
	fuzz_cache_get(c, q2, q2len, now, 4096);
	fuzz_cache_get(c, q, qlen, now, 512 + (size_t)(age & 3) * 256);
	fuzz_cache_get(c, q, qlen, FUZZ_T0, 12 + (size_t)age);
	dns_cache_free(c);
	free(q);
	free(r);
	free(q2);
	return 0;
}
