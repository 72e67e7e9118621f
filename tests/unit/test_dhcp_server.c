// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the DHCP server engine (dhcp/dhcp_server and the
 * modules under it): four-way exchanges, each REQUEST state, NAKs and
 * their reasons, DECLINE and quarantine, RELEASE by owner only, INFORM,
 * empty pools, the stable pool pick, previous bindings, reservations by
 * MAC and client id (also added live), reply options and addressing,
 * relays and trusted ports, chaddr spoofing, the per-port cap, restore
 * and the daemon's other calls. Every message is built byte by byte
 * (dhcp_test_pkt.h) and every reply is parsed back and checked.
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

#include "dhcp/dhcp_server.h"
#include "tests/unit/dhcp_test_pkt.h"

#define SRV TIP(10, 0, 0, 1)
#define T0 1700000000ull

struct fx {
	struct dhcp_config cfg;
	struct dhcp_server *s;
	struct dhcp_result res;
	uint8_t reply[1500];
	struct dhcp_msg *back; /* the last reply, parsed */
	uint64_t now;
};

static void mac_of(uint8_t mac[6], unsigned n)
{
	mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x00;
	mac[3] = (uint8_t)(n >> 16), mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

static void base_config(struct dhcp_config *c)
{
	dhcp_config_init(c);
	c->server_ip = SRV;
	c->subnet = TIP(10, 0, 0, 0);
	c->prefix = 24;
	c->ranges[0] = (struct dhcp_range){ TIP(10, 0, 0, 100),
					    TIP(10, 0, 0, 199), 0 };
	c->nranges = 1;
	c->dns[0] = SRV;
	c->ndns = 1;
	strcpy(c->domain, "lan");
	memset(c->hash_key, 7, sizeof(c->hash_key));
}

static void fx_start(struct fx *f)
{
	char err[DHCP_ERR_MAX] = "";

	dhcp_server_free(f->s);
	if (dhcp_server_new(&f->cfg, &f->s, err, sizeof(err)))
		fail_msg("server: %s", err);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->back = malloc(sizeof(*f->back));
	base_config(&f->cfg);
	f->now = T0;
	fx_start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	dhcp_server_free(f->s);
	free(f->back);
	free(f);
	return 0;
}

/* Send p as if from mac on an untrusted port 1, broadcast. */
static struct dhcp_meta meta_of(const struct fx *f, const uint8_t mac[6])
{
	struct dhcp_meta m = { .port = 1, .broadcast = true, .now = f->now };

	memcpy(m.src_mac, mac, 6);
	return m;
}

/* Serve p; parse any reply back into f->back. */
static void serve_meta(struct fx *f, struct tpkt *p, const struct dhcp_meta *m)
{
	uint8_t copy[1500];

	assert_int_equal(dhcp_server_handle(f->s, p->b, p->len, m, f->reply,
					    sizeof(f->reply), &f->res), 0);
	assert_int_equal(dhcp_server_verify(f->s), 0);
	if (!f->res.len)
		return;
	assert_true(f->res.len >= DHCP_BOOTP_MIN);
	memcpy(copy, f->reply, f->res.len);
	copy[0] = DHCP_BOOTREQUEST;
	assert_int_equal(dhcp_wire_parse(copy, f->res.len, f->back),
			 DHCP_R_NONE);
	assert_int_equal(f->back->type, f->res.sent);
}

static void serve(struct fx *f, struct tpkt *p, const uint8_t mac[6])
{
	struct dhcp_meta m = meta_of(f, mac);

	serve_meta(f, p, &m);
}

static uint32_t back_ip(const struct fx *f, uint8_t code)
{
	uint32_t ip = 0;

	assert_int_equal(dhcp_wire_opt_ip(f->back, code, &ip), 0);
	return ip;
}

static uint32_t yiaddr(const struct fx *f)
{
	return tpkt_r32(f->reply + 16);
}

static uint32_t discover(struct fx *f, const uint8_t mac[6])
{
	struct tpkt p;

	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	return yiaddr(f);
}

static void select_req(struct fx *f, const uint8_t mac[6], uint32_t ip,
		       uint32_t sid)
{
	struct tpkt p;

	tpkt_init(&p, DHCP_REQUEST, mac, 2);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, sid);
	tpkt_end(&p);
	serve(f, &p, mac);
}

/* DISCOVER, OFFER, REQUEST, ACK; the address. */
static uint32_t bind(struct fx *f, const uint8_t mac[6])
{
	uint32_t ip = discover(f, mac);

	select_req(f, mac, ip, SRV);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(yiaddr(f), ip);
	return ip;
}

/* A REQUEST with ciaddr (renewing when unicast, rebinding otherwise). */
static void renew(struct fx *f, const uint8_t mac[6], uint32_t ip, bool bcast)
{
	struct dhcp_meta m = meta_of(f, mac);
	struct tpkt p;

	m.broadcast = bcast;
	tpkt_init(&p, DHCP_REQUEST, mac, 3);
	tpkt_ciaddr(&p, ip);
	tpkt_end(&p);
	serve_meta(f, &p, &m);
}

static void init_reboot(struct fx *f, const uint8_t mac[6], uint32_t ip)
{
	struct tpkt p;

	tpkt_init(&p, DHCP_REQUEST, mac, 4);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_end(&p);
	serve(f, &p, mac);
}

static struct dhcp_lease_rec lease_at(const struct fx *f, uint32_t ip)
{
	struct dhcp_lease_rec r;

	assert_int_equal(dhcp_server_lease_find(f->s, ip, &r), 0);
	return r;
}

static bool in_range(uint32_t ip)
{
	return ip >= TIP(10, 0, 0, 100) && ip <= TIP(10, 0, 0, 199);
}

/* ---- the four-way exchange ---- */

