// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the DHCP codec and option helpers (dhcp/dhcp_wire,
 * dhcp/dhcp_opt, dhcp/dhcp_hash): header fields, every rejection reason,
 * option overload and RFC 3396 concatenation, reply building within
 * option 57 and padded to 300 bytes, long options split, host name
 * sanitising, option 81 in both encodings, options 119 and 121, SipHash
 * against its reference vector and the hash index under collisions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp/dhcp_hash.h"
#include "dhcp/dhcp_opt.h"
#include "dhcp/dhcp_wire.h"
#include "tests/unit/dhcp_test_pkt.h"

static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct dhcp_msg *new_msg(void)
{
	struct dhcp_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	return m;
}

static enum dhcp_reason parse(struct tpkt *p, struct dhcp_msg *m)
{
	return dhcp_wire_parse(p->b, p->len, m);
}

static void test_parse_discover(void **state)
{
	struct dhcp_msg *m = new_msg();
	uint8_t params[] = { 1, 3, 6, 15 };
	struct dhcp_buf v;
	uint32_t ip;
	struct tpkt p;

	(void)state;
	tpkt_init(&p, DHCP_DISCOVER, mac1, 0xdeadbeef);
	tpkt_broadcast(&p);
	tpkt_giaddr(&p, TIP(10, 0, 0, 9));
	tpkt_opt(&p, DHCP_OPT_PARAMS, params, sizeof(params));
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, TIP(10, 0, 0, 77));
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(m->op, DHCP_BOOTREQUEST);
	assert_int_equal(m->type, DHCP_DISCOVER);
	assert_int_equal(m->xid, 0xdeadbeef);
	assert_int_equal(m->flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(m->giaddr, TIP(10, 0, 0, 9));
	assert_int_equal(m->hlen, 6);
	assert_memory_equal(m->chaddr, mac1, 6);
	v = dhcp_wire_opt(m, DHCP_OPT_PARAMS);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.p, params, 4);
	assert_int_equal(dhcp_wire_opt_ip(m, DHCP_OPT_REQ_IP, &ip), 0);
	assert_int_equal(ip, TIP(10, 0, 0, 77));
	assert_int_equal(dhcp_wire_opt_ip(m, DHCP_OPT_SERVER_ID, &ip), -ENOENT);
	assert_false(dhcp_wire_has(m, DHCP_OPT_HOSTNAME));
	assert_null(dhcp_wire_opt(m, DHCP_OPT_HOSTNAME).p);
	free(m);
}

/* Each malformed shape is refused with its own reason. */
static void test_parse_rejects(void **state)
{
	struct dhcp_msg *m = new_msg();
	uint8_t one = 1, two[2] = { 1, 2 }, bad[3] = { 0x3c, 0x01, 0x02 };
	struct tpkt p;

	(void)state;
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	assert_int_equal(dhcp_wire_parse(p.b, 239, m), DHCP_R_TOO_SHORT);
	assert_int_equal(dhcp_wire_parse(p.b, 0, m), DHCP_R_TOO_SHORT);
	assert_int_equal(dhcp_wire_parse(p.b, DHCP_PKT_MAX + 1, m),
			 DHCP_R_TOO_LONG);
	p.b[0] = 2;
	assert_int_equal(parse(&p, m), DHCP_R_NOT_REQUEST);
	p.b[0] = 1, p.b[2] = 17;
	assert_int_equal(parse(&p, m), DHCP_R_BAD_HLEN);
	p.b[2] = 6, p.b[239] = 0x64;
	assert_int_equal(parse(&p, m), DHCP_R_NO_COOKIE);
	/* BOOTP: no option 53 */
	tpkt_init(&p, 0, mac1, 1);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_NO_TYPE);
	/* an option whose length runs past the packet */
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	p.b[p.len++] = 12, p.b[p.len++] = 20, p.b[p.len++] = 'a';
	assert_int_equal(parse(&p, m), DHCP_R_OPT_OVERRUN);
	/* a code with no length byte */
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	p.b[p.len++] = 12;
	assert_int_equal(parse(&p, m), DHCP_R_OPT_OVERRUN);
	/* fixed lengths */
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_REQ_IP, two, 2);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_BAD_OPT_LEN);
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_CLIENT_ID, &one, 1);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_BAD_OPT_LEN);
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_MSG_TYPE, &one, 1); /* 53 twice: length 2 */
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_BAD_OPT_LEN);
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_SERVER_ID, bad, 3);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_BAD_OPT_LEN);
	tpkt_init(&p, 0, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_MSG_TYPE, "\0", 1);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_BAD_TYPE);
	free(m);
}

