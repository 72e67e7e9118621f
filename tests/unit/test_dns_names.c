// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the names socket's line protocol (dns/dns_names.c): which
 * host names it carries, which request lines it takes (and the many it
 * refuses: any local user writes them), and replies written and read
 * back, whole, cut short, or not replies at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dns/dns_names.h"

static bool valid(const char *name)
{
	return dns_names_valid(name, strlen(name));
}

static void test_valid_names(void **state)
{
	char name[300];

	(void)state;
	assert_true(valid("vm1"));
	assert_true(valid("vm1.lab.test"));
	assert_true(valid("a_b-C9"));
	assert_false(valid(""));
	assert_false(valid("."));
	assert_false(valid("vm1."));
	assert_false(valid(".vm1"));
	assert_false(valid("vm1..lab"));
	assert_false(valid("vm 1"));
	assert_false(valid("vm1\n"));
	assert_false(valid("v\xc3\xa9"));
	/* a label of 63, not 64; a name of 253, not 254 */
	memset(name, 'a', 64);
	assert_true(dns_names_valid(name, 63));
	assert_false(dns_names_valid(name, 64));
	for (int i = 0; i < 300; i++)
		name[i] = i % 2 ? '.' : 'a';
	assert_true(dns_names_valid(name, 253));
	assert_false(dns_names_valid(name, 255));
	/* a NUL is just another bad byte */
	assert_false(dns_names_valid("vm\0" "1", 4));
}

static int parse(const char *line, struct dns_names_req *q)
{
	return dns_names_request_parse(line, strlen(line), q);
}

static void test_requests(void **state)
{
	struct dns_names_req q;
	uint8_t want[16];

	(void)state;
	assert_int_equal(parse("name vm1\n", &q), 0);
	assert_int_equal(q.kind, DNS_NAMES_BY_NAME);
	assert_string_equal(q.name, "vm1");
	assert_int_equal(parse("addr 10.77.0.20\n", &q), 0);
	assert_int_equal(q.kind, DNS_NAMES_BY_ADDR);
	assert_int_equal(q.family, AF_INET);
	inet_pton(AF_INET, "10.77.0.20", want);
	assert_memory_equal(q.addr, want, 4);
	assert_int_equal(parse("addr fd00::1:20\n", &q), 0);
	assert_int_equal(q.family, AF_INET6);
	inet_pton(AF_INET6, "fd00::1:20", want);
	assert_memory_equal(q.addr, want, 16);
}

static void test_bad_requests(void **state)
{
	static const char *const bad[] = {
		"", "\n", "name vm1", "name vm1\n\n", "name \n", "Name vm1\n", "name  vm1\n",
		"name vm1 \n", "name vm1\r\n", "name vm1.\n", "addr 10.0.0\n", "addr 10.0.0.1.2\n",
		"addr 300.1.1.1\n", "addr ::g\n", "addr 10.0.0.1 \n", "addr \n", "hello\n",
		"name vm1\nname vm2\n",
	};
	struct dns_names_req q;
	char line[400];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &q), -EINVAL);
	assert_int_equal(dns_names_request_parse("name vm\0" "1\n", 9, &q), -EINVAL);
	assert_int_equal(dns_names_request_parse("addr 10.0.0.1\0" "9\n", 16, &q), -EINVAL);
	/* over-long */
	memcpy(line, "name ", 5);
	memset(line + 5, 'a', 300);
	line[305] = '\n';
	assert_int_equal(dns_names_request_parse(line, 306, &q), -EINVAL);
}