static void test_offer(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	uint32_t ip;

	mac_of(mac, 1);
	ip = discover(f, mac);
	assert_true(in_range(ip));
	assert_int_equal(f->res.received, DHCP_DISCOVER);
	assert_int_equal(f->res.reason, DHCP_R_NONE);
	assert_int_equal(f->res.ip, ip);
	assert_int_equal(f->res.changes.n, 0); /* offers are not persisted */
	assert_int_equal(back_ip(f, DHCP_OPT_SERVER_ID), SRV);
	assert_int_equal(back_ip(f, DHCP_OPT_LEASE_TIME), 3600);
	assert_int_equal(back_ip(f, DHCP_OPT_T1), 1800);
	assert_int_equal(back_ip(f, DHCP_OPT_T2), 3150);
	assert_int_equal(back_ip(f, DHCP_OPT_SUBNET_MASK), TIP(255, 255, 255, 0));
	assert_int_equal(back_ip(f, DHCP_OPT_ROUTER), SRV);
	assert_int_equal(back_ip(f, DHCP_OPT_DNS), SRV);
	assert_int_equal(back_ip(f, DHCP_OPT_BROADCAST), TIP(10, 0, 0, 255));
	assert_memory_equal(dhcp_wire_opt(f->back, DHCP_OPT_DOMAIN).p, "lan", 3);
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_CLIENT_ID));
	/* the fixed header */
	assert_int_equal(f->reply[0], DHCP_BOOTREPLY);
	assert_int_equal(tpkt_r32(f->reply + 4), 1);
	assert_int_equal(tpkt_r32(f->reply + 20), 0); /* no boot server */
	assert_memory_equal(f->reply + 28, mac, 6);
	/* no option 55: everything configured, 121 with the default route */
	assert_int_equal(dhcp_wire_opt(f->back, DHCP_OPT_CLASSLESS).len, 5);
	/* no broadcast bit: unicast to yiaddr and chaddr */
	assert_false(f->res.dst.broadcast);
	assert_int_equal(f->res.dst.ip, ip);
	assert_int_equal(f->res.dst.port, DHCP_CLIENT_PORT);
	assert_memory_equal(f->res.dst.mac, mac, 6);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_OFFERED);
	/* a second DISCOVER gets the same offer */
	assert_int_equal(discover(f, mac), ip);
}

static void test_ack(void **state)
{
	struct fx *f = *state;
	struct dhcp_lease_rec r;
	uint8_t mac[6];
	uint32_t ip;
	struct tpkt p;

	mac_of(mac, 2);
	ip = discover(f, mac);
	tpkt_init(&p, DHCP_REQUEST, mac, 9);
	tpkt_broadcast(&p);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, SRV);
	tpkt_opt(&p, DHCP_OPT_HOSTNAME, "My Laptop.home", 14);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(f->res.req_state, DHCP_REQ_SELECTING);
	assert_int_equal(yiaddr(f), ip);
	assert_true(f->res.dst.broadcast);
	assert_int_equal(f->res.dst.ip, UINT32_MAX);
	assert_memory_equal(f->res.dst.mac, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(f->res.changes.n, 1);
	r = f->res.changes.rec[0];
	assert_int_equal(r.state, DHCP_LEASE_BOUND);
	assert_int_equal(r.ip, ip);
	assert_int_equal(r.expiry, T0 + 3600);
	assert_string_equal(r.hostname, "my-laptop");
	assert_int_equal(r.port, 1);
	assert_int_equal(r.id_len, 7);
	assert_int_equal(r.id[0], 1);
	assert_memory_equal(r.id + 1, mac, 6);
	assert_false(r.has_cid);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_BOUND);
	assert_int_equal(dhcp_server_lease_count(f->s), 1);
	assert_int_equal(dhcp_server_counters(f->s)->rx[DHCP_DISCOVER], 1);
	assert_int_equal(dhcp_server_counters(f->s)->tx[DHCP_ACK], 1);
}

/* SELECTING with another server's id: silence, and our offer is gone. */
static void test_select_other_server(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];
	uint32_t ip;

	mac_of(a, 3);
	ip = discover(f, a);
	select_req(f, a, TIP(10, 0, 0, 77), TIP(10, 0, 0, 2));
	assert_int_equal(f->res.sent, DHCP_NONE);
	assert_int_equal(f->res.reason, DHCP_R_OTHER_SERVER);
	assert_int_equal(f->res.req_state, DHCP_REQ_SELECTING);
	struct dhcp_lease_rec r;
	assert_int_equal(dhcp_server_lease_find(f->s, ip, &r), -ENOENT);
	/* the freed address can go to a client asking for it */
	mac_of(b, 4);
	struct tpkt p;
	tpkt_init(&p, DHCP_DISCOVER, b, 1);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_end(&p);
	serve(f, &p, b);
	assert_int_equal(yiaddr(f), ip);
}

static void assert_nak(struct fx *f, enum dhcp_reason why)
{
	assert_int_equal(f->res.sent, DHCP_NAK);
	assert_int_equal(f->res.reason, why);
	assert_int_equal(yiaddr(f), 0);
	assert_int_equal(back_ip(f, DHCP_OPT_SERVER_ID), SRV);
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_LEASE_TIME));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_SUBNET_MASK));
	assert_true(dhcp_wire_has(f->back, DHCP_OPT_MESSAGE));
	assert_true(f->res.dst.broadcast);
}

static void test_select_wrong_address(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	uint32_t ip;

	mac_of(mac, 5);
	ip = discover(f, mac);
	select_req(f, mac, ip == TIP(10, 0, 0, 150) ? ip + 1 : TIP(10, 0, 0, 150),
		   SRV);
	assert_nak(f, DHCP_R_NAK_NOT_OFFERED);
	/* a REQUEST from a client never offered anything */
	mac_of(mac, 6);
	select_req(f, mac, ip, SRV);
	assert_nak(f, DHCP_R_NAK_NOT_OFFERED);
	/* SELECTING without option 50 is malformed: dropped */
	struct tpkt p;
	tpkt_init(&p, DHCP_REQUEST, mac, 2);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, SRV);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_NONE);
	assert_int_equal(f->res.reason, DHCP_R_BAD_REQUEST);
}

