// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for dhcp/dhcp_digest: a message served through its digest
 * (what the sandboxed parser sends kvnetd) gets the very reply, result
 * and lease changes it gets when served from its bytes; and a digest the
 * parser could not have made is refused, with nothing changed. Messages
 * are built byte by byte (dhcp_test_pkt.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dhcp/dhcp_server.h"
#include "tests/unit/dhcp_test_pkt.h"

#define SRV TIP(10, 0, 0, 1)
#define T0 1700000000ull

/* Two servers with one config: one fed bytes, one fed digests. */
struct pair {
	struct dhcp_server *raw, *dig;
	struct dhcp_msg scratch;
};

static void pair_config(struct dhcp_config *c)
{
	dhcp_config_init(c);
	c->server_ip = SRV;
	c->subnet = TIP(10, 0, 0, 0);
	c->prefix = 24;
	c->ranges[0] = (struct dhcp_range){ TIP(10, 0, 0, 100), TIP(10, 0, 0, 199), 0 };
	c->nranges = 1;
	c->dns[0] = SRV;
	c->ndns = 1;
	strcpy(c->domain, "lan");
	strcpy(c->search[0], "lan");
	c->nsearch = 1;
	memset(c->hash_key, 7, sizeof(c->hash_key));
}

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct dhcp_config c;

	pair_config(&c);
	assert_int_equal(dhcp_server_new(&c, &p->raw, NULL, 0), 0);
	assert_int_equal(dhcp_server_new(&c, &p->dig, NULL, 0), 0);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	dhcp_server_free(p->raw);
	dhcp_server_free(p->dig);
	free(p);
	return 0;
}

static const uint8_t mac1[6] = { 0x52, 0x54, 0, 0, 0, 1 };

static struct dhcp_meta meta(bool trusted, bool bcast)
{
	struct dhcp_meta m = { .port = 3, .trusted = trusted, .broadcast = bcast, .now = T0 };

	memcpy(m.src_mac, mac1, 6);
	return m;
}

/* Serve pkt both ways: the same reply bytes and the same result (the
 * message type sent). */
static uint8_t both(struct pair *p, const struct tpkt *pkt, const struct dhcp_meta *m)
{
	uint8_t r1[1500], r2[1500];
	struct dhcp_result a, b;
	struct dhcp_digest d;
	const char *why;

	assert_int_equal(dhcp_server_handle(p->raw, pkt->b, pkt->len, m, r1, sizeof(r1), &a), 0);
	dhcp_digest_parse(pkt->b, pkt->len, &p->scratch, &d);
	assert_int_equal(dhcp_server_handle_digest(p->dig, &d, m, r2, sizeof(r2), &b, &why), 0);
	assert_null(why);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(r1, r2, a.len);
	assert_int_equal(a.sent, b.sent);
	assert_int_equal(a.reason, b.reason);
	assert_int_equal(a.ip, b.ip);
	assert_int_equal(a.changes.n, b.changes.n);
	for (int i = 0; i < a.changes.n; i++)
		assert_memory_equal(&a.changes.rec[i], &b.changes.rec[i],
				    sizeof(a.changes.rec[i]));
	return a.sent;
}

static uint32_t first_ip(const struct pair *p)
{
	struct dhcp_lease_rec r;
	uint32_t cursor = 0;

	assert_int_equal(dhcp_server_lease_next(p->raw, &cursor, &r), 0);
	return r.ip;
}