static void test_parse_overload_bad(void **state)
{
	struct dhcp_msg *m = new_msg();
	uint8_t v;
	struct tpkt p;

	(void)state;
	for (v = 0; v < 6; v += 4) { /* 0 and 4 are not 1..3 */
		tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
		tpkt_opt(&p, DHCP_OPT_OVERLOAD, &v, 1);
		tpkt_end(&p);
		assert_int_equal(parse(&p, m), DHCP_R_BAD_OVERLOAD);
	}
	/* option 52 inside an overloaded field */
	tpkt_init(&p, DHCP_DISCOVER, mac1, 1);
	v = 1;
	tpkt_opt(&p, DHCP_OPT_OVERLOAD, &v, 1);
	tpkt_end(&p);
	p.b[DHCP_FILE_OFF] = 52, p.b[DHCP_FILE_OFF + 1] = 1;
	p.b[DHCP_FILE_OFF + 2] = 2, p.b[DHCP_FILE_OFF + 3] = 255;
	assert_int_equal(parse(&p, m), DHCP_R_BAD_OVERLOAD);
	/* an overrun inside the file field */
	p.b[DHCP_FILE_OFF] = 12, p.b[DHCP_FILE_OFF + 1] = 200;
	assert_int_equal(parse(&p, m), DHCP_R_OPT_OVERRUN);
	free(m);
}

/*
 * Option 52 = 3: options go on in `file`, then `sname`. Option 12 comes
 * in three pieces (options, file, sname) and is read back whole, in that
 * order (RFC 3396 §5); option 61 lives only in `sname`.
 */
static void test_parse_overload_concat(void **state)
{
	struct dhcp_msg *m = new_msg();
	uint8_t ov = 3, *f = NULL, *s = NULL;
	struct dhcp_buf v;
	struct tpkt p;

	(void)state;
	tpkt_init(&p, DHCP_REQUEST, mac1, 7);
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "host", 4);
	tpkt_opt(&p, DHCP_OPT_OVERLOAD, &ov, 1);
	tpkt_end(&p);
	f = p.b + DHCP_FILE_OFF;
	memcpy(f, "\x0c\x04-one\x00\x00\xff", 9); /* pads then end */
	s = p.b + DHCP_SNAME_OFF;
	memcpy(s, "\x0c\x04-two\x3d\x07\x01\x52\x54\x00\x12\x34\x56", 15);
	/* no end option in sname: the field's end ends it */
	memset(s + 15, 0, DHCP_SNAME_LEN - 15);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(m->overload, 3);
	v = dhcp_wire_opt(m, DHCP_OPT_HOSTNAME);
	assert_int_equal(v.len, 12);
	assert_memory_equal(v.p, "host-one-two", 12);
	v = dhcp_wire_opt(m, DHCP_OPT_CLIENT_ID);
	assert_int_equal(v.len, 7);
	assert_int_equal(v.p[0], 1);
	assert_memory_equal(v.p + 1, mac1, 6);
	/* without option 52 the same bytes are just a file name */
	tpkt_init(&p, DHCP_REQUEST, mac1, 7);
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "host", 4);
	tpkt_end(&p);
	memcpy(p.b + DHCP_FILE_OFF, "\x0c\x04-one\xff", 7);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(dhcp_wire_opt(m, DHCP_OPT_HOSTNAME).len, 4);
	free(m);
}

/* Repeated options in the options field join; options after the end
 * option and a field without one are handled. */