static void test_init_reboot(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];
	uint32_t ip_a, ip_b;

	mac_of(a, 7);
	mac_of(b, 8);
	ip_a = bind(f, a);
	ip_b = bind(f, b);
	/* its own address: ACK, lease extended */
	f->now += 100;
	init_reboot(f, a, ip_a);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(f->res.req_state, DHCP_REQ_INIT_REBOOT);
	assert_int_equal(f->res.changes.rec[0].expiry, f->now + 3600);
	/* another client's address: NAK, and b keeps it */
	init_reboot(f, a, ip_b);
	assert_nak(f, DHCP_R_NAK_UNAVAILABLE);
	assert_int_equal(f->res.ip, ip_b);
	assert_int_equal(lease_at(f, ip_b).state, DHCP_LEASE_BOUND);
	assert_int_equal(lease_at(f, ip_a).state, DHCP_LEASE_BOUND);
	/* another network */
	init_reboot(f, a, TIP(192, 168, 1, 10));
	assert_nak(f, DHCP_R_NAK_WRONG_NET);
	/* our subnet but outside every range, and the server's own address */
	init_reboot(f, a, TIP(10, 0, 0, 20));
	assert_nak(f, DHCP_R_NAK_UNAVAILABLE);
	init_reboot(f, a, SRV);
	assert_nak(f, DHCP_R_NAK_UNAVAILABLE);
	/* a free address in a range (a lease we lost): granted, and a's
	 * old one is given up (two changes: free, then bound) */
	init_reboot(f, a, TIP(10, 0, 0, 123) == ip_b ? TIP(10, 0, 0, 124)
						     : TIP(10, 0, 0, 123));
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(f->res.changes.n, 2);
	assert_int_equal(f->res.changes.rec[0].state, DHCP_LEASE_FREE);
	assert_int_equal(f->res.changes.rec[0].ip, ip_a);
	assert_int_equal(f->res.changes.rec[1].state, DHCP_LEASE_BOUND);
}

static void test_renew_rebind(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6], other[6];
	uint32_t ip;

	mac_of(mac, 9);
	ip = bind(f, mac);
	f->now += 1800;
	renew(f, mac, ip, false);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(f->res.req_state, DHCP_REQ_RENEWING);
	assert_int_equal(f->res.changes.rec[0].expiry, f->now + 3600);
	assert_int_equal(tpkt_r32(f->reply + 12), ip); /* ciaddr echoed */
	/* RFC 2131 §4.1: unicast to ciaddr */
	assert_false(f->res.dst.broadcast);
	assert_int_equal(f->res.dst.ip, ip);
	assert_int_equal(f->res.dst.port, DHCP_CLIENT_PORT);
	assert_memory_equal(f->res.dst.mac, mac, 6);
	f->now += 3000;
	renew(f, mac, ip, true);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(f->res.req_state, DHCP_REQ_REBINDING);
	/* a lease nobody gave this client */
	mac_of(other, 10);
	renew(f, other, ip, false);
	assert_nak(f, DHCP_R_NAK_NO_LEASE);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_BOUND);
	renew(f, other, TIP(10, 0, 0, 150), true);
	assert_nak(f, DHCP_R_NAK_NO_LEASE);
	/* an expired lease */
	f->now += 3601;
	renew(f, mac, ip, false);
	assert_nak(f, DHCP_R_NAK_NO_LEASE);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_EXPIRED);
	/* another network */
	renew(f, mac, TIP(172, 16, 0, 5), false);
	assert_nak(f, DHCP_R_NAK_WRONG_NET);
}

static void test_decline(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6], other[6];
	struct tpkt p;
	uint32_t ip, ip2;

	mac_of(mac, 11);
	mac_of(other, 12);
	ip = bind(f, mac);
	/* from a client that does not hold it: ignored */
	tpkt_init(&p, DHCP_DECLINE, other, 5);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, SRV);
	tpkt_end(&p);
	serve(f, &p, other);
	assert_int_equal(f->res.reason, DHCP_R_NOT_OWNER);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_BOUND);
	/* from the owner */
	tpkt_init(&p, DHCP_DECLINE, mac, 5);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, SRV);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_NONE);
	assert_int_equal(f->res.reason, DHCP_R_NONE);
	assert_int_equal(f->res.changes.n, 1);
	assert_int_equal(f->res.changes.rec[0].state, DHCP_LEASE_DECLINED);
	assert_int_equal(f->res.changes.rec[0].expiry, T0 + 600);
	assert_int_equal(f->res.changes.rec[0].id_len, 0);
	/* the next offer avoids the quarantined address, even on request */
	tpkt_init(&p, DHCP_DISCOVER, mac, 6);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_end(&p);
	serve(f, &p, mac);
	ip2 = yiaddr(f);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	assert_int_not_equal(ip2, ip);
	init_reboot(f, other, ip);
	assert_nak(f, DHCP_R_NAK_UNAVAILABLE);
	/* after the quarantine the address is free again */
	f->now += 601;
	assert_true(dhcp_server_expire(f->s, f->now) >= 1);
	struct dhcp_lease_rec r;
	assert_int_equal(dhcp_server_lease_find(f->s, ip, &r), -ENOENT);
	init_reboot(f, other, ip);
	assert_int_equal(f->res.sent, DHCP_ACK);
}

static void release(struct fx *f, const uint8_t mac[6], uint32_t ip)
{
	struct tpkt p;

	tpkt_init(&p, DHCP_RELEASE, mac, 8);
	tpkt_ciaddr(&p, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, SRV);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_NONE);
}

static void test_release(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6], other[6];
	uint32_t ip;
	int i;

	mac_of(mac, 13);
	mac_of(other, 14);
	ip = bind(f, mac);
	release(f, other, ip);
	assert_int_equal(f->res.reason, DHCP_R_NOT_OWNER);
	assert_int_equal(f->res.changes.n, 0);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_BOUND);
	release(f, other, TIP(10, 0, 0, 180));
	assert_int_equal(f->res.reason, DHCP_R_NO_LEASE);
	release(f, mac, ip);
	assert_int_equal(f->res.reason, DHCP_R_NONE);
	assert_int_equal(f->res.changes.n, 1);
	assert_int_equal(f->res.changes.rec[0].state, DHCP_LEASE_RELEASED);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_RELEASED);
	/* released twice: it holds nothing now */
	release(f, mac, ip);
	assert_int_equal(f->res.reason, DHCP_R_NO_LEASE);
	/* others are not given it while other addresses are free... */
	for (i = 0; i < 40; i++) {
		mac_of(other, 100 + (unsigned)i);
		assert_int_not_equal(bind(f, other), ip);
	}
	/* ...and its owner gets it back */
	assert_int_equal(discover(f, mac), ip);
}

