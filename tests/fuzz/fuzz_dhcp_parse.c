// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DHCP codec (dhcp/dhcp_wire, dhcp/dhcp_opt).
 *
 * Any input: dhcp_wire_parse returns a reason from the enum. An accepted
 * message must hold together: each option's value lies inside the parsed
 * data and the values add up to no more than the input; every structured
 * option reader (55, 61, 81, 12) runs on it; a reply built to it never
 * passes its limit, is at least 300 bytes and parses back with the same
 * options. Otherwise the harness aborts so the fuzzer records the input.
 *
 * Targets: dhcp/dhcp_wire.c dhcp/dhcp_opt.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_opt.h"
#include "dhcp/dhcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_dhcp_fail(const char *what)
{
	fprintf(stderr, "fuzz_dhcp_parse: %s\n", what);
	abort();
}

static void fuzz_dhcp_options(const struct dhcp_msg *m, size_t size)
{
	char name[DHCP_HOSTNAME_MAX];
	struct dhcp_fqdn fq;
	struct dhcp_buf v;
	size_t total = 0;
	unsigned code;

	for (code = 0; code < 256; code++) {
		v = dhcp_wire_opt(m, (uint8_t)code);
		if (!v.p)
			continue;
		if (v.p < m->data || v.p + v.len > m->data + sizeof(m->data))
			fuzz_dhcp_fail("option value outside the message");
		total += v.len;
	}
	if (total > size)
		fuzz_dhcp_fail("options longer than the packet");
	if (dhcp_opt_client_name(m, name) == 0 &&
	    (!name[0] || strlen(name) > 63 || name[0] == '-'))
		fuzz_dhcp_fail("bad sanitised name");
	v = dhcp_wire_opt(m, DHCP_OPT_FQDN);
	if (v.p && dhcp_opt_fqdn_parse(&v, &fq) == 0 && strlen(fq.name) > 255)
		fuzz_dhcp_fail("fqdn too long");
}

/* Echo some of the request's options into a reply and read it back. */
static void fuzz_dhcp_reply(const struct dhcp_msg *m, struct dhcp_msg *back)
{
	static const uint8_t echo[] = { DHCP_OPT_CLIENT_ID, DHCP_OPT_HOSTNAME,
					DHCP_OPT_PARAMS, 77, 43 };
	struct dhcp_reply_hdr h = { .type = DHCP_OFFER, .yiaddr = 0x0a000005 };
	static uint8_t buf[DHCP_PKT_MAX];
	size_t limit = dhcp_wire_reply_limit(m, 1500), len, i;
	struct dhcp_buf v, w;
	struct dhcp_out o;

	if (dhcp_wire_reply_start(&o, buf, limit, m, &h) < 0)
		fuzz_dhcp_fail("reply start");
	for (i = 0; i < sizeof(echo); i++) {
		v = dhcp_wire_opt(m, echo[i]);
		if (v.p)
			dhcp_wire_put(&o, echo[i], v.p, v.len);
	}
	len = dhcp_wire_finish(&o);
	if (len > limit || len < DHCP_BOOTP_MIN || limit < 548)
		fuzz_dhcp_fail("reply size");
	buf[0] = DHCP_BOOTREQUEST;
	if (dhcp_wire_parse(buf, len, back) != DHCP_R_NONE)
		fuzz_dhcp_fail("reply does not parse");
	for (i = 0; i < sizeof(echo); i++) {
		v = dhcp_wire_opt(m, echo[i]);
		w = dhcp_wire_opt(back, echo[i]);
		if (w.p && (!v.p || w.len != v.len || memcmp(v.p, w.p, v.len)))
			fuzz_dhcp_fail("option changed in the reply");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m, back;
	enum dhcp_reason r = dhcp_wire_parse(data, size, &m);

	if ((unsigned)r >= DHCP_R_COUNT)
		fuzz_dhcp_fail("reason outside the enum");
	if (r != DHCP_R_NONE)
		return 0;
	fuzz_dhcp_options(&m, size);
	fuzz_dhcp_reply(&m, &back);
	return 0;
}
