// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DNS forwarder's upstream side
 * (dns/dns_forward.c): the guest's bytes it takes for forwarding, the
 * error answers it writes for them, and bytes from upstream offered as
 * the answer.
 *
 * The input is a guest's query. It is taken for forwarding or refused as
 * unreadable; when taken, the copy sent upstream must differ from the
 * input only in its ID. The input is then offered as the upstream's
 * answer under the ID the query got: if accepted, the guest's ID must be
 * back in it. An error answer, when one is written, must be a response
 * with the query's ID that ldns reads. Otherwise the harness aborts so
 * the fuzzer records the input.
 *
 * Targets: dns/dns_forward.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <ldns/ldns.h>

#include "dns/dns_forward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_fwd *fwd;

static void fuzz_fwd_fail(const char *what)
{
	fprintf(stderr, "fuzz_dns_forward: %s\n", what);
	abort();
}

static void fuzz_fwd_init(void)
{
	struct dns_upstream up[2] = { 0 };
	struct sockaddr_in *s;

	fwd = malloc(sizeof(*fwd));
	if (!fwd)
		abort();
	dns_fwd_init(fwd);
	for (int i = 0; i < 2; i++) {
		s = (struct sockaddr_in *)&up[i].addr;
		s->sin_family = AF_INET;
		s->sin_port = htons(53);
		s->sin_addr.s_addr = htonl(0xc0000201U + (uint32_t)i);
		up[i].addrlen = sizeof(*s);
	}
	snprintf(up[1].domain, sizeof(up[1].domain), "corp.example");
	dns_fwd_set_upstreams(fwd, up, 2);
}

static void fuzz_fwd_error(const uint8_t *data, size_t size)
{
	uint8_t out[DNS_FWD_QUERY_MAX + 64];
	size_t n = dns_fwd_error_reply(data, size, 2, out, sizeof(out));
	ldns_pkt *p = NULL;

	if (!n)
		return;
	if (n < 12 || memcmp(out, data, 2) || !(out[2] & 0x80))
		fuzz_fwd_fail("an error answer that is no response to the query");
	if (ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK)
		fuzz_fwd_fail("an error answer ldns cannot read");
	ldns_pkt_free(p);
}

static void fuzz_fwd_answer(const uint8_t *data, size_t size, int slot)
{
	struct dns_fwd_query *q = &fwd->q[slot];
	uint8_t *r = malloc(size);
	int got;

	if (!r)
		abort();
	memcpy(r, data, size);
	memcpy(r, &q->id_up, 2);
	got = dns_fwd_answer(fwd, r, size, (const struct sockaddr *)&fwd->up[q->upstream].addr,
			     fwd->up[q->upstream].addrlen);
	if (got >= 0 && (got != slot || memcmp(r, data, 2)))
		fuzz_fwd_fail("an answer taken for another query, or without the guest's ID");
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_fwd_client c = { .tcp_conn = -1 };
	int slot;

	if (!fwd)
		fuzz_fwd_init();
	fuzz_fwd_error(data, size);
	if (dns_fwd_add(fwd, data, size, NULL, &c, 0, &slot) != DNS_FWD_OK)
		return 0;
	if (fwd->q[slot].len != size || memcmp(fwd->q[slot].wire + 2, data + 2, size - 2))
		fuzz_fwd_fail("the query sent upstream is not the guest's");
	fuzz_fwd_answer(data, size, slot);
	dns_fwd_done(fwd, slot);
	if (fwd->used)
		fuzz_fwd_fail("a slot left in use");
	return 0;
}
