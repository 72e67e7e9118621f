// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DNS forwarder's answering engine
 * (dns/dns_answer.c): the bytes a guest sends to port 53.
 *
 * Any input: dns_answer says answered, forward or drop, and never reads
 * or writes out of bounds (ASan). An answer must be a DNS response to the
 * input: at least a header, within DNS_ANSWER_MAX (and 512 bytes unless
 * the query had EDNS room for more), its id the query's, QR set, and
 * readable by ldns whenever it is more than a header. Otherwise the
 * harness aborts so the fuzzer records the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <ldns/ldns.h>

#include "dns/dns_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_zone zone;

static void fuzz_dns_fail(const char *what)
{
	fprintf(stderr, "fuzz_dns_answer: %s\n", what);
	abort();
}

static void fuzz_dns_zone(void)
{
	static const char *const names[] = { "vm1", "db.lab.example", "a-b" };

	if (zone.nhosts)
		return;
	snprintf(zone.domain, sizeof(zone.domain), "lab.example");
	inet_pton(AF_INET, "10.90.0.0", &zone.subnet);
	inet_pton(AF_INET, "255.255.255.0", &zone.mask);
	for (int i = 0; i < 3; i++) {
		snprintf(zone.hosts[i].name, sizeof(zone.hosts[i].name), "%s", names[i]);
		zone.hosts[i].has_ip4 = true;
		zone.hosts[i].ip4 = htonl(0x0a5a000aU + (uint32_t)i);
		zone.hosts[i].has_ip6 = i == 0;
		zone.hosts[i].ip6[15] = 1;
	}
	zone.nhosts = 3;
}

static void fuzz_dns_check(const uint8_t *q, size_t qlen, const uint8_t *out, size_t olen)
{
	ldns_pkt *r = NULL;

	if (olen < 12 || olen > DNS_ANSWER_MAX)
		fuzz_dns_fail("answer size out of bounds");
	if (out[0] != q[0] || out[1] != q[1] || !(out[2] & 0x80))
		fuzz_dns_fail("answer is not a response to the query");
	if (olen == 12)
		return;
	if (ldns_wire2pkt(&r, out, olen) != LDNS_STATUS_OK)
		fuzz_dns_fail("answer does not parse");
	if (olen > DNS_UDP_PLAIN && !ldns_pkt_edns(r))
		fuzz_dns_fail("answer past 512 bytes without EDNS");
	ldns_pkt_free(r);
	(void)qlen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[DNS_ANSWER_MAX];
	size_t olen = 0;

	fuzz_dns_zone();
	zone.forward_plain = size & 1;
	zone.local_only = size & 2;
	if (dns_answer(&zone, data, size, out, &olen) == DNS_ANSWERED)
		fuzz_dns_check(data, size, out, olen);
	return 0;
}
