// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the DNS forwarder's answering engine (dns/dns_answer.c):
 * queries written by ldns as a resolver would, answers read back by ldns.
 * A guest's name, plain or under the domain; its address backwards; the
 * names a network must not forward; what goes upstream; and what is no
 * query at all. TXT and SRV records, every host entry of a name, domains
 * kept local, names above the zone's, and answers too big for 512 bytes.
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

static void zone_host(const char *name, const char *ip4, const char *ip6)
{
	struct dns_host *h = &zone.hosts[zone.nhosts++];

	snprintf(h->name, sizeof(h->name), "%s", name);
	h->has_ip4 = ip4 && inet_pton(AF_INET, ip4, &h->ip4) == 1;
	h->has_ip6 = ip6 && inet_pton(AF_INET6, ip6, h->ip6) == 1;
	dns_zone_finish(&zone);
}

static void zone_txt(const char *name, const char *value)
{
	struct dns_txt *t = &zone.txts[zone.ntxts++];

	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->value, sizeof(t->value), "%s", value);
}

static void zone_srv(const char *name, const char *target, uint16_t port, uint16_t prio,
		     uint16_t weight)
{
	struct dns_srv *v = &zone.srvs[zone.nsrvs++];

	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->target, sizeof(v->target), "%s", target);
	v->port = port, v->priority = prio, v->weight = weight;
}

/* vm1 (IPv4 and IPv6); db as two entries, one per family, and its IPv4
 * address once more; gw under a domain kept local; two TXT records of
 * one name, one with an empty string; two SRV records of one service,
 * one service offered nowhere. */
static int zone_setup(void **state)
{
	(void)state;
	memset(&zone, 0, sizeof(zone));
	snprintf(zone.domain, sizeof(zone.domain), "lab.example");
	inet_pton(AF_INET, "10.90.0.0", &zone.subnet);
	inet_pton(AF_INET, "255.255.255.0", &zone.mask);
	zone_host("vm1", "10.90.0.10", "fd00::10");
	zone_host("db", "10.90.0.20", NULL);
	zone_host("db.lab.example", NULL, "fd00::20");
	zone_host("DB", "10.90.0.20", NULL);
	zone_host("gw.corp.internal", "10.90.0.1", NULL);
	zone_txt("info.lab.example", "hello world");
	zone_txt("info.lab.example", "v=1,mode=test");
	zone_txt("_e.lab.example", "");
	zone_srv("_http._tcp.lab.example", "vm1.lab.example", 80, 10, 5);
	zone_srv("_http._tcp.lab.example", "db.lab.example", 8080, 20, 0);
	zone_srv("_ftp._tcp.lab.example", "", 0, 0, 0);
	snprintf(zone.local[0], sizeof(zone.local[0]), "corp.internal");
	zone.nlocal = 1;
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

/* Ask, with or without EDNS, and read the answer back (NULL unless
 * answered). */
static ldns_pkt *ask_edns(const char *name, ldns_rr_type type, bool edns, enum dns_verdict want)
{
	uint8_t q[512], out[DNS_ANSWER_MAX];
	size_t qlen = query(name, type, edns, q), olen = 0;
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

static ldns_pkt *ask(const char *name, ldns_rr_type type, enum dns_verdict want)
{
	return ask_edns(name, type, false, want);
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
	/* fd00::10 backwards, and an address no guest has */
	assert_answer(ask("0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f."
			  "ip6.arpa.", LDNS_RR_TYPE_PTR, DNS_ANSWERED), "vm1.lab.example.");
	ask("1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
	    LDNS_RR_TYPE_PTR, DNS_FORWARD);
	ask("0.1.0.0.ip6.arpa.", LDNS_RR_TYPE_PTR, DNS_FORWARD);
	ask("0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.g.ip6.arpa.",
	    LDNS_RR_TYPE_PTR, DNS_FORWARD);
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

/* The fields of answer i, as text, space-separated. */
static void assert_rdata(ldns_pkt *r, size_t i, const char *want)
{
	const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(r), i);
	char got[1024] = "", *f;

	assert_non_null(rr);
	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
		f = ldns_rdf2str(ldns_rr_rdf(rr, j));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", j ? " " : "", f);
		free(f);
	}
	assert_string_equal(got, want);
}

/* Every host entry of a name answers, each address once. */
static void test_host_entries(void **state)
{
	ldns_pkt *r;

	(void)state;
	assert_answer(ask("db.lab.example.", LDNS_RR_TYPE_A, DNS_ANSWERED), "10.90.0.20");
	assert_answer(ask("db.", LDNS_RR_TYPE_A, DNS_ANSWERED), "10.90.0.20");
	assert_answer(ask("db.lab.example.", LDNS_RR_TYPE_AAAA, DNS_ANSWERED), "fd00::20");
	r = ask("db.lab.example.", LDNS_RR_TYPE_ANY, DNS_ANSWERED);
	assert_int_equal(ldns_pkt_ancount(r), 2);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), 1)),
			 LDNS_RR_TYPE_AAAA);
	ldns_pkt_free(r);
}

