// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the host's lookups of a network's names (dns/dns_hosts.c):
 * a guest by its name, plain or under the domain, in any case; its
 * canonical name; a name with several entries; an address back to its
 * names; and what a network does not know.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dns/dns_hosts.h"

static struct dns_zone zone;

static void zone_host(const char *name, const char *ip4, const char *ip6)
{
	struct dns_host *h = &zone.hosts[zone.nhosts++];

	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->has_ip4 = ip4 && inet_pton(AF_INET, ip4, &h->ip4) == 1;
	h->has_ip6 = ip6 && inet_pton(AF_INET6, ip6, h->ip6) == 1;
}

static int zone_setup(void **state)
{
	(void)state;
	memset(&zone, 0, sizeof(zone));
	snprintf(zone.domain, sizeof(zone.domain), "lab.example");
	zone_host("vm1", "10.90.0.10", "fd00::10");
	zone_host("db.other.example", "10.90.0.11", NULL);
	zone_host("www", "10.90.0.10", NULL);
	zone_host("v6only", NULL, "fd00::12");
	zone_host("Multi", "10.90.0.20", NULL);
	zone_host("multi", "10.90.0.21", "fd00::20");
	zone_host("multi", "10.90.0.20", NULL);
	dns_zone_finish(&zone);
	return 0;
}

/* The reply's text for q (its lines, then the empty one). */
static const char *ask(struct dns_names_req *q, int want_lines)
{
	static struct dns_names_reply r;

	dns_names_reply_init(&r);
	assert_int_equal(dns_hosts_answer(&zone, q, &r), want_lines);
	dns_names_reply_end(&r);
	r.text[r.len] = '\0';
	return r.text;
}

static const char *by_name(const char *name, int want_lines)
{
	struct dns_names_req q = { .kind = DNS_NAMES_BY_NAME };

	snprintf(q.name, sizeof(q.name), "%s", name);
	return ask(&q, want_lines);
}

static const char *by_addr(const char *addr, int want_lines)
{
	struct dns_names_req q = { .kind = DNS_NAMES_BY_ADDR, .family = AF_INET };

	if (strchr(addr, ':'))
		q.family = AF_INET6;
	assert_int_equal(inet_pton(q.family, addr, q.addr), 1);
	return ask(&q, want_lines);
}

static void test_by_name(void **state)
{
	(void)state;
	assert_string_equal(by_name("vm1", 2), "vm1.lab.example 10.90.0.10\n"
					       "vm1.lab.example fd00::10\n\n");
	assert_string_equal(by_name("VM1.Lab.Example", 2), "vm1.lab.example 10.90.0.10\n"
							   "vm1.lab.example fd00::10\n\n");
	/* a full name is its own canonical name, and only matches whole */
	assert_string_equal(by_name("db.other.example", 1), "db.other.example 10.90.0.11\n\n");
	assert_string_equal(by_name("db", 0), "\n");
	assert_string_equal(by_name("db.other.example.lab.example", 0), "\n");
	assert_string_equal(by_name("v6only", 1), "v6only.lab.example fd00::12\n\n");
	/* not under another domain, nor a label deeper */
	assert_string_equal(by_name("vm1.example.org", 0), "\n");
	assert_string_equal(by_name("x.vm1.lab.example", 0), "\n");
	assert_string_equal(by_name("lab.example", 0), "\n");
}

static void test_several_entries(void **state)
{
	(void)state;
	/* every address of every entry of the name, IPv4 first, each once */
	assert_string_equal(by_name("multi", 3), "multi.lab.example 10.90.0.20\n"
						 "multi.lab.example 10.90.0.21\n"
						 "multi.lab.example fd00::20\n\n");
	/* and an address named twice by one name gives that name once */
	assert_string_equal(by_addr("10.90.0.20", 1), "multi.lab.example 10.90.0.20\n\n");
}

static void test_by_addr(void **state)
{
	(void)state;
	/* every name of the address, in the zone's order */
	assert_string_equal(by_addr("10.90.0.10", 2), "vm1.lab.example 10.90.0.10\n"
						      "www.lab.example 10.90.0.10\n\n");
	assert_string_equal(by_addr("fd00::10", 1), "vm1.lab.example fd00::10\n\n");
	assert_string_equal(by_addr("10.90.0.11", 1), "db.other.example 10.90.0.11\n\n");
	assert_string_equal(by_addr("10.90.0.99", 0), "\n");
	assert_string_equal(by_addr("fd00::99", 0), "\n");
}

static void test_no_domain(void **state)
{
	(void)state;
	zone.domain[0] = '\0';
	assert_string_equal(by_name("vm1", 2), "vm1 10.90.0.10\nvm1 fd00::10\n\n");
	assert_string_equal(by_name("vm1.lab.example", 0), "\n");
	assert_string_equal(by_addr("10.90.0.11", 1), "db.other.example 10.90.0.11\n\n");
}

static void test_many_names(void **state)
{
	(void)state;
	zone.nhosts = 0;
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "h%d", i);
		zone_host(name, "10.90.0.50", NULL);
	}
	dns_zone_finish(&zone);
	/* as many as a reply holds */
	by_addr("10.90.0.50", DNS_NAMES_REPLY_LINES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_by_name, zone_setup),
		cmocka_unit_test_setup(test_several_entries, zone_setup),
		cmocka_unit_test_setup(test_by_addr, zone_setup),
		cmocka_unit_test_setup(test_no_domain, zone_setup),
		cmocka_unit_test_setup(test_many_names, zone_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