static void test_parse_repeat_and_end(void **state)
{
	struct dhcp_msg *m = new_msg();
	uint8_t big[255];
	struct dhcp_buf v;
	struct tpkt p;

	(void)state;
	memset(big, 'x', sizeof(big));
	tpkt_init(&p, DHCP_DISCOVER, mac1, 7);
	tpkt_opt(&p, 77, big, 255);
	p.b[p.len++] = 0; /* a pad between */
	tpkt_opt(&p, 77, "yz", 2);
	tpkt_opt(&p, 12, "", 0);
	p.b[p.len++] = 255;
	p.b[p.len++] = 12; /* junk after the end option: ignored */
	p.b[p.len++] = 99;
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	v = dhcp_wire_opt(m, 77);
	assert_int_equal(v.len, 257);
	assert_int_equal(v.p[254], 'x');
	assert_memory_equal(v.p + 255, "yz", 2);
	assert_true(dhcp_wire_has(m, 12));
	assert_int_equal(dhcp_wire_opt(m, 12).len, 0);
	/* no end option at all: the packet's end ends the options */
	tpkt_init(&p, DHCP_DISCOVER, mac1, 7);
	tpkt_opt(&p, 12, "abc", 3);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(dhcp_wire_opt(m, 12).len, 3);
	free(m);
}

/* Flip a reply to a request so the parser (which takes requests only)
 * can read its options back. */
static void reparse(uint8_t *buf, size_t len, struct dhcp_msg *m)
{
	uint8_t copy[DHCP_PKT_MAX];

	memcpy(copy, buf, len);
	copy[0] = DHCP_BOOTREQUEST;
	assert_int_equal(dhcp_wire_parse(copy, len, m), DHCP_R_NONE);
}

static void test_reply_basic(void **state)
{
	struct dhcp_msg *req = new_msg(), *back = new_msg();
	struct dhcp_reply_hdr h = { .type = DHCP_OFFER,
				    .yiaddr = TIP(10, 0, 0, 5),
				    .siaddr = TIP(10, 0, 0, 1),
				    .file = "pxelinux.0" };
	uint8_t buf[1500];
	struct dhcp_out o;
	struct tpkt p;
	size_t len;

	(void)state;
	tpkt_init(&p, DHCP_DISCOVER, mac1, 0x01020304);
	tpkt_broadcast(&p);
	tpkt_end(&p);
	assert_int_equal(parse(&p, req), DHCP_R_NONE);
	/* no option 57: 576 - 28 */
	assert_int_equal(dhcp_wire_reply_limit(req, sizeof(buf)), 548);
	assert_int_equal(dhcp_wire_reply_limit(req, 400), 400);
	assert_int_equal(dhcp_wire_reply_start(&o, buf, 299, req, &h), -ENOSPC);
	assert_int_equal(dhcp_wire_reply_start(&o, buf, 548, req, &h), 0);
	assert_int_equal(dhcp_wire_put_u32(&o, DHCP_OPT_LEASE_TIME, 3600), 0);
	len = dhcp_wire_finish(&o);
	assert_int_equal(len, DHCP_BOOTP_MIN); /* padded */
	assert_int_equal(buf[0], DHCP_BOOTREPLY);
	assert_int_equal(tpkt_r32(buf + 4), 0x01020304);
	assert_int_equal(buf[10], 0x80); /* flags copied */
	assert_int_equal(tpkt_r32(buf + 16), TIP(10, 0, 0, 5));
	assert_int_equal(tpkt_r32(buf + 20), TIP(10, 0, 0, 1));
	assert_memory_equal(buf + 28, mac1, 6);
	assert_string_equal((char *)buf + DHCP_FILE_OFF, "pxelinux.0");
	/* 53 first, then 51, then end, then zeros */
	assert_memory_equal(buf + 240, "\x35\x01\x02\x33\x04\x00\x00\x0e\x10\xff",
			    10);
	assert_int_equal(buf[250], 0);
	assert_int_equal(buf[299], 0);
	reparse(buf, len, back);
	assert_int_equal(back->type, DHCP_OFFER);
	free(req);
	free(back);
}

/* Option 57 bounds the reply; values over 255 bytes become consecutive
 * instances and read back whole. */