static void test_txt(void **state)
{
	ldns_pkt *r;

	(void)state;
	/* two records; commas part a value into strings, as dnsmasq's */
	r = ask("Info.Lab.Example.", LDNS_RR_TYPE_TXT, DNS_ANSWERED);
	assert_int_equal(ldns_pkt_get_rcode(r), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(r), 2);
	assert_rdata(r, 0, "\"hello world\"");
	assert_rdata(r, 1, "\"v=1\" \"mode=test\"");
	ldns_pkt_free(r);
	r = ask("_e.lab.example.", LDNS_RR_TYPE_TXT, DNS_ANSWERED);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	assert_rdata(r, 0, "\"\"");
	ldns_pkt_free(r);
	/* the name has TXT only: other types no data, not forwarded */
	assert_rcode(ask("info.lab.example.", LDNS_RR_TYPE_A, DNS_ANSWERED), LDNS_RCODE_NOERROR, 0);
	assert_rcode(ask("vm1.lab.example.", LDNS_RR_TYPE_TXT, DNS_ANSWERED), LDNS_RCODE_NOERROR,
		     0);
	r = ask("info.lab.example.", LDNS_RR_TYPE_ANY, DNS_ANSWERED);
	assert_int_equal(ldns_pkt_ancount(r), 2);
	ldns_pkt_free(r);
	ask("other.lab.example.", LDNS_RR_TYPE_TXT, DNS_FORWARD);
}

static void test_srv(void **state)
{
	ldns_pkt *r;

	(void)state;
	r = ask("_http._tcp.lab.example.", LDNS_RR_TYPE_SRV, DNS_ANSWERED);
	assert_int_equal(ldns_pkt_ancount(r), 2);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r), 0)),
			 LDNS_RR_TYPE_SRV);
	assert_rdata(r, 0, "10 5 80 vm1.lab.example.");
	assert_rdata(r, 1, "20 0 8080 db.lab.example.");
	ldns_pkt_free(r);
	/* no target: ".", the service is not offered (RFC 2782) */
	r = ask("_ftp._TCP.lab.example.", LDNS_RR_TYPE_SRV, DNS_ANSWERED);
	assert_int_equal(ldns_pkt_ancount(r), 1);
	assert_rdata(r, 0, "0 0 0 .");
	ldns_pkt_free(r);
	assert_rcode(ask("_http._tcp.lab.example.", LDNS_RR_TYPE_TXT, DNS_ANSWERED),
		     LDNS_RCODE_NOERROR, 0);
	ask("_ldap._tcp.lab.example.", LDNS_RR_TYPE_SRV, DNS_FORWARD);
	/* under a localOnly domain: a service not ours is NXDOMAIN; the
	 * names above ours exist with no data (RFC 8020) */
	zone.local_only = true;
	assert_rcode(ask("_ldap._tcp.lab.example.", LDNS_RR_TYPE_SRV, DNS_ANSWERED),
		     LDNS_RCODE_NXDOMAIN, 0);
	assert_rcode(ask("_tcp.lab.example.", LDNS_RR_TYPE_SRV, DNS_ANSWERED), LDNS_RCODE_NOERROR,
		     0);
	assert_rcode(ask("lab.example.", LDNS_RR_TYPE_SOA, DNS_ANSWERED), LDNS_RCODE_NOERROR, 0);
	assert_rcode(ask("x._tcp.lab.example.", LDNS_RR_TYPE_A, DNS_ANSWERED), LDNS_RCODE_NXDOMAIN,
		     0);
}