static void test_inform(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct tpkt p;

	mac_of(mac, 15);
	tpkt_init(&p, DHCP_INFORM, mac, 10);
	tpkt_ciaddr(&p, TIP(10, 0, 0, 50));
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(yiaddr(f), 0);
	assert_int_equal(tpkt_r32(f->reply + 12), TIP(10, 0, 0, 50));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_LEASE_TIME));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_T1));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_T2));
	assert_int_equal(back_ip(f, DHCP_OPT_SERVER_ID), SRV);
	assert_int_equal(back_ip(f, DHCP_OPT_ROUTER), SRV);
	assert_false(f->res.dst.broadcast);
	assert_int_equal(f->res.dst.ip, TIP(10, 0, 0, 50));
	assert_int_equal(f->res.changes.n, 0);
	assert_int_equal(dhcp_server_lease_count(f->s), 0);
	/* from an address of another network */
	tpkt_init(&p, DHCP_INFORM, mac, 10);
	tpkt_ciaddr(&p, TIP(10, 9, 0, 50));
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.reason, DHCP_R_WRONG_NETWORK);
}

static void test_pool_empty(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct tpkt p;

	f->cfg.ranges[0] = (struct dhcp_range){ TIP(10, 0, 0, 10),
						TIP(10, 0, 0, 11), 0 };
	fx_start(f);
	mac_of(mac, 1);
	bind(f, mac);
	mac_of(mac, 2);
	bind(f, mac);
	mac_of(mac, 3);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_NONE);
	assert_int_equal(f->res.len, 0);
	assert_int_equal(f->res.reason, DHCP_R_POOL_EMPTY);
	assert_true(f->res.flags & DHCP_RESULT_POOL_EXHAUSTED);
	/* reported once */
	mac_of(mac, 4);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.reason, DHCP_R_POOL_EMPTY);
	assert_false(f->res.flags & DHCP_RESULT_POOL_EXHAUSTED);
	assert_int_equal(dhcp_server_counters(f->s)->reason[DHCP_R_POOL_EMPTY],
			 2);
}

/* Same client, same address on a fresh server; clients spread over the
 * pool rather than filling it from the start. */
static void test_stable_pick(void **state)
{
	struct fx *f = *state;
	uint32_t first[50];
	unsigned seq = 0, low = 0;
	uint8_t mac[6];
	int i, j;

	for (i = 0; i < 50; i++) {
		mac_of(mac, 1000 + (unsigned)i);
		first[i] = bind(f, mac);
		for (j = 0; j < i; j++)
			assert_int_not_equal(first[i], first[j]);
		if (i && first[i] == first[i - 1] + 1)
			seq++;
		if (first[i] < TIP(10, 0, 0, 150))
			low++;
	}
	assert_true(seq < 10);
	assert_true(low > 10 && low < 40);
	fx_start(f); /* fresh server, same order: the same addresses */
	for (i = 0; i < 50; i++) {
		mac_of(mac, 1000 + (unsigned)i);
		assert_int_equal(discover(f, mac), first[i]);
	}
	fx_start(f);
	/* other order: a client's place depends on who it is, not on when
	 * it comes (a sequential pool would match none); a collision with
	 * a client that came first moves it on */
	for (i = 49, j = 0; i >= 0; i--) {
		mac_of(mac, 1000 + (unsigned)i);
		if (discover(f, mac) == first[i])
			j++;
	}
	assert_true(j >= 15);
	fx_start(f);
	mac_of(mac, 1007);
	assert_int_equal(discover(f, mac), first[7]);
}

/* An expired binding brings its client back to its address. */
static void test_previous_binding(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];
	uint32_t ip;
	int i;

	mac_of(a, 21);
	ip = bind(f, a);
	f->now += 4000;
	assert_int_equal(dhcp_server_expire(f->s, f->now), 1);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_EXPIRED);
	for (i = 0; i < 30; i++) {
		mac_of(b, 200 + (unsigned)i);
		assert_int_not_equal(discover(f, b), ip);
	}
	assert_int_equal(discover(f, a), ip);
	/* the offer over the history reverts to history when it lapses */
	f->now += 31;
	dhcp_server_expire(f->s, f->now);
	assert_int_equal(lease_at(f, ip).state, DHCP_LEASE_EXPIRED);
	/* a free address another client asks for by option 50 is its,
	 * even if it was a's */
	struct tpkt p;
	tpkt_init(&p, DHCP_DISCOVER, b, 1);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_end(&p);
	serve(f, &p, b);
	assert_int_equal(yiaddr(f), ip);
	/* a's history was dropped, and noted for the journal */
	assert_int_equal(f->res.changes.n, 1);
	assert_int_equal(f->res.changes.rec[0].state, DHCP_LEASE_FREE);
}

static struct dhcp_host host_mac(const uint8_t mac[6], uint32_t ip,
				 const char *name)
{
	struct dhcp_host h;

	memset(&h, 0, sizeof(h));
	memcpy(h.mac, mac, 6);
	h.has_mac = true;
	h.ip = ip;
	snprintf(h.name, sizeof(h.name), "%s", name);
	return h;
}