static void test_reply_limit_and_split(void **state)
{
	struct dhcp_msg *req = new_msg(), *back = new_msg();
	struct dhcp_reply_hdr h = { .type = DHCP_ACK };
	uint8_t buf[2000], val[600];
	struct dhcp_out o;
	struct dhcp_buf v;
	struct tpkt p;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)i;
	tpkt_init(&p, DHCP_REQUEST, mac1, 1);
	tpkt_opt_u16(&p, DHCP_OPT_MAX_SIZE, 1500);
	tpkt_end(&p);
	assert_int_equal(parse(&p, req), DHCP_R_NONE);
	assert_int_equal(dhcp_wire_reply_limit(req, sizeof(buf)), 1472);
	assert_int_equal(dhcp_wire_reply_start(&o, buf, 1472, req, &h), 0);
	assert_int_equal(dhcp_wire_put(&o, 121, val, 600), 0);
	assert_int_equal(o.len, 243 + 600 + 3 * 2);
	len = dhcp_wire_finish(&o);
	reparse(buf, len, back);
	v = dhcp_wire_opt(back, 121);
	assert_int_equal(v.len, 600);
	assert_memory_equal(v.p, val, 600);
	/* 57 below the floor counts as 576; a value that cannot fit is
	 * refused and leaves the reply as it was */
	tpkt_init(&p, DHCP_REQUEST, mac1, 1);
	tpkt_opt_u16(&p, DHCP_OPT_MAX_SIZE, 300);
	tpkt_end(&p);
	assert_int_equal(parse(&p, req), DHCP_R_NONE);
	assert_int_equal(dhcp_wire_reply_limit(req, sizeof(buf)), 548);
	assert_int_equal(dhcp_wire_reply_start(&o, buf, 548, req, &h), 0);
	assert_int_equal(dhcp_wire_put(&o, 121, val, 250), 0);
	len = o.len;
	assert_int_equal(len, 243 + 252);
	/* 548 - 1 (end) - 495 = 52 bytes left: 2 + 50 */
	assert_int_equal(dhcp_wire_put(&o, 119, val, 51), -ENOSPC);
	assert_int_equal(o.len, len);
	assert_int_equal(dhcp_wire_put(&o, 119, val, SIZE_MAX - 3), -ENOSPC);
	assert_int_equal(dhcp_wire_put(&o, 119, val, 50), 0);
	assert_int_equal(dhcp_wire_put(&o, 26, val, 0), -ENOSPC);
	assert_int_equal(dhcp_wire_finish(&o), 548);
	free(req);
	free(back);
}

