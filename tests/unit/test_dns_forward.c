// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the DNS forwarder's upstream side (dns/dns_forward.c):
 * which upstream a name goes to, the ID a query gets upstream and the
 * guest's put back, the answers refused (wrong server, wrong ID, another
 * question), retries over the upstreams, and error answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/dns_forward.h"

static struct dns_fwd *fwd;

static struct dns_upstream upstream(const char *ip, const char *domain)
{
	struct dns_upstream u = { .addrlen = sizeof(struct sockaddr_in) };
	struct sockaddr_in *s = (struct sockaddr_in *)&u.addr;

	s->sin_family = AF_INET;
	s->sin_port = htons(53);
	inet_pton(AF_INET, ip, &s->sin_addr);
	snprintf(u.domain, sizeof(u.domain), "%s", domain);
	return u;
}

static int setup(void **state)
{
	struct dns_upstream up[3] = { upstream("192.0.2.1", ""), upstream("192.0.2.2", ""),
				      upstream("192.0.2.9", "corp.example") };

	(void)state;
	fwd = malloc(sizeof(*fwd));
	dns_fwd_init(fwd);
	dns_fwd_set_upstreams(fwd, up, 3);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fwd);
	return 0;
}

/* A query (or, with qr, its answer) for name/A with id, into w. */
static size_t message(const char *name, uint16_t id, bool qr, uint8_t *w)
{
	ldns_pkt *p = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
						    LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, qr);
	assert_int_equal(ldns_pkt2wire(&buf, p, &n), LDNS_STATUS_OK);
	memcpy(w, buf, n);
	free(buf);
	ldns_pkt_free(p);
	return n;
}

static const struct sockaddr *up_addr(int i)
{
	return (const struct sockaddr *)&fwd->up[i].addr;
}

static int add(const char *name, uint16_t id, uint64_t now)
{
	struct dns_fwd_client c = { .tcp_conn = -1 };
	uint8_t q[512];
	size_t n = message(name, id, false, q);
	int slot = -1;

	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &c, now, &slot), DNS_FWD_OK);
	return slot;
}

static void test_domain_picks_upstream(void **state)
{
	(void)state;
	assert_int_equal(fwd->q[add("www.corp.example", 7, 0)].upstream, 2);
	assert_int_equal(fwd->q[add("corp.example", 7, 0)].upstream, 2);
	assert_int_equal(fwd->q[add("notcorp.example", 7, 0)].upstream, 0);
	assert_int_equal(fwd->q[add("www.example.org", 7, 0)].upstream, 0);
}

static void test_answer_gets_guest_id_back(void **state)
{
	int i = add("www.example.org", 0x1234, 0);
	struct dns_fwd_query *q = &fwd->q[i];
	uint16_t up_id = ntohs(q->id_up);
	uint8_t r[512];
	size_t n;

	(void)state;
	assert_memory_equal(q->wire, &q->id_up, 2);
	n = message("www.example.org", up_id, true, r);
	/* another server, or the right one with another question: refused */
	assert_int_equal(dns_fwd_answer(fwd, r, n, up_addr(1), sizeof(struct sockaddr_in)), -1);
	n = message("www.example.com", up_id, true, r);
	assert_int_equal(dns_fwd_answer(fwd, r, n, up_addr(0), sizeof(struct sockaddr_in)), -1);
	/* a query (no QR) with that ID: refused */
	n = message("www.example.org", up_id, false, r);
	assert_int_equal(dns_fwd_answer(fwd, r, n, up_addr(0), sizeof(struct sockaddr_in)), -1);
	n = message("WWW.Example.org", up_id, true, r); /* 0x20 case: the same name */
	assert_int_equal(dns_fwd_answer(fwd, r, n, up_addr(0), sizeof(struct sockaddr_in)), i);
	assert_int_equal(r[0] << 8 | r[1], 0x1234);
	dns_fwd_done(fwd, i);
	n = message("www.example.org", up_id, true, r);
	assert_int_equal(dns_fwd_answer(fwd, r, n, up_addr(0), sizeof(struct sockaddr_in)), -1);
	assert_int_equal(fwd->used, 0);
}

