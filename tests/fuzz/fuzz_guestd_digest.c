// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for what kvnetd reads from its sandboxed child
 * (switch/guestd.h): the digests of a DHCP message and of a DNS query,
 * as a child taken over by a guest could write them, byte for byte.
 *
 * The input's first byte picks the kind; the rest, zero-padded or cut to
 * the struct's size, is the digest. A DHCP digest goes through
 * dhcp_server_handle_digest (refused, or served: then the server's
 * invariants must hold and the reply fit); a DNS digest through
 * dns_digest_wire (refused, or a canonical query that ldns reads back
 * with one question, or a header alone). Anything else aborts.
 *
 * Targets: dhcp/dhcp_digest.c dns/dns_digest.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "dhcp/dhcp_server.h"
#include "dns/dns_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_gd_fail(const char *what)
{
	fprintf(stderr, "fuzz_guestd_digest: %s\n", what);
	abort();
}

static struct dhcp_server *fuzz_gd_server(void)
{
	static struct dhcp_server *s;
	struct dhcp_config c;

	if (s)
		return s;
	dhcp_config_init(&c);
	c.server_ip = 0x0a000001;
	c.subnet = 0x0a000000;
	c.prefix = 24;
	c.ranges[0] = (struct dhcp_range){ 0x0a000064, 0x0a00006f, 0 };
	c.nranges = 1;
	strcpy(c.domain, "lan");
	if (dhcp_server_new(&c, &s, NULL, 0) < 0)
		fuzz_gd_fail("setup");
	return s;
}

static void fuzz_gd_dhcp(const struct dhcp_digest *d)
{
	struct dhcp_meta m = { .src_mac = { 0x52, 0x54, 0, 0, 0, 1 }, .port = 1,
			       .now = 1700000000 };
	struct dhcp_server *s = fuzz_gd_server();
	struct dhcp_result res;
	uint8_t reply[1500];
	const char *why;
	int ret = dhcp_server_handle_digest(s, d, &m, reply, sizeof(reply), &res, &why);

	if (ret == -EINVAL && !why)
		fuzz_gd_fail("refused without a reason");
	if (ret == 0 && (res.len > sizeof(reply) || dhcp_server_verify(s) < 0))
		fuzz_gd_fail("served into a broken state");
}

static void fuzz_gd_dns(const struct dns_digest *d)
{
	uint8_t wire[DNS_DIGEST_WIRE_MAX];
	const char *why = NULL;
	ldns_pkt *p = NULL;
	int n = dns_digest_wire(d, wire, &why);

	if (n < 0 || n == 0)
		return;
	if (ldns_wire2pkt(&p, wire, (size_t)n) != LDNS_STATUS_OK)
		fuzz_gd_fail("a canonical query ldns cannot read");
	if (ldns_pkt_qdcount(p) != (d->kind == DNS_DIGEST_QUERY ? 1u : 0u))
		fuzz_gd_fail("question count");
	ldns_pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union {
		struct dhcp_digest dhcp;
		struct dns_digest dns;
	} u;
	size_t n;

	if (size < 1)
		return 0;
	memset(&u, 0, sizeof(u));
	n = size - 1 < sizeof(u) ? size - 1 : sizeof(u);
	memcpy(&u, data + 1, n);
	if (data[0] & 1)
		fuzz_gd_dns(&u.dns);
	else
		fuzz_gd_dhcp(&u.dhcp);
	return 0;
}