static void test_exchange_with_options(void **state)
{
	struct pair *p = *state;
	static const uint8_t params[] = { 1, 3, 6, 12, 15, 28, 119, 81 };
	static const uint8_t cid[] = { 1, 0x52, 0x54, 0, 0, 0, 1 };
	static const uint8_t fqdn[] = { 0x04, 0, 0, 4, 'M', 'y', 'v', 'M', 3, 'l', 'a', 'n', 0 };
	struct dhcp_meta m = meta(false, true);
	struct tpkt pkt;

	tpkt_init(&pkt, 1, mac1, 42);
	tpkt_opt(&pkt, 55, params, sizeof(params));
	tpkt_opt(&pkt, 61, cid, sizeof(cid));
	tpkt_opt(&pkt, 81, fqdn, sizeof(fqdn));
	tpkt_opt_u16(&pkt, 57, 1200);
	tpkt_end(&pkt);
	assert_int_equal(both(p, &pkt, &m), DHCP_OFFER);
	tpkt_init(&pkt, 3, mac1, 43);
	tpkt_opt(&pkt, 55, params, sizeof(params));
	tpkt_opt(&pkt, 61, cid, sizeof(cid));
	tpkt_opt(&pkt, 12, "Host_Name.x", 11);
	tpkt_opt_ip(&pkt, 54, SRV);
	tpkt_opt_ip(&pkt, 50, dhcp_server_lease_count(p->raw) ? first_ip(p) : 0);
	tpkt_end(&pkt);
	assert_int_equal(both(p, &pkt, &m), DHCP_ACK);
}

static void test_relay_and_errors(void **state)
{
	struct pair *p = *state;
	static const uint8_t relay[] = { 1, 4, 'p', 'o', 'r', 't', 2, 2, 'i', 'd' };
	struct dhcp_meta m = meta(true, false);
	struct tpkt pkt;

	tpkt_init(&pkt, 1, mac1, 7);
	tpkt_giaddr(&pkt, TIP(10, 0, 0, 2));
	tpkt_opt(&pkt, 82, relay, sizeof(relay));
	tpkt_end(&pkt);
	assert_int_equal(both(p, &pkt, &m), DHCP_OFFER);
	tpkt_init(&pkt, 0, mac1, 8); /* no type: a parse error, counted */
	both(p, &pkt, &m);
	pkt.len = 100; /* a runt */
	both(p, &pkt, &m);
	tpkt_init(&pkt, 8, mac1, 9); /* INFORM */
	tpkt_ciaddr(&pkt, TIP(10, 0, 0, 50));
	both(p, &pkt, &m);
	assert_memory_equal(dhcp_server_counters(p->raw), dhcp_server_counters(p->dig),
			    sizeof(struct dhcp_counters));
}

/* A valid digest, then one field at a time made impossible. */
static void test_refused(void **state)
{
	struct pair *p = *state;
	struct dhcp_meta m = meta(false, true);
	struct dhcp_digest good, d;
	struct dhcp_result res;
	uint8_t reply[1500];
	const char *why;
	struct tpkt pkt;

	tpkt_init(&pkt, 1, mac1, 1);
	tpkt_opt(&pkt, 12, "vm", 2);
	dhcp_digest_parse(pkt.b, pkt.len, &p->scratch, &good);
	for (int i = 0; i < 9; i++) {
		d = good;
		switch (i) {
		case 0: d.op = 2; break;
		case 1: d.hlen = 17; break;
		case 2: d.type = 0; break;
		case 3: d.has |= 0x80; break;
		case 4: d.cid_len = 3; break;
		case 5: memset(d.hostname, 'a', sizeof(d.hostname)); break;
		case 6: strcpy(d.hostname, "Not.Clean"); break;
		case 7: d.req_ip = 5; break;
		case 8: d.reason = DHCP_R_PORT_CAP; break;
		}
		assert_int_equal(dhcp_server_handle_digest(p->dig, &d, &m, reply, sizeof(reply),
							   &res, &why), -EINVAL);
		assert_non_null(why);
	}
	assert_int_equal(dhcp_server_lease_count(p->dig), 0);
	assert_int_equal(dhcp_server_handle_digest(p->dig, &good, &m, reply, sizeof(reply), &res,
						   &why), 0);
	assert_int_equal(res.sent, DHCP_OFFER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exchange_with_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