static void test_reservation_mac(void **state)
{
	struct fx *f = *state;
	uint8_t a[6], b[6];
	struct dhcp_host h;
	struct tpkt p;

	mac_of(a, 31);
	mac_of(b, 32);
	/* outside the range, with its own lease time */
	h = host_mac(a, TIP(10, 0, 0, 20), "Web.Server");
	h.lease_s = DHCP_LEASE_INFINITE;
	assert_int_equal(dhcp_server_host_add(f->s, &h), 0);
	assert_int_equal(dhcp_server_host_add(f->s, &h), -EEXIST);
	tpkt_init(&p, DHCP_DISCOVER, a, 1);
	tpkt_opt(&p, DHCP_OPT_PARAMS, "\x01\x03\x0c", 3);
	tpkt_end(&p);
	serve(f, &p, a);
	assert_int_equal(yiaddr(f), TIP(10, 0, 0, 20));
	assert_int_equal(back_ip(f, DHCP_OPT_LEASE_TIME), UINT32_MAX);
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_T1));
	assert_memory_equal(dhcp_wire_opt(f->back, DHCP_OPT_HOSTNAME).p,
			    "web", 3);
	/* option 55 without 6: no DNS */
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_DNS));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_CLASSLESS));
	assert_int_equal(f->res.len, DHCP_BOOTP_MIN); /* padded to 300 */
	assert_int_equal(f->reply[DHCP_BOOTP_MIN - 1], 0);
	select_req(f, a, TIP(10, 0, 0, 20), SRV);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(f->res.changes.rec[0].expiry, 0); /* infinite */
	assert_string_equal(f->res.changes.rec[0].hostname, "web");
	/* nobody else gets it, even asking */
	init_reboot(f, b, TIP(10, 0, 0, 20));
	assert_nak(f, DHCP_R_NAK_RESERVED);
	tpkt_init(&p, DHCP_DISCOVER, b, 1);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, TIP(10, 0, 0, 20));
	tpkt_end(&p);
	serve(f, &p, b);
	assert_int_not_equal(yiaddr(f), TIP(10, 0, 0, 20));
	/* a reserved in-range address is skipped by the pool */
	h = host_mac(b, TIP(10, 0, 0, 150), "");
	assert_int_equal(dhcp_server_host_add(f->s, &h), 0);
	assert_int_equal(discover(f, b), TIP(10, 0, 0, 150));
	/* invalid reservations */
	h = host_mac(b, TIP(10, 0, 1, 5), "");
	h.mac[5] ^= 0xff;
	assert_int_equal(dhcp_server_host_add(f->s, &h), -EINVAL);
	h.ip = SRV;
	assert_int_equal(dhcp_server_host_add(f->s, &h), -EINVAL);
	h.ip = TIP(10, 0, 0, 20); /* someone else's */
	assert_int_equal(dhcp_server_host_add(f->s, &h), -EEXIST);
	memset(&h, 0, sizeof(h));
	assert_int_equal(dhcp_server_host_add(f->s, &h), -EINVAL);
}

static void test_reservation_id(void **state)
{
	struct fx *f = *state;
	const uint8_t cid[] = { 0xff, 0, 0, 0, 1, 0, 1, 0xaa, 0xbb };
	struct dhcp_host h;
	uint8_t mac[6];
	struct tpkt p;

	memset(&h, 0, sizeof(h));
	memcpy(h.id, cid, sizeof(cid));
	h.id_len = sizeof(cid);
	h.ip = TIP(10, 0, 0, 30);
	assert_int_equal(dhcp_server_host_add(f->s, &h), 0);
	mac_of(mac, 33);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_opt(&p, DHCP_OPT_CLIENT_ID, cid, sizeof(cid));
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(yiaddr(f), TIP(10, 0, 0, 30));
	/* RFC 6842: option 61 echoed */
	assert_int_equal(dhcp_wire_opt(f->back, DHCP_OPT_CLIENT_ID).len,
			 sizeof(cid));
	assert_memory_equal(dhcp_wire_opt(f->back, DHCP_OPT_CLIENT_ID).p, cid,
			    sizeof(cid));
	/* same MAC without the id: a different client */
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_true(in_range(yiaddr(f)));
	/* delete by id */
	assert_int_equal(dhcp_server_host_del(f->s, &h), 0);
	assert_int_equal(dhcp_server_host_del(f->s, &h), -ENOENT);
}

/* A reservation added live takes the address from its holder at the
 * holder's next REQUEST. */
static void test_reservation_live(void **state)
{
	struct fx *f = *state;
	uint8_t holder[6], owner[6];
	struct dhcp_host h;
	uint32_t ip, other;

	mac_of(holder, 41);
	mac_of(owner, 42);
	ip = bind(f, holder);
	h = host_mac(owner, ip, "owner");
	assert_int_equal(dhcp_server_host_add(f->s, &h), 0);
	/* the owner cannot have it while it is leased: a pool address */
	other = bind(f, owner);
	assert_int_not_equal(other, ip);
	f->now += 1800;
	renew(f, holder, ip, false);
	assert_nak(f, DHCP_R_NAK_RESERVED);
	assert_int_equal(f->res.changes.n, 1);
	assert_int_equal(f->res.changes.rec[0].state, DHCP_LEASE_FREE);
	assert_int_equal(f->res.changes.rec[0].ip, ip);
	/* the owner's renewal of its pool address is NAKed now that its
	 * reservation is free; it then gets the reserved one */
	renew(f, owner, other, false);
	assert_nak(f, DHCP_R_NAK_MOVED);
	assert_int_equal(f->res.changes.n, 1);
	assert_int_equal(f->res.changes.rec[0].ip, other);
	assert_int_equal(bind(f, owner), ip);
	/* and the old holder gets another */
	assert_int_not_equal(bind(f, holder), ip);
	/* removing the reservation leaves the lease until it ends */
	assert_int_equal(dhcp_server_host_del(f->s, &h), 0);
	renew(f, owner, ip, false);
	assert_int_equal(f->res.sent, DHCP_ACK);
}

static void test_ignore_client_id(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct tpkt p;
	uint32_t ip;

	f->cfg.ignore_client_id = true;
	fx_start(f);
	mac_of(mac, 51);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_opt(&p, DHCP_OPT_CLIENT_ID, "\x00initrd", 7);
	tpkt_end(&p);
	serve(f, &p, mac);
	ip = yiaddr(f);
	tpkt_init(&p, DHCP_REQUEST, mac, 2);
	tpkt_opt(&p, DHCP_OPT_CLIENT_ID, "\x00initrd", 7);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_opt_ip(&p, DHCP_OPT_SERVER_ID, SRV);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_ACK);
	/* the booted OS, another client id, same MAC: same lease */
	tpkt_init(&p, DHCP_REQUEST, mac, 3);
	tpkt_opt(&p, DHCP_OPT_CLIENT_ID, "\xff\x01\x02\x03\x04\x05", 6);
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, ip);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_ACK);
	assert_int_equal(yiaddr(f), ip);
	/* echoed as sent, all the same */
	assert_memory_equal(dhcp_wire_opt(f->back, DHCP_OPT_CLIENT_ID).p,
			    "\xff\x01\x02", 3);
	assert_int_equal(dhcp_server_lease_count(f->s), 1);
}

