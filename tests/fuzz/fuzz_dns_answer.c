// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DNS forwarder's answering engine
 * (dns/dns_answer.c): the bytes a guest sends to port 53.
 *
 * Any input: dns_answer says answered, forward or drop, and never reads
 * or writes out of bounds (ASan). An answer must be a DNS response to the
 * input: at least a header, within DNS_ANSWER_MAX (and 512 bytes unless
 * the query had EDNS room for more), its id the query's, QR set, and
 * readable by ldns whenever it is more than a header. Otherwise the
 * harness aborts so the fuzzer records the input. The zone holds hosts,
 * TXT and SRV records; the input's length turns forwardPlainNames (bit
 * 0), localOnly (bit 1) and the domains kept local (bit 2) on and off.
 *
 * Targets: dns/dns_answer.c
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

/* TXT and SRV records (one TXT of many strings, one SRV offered
 * nowhere), and a domain kept local. */
static void fuzz_dns_records(void)
{
	static const char *const txts[][2] = {
		{ "info.lab.example", "hello world" },
		{ "info.lab.example", "a,,b,c=d," },
		{ "_e.lab.example", "" },
	};
	static const char *const srvs[][2] = {
		{ "_http._tcp.lab.example", "vm1.lab.example" },
		{ "_http._tcp.lab.example", "db.lab.example" },
		{ "_ftp._tcp.lab.example", "" },
	};

	for (int i = 0; i < 3; i++) {
		snprintf(zone.txts[i].name, sizeof(zone.txts[i].name), "%s", txts[i][0]);
		snprintf(zone.txts[i].value, sizeof(zone.txts[i].value), "%s", txts[i][1]);
		snprintf(zone.srvs[i].name, sizeof(zone.srvs[i].name), "%s", srvs[i][0]);
		snprintf(zone.srvs[i].target, sizeof(zone.srvs[i].target), "%s", srvs[i][1]);
		zone.srvs[i].port = (uint16_t)(80 * i);
		zone.srvs[i].priority = (uint16_t)i;
		zone.srvs[i].weight = (uint16_t)(65535 - i);
	}
	zone.ntxts = zone.nsrvs = 3;
	snprintf(zone.local[0], sizeof(zone.local[0]), "corp.internal");
	snprintf(zone.local[1], sizeof(zone.local[1]), "51.198.in-addr.arpa");
}

static void fuzz_dns_zone(void)
{
	static const char *const names[] = { "vm1", "db.lab.example", "a-b" };

	if (zone.nhosts)
		return;
	fuzz_dns_records();
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
	dns_zone_finish(&zone);
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
	zone.nlocal = size & 4 ? 2 : 0;
	if (dns_answer(&zone, data, size, out, &olen) == DNS_ANSWERED)
		fuzz_dns_check(data, size, out, olen);
	return 0;
}