static void hostname_is(const char *in, const char *want)
{
	char out[DHCP_HOSTNAME_MAX];
	int rc = dhcp_opt_hostname_str(in, out);

	if (!want) {
		assert_int_equal(rc, -EINVAL);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
}

static void test_hostname(void **state)
{
	char long_in[100], long_out[64];

	(void)state;
	hostname_is("vm1", "vm1");
	hostname_is("VM-One.example.com", "vm-one");
	hostname_is("-lead-and-trail-", "lead-and-trail");
	hostname_is("My Laptop", "my-laptop");
	hostname_is("snake_case", "snake-case");
	hostname_is("wéird!name", "wirdname");
	hostname_is("", NULL);
	hostname_is(".example.com", NULL);
	hostname_is("---", NULL);
	hostname_is("!!!", NULL);
	memset(long_in, 'a', 99);
	long_in[99] = '\0';
	memset(long_out, 'a', 63);
	long_out[63] = '\0';
	hostname_is(long_in, long_out);
	/* truncation at 63 must not leave a trailing hyphen */
	memset(long_in, 'b', 62);
	long_in[62] = '-', long_in[63] = 'c', long_in[64] = '\0';
	long_out[62] = '\0';
	memset(long_out, 'b', 62);
	hostname_is(long_in, long_out);
}

static void test_fqdn(void **state)
{
	struct dhcp_msg *m = new_msg();
	const uint8_t wire[] = { 0x05, 0, 0, 3, 'V', 'm', '7', 7, 'e', 'x',
				 'a', 'm', 'p', 'l', 'e', 0 };
	const uint8_t part[] = { 0x04, 0, 0, 3, 'a', 'b', 'c' };
	const uint8_t bad[] = { 0x04, 0, 0, 9, 'a' };
	const uint8_t ascii[] = { 0x01, 0, 0, 'h', 'o', 's', 't', '.', 'l',
				  'a', 'n', '.', 0 };
	struct dhcp_buf v = { wire, sizeof(wire) };
	char name[DHCP_HOSTNAME_MAX];
	struct dhcp_fqdn f;
	struct tpkt p;

	(void)state;
	assert_int_equal(dhcp_opt_fqdn_parse(&v, &f), 0);
	assert_int_equal(f.flags, 0x05);
	assert_string_equal(f.name, "Vm7.example");
	v = (struct dhcp_buf){ part, sizeof(part) };
	assert_int_equal(dhcp_opt_fqdn_parse(&v, &f), 0);
	assert_string_equal(f.name, "abc");
	v = (struct dhcp_buf){ bad, sizeof(bad) };
	assert_int_equal(dhcp_opt_fqdn_parse(&v, &f), -EINVAL);
	v = (struct dhcp_buf){ wire, 2 };
	assert_int_equal(dhcp_opt_fqdn_parse(&v, &f), -EINVAL);
	v = (struct dhcp_buf){ ascii, sizeof(ascii) };
	assert_int_equal(dhcp_opt_fqdn_parse(&v, &f), 0);
	assert_string_equal(f.name, "host.lan");
	/* 81 wins over 12; an empty 81 falls back to 12 */
	tpkt_init(&p, DHCP_REQUEST, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "from12", 6);
	tpkt_opt(&p, DHCP_OPT_FQDN, wire, sizeof(wire));
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(dhcp_opt_client_name(m, name), 0);
	assert_string_equal(name, "vm7");
	tpkt_init(&p, DHCP_REQUEST, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "From12", 6);
	tpkt_opt(&p, DHCP_OPT_FQDN, "\x01\x00\x00", 3);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(dhcp_opt_client_name(m, name), 0);
	assert_string_equal(name, "from12");
	tpkt_init(&p, DHCP_REQUEST, mac1, 1);
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "__", 2);
	tpkt_end(&p);
	assert_int_equal(parse(&p, m), DHCP_R_NONE);
	assert_int_equal(dhcp_opt_client_name(m, name), -ENOENT);
	free(m);
}