/* ---- reply contents ---- */

/* Option 57 = 576: the reply stays within 548 bytes and drops what does
 * not fit (here 119 and 121), keeping the essentials. */
static void test_max_size(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct tpkt p;
	int i;

	for (i = 0; i < DHCP_MAX_SEARCH; i++)
		snprintf(f->cfg.search[i], DHCP_DOMAIN_MAX,
			 "%c%040d.example.com", 'a' + i, 0);
	f->cfg.nsearch = DHCP_MAX_SEARCH;
	for (i = 0; i < 4; i++)
		f->cfg.routes[i] = (struct dhcp_route){ TIP(192, 168, i, 0), 24,
							SRV };
	f->cfg.nroutes = 4;
	f->cfg.mtu = 1400;
	fx_start(f);
	mac_of(mac, 61);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_opt_u16(&p, DHCP_OPT_MAX_SIZE, 576);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	assert_true(f->res.len <= 548);
	assert_true(dhcp_wire_has(f->back, DHCP_OPT_LEASE_TIME));
	assert_true(dhcp_wire_has(f->back, DHCP_OPT_SUBNET_MASK));
	assert_true(dhcp_wire_has(f->back, DHCP_OPT_ROUTER));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_SEARCH));
	/* 121 (41 bytes) came after 119 and still fit */
	assert_true(dhcp_wire_has(f->back, DHCP_OPT_CLASSLESS));
	assert_int_equal(dhcp_wire_opt(f->back, DHCP_OPT_MTU).len, 2);
	/* a client allowing 1500 gets them all, 119 split over instances */
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_opt_u16(&p, DHCP_OPT_MAX_SIZE, 1500);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_true(f->res.len > 548 && f->res.len <= 1472);
	assert_int_equal(dhcp_wire_opt(f->back, DHCP_OPT_SEARCH).len,
			 DHCP_MAX_SEARCH * 55);
	/* a reply buffer too small for anything: nothing changes */
	struct dhcp_meta m = meta_of(f, mac);
	mac_of(mac, 64);
	memcpy(m.src_mac, mac, 6);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	assert_int_equal(dhcp_server_handle(f->s, p.b, p.len, &m, f->reply, 200,
					    &f->res), 0);
	assert_int_equal(f->res.reason, DHCP_R_REPLY_SPACE);
	assert_int_equal(f->res.len, 0);
	assert_int_equal(dhcp_server_lease_count(f->s), 1);
}

static void test_routes_and_router(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct dhcp_buf v;
	struct tpkt p;

	f->cfg.routes[0] = (struct dhcp_route){ TIP(192, 168, 7, 0), 24,
						TIP(10, 0, 0, 2) };
	f->cfg.nroutes = 1;
	fx_start(f);
	mac_of(mac, 62);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_opt(&p, DHCP_OPT_PARAMS, "\x79\x03\x01", 3);
	tpkt_end(&p);
	serve(f, &p, mac);
	v = dhcp_wire_opt(f->back, DHCP_OPT_CLASSLESS);
	assert_int_equal(v.len, 8 + 5);
	assert_memory_equal(v.p, "\x18\xc0\xa8\x07\x0a\x00\x00\x02"
				 "\x00\x0a\x00\x00\x01", 13);
	/* isolated network: no router, no default route */
	f->cfg.router = false;
	fx_start(f);
	serve(f, &p, mac);
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_ROUTER));
	v = dhcp_wire_opt(f->back, DHCP_OPT_CLASSLESS);
	assert_int_equal(v.len, 8);
	f->cfg.nroutes = 0;
	fx_start(f);
	serve(f, &p, mac);
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_CLASSLESS));
	assert_false(dhcp_wire_has(f->back, DHCP_OPT_ROUTER));
}

static void test_boot_and_fqdn(void **state)
{
	struct fx *f = *state;
	const uint8_t fqdn[] = { DHCP_FQDN_E | DHCP_FQDN_S, 0, 0, 4, 'n', 'o',
				 'd', 'e', 0 };
	uint8_t mac[6];
	struct dhcp_buf v;
	struct tpkt p;

	strcpy(f->cfg.boot_file, "pxelinux.0");
	f->cfg.boot_server = TIP(10, 0, 0, 5);
	fx_start(f);
	mac_of(mac, 63);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_opt(&p, DHCP_OPT_FQDN, fqdn, sizeof(fqdn));
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(tpkt_r32(f->reply + 20), TIP(10, 0, 0, 5));
	assert_string_equal((char *)f->reply + DHCP_FILE_OFF, "pxelinux.0");
	v = dhcp_wire_opt(f->back, DHCP_OPT_BOOTFILE);
	assert_int_equal(v.len, 10);
	v = dhcp_wire_opt(f->back, DHCP_OPT_TFTP_SERVER);
	assert_memory_equal(v.p, "10.0.0.5", 8);
	v = dhcp_wire_opt(f->back, DHCP_OPT_FQDN);
	assert_int_equal(v.len, 3 + 10);
	assert_memory_equal(v.p, "\x0e\xff\xff\x04node\x03lan\x00", 13);
	assert_memory_equal(dhcp_wire_opt(f->back, DHCP_OPT_HOSTNAME).p, "node",
			    4);
}

/* ---- who may ask ---- */