/* <forwarder domain=> without addr: never forwarded, NXDOMAIN unless the
 * zone holds the name or names below it. */
static void test_local_domains(void **state)
{
	(void)state;
	assert_rcode(ask("www.corp.internal.", LDNS_RR_TYPE_A, DNS_ANSWERED), LDNS_RCODE_NXDOMAIN,
		     0);
	assert_rcode(ask("a.b.CORP.internal.", LDNS_RR_TYPE_MX, DNS_ANSWERED),
		     LDNS_RCODE_NXDOMAIN, 0);
	assert_answer(ask("gw.corp.internal.", LDNS_RR_TYPE_A, DNS_ANSWERED), "10.90.0.1");
	assert_rcode(ask("corp.internal.", LDNS_RR_TYPE_A, DNS_ANSWERED), LDNS_RCODE_NOERROR, 0);
	ask("xcorp.internal.", LDNS_RR_TYPE_A, DNS_FORWARD);
	ask("other.internal.", LDNS_RR_TYPE_A, DNS_FORWARD);
	/* a reverse zone kept local */
	ask("1.100.51.198.in-addr.arpa.", LDNS_RR_TYPE_PTR, DNS_FORWARD);
	snprintf(zone.local[1], sizeof(zone.local[1]), "51.198.in-addr.arpa");
	zone.nlocal = 2;
	assert_rcode(ask("1.100.51.198.in-addr.arpa.", LDNS_RR_TYPE_PTR, DNS_ANSWERED),
		     LDNS_RCODE_NXDOMAIN, 0);
	zone.nlocal = 0;
	ask("www.corp.internal.", LDNS_RR_TYPE_A, DNS_FORWARD);
}

/* Past 512 bytes without EDNS: TC and no answers; with EDNS, all of it. */
static void test_truncation(void **state)
{
	char big[DNS_TXT_MAX];
	ldns_pkt *r;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	zone.ntxts = 0;
	for (int i = 0; i < 4; i++) {
		big[0] = (char)('a' + i); /* four records, not one four times */
		zone_txt("big.lab.example", big);
	}
	r = ask("big.lab.example.", LDNS_RR_TYPE_TXT, DNS_ANSWERED);
	assert_true(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 0);
	ldns_pkt_free(r);
	r = ask_edns("big.lab.example.", LDNS_RR_TYPE_TXT, true, DNS_ANSWERED);
	assert_false(ldns_pkt_tc(r));
	assert_int_equal(ldns_pkt_ancount(r), 4);
	ldns_pkt_free(r);
}

/* What is forwarded comes with its question as read, in lower case. */
static void test_forward_question(void **state)
{
	uint8_t q[512], out[DNS_ANSWER_MAX];
	size_t qlen = query("WWW.Example.ORG.", LDNS_RR_TYPE_AAAA, false, q), olen = 0;
	struct dns_question qn = { 0 };

	(void)state;
	assert_int_equal(dns_answer_q(&zone, q, qlen, out, &olen, &qn), DNS_FORWARD);
	assert_true(qn.ok);
	assert_string_equal(qn.name, "www.example.org");
	assert_int_equal(qn.type, LDNS_RR_TYPE_AAAA);
	assert_int_equal(qn.cls, LDNS_RR_CLASS_IN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_guest_names, zone_setup),
		cmocka_unit_test_setup(test_forward_question, zone_setup),
		cmocka_unit_test_setup(test_reverse, zone_setup),
		cmocka_unit_test_setup(test_scope, zone_setup),
		cmocka_unit_test_setup(test_not_queries, zone_setup),
		cmocka_unit_test_setup(test_host_entries, zone_setup),
		cmocka_unit_test_setup(test_txt, zone_setup),
		cmocka_unit_test_setup(test_srv, zone_setup),
		cmocka_unit_test_setup(test_local_domains, zone_setup),
		cmocka_unit_test_setup(test_truncation, zone_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
