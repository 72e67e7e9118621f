// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the DNS forwarder's answering engine (dns/dns_answer.c):
 * queries written by ldns as a resolver would, answers read back by ldns.
 * A guest's name, plain or under the domain; its address backwards; the
 * names a network must not forward; what goes upstream; and what is no
 * query at all.
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

#include "dns/dns_answer.h"

static struct dns_zone zone;

static int zone_setup(void **state)
{
	struct dns_host *h = &zone.hosts[0];

	(void)state;
	memset(&zone, 0, sizeof(zone));
	snprintf(zone.domain, sizeof(zone.domain), "lab.example");
	inet_pton(AF_INET, "10.90.0.0", &zone.subnet);
	inet_pton(AF_INET, "255.255.255.0", &zone.mask);
	snprintf(h->name, sizeof(h->name), "vm1");
	h->has_ip4 = true;
	inet_pton(AF_INET, "10.90.0.10", &h->ip4);
	h->has_ip6 = true;
	inet_pton(AF_INET6, "fd00::10", h->ip6);
	zone.nhosts = 1;
	return 0;
}

/* The query for name/type on the wire, into q; its length. */
static size_t query(const char *name, ldns_rr_type type, bool edns, uint8_t *q)
{
	ldns_pkt *p = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0x1234);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 4096);
	assert_int_equal(ldns_pkt2wire(&buf, p, &n), LDNS_STATUS_OK);
	memcpy(q, buf, n);
	free(buf);
	ldns_pkt_free(p);
	return n;
}

/* Ask, and read the answer back (NULL unless answered). */
static ldns_pkt *ask(const char *name, ldns_rr_type type, enum dns_verdict want)
{
	uint8_t q[512], out[DNS_ANSWER_MAX];
	size_t qlen = query(name, type, false, q), olen = 0;
	ldns_pkt *r = NULL;

	assert_int_equal(dns_answer(&zone, q, qlen, out, &olen), want);
	if (want != DNS_ANSWERED)
		return NULL;
	assert_int_equal(ldns_wire2pkt(&r, out, olen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(r), 0x1234);
	assert_true(ldns_pkt_qr(r));
	assert_true(ldns_pkt_aa(r));
	assert_int_equal(ldns_pkt_qdcount(r), 1);
	return r;
}

static char *answer_text(ldns_pkt *r, size_t i)
{
	return ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r), i), 0));
}

static void assert_answer(ldns_pkt *r, const char *want)
{
	char *s = answer_text(r, 0);

	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	assert_string_equal(s, want);
	free(s);
	ldns_pkt_free(r);
}

static void assert_rcode(ldns_pkt *r, ldns_pkt_rcode rcode, size_t ancount)
{
	assert_int_equal(ldns_pkt_get_rcode(r), rcode);
	assert_int_equal(ldns_pkt_ancount(r), ancount);
	ldns_pkt_free(r);
}

static void test_guest_names(void **state)
{
	(void)state;
	assert_answer(ask("vm1.", LDNS_RR_TYPE_A, DNS_ANSWERED), "10.90.0.10");
	assert_answer(ask("VM1.lab.example.", LDNS_RR_TYPE_A, DNS_ANSWERED), "10.90.0.10");
	assert_answer(ask("vm1.lab.example.", LDNS_RR_TYPE_AAAA, DNS_ANSWERED), "fd00::10");
	/* a name of ours, a type it has not: no data */
	assert_rcode(ask("vm1.lab.example.", LDNS_RR_TYPE_MX, DNS_ANSWERED), LDNS_RCODE_NOERROR,
		     0);
}

static void test_reverse(void **state)
{
	(void)state;
	assert_answer(ask("10.0.90.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, DNS_ANSWERED),
		      "vm1.lab.example.");
	/* the subnet's own reverse zone is not asked of the internet */
	assert_rcode(ask("99.0.90.10.in-addr.arpa.", LDNS_RR_TYPE_PTR, DNS_ANSWERED),
		     LDNS_RCODE_NXDOMAIN, 0);
	ask("1.100.51.198.in-addr.arpa.", LDNS_RR_TYPE_PTR, DNS_FORWARD);
	ask("1.100.51.298.in-addr.arpa.", LDNS_RR_TYPE_PTR, DNS_FORWARD);
}

static void test_scope(void **state)
{
	(void)state;
	/* a plain name not ours: not forwarded (forwardPlainNames='no') */
	assert_rcode(ask("nosuch.", LDNS_RR_TYPE_A, DNS_ANSWERED), LDNS_RCODE_NXDOMAIN, 0);
	zone.forward_plain = true;
	ask("nosuch.", LDNS_RR_TYPE_A, DNS_FORWARD);
	zone.forward_plain = false;
	/* the domain: forwarded unless localOnly */
	ask("nosuch.lab.example.", LDNS_RR_TYPE_A, DNS_FORWARD);
	zone.local_only = true;
	assert_rcode(ask("nosuch.lab.example.", LDNS_RR_TYPE_A, DNS_ANSWERED), LDNS_RCODE_NXDOMAIN,
		     0);
	zone.local_only = false;
	ask("www.example.org.", LDNS_RR_TYPE_A, DNS_FORWARD);
	ask("vm1.example.org.", LDNS_RR_TYPE_A, DNS_FORWARD);
}

static void test_not_queries(void **state)
{
	uint8_t q[512], out[DNS_ANSWER_MAX];
	size_t qlen = query("vm1.", LDNS_RR_TYPE_A, true, q), olen = 0;

	(void)state;
	/* EDNS: answered, with EDNS */
	assert_int_equal(dns_answer(&zone, q, qlen, out, &olen), DNS_ANSWERED);
	/* a response: nothing */
	q[2] |= 0x80;
	assert_int_equal(dns_answer(&zone, q, qlen, out, &olen), DNS_DROP);
	q[2] &= 0x7f;
	/* another opcode (NOTIFY): NOTIMP, the header kept */
	q[2] = (uint8_t)((q[2] & 0x87) | (4 << 3));
	assert_int_equal(dns_answer(&zone, q, qlen, out, &olen), DNS_ANSWERED);
	assert_int_equal(olen, 12);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_NOTIMPL);
	assert_int_equal(out[0] << 8 | out[1], 0x1234);
	q[2] = 0x01;
	/* cut short in the question: FORMERR; a runt: nothing */
	assert_int_equal(dns_answer(&zone, q, 15, out, &olen), DNS_ANSWERED);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_FORMERR);
	assert_int_equal(dns_answer(&zone, q, 11, out, &olen), DNS_DROP);
	/* two questions */
	q[5] = 2;
	assert_int_equal(dns_answer(&zone, q, qlen, out, &olen), DNS_ANSWERED);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_FORMERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_guest_names, zone_setup),
		cmocka_unit_test_setup(test_reverse, zone_setup),
		cmocka_unit_test_setup(test_scope, zone_setup),
		cmocka_unit_test_setup(test_not_queries, zone_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