static void test_request_format(void **state)
{
	struct dns_names_req q = { .kind = DNS_NAMES_BY_ADDR, .family = AF_INET6 }, back;
	char line[DNS_NAMES_REQUEST_MAX + 1];
	int n;

	(void)state;
	inet_pton(AF_INET6, "fd00::20", q.addr);
	n = dns_names_request_format(&q, line, sizeof(line));
	assert_int_equal(n, (int)strlen("addr fd00::20\n"));
	assert_string_equal(line, "addr fd00::20\n");
	assert_int_equal(dns_names_request_parse(line, (size_t)n, &back), 0);
	assert_memory_equal(back.addr, q.addr, 16);
	q = (struct dns_names_req){ .kind = DNS_NAMES_BY_NAME };
	snprintf(q.name, sizeof(q.name), "vm1.lab.test");
	assert_int_equal(dns_names_request_format(&q, line, sizeof(line)), 18);
	assert_string_equal(line, "name vm1.lab.test\n");
	assert_int_equal(dns_names_request_format(&q, line, 10), -ENOSPC);
	snprintf(q.name, sizeof(q.name), "not a name");
	assert_int_equal(dns_names_request_format(&q, line, sizeof(line)), -EINVAL);
}

static void test_replies(void **state)
{
	struct dns_names_entry e[DNS_NAMES_REPLY_LINES];
	struct dns_names_reply r;
	uint8_t a4[4], a6[16];

	(void)state;
	inet_pton(AF_INET, "10.77.0.20", a4);
	inet_pton(AF_INET6, "fd00::20", a6);
	dns_names_reply_init(&r);
	assert_int_equal(dns_names_reply_add(&r, "vm1.lab.test", AF_INET, a4), 0);
	assert_int_equal(dns_names_reply_add(&r, "vm1.lab.test", AF_INET6, a6), 0);
	assert_int_equal(dns_names_reply_add(&r, "bad name", AF_INET, a4), -EINVAL);
	dns_names_reply_end(&r);
	assert_int_equal(r.lines, 2);
	assert_memory_equal(r.text, "vm1.lab.test 10.77.0.20\nvm1.lab.test fd00::20\n\n", r.len);
	assert_int_equal(dns_names_reply_parse(r.text, r.len, e, 8), 2);
	assert_string_equal(e[0].name, "vm1.lab.test");
	assert_int_equal(e[0].family, AF_INET);
	assert_memory_equal(e[0].addr, a4, 4);
	assert_int_equal(e[1].family, AF_INET6);
	assert_memory_equal(e[1].addr, a6, 16);
	/* cut short anywhere: not yet whole */
	for (size_t i = 0; i < r.len; i++)
		assert_int_equal(dns_names_reply_parse(r.text, i, e, 8), -EAGAIN);
	/* no more lines than the caller has room for */
	assert_int_equal(dns_names_reply_parse(r.text, r.len, e, 1), -EBADMSG);
	/* the empty reply */
	assert_int_equal(dns_names_reply_parse("\n", 1, e, 8), 0);
}

static void test_reply_full(void **state)
{
	struct dns_names_reply r;
	uint8_t a4[4] = { 10, 0, 0, 1 };

	(void)state;
	dns_names_reply_init(&r);
	for (int i = 0; i < DNS_NAMES_REPLY_LINES; i++)
		assert_int_equal(dns_names_reply_add(&r, "vm", AF_INET, a4), 0);
	assert_int_equal(dns_names_reply_add(&r, "vm", AF_INET, a4), -ENOSPC);
	dns_names_reply_end(&r);
	assert_true(r.len <= sizeof(r.text));
}

static void test_bad_replies(void **state)
{
	static const char *const bad[] = {
		"vm1\n\n", "vm1 10.0.0.1 \n\n", "vm1  10.0.0.1\n\n", " 10.0.0.1\n\n",
		"vm1 10.0.0.1\n\nX", "vm 1 10.0.0.1\n\n", "vm1 10.0.0\n\n", "vm1 fd00::g\n\n",
		"vm1. 10.0.0.1\n\n",
	};
	struct dns_names_entry e[DNS_NAMES_REPLY_LINES];
	char big[DNS_NAMES_LINE_MAX + 10];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_names_reply_parse(bad[i], strlen(bad[i]), e, 8), -EBADMSG);
	/* a line that can never end well */
	memset(big, 'a', sizeof(big));
	assert_int_equal(dns_names_reply_parse(big, sizeof(big), e, 8), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),   cmocka_unit_test(test_requests),
		cmocka_unit_test(test_bad_requests),  cmocka_unit_test(test_request_format),
		cmocka_unit_test(test_replies),	      cmocka_unit_test(test_reply_full),
		cmocka_unit_test(test_bad_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