static void test_fqdn_reply(void **state)
{
	uint8_t out[300];
	int n;

	(void)state;
	n = dhcp_opt_fqdn_reply(DHCP_FQDN_E | DHCP_FQDN_N, "vm1", "lan", out,
				sizeof(out));
	assert_int_equal(n, 3 + 9);
	assert_memory_equal(out, "\x0c\xff\xff\x03vm1\x03lan\x00", 12);
	n = dhcp_opt_fqdn_reply(DHCP_FQDN_N, "vm1", "", out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\x08\xff\xffvm1", 6);
	assert_int_equal(dhcp_opt_fqdn_reply(0, "vm1", "", out, 5), -ENOSPC);
}

static void test_search(void **state)
{
	const char names[3][DHCP_DOMAIN_MAX] = { "example.com", "lan.",
						 "a-b.c_d.e" };
	const char bad[1][DHCP_DOMAIN_MAX] = { "a..b" };
	uint8_t out[100];

	(void)state;
	assert_int_equal(dhcp_opt_search(names, 2, out, sizeof(out)), 18);
	assert_memory_equal(out, "\x07" "example\x03" "com\x00\x03lan\x00", 18);
	assert_int_equal(dhcp_opt_search(names, 3, out, sizeof(out)), 29);
	assert_int_equal(dhcp_opt_search(names, 2, out, 17), -ENOSPC);
	assert_int_equal(dhcp_opt_search(bad, 1, out, sizeof(out)), -EINVAL);
	assert_true(dhcp_opt_domain_valid("example.com."));
	assert_false(dhcp_opt_domain_valid(""));
	assert_false(dhcp_opt_domain_valid("."));
	assert_false(dhcp_opt_domain_valid("a b"));
	assert_false(dhcp_opt_domain_valid(".a"));
}

/* RFC 3442 §2's own examples, and the default route last. */
static void test_routes(void **state)
{
	const struct dhcp_route r[] = {
		{ TIP(10, 17, 0, 0), 16, TIP(10, 0, 0, 2) },
		{ TIP(10, 27, 129, 0), 24, TIP(10, 0, 0, 3) },
		{ TIP(10, 229, 0, 128), 25, TIP(10, 0, 0, 4) },
		{ TIP(10, 198, 122, 47), 32, TIP(10, 0, 0, 5) },
	};
	const struct dhcp_route bad = { 0, 33, 1 };
	uint8_t out[100];

	(void)state;
	assert_int_equal(dhcp_opt_routes(r, 4, TIP(10, 0, 0, 1), out,
					 sizeof(out)),
			 7 + 8 + 9 + 9 + 5);
	assert_memory_equal(out, "\x10\x0a\x11\x0a\x00\x00\x02", 7);
	assert_memory_equal(out + 7, "\x18\x0a\x1b\x81\x0a\x00\x00\x03", 8);
	assert_memory_equal(out + 15, "\x19\x0a\xe5\x00\x80\x0a\x00\x00\x04",
			    9);
	assert_memory_equal(out + 24, "\x20\x0a\xc6\x7a\x2f\x0a\x00\x00\x05",
			    9);
	assert_memory_equal(out + 33, "\x00\x0a\x00\x00\x01", 5);
	/* no router, no default route; host bits beyond the prefix cleared */
	const struct dhcp_route sloppy = { TIP(192, 168, 5, 77), 24,
					   TIP(10, 0, 0, 9) };
	assert_int_equal(dhcp_opt_routes(&sloppy, 1, 0, out, sizeof(out)), 8);
	assert_memory_equal(out, "\x18\xc0\xa8\x05\x0a\x00\x00\x09", 8);
	assert_int_equal(dhcp_opt_routes(&bad, 1, 0, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(dhcp_opt_routes(r, 4, 1, out, 20), -ENOSPC);
	assert_int_equal(dhcp_opt_routes(NULL, 0, 0, out, sizeof(out)), 0);
}

/* The reference vector of the SipHash paper (key 00..0f, message
 * 00..0e) and the empty message. */
static void test_siphash(void **state)
{
	uint8_t key[16], msg[15];
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(dhcp_hash_sip(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(dhcp_hash_sip(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(dhcp_hash_stable("a", 1) != dhcp_hash_stable("b", 1));
	assert_true(dhcp_hash_stable("a", 1) == dhcp_hash_stable("a", 1));
}

static bool eq_u32(const void *ctx, uint32_t val, const void *key)
{
	const uint32_t *keys = ctx;

	return keys[val] == *(const uint32_t *)key;
}

/* Many entries, all in few buckets; deleting from the middle of probe
 * chains keeps every other entry reachable. */
static void test_index(void **state)
{
	enum { N = 5000 };
	static uint32_t keys[N];
	struct dhcp_index x;
	uint32_t i, k;

	(void)state;
	assert_int_equal(dhcp_index_init(&x, 4), 0);
	for (i = 0; i < N; i++) {
		keys[i] = i * 7919u;
		assert_int_equal(dhcp_index_add(&x, keys[i] % 13, i), 0);
	}
	for (i = 0; i < N; i += 3)
		dhcp_index_del(&x, keys[i] % 13, i);
	dhcp_index_del(&x, 5, 123456); /* absent */
	for (i = 0; i < N; i++) {
		k = keys[i];
		assert_int_equal(dhcp_index_find(&x, k % 13, eq_u32, keys, &k),
				 i % 3 ? i : DHCP_INDEX_NONE);
	}
	assert_int_equal(x.used, N - (N + 2) / 3);
	dhcp_index_fini(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_discover),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_overload_bad),
		cmocka_unit_test(test_parse_overload_concat),
		cmocka_unit_test(test_parse_repeat_and_end),
		cmocka_unit_test(test_reply_basic),
		cmocka_unit_test(test_reply_limit_and_split),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_fqdn),
		cmocka_unit_test(test_fqdn_reply),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_siphash),
		cmocka_unit_test(test_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
