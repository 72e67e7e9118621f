// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the DNS service's per-client rate limits (dns/dns_rate.c):
 * a client gets its burst and then its rate, other clients are not
 * affected, the table stays fixed-size under many clients, and the
 * configuration string is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns_rate.h"

static unsigned allowed(struct dns_rate *r, uint32_t ip, unsigned n, uint64_t now)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += dns_rate_allow(r, ip, now);
	return ok;
}

static struct dns_rate *rate_new(uint32_t qps, uint32_t burst)
{
	struct dns_rate_cfg cfg = { qps, burst };
	struct dns_rate *r = malloc(sizeof(*r));

	assert_non_null(r);
	dns_rate_init(r, &cfg);
	return r;
}

static void test_burst_then_rate(void **state)
{
	struct dns_rate *r = rate_new(250, 500);

	(void)state;
	assert_int_equal(allowed(r, 0x0a000002, 1000, 1000), 500);
	/* 100 ms later: 25 more */
	assert_int_equal(allowed(r, 0x0a000002, 1000, 1100), 25);
	/* a long pause fills it up to the burst, no further */
	assert_int_equal(allowed(r, 0x0a000002, 1000, 1000000), 500);
	free(r);
}

static void test_clients_are_separate(void **state)
{
	struct dns_rate *r = rate_new(10, 20);

	(void)state;
	assert_int_equal(allowed(r, 0x0a000002, 100, 5), 20);
	assert_int_equal(allowed(r, 0x0a000003, 100, 5), 20);
	assert_false(dns_rate_allow(r, 0x0a000002, 5));
	free(r);
}

static void test_many_clients_fixed_table(void **state)
{
	struct dns_rate *r = rate_new(1, 1);
	unsigned ok = 0;

	(void)state;
	/* ten times the table's size of clients: each gets its first query
	 * (an evicted bucket comes back full), none crashes the table */
	for (uint32_t ip = 1; ip <= 10 * DNS_RATE_SLOTS; ip++)
		ok += dns_rate_allow(r, ip, 7);
	assert_int_equal(ok, 10 * DNS_RATE_SLOTS);
	/* a client that keeps its slot is still limited */
	assert_true(dns_rate_allow(r, 0xdeadbeef, 100));
	assert_false(dns_rate_allow(r, 0xdeadbeef, 100));
	free(r);
}

static void test_no_limit(void **state)
{
	struct dns_rate *r = rate_new(0, 0);

	(void)state;
	assert_int_equal(allowed(r, 0x0a000002, 100000, 1), 100000);
	free(r);
}

static void test_cfg_parse(void **state)
{
	struct dns_rate_cfg c;
	char err[160];

	(void)state;
	dns_rate_cfg_default(&c);
	assert_int_equal(c.qps, 250);
	assert_int_equal(c.burst, 500);
	assert_int_equal(dns_rate_cfg_parse("100", &c, err, sizeof(err)), 0);
	assert_int_equal(c.qps, 100);
	assert_int_equal(c.burst, 200);
	assert_int_equal(dns_rate_cfg_parse("100:150", &c, err, sizeof(err)), 0);
	assert_int_equal(c.burst, 150);
	assert_int_equal(dns_rate_cfg_parse("0", &c, err, sizeof(err)), 0);
	assert_int_equal(c.qps, 0);
	assert_int_equal(dns_rate_cfg_parse("off", &c, err, sizeof(err)), 0);
	assert_int_equal(c.qps, 0);
	assert_int_equal(dns_rate_cfg_parse("", &c, err, sizeof(err)), -22);
	assert_int_equal(dns_rate_cfg_parse("-1", &c, err, sizeof(err)), -22);
	assert_int_equal(dns_rate_cfg_parse("10:", &c, err, sizeof(err)), -22);
	assert_int_equal(dns_rate_cfg_parse("10:0", &c, err, sizeof(err)), -22);
	assert_int_equal(dns_rate_cfg_parse("10x", &c, err, sizeof(err)), -22);
	assert_int_equal(dns_rate_cfg_parse("99999999999", &c, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "QPS:BURST"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_clients_are_separate),
		cmocka_unit_test(test_many_clients_fixed_table),
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_cfg_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
