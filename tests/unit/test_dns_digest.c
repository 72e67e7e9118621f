// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for dns/dns_digest: a query read in the sandbox and written
 * out again by kvnetd is the same query (id, flags, question, EDNS size,
 * version and DO), without the rest; what is not a query comes over as
 * a header that gets the same error; a digest the parser could not have
 * made is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ldns/ldns.h>

#include "dns/dns_digest.h"

/* A query for name with ldns (EDNS: size 1400, DO, a cookie option). */
static size_t query(const char *name, ldns_rr_type type, bool edns, uint8_t *q)
{
	static const uint8_t cookie[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	ldns_pkt *p = NULL;
	uint8_t *buf = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD),
			 LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 0xbeef);
	ldns_pkt_set_cd(p, true);
	if (edns) {
		ldns_pkt_set_edns_udp_size(p, 1400);
		ldns_pkt_set_edns_do(p, true);
		ldns_pkt_set_edns_data(p, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN,
								 sizeof(cookie), cookie));
	}
	assert_int_equal(ldns_pkt2wire(&buf, p, &n), LDNS_STATUS_OK);
	memcpy(q, buf, n);
	free(buf);
	ldns_pkt_free(p);
	return n;
}

/* q through a digest: the canonical query, parsed back. */
static ldns_pkt *round_trip(const uint8_t *q, size_t len, struct dns_digest *d)
{
	uint8_t wire[DNS_DIGEST_WIRE_MAX];
	const char *why = "unset";
	ldns_pkt *p = NULL;
	int n;

	dns_digest_parse(q, len, d);
	n = dns_digest_wire(d, wire, &why);
	assert_null(why);
	assert_true(n > 0);
	assert_int_equal(ldns_wire2pkt(&p, wire, (size_t)n), LDNS_STATUS_OK);
	return p;
}

static void test_query_kept(void **state)
{
	uint8_t q[512];
	struct dns_digest d;
	ldns_pkt *p;
	char *name;

	(void)state;
	p = round_trip(q, query("Vm1.Lab.Example", LDNS_RR_TYPE_AAAA, true, q), &d);
	assert_int_equal(d.kind, DNS_DIGEST_QUERY);
	assert_int_equal(ldns_pkt_id(p), 0xbeef);
	assert_true(ldns_pkt_rd(p) && ldns_pkt_cd(p) && !ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	name = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0)));
	assert_string_equal(name, "Vm1.Lab.Example."); /* case kept (0x20) */
	free(name);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)),
			 LDNS_RR_TYPE_AAAA);
	assert_true(ldns_pkt_edns(p) && ldns_pkt_edns_do(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1400);
	assert_null(ldns_pkt_edns_data(p)); /* the cookie stays behind */
	ldns_pkt_free(p);
	p = round_trip(q, query("db", LDNS_RR_TYPE_A, false, q), &d);
	assert_false(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_arcount(p), 0);
	ldns_pkt_free(p);
}

static void test_not_queries(void **state)
{
	uint8_t q[512], wire[DNS_DIGEST_WIRE_MAX];
	size_t len = query("db", LDNS_RR_TYPE_A, false, q);
	struct dns_digest d;
	const char *why;

	(void)state;
	dns_digest_parse(q, 5, &d); /* a runt */
	assert_int_equal(d.kind, DNS_DIGEST_DROP);
	assert_int_equal(dns_digest_wire(&d, wire, &why), 0);
	q[2] |= 0x80; /* a response */
	dns_digest_parse(q, len, &d);
	assert_int_equal(d.kind, DNS_DIGEST_DROP);
	q[2] = (uint8_t)((q[2] & ~0x80) | (2 << 3)); /* opcode STATUS */
	dns_digest_parse(q, len, &d);
	assert_int_equal(d.kind, DNS_DIGEST_NOTIMP);
	assert_int_equal(dns_digest_wire(&d, wire, &why), 12);
	assert_int_equal((wire[2] >> 3) & 0xf, 2);
	q[2] &= (uint8_t)~(0xf << 3);
	dns_digest_parse(q, len - 3, &d); /* the question cut short */
	assert_int_equal(d.kind, DNS_DIGEST_FORMERR);
	assert_int_equal(dns_digest_wire(&d, wire, &why), 12);
	assert_int_equal(wire[5], 0); /* no question: the answer is FORMERR */
}

static void test_refused(void **state)
{
	uint8_t q[512], wire[DNS_DIGEST_WIRE_MAX];
	struct dns_digest good, d;
	const char *why;

	(void)state;
	dns_digest_parse(q, query("db.lab", LDNS_RR_TYPE_A, true, q), &good);
	for (int i = 0; i < 9; i++) {
		d = good;
		switch (i) {
		case 0: d.kind = 9; break;
		case 1: d.flags[0] |= 0x80; break;
		case 2: d.flags[0] |= 1 << 3; break;	/* opcode, as a query */
		case 3: d.qname[0] = 64; break;		/* a label too long */
		case 4: d.qname_len--; break;		/* no root label at the end */
		case 5: d.qname_len = 0; break;
		case 6: d.edns = 2; break;
		case 7: d.edns = 0; break;		/* size and DO left */
		case 8: d.kind = DNS_DIGEST_FORMERR; break; /* with a name */
		}
		why = NULL;
		assert_int_equal(dns_digest_wire(&d, wire, &why), -EINVAL);
		assert_non_null(why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_kept),
		cmocka_unit_test(test_not_queries),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