static void test_relay(void **state)
{
	struct fx *f = *state;
	struct dhcp_meta m;
	uint8_t mac[6], relay[6] = { 2, 0, 0, 0, 0, 9 };
	struct tpkt p;

	mac_of(mac, 71);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_giaddr(&p, TIP(10, 0, 0, 9));
	tpkt_opt(&p, DHCP_OPT_RELAY_AGENT, "\x01\x04port", 6);
	tpkt_end(&p);
	m = meta_of(f, relay);
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_NONE);
	assert_int_equal(f->res.reason, DHCP_R_UNTRUSTED_RELAY);
	m.trusted = true;
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	assert_int_equal(f->res.dst.ip, TIP(10, 0, 0, 9));
	assert_int_equal(f->res.dst.port, DHCP_SERVER_PORT);
	assert_false(f->res.dst.broadcast);
	assert_int_equal(tpkt_r32(f->reply + 24), TIP(10, 0, 0, 9));
	/* RFC 3046: the relay agent's option comes back, last */
	assert_memory_equal(dhcp_wire_opt(f->back, DHCP_OPT_RELAY_AGENT).p,
			    "\x01\x04port", 6);
	assert_int_equal(f->back->codes[f->back->ncodes - 1],
			 DHCP_OPT_RELAY_AGENT);
	/* a NAK through the relay: to giaddr, broadcast bit set */
	tpkt_init(&p, DHCP_REQUEST, mac, 2);
	tpkt_giaddr(&p, TIP(10, 0, 0, 9));
	tpkt_opt_ip(&p, DHCP_OPT_REQ_IP, TIP(10, 9, 9, 9));
	tpkt_end(&p);
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_NAK);
	assert_int_equal(f->res.dst.ip, TIP(10, 0, 0, 9));
	assert_int_equal(f->res.dst.port, DHCP_SERVER_PORT);
	assert_int_equal(f->reply[10] & 0x80, 0x80);
	/* a relay for a subnet we do not serve */
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_giaddr(&p, TIP(10, 1, 0, 1));
	tpkt_end(&p);
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.reason, DHCP_R_WRONG_NETWORK);
}

static void test_chaddr_spoof(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6], src[6];
	struct dhcp_meta m;
	struct tpkt p;

	mac_of(mac, 72);
	mac_of(src, 73);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	m = meta_of(f, src);
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_NONE);
	assert_int_equal(f->res.reason, DHCP_R_CHADDR_SPOOF);
	assert_int_equal(dhcp_server_lease_count(f->s), 0);
	m.trusted = true;
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	/* a non-Ethernet chaddr on a guest port */
	p.b[1] = 32;
	m.trusted = false;
	memcpy(m.src_mac, mac, 6);
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.reason, DHCP_R_CHADDR_SPOOF);
}

static void test_port_cap(void **state)
{
	struct fx *f = *state;
	struct dhcp_meta m;
	uint8_t mac[6];
	struct tpkt p;
	unsigned i;

	f->cfg.port_lease_cap = 2;
	fx_start(f);
	for (i = 0; i < 3; i++) {
		mac_of(mac, 80 + i);
		tpkt_init(&p, DHCP_DISCOVER, mac, 1);
		tpkt_end(&p);
		m = meta_of(f, mac);
		m.port = 5;
		serve_meta(f, &p, &m);
		assert_int_equal(f->res.sent, i < 2 ? DHCP_OFFER : DHCP_NONE);
	}
	assert_int_equal(f->res.reason, DHCP_R_PORT_CAP);
	/* the capped clients still get their own offers again */
	mac_of(mac, 80);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	m = meta_of(f, mac);
	m.port = 5;
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	/* other ports and trusted ports are not affected */
	mac_of(mac, 82);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	m = meta_of(f, mac);
	m.port = 6;
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	mac_of(mac, 83);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	m = meta_of(f, mac);
	m.port = 5, m.trusted = true;
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_OFFER);
	/* an offer that lapses frees its place */
	f->now += 31;
	mac_of(mac, 84);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	tpkt_end(&p);
	m = meta_of(f, mac);
	m.port = 5;
	serve_meta(f, &p, &m);
	assert_int_equal(f->res.sent, DHCP_OFFER);
}

static void test_bad_messages(void **state)
{
	struct fx *f = *state;
	uint8_t mac[6];
	struct tpkt p;

	mac_of(mac, 90);
	tpkt_init(&p, DHCP_OFFER, mac, 1);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.reason, DHCP_R_BAD_TYPE);
	tpkt_init(&p, 13, mac, 1); /* DHCPLEASEQUERY */
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.reason, DHCP_R_BAD_TYPE);
	assert_int_equal(dhcp_server_counters(f->s)->rx[DHCP_TYPE_COUNT], 1);
	tpkt_init(&p, DHCP_DISCOVER, mac, 1);
	serve(f, &p, mac);
	p.b[0] = DHCP_BOOTREPLY; /* a server message from a guest */
	serve(f, &p, mac);
	assert_int_equal(f->res.reason, DHCP_R_NOT_REQUEST);
	assert_int_equal(f->res.received, DHCP_NONE);
	assert_int_equal(dhcp_server_counters(f->s)->reason[DHCP_R_NOT_REQUEST],
			 1);
	/* RENEWING without ciaddr nor 50: malformed */
	tpkt_init(&p, DHCP_REQUEST, mac, 1);
	tpkt_end(&p);
	serve(f, &p, mac);
	assert_int_equal(f->res.reason, DHCP_R_BAD_REQUEST);
}

/* ---- the daemon's side ---- */

static struct dhcp_lease_rec rec_of(uint32_t ip, unsigned state, unsigned n,
				    uint64_t expiry)
{
	struct dhcp_lease_rec r;

	memset(&r, 0, sizeof(r));
	r.ip = ip;
	r.state = (uint8_t)state;
	r.htype = 1, r.hlen = 6;
	mac_of(r.chaddr, n);
	r.id_len = 7;
	r.id[0] = 1;
	memcpy(r.id + 1, r.chaddr, 6);
	r.expiry = expiry;
	return r;
}