static void test_retry_then_give_up(void **state)
{
	int i = add("www.example.org", 1, 0), cursor = 0;

	(void)state;
	assert_int_equal(dns_fwd_expired(fwd, DNS_FWD_TRY_MS - 1, &cursor), -1);
	cursor = 0;
	assert_int_equal(dns_fwd_expired(fwd, DNS_FWD_TRY_MS, &cursor), i);
	assert_true(dns_fwd_retry(fwd, i, DNS_FWD_TRY_MS));
	assert_int_equal(fwd->q[i].upstream, 1); /* the next server of the name */
	assert_true(dns_fwd_retry(fwd, i, 2 * DNS_FWD_TRY_MS));
	assert_int_equal(fwd->q[i].upstream, 0);
	assert_false(dns_fwd_retry(fwd, i, 3 * DNS_FWD_TRY_MS)); /* DNS_FWD_TRIES */
}

/* A guest at 10.0.0.<host>, port 5353. */
static struct dns_fwd_client guest(unsigned host)
{
	struct dns_fwd_client c = { .tcp_conn = -1, .addrlen = sizeof(struct sockaddr_in) };
	struct sockaddr_in *a = (struct sockaddr_in *)&c.addr;

	a->sin_family = AF_INET;
	a->sin_port = htons(5353);
	a->sin_addr.s_addr = htonl(0x0a000000U + host);
	return c;
}

static void test_table_full_and_bad(void **state)
{
	uint8_t q[512];
	size_t n;
	int slot;

	(void)state;
	/* DNS_FWD_PER_CLIENT a guest; the table full at DNS_FWD_SLOTS */
	for (int k = 0; k < DNS_FWD_SLOTS; k++) {
		struct dns_fwd_client c = guest(1 + (unsigned)k / DNS_FWD_PER_CLIENT);

		n = message("a.example", (uint16_t)k, false, q);
		assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &c, 0, &slot), DNS_FWD_OK);
	}
	struct dns_fwd_client other = guest(200);

	n = message("a.example", 9999, false, q);
	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &other, 0, &slot), DNS_FWD_FULL);
	dns_fwd_done(fwd, 5);
	assert_int_equal(dns_fwd_add(fwd, q, 11, NULL, &other, 0, &slot), DNS_FWD_BAD);
	assert_int_equal(dns_fwd_add(fwd, q, n - 1, NULL, &other, 0, &slot), DNS_FWD_BAD);
	/* every ID in use is unique */
	for (int a = 0; a < DNS_FWD_SLOTS; a++)
		for (int b = a + 1; b < DNS_FWD_SLOTS && fwd->q[a].used; b++)
			if (fwd->q[b].used)
				assert_int_not_equal(fwd->q[a].id_up, fwd->q[b].id_up);
}

static void test_per_guest_and_duplicates(void **state)
{
	struct dns_fwd_client c = guest(7), d = guest(8);
	uint8_t q[512];
	size_t n;
	int slot;

	(void)state;
	for (int k = 0; k < DNS_FWD_PER_CLIENT; k++) {
		n = message("b.example", (uint16_t)k, false, q);
		assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &c, 0, &slot), DNS_FWD_OK);
	}
	n = message("b.example", 999, false, q);
	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &c, 0, &slot), DNS_FWD_FULL);
	/* another guest still gets in; its retransmission does not */
	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &d, 0, &slot), DNS_FWD_OK);
	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &d, 0, &slot), DNS_FWD_DUP);
	/* the same ID for another name is another query */
	n = message("c.example", 999, false, q);
	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &d, 0, &slot), DNS_FWD_OK);
}

static void test_no_upstream(void **state)
{
	struct dns_fwd_client c = { .tcp_conn = -1 };
	struct dns_upstream only = upstream("192.0.2.9", "corp.example");
	uint8_t q[512];
	size_t n = message("www.example.org", 1, false, q);
	int slot;

	(void)state;
	dns_fwd_set_upstreams(fwd, &only, 1);
	assert_int_equal(dns_fwd_add(fwd, q, n, NULL, &c, 0, &slot), DNS_FWD_NO_UPSTREAM);
}

static void test_error_reply(void **state)
{
	uint8_t q[512], r[600];
	size_t n = message("www.example.org", 0xbeef, false, q), m;
	ldns_pkt *p = NULL;

	(void)state;
	m = dns_fwd_error_reply(q, n, LDNS_RCODE_REFUSED, r, sizeof(r));
	assert_true(m > 12);
	assert_int_equal(ldns_wire2pkt(&p, r, m), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0xbeef);
	assert_true(ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
	assert_int_equal(dns_fwd_error_reply(q, 5, 2, r, sizeof(r)), 0);
	q[2] |= 0x80; /* a response gets no error answer */
	assert_int_equal(dns_fwd_error_reply(q, n, 2, r, sizeof(r)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domain_picks_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_gets_guest_id_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_then_give_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_and_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_guest_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reply, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
