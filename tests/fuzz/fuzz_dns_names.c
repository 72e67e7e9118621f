// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the names socket's line protocol (dns/dns_names.c)
 * and the lookups behind it (dns/dns_hosts.c): what any local user may
 * write to <run-dir>/kvnetd-names.sock, and, read the other way, what the
 * NSS module takes for kvnetd's reply.
 *
 * Any input, as a request: dns_names_request_parse accepts it or says
 * -EINVAL, never reading out of bounds (ASan). An accepted request is
 * written back out and must read back as the same request; its answer
 * from a small zone must be a reply the NSS module reads back, line for
 * line, each with a valid name. As a reply: dns_names_reply_parse returns
 * no more lines than it was given room for, each a valid name of a known
 * family. Otherwise the harness aborts so the fuzzer records the input.
 *
 * Targets: dns/dns_names.c dns/dns_hosts.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dns/dns_hosts.h"
#include "dns/dns_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dns_zone zone;

static void fuzz_names_fail(const char *what)
{
	fprintf(stderr, "fuzz_dns_names: %s\n", what);
	abort();
}

static void fuzz_names_zone(void)
{
	static const char *const names[] = { "vm1", "db.lab.example", "a-b", "Mixed_Case" };

	if (zone.nhosts)
		return;
	snprintf(zone.domain, sizeof(zone.domain), "lab.example");
	for (int i = 0; i < 4; i++) {
		snprintf(zone.hosts[i].name, sizeof(zone.hosts[i].name), "%s", names[i]);
		zone.hosts[i].has_ip4 = true;
		zone.hosts[i].ip4 = htonl(0x0a5a000aU + (uint32_t)(i & 1));
		zone.hosts[i].has_ip6 = i == 0;
		zone.hosts[i].ip6[0] = 0xfd;
		zone.hosts[i].ip6[15] = 0x10;
	}
	zone.nhosts = 4;
	dns_zone_finish(&zone);
}

static bool fuzz_names_same(const struct dns_names_req *a, const struct dns_names_req *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == DNS_NAMES_BY_NAME)
		return strcmp(a->name, b->name) == 0;
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

static void fuzz_names_entries(const struct dns_names_entry *e, int n, int max)
{
	if (n > max)
		fuzz_names_fail("more lines than room for them");
	for (int i = 0; i < n; i++) {
		if (!dns_names_valid(e[i].name, strlen(e[i].name)))
			fuzz_names_fail("a reply line with an invalid name");
		if (e[i].family != AF_INET && e[i].family != AF_INET6)
			fuzz_names_fail("a reply line with no address family");
	}
}

/* An accepted request: written back, read back, answered, and the answer
 * read as the NSS module reads it. */
static void fuzz_names_request(const struct dns_names_req *q)
{
	struct dns_names_entry e[DNS_NAMES_REPLY_LINES];
	char line[DNS_NAMES_REQUEST_MAX + 1];
	struct dns_names_reply r;
	struct dns_names_req back;
	int n = dns_names_request_format(q, line, sizeof(line)), lines;

	if (n < 0 || dns_names_request_parse(line, (size_t)n, &back) < 0 ||
	    !fuzz_names_same(q, &back))
		fuzz_names_fail("a request does not survive being written and read back");
	dns_names_reply_init(&r);
	lines = dns_hosts_answer(&zone, q, &r);
	dns_names_reply_end(&r);
	if (lines != r.lines || r.len > sizeof(r.text))
		fuzz_names_fail("the answer miscounts its lines");
	n = dns_names_reply_parse(r.text, r.len, e, DNS_NAMES_REPLY_LINES);
	if (n != lines)
		fuzz_names_fail("the answer does not read back");
	fuzz_names_entries(e, n, DNS_NAMES_REPLY_LINES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_names_entry e[4];
	struct dns_names_req q;
	int n;

	fuzz_names_zone();
	if (dns_names_request_parse((const char *)data, size, &q) == 0)
		fuzz_names_request(&q);
	n = dns_names_reply_parse((const char *)data, size, e, 4);
	if (n >= 0)
		fuzz_names_entries(e, n, 4);
	else if (n != -EAGAIN && n != -EBADMSG)
		fuzz_names_fail("a reply parse failed with an unknown error");
	return 0;
}
