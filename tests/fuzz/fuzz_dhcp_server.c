// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DHCP server engine (dhcp/dhcp_server).
 *
 * The input is a script of packets for one server with a small config
 * (a 12-address pool in two ranges, a reservation, a port cap of 3, short
 * hold and quarantine times), each packet framed as
 *
 *   flags(1) advance(1) length(2, big-endian) payload(length)
 *
 *   flags bit 0-1  ingress port      bit 2  trusted port
 *         bit 3    broadcast         bit 4  source MAC differs from chaddr
 *         bit 5    then probe-conflict the address in the reply
 *         bit 6    then add or remove a reservation for this chaddr
 *   advance        seconds the clock moves before the packet
 *
 * After every step the server's invariants must hold (dhcp_server_verify),
 * a reply must fit its buffer and be at least 300 bytes, and every lease
 * change must name a known state; otherwise the harness aborts.
 *
 * Targets: dhcp/dhcp_server.c dhcp/dhcp_reply.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_server.h"

#define FUZZ_IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_srv_fail(const char *what)
{
	fprintf(stderr, "fuzz_dhcp_server: %s\n", what);
	abort();
}

static struct dhcp_server *fuzz_srv_new(void)
{
	struct dhcp_host h = { .mac = { 0x52, 0x54, 0, 0, 0, 1 },
			       .has_mac = true,
			       .ip = FUZZ_IP(10, 0, 0, 50),
			       .name = "reserved" };
	struct dhcp_server *s;
	struct dhcp_config c;

	dhcp_config_init(&c);
	c.server_ip = FUZZ_IP(10, 0, 0, 1);
	c.subnet = FUZZ_IP(10, 0, 0, 0);
	c.prefix = 24;
	c.ranges[0] = (struct dhcp_range){ FUZZ_IP(10, 0, 0, 2),
					   FUZZ_IP(10, 0, 0, 9), 0 };
	c.ranges[1] = (struct dhcp_range){ FUZZ_IP(10, 0, 0, 100),
					   FUZZ_IP(10, 0, 0, 103), 120 };
	c.nranges = 2;
	c.dns[0] = c.server_ip;
	c.ndns = 1;
	strcpy(c.domain, "lan");
	strcpy(c.search[0], "lan");
	c.nsearch = 1;
	c.routes[0] = (struct dhcp_route){ FUZZ_IP(192, 168, 0, 0), 16,
					   FUZZ_IP(10, 0, 0, 254) };
	c.nroutes = 1;
	c.mtu = 1400;
	strcpy(c.boot_file, "boot.ipxe");
	c.port_lease_cap = 3;
	c.quarantine_s = 60;
	c.offer_hold_s = 10;
	if (dhcp_server_new(&c, &s, NULL, 0) < 0 ||
	    dhcp_server_host_add(s, &h) < 0)
		fuzz_srv_fail("setup");
	return s;
}

static void fuzz_srv_check(struct dhcp_server *s, const struct dhcp_result *r,
			   size_t cap)
{
	int i;

	if (dhcp_server_verify(s) < 0)
		fuzz_srv_fail("invariants broken");
	if (r->len && (r->len > cap || r->len < DHCP_BOOTP_MIN || !r->sent))
		fuzz_srv_fail("bad reply length");
	if (!r->len && r->sent)
		fuzz_srv_fail("sent without bytes");
	if ((unsigned)r->reason >= DHCP_R_COUNT || r->changes.n < 0 ||
	    r->changes.n > DHCP_CHANGES_MAX)
		fuzz_srv_fail("bad result");
	for (i = 0; i < r->changes.n; i++)
		if (r->changes.rec[i].state >= DHCP_LEASE_STATE_COUNT ||
		    r->changes.rec[i].state == DHCP_LEASE_OFFERED)
			fuzz_srv_fail("bad change record");
}

/* The side actions a packet's flags ask for. */
static void fuzz_srv_side(struct dhcp_server *s, uint8_t flags,
			  const uint8_t *pkt, size_t len,
			  const struct dhcp_result *r, uint64_t now)
{
	struct dhcp_host h = { .has_mac = true };
	struct dhcp_changes ch;

	if ((flags & 0x20) && r->ip)
		dhcp_server_conflict(s, r->ip, now, &ch);
	if ((flags & 0x40) && len >= 34) {
		memcpy(h.mac, pkt + 28, 6);
		h.ip = r->ip ? r->ip : FUZZ_IP(10, 0, 0, 3);
		if (dhcp_server_host_del(s, &h) == -ENOENT)
			dhcp_server_host_add(s, &h);
	}
	if (dhcp_server_verify(s) < 0)
		fuzz_srv_fail("invariants broken by a side action");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t reply[1500];
	struct dhcp_server *s = fuzz_srv_new();
	struct dhcp_meta m = { .now = 1700000000 };
	struct dhcp_result r;
	size_t off = 0, len, cap;

	while (off + 4 <= size) {
		len = (size_t)data[off + 2] << 8 | data[off + 3];
		if (len > size - off - 4)
			len = size - off - 4;
		m.port = data[off] & 3;
		m.trusted = data[off] & 4;
		m.broadcast = data[off] & 8;
		m.now += data[off + 1];
		memset(m.src_mac, 0x02, 6);
		if (!(data[off] & 0x10) && len >= 34)
			memcpy(m.src_mac, data + off + 4 + 28, 6);
		cap = data[off + 1] == 255 ? 320 : sizeof(reply);
		if (dhcp_server_handle(s, data + off + 4, len, &m, reply, cap,
				       &r) < 0)
			fuzz_srv_fail("handle failed");
		fuzz_srv_check(s, &r, cap);
		fuzz_srv_side(s, data[off], data + off + 4, len, &r, m.now);
		off += 4 + len;
	}
	dhcp_server_free(s);
	return 0;
}