static void test_restore(void **state)
{
	struct fx *f = *state;
	struct dhcp_lease_rec r, out;
	uint8_t mac[6];
	uint32_t cursor = 0;
	int n = 0;

	r = rec_of(TIP(10, 0, 0, 150), DHCP_LEASE_BOUND, 1, T0 + 100);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	/* the same client moved later: the later record wins */
	r = rec_of(TIP(10, 0, 0, 151), DHCP_LEASE_BOUND, 1, T0 + 200);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	assert_int_equal(dhcp_server_lease_find(f->s, TIP(10, 0, 0, 150), &out),
			 -ENOENT);
	r = rec_of(TIP(10, 0, 0, 160), DHCP_LEASE_BOUND, 2, T0 - 1);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	assert_int_equal(lease_at(f, TIP(10, 0, 0, 160)).state,
			 DHCP_LEASE_EXPIRED);
	r = rec_of(TIP(10, 0, 0, 170), DHCP_LEASE_DECLINED, 0, T0 + 50);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	r = rec_of(TIP(10, 0, 0, 171), DHCP_LEASE_DECLINED, 0, T0 - 50);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	assert_int_equal(dhcp_server_lease_find(f->s, TIP(10, 0, 0, 171), &out),
			 -ENOENT);
	r = rec_of(TIP(10, 0, 0, 180), DHCP_LEASE_BOUND, 3, 0); /* infinite */
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	r = rec_of(TIP(10, 0, 0, 180), DHCP_LEASE_FREE, 0, 0);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), 0);
	/* not ours */
	r = rec_of(TIP(10, 0, 1, 5), DHCP_LEASE_BOUND, 4, 0);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), -EINVAL);
	r = rec_of(TIP(10, 0, 0, 5), DHCP_LEASE_OFFERED, 4, 0);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), -EINVAL);
	r = rec_of(TIP(10, 0, 0, 5), 99, 4, 0);
	assert_int_equal(dhcp_server_restore(f->s, &r, f->now), -EINVAL);
	while (dhcp_server_lease_next(f->s, &cursor, &out) == 0)
		n++;
	assert_int_equal(n, 3);
	/* the restored client renews; the quarantine holds */
	mac_of(mac, 1);
	renew(f, mac, TIP(10, 0, 0, 151), false);
	assert_int_equal(f->res.sent, DHCP_ACK);
	mac_of(mac, 2);
	assert_int_equal(discover(f, mac), TIP(10, 0, 0, 160));
	init_reboot(f, mac, TIP(10, 0, 0, 170));
	assert_nak(f, DHCP_R_NAK_UNAVAILABLE);
	f->now += 100;
	assert_true(dhcp_server_expire(f->s, f->now) >= 1);
}

static void test_conflict_and_probe(void **state)
{
	struct fx *f = *state;
	struct dhcp_changes ch;
	uint8_t mac[6];
	uint32_t ip, next, n = 0;

	f->cfg.ranges[0] = (struct dhcp_range){ TIP(10, 0, 0, 10),
						TIP(10, 0, 0, 13), 0 };
	f->cfg.ranges[1] = (struct dhcp_range){ TIP(10, 0, 0, 1),
						TIP(10, 0, 0, 3), 0 };
	f->cfg.nranges = 2;
	fx_start(f);
	mac_of(mac, 91);
	ip = bind(f, mac);
	assert_int_equal(dhcp_server_conflict(f->s, ip, f->now, &ch), -EBUSY);
	assert_int_equal(dhcp_server_conflict(f->s, TIP(10, 0, 1, 1), f->now,
					      &ch), -EINVAL);
	assert_int_equal(dhcp_server_conflict(f->s, TIP(10, 0, 0, 12), f->now,
					      &ch), 0);
	assert_int_equal(ch.n, 1);
	assert_int_equal(ch.rec[0].state, DHCP_LEASE_CONFLICT);
	assert_int_equal(ch.rec[0].expiry, T0 + 600);
	/* free addresses in pool order: 10.0.0.2, .3 (.1 is the server),
	 * then .10 .. .13 without the bound one and the conflict */
	next = 0;
	while (dhcp_server_free_next(f->s, next, &next) == 0) {
		assert_int_not_equal(next, ip);
		assert_int_not_equal(next, SRV);
		assert_int_not_equal(next, TIP(10, 0, 0, 12));
		n++;
	}
	assert_int_equal(n, 2 + 4 - 2);
	assert_int_equal(dhcp_server_free_next(f->s, TIP(10, 0, 0, 5), &next),
			 0);
	assert_true(next >= TIP(10, 0, 0, 10));
}

static void test_config_check(void **state)
{
	struct dhcp_config c;
	struct dhcp_server *s;
	char err[DHCP_ERR_MAX];

	(void)state;
	base_config(&c);
	c.prefix = 31;
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), -EINVAL);
	assert_null(s);
	base_config(&c);
	c.server_ip = TIP(10, 0, 1, 1);
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), -EINVAL);
	base_config(&c);
	c.ranges[1] = (struct dhcp_range){ TIP(10, 0, 0, 150),
					   TIP(10, 0, 0, 160), 0 };
	c.nranges = 2;
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "overlap"));
	base_config(&c);
	c.ranges[0].end = TIP(10, 0, 1, 3);
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), -EINVAL);
	base_config(&c);
	strcpy(c.search[0], "bad..name");
	c.nsearch = 1;
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), -EINVAL);
	base_config(&c);
	c.mtu = 60;
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), -EINVAL);
	base_config(&c);
	c.nranges = 0; /* reservations only: valid */
	assert_int_equal(dhcp_server_new(&c, &s, err, sizeof(err)), 0);
	dhcp_server_free(s);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_offer),
		T(test_ack),
		T(test_select_other_server),
		T(test_select_wrong_address),
		T(test_init_reboot),
		T(test_renew_rebind),
		T(test_decline),
		T(test_release),
		T(test_inform),
		T(test_pool_empty),
		T(test_stable_pick),
		T(test_previous_binding),
		T(test_reservation_mac),
		T(test_reservation_id),
		T(test_reservation_live),
		T(test_ignore_client_id),
		T(test_max_size),
		T(test_routes_and_router),
		T(test_boot_and_fqdn),
		T(test_relay),
		T(test_chaddr_spoof),
		T(test_port_cap),
		T(test_bad_messages),
		T(test_restore),
		T(test_conflict_and_probe),
		T(test_config_check),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
