// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the memo of a network's own answers (dns/dns_memo.c): a
 * query asked again byte for byte gets the kept answer under its own ID;
 * any other byte, a cleared memo or an oversized message does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_memo.h"

static const uint8_t query[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				 3, 'v', 'm', '1', 0, 0, 1, 0, 1 };

static void answer_of(const uint8_t *q, uint8_t *a)
{
	memcpy(a, q, sizeof(query));
	a[2] |= 0x84; /* QR, AA */
	memset(a + sizeof(query), 0xab, 16);
}

static void test_same_bytes_other_id(void **state)
{
	struct dns_memo m;
	uint8_t a[64], q2[sizeof(query)], out[DNS_MEMO_ANSWER_MAX];
	size_t n = 0;

	(void)state;
	dns_memo_init(&m);
	answer_of(query, a);
	assert_false(dns_memo_get(&m, query, sizeof(query), out, sizeof(out), &n));
	dns_memo_put(&m, query, sizeof(query), a, sizeof(query) + 16);
	memcpy(q2, query, sizeof(q2));
	q2[0] = 0xbe, q2[1] = 0xef;
	assert_true(dns_memo_get(&m, q2, sizeof(q2), out, sizeof(out), &n));
	assert_int_equal(n, sizeof(query) + 16);
	assert_int_equal(out[0], 0xbe);
	assert_int_equal(out[1], 0xef);
	assert_memory_equal(out + 2, a + 2, n - 2);
	/* not into a buffer too small */
	assert_false(dns_memo_get(&m, q2, sizeof(q2), out, 20, &n));
	/* another spelling of the name is another query */
	q2[14] = 'M';
	assert_false(dns_memo_get(&m, q2, sizeof(q2), out, sizeof(out), &n));
	/* the zone changed: nothing kept holds */
	dns_memo_clear(&m);
	assert_false(dns_memo_get(&m, query, sizeof(query), out, sizeof(out), &n));
	dns_memo_free(&m);
}

static void test_bounds(void **state)
{
	static uint8_t big[DNS_MEMO_QUERY_MAX + 1], a[DNS_MEMO_ANSWER_MAX + 1];
	uint8_t out[DNS_MEMO_ANSWER_MAX];
	struct dns_memo m;
	size_t n;

	(void)state;
	dns_memo_init(&m);
	memcpy(big, query, sizeof(query));
	dns_memo_put(&m, big, sizeof(big), a, 64);
	assert_false(dns_memo_get(&m, big, sizeof(big), out, sizeof(out), &n));
	dns_memo_put(&m, query, sizeof(query), a, sizeof(a));
	assert_false(dns_memo_get(&m, query, sizeof(query), out, sizeof(out), &n));
	dns_memo_put(&m, query, 5, a, 64);
	assert_false(dns_memo_get(&m, query, 5, out, sizeof(out), &n));
	dns_memo_free(&m);
}

/* A hundred names (make bench's DNS part asks 100), each with a query
 * of its own: all but a few stay kept, where one slot a query had a third
 * of them pushing each other out; a query put again takes its own place.
 * Under a fixed key, so that the count is the same every run. */
static void test_a_hundred_names_stay(void **state)
{
	uint8_t q[sizeof(query)], a[64], out[DNS_MEMO_ANSWER_MAX];
	struct dns_memo m;
	size_t n;
	int kept = 0;

	(void)state;
	dns_memo_init(&m);
	memset(m.key, 0x5a, sizeof(m.key));
	memcpy(q, query, sizeof(q));
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 100; i++) {
			q[14] = (uint8_t)('0' + i / 10), q[15] = (uint8_t)('0' + i % 10);
			answer_of(q, a);
			dns_memo_put(&m, q, sizeof(q), a, sizeof(query) + 16);
		}
	for (int i = 0; i < 100; i++) {
		q[14] = (uint8_t)('0' + i / 10), q[15] = (uint8_t)('0' + i % 10);
		kept += dns_memo_get(&m, q, sizeof(q), out, sizeof(out), &n);
	}
	assert_true(kept >= 97);
	dns_memo_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_other_id),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_a_hundred_names_stay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
