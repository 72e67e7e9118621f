/* SPDX-License-Identifier: GPL-2.0-only */
/* Test helper: build DHCP client messages byte by byte, the way a client
 * would put them on the wire, for the dhcp/ unit tests. Independent of
 * dhcp_wire's builder on purpose: the tests must not trust the code they
 * test to make their inputs.
 */
#ifndef KVNET_DHCP_TEST_PKT_H
#define KVNET_DHCP_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tpkt {
	uint8_t b[2048];
	size_t len;
};

static inline void tpkt_w32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline uint32_t tpkt_r32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* BOOTREQUEST, Ethernet chaddr, magic cookie; option 53 when type != 0. */
static inline void tpkt_init(struct tpkt *p, uint8_t type, const uint8_t mac[6],
			     uint32_t xid)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = 1, p->b[1] = 1, p->b[2] = 6;
	tpkt_w32(p->b + 4, xid);
	memcpy(p->b + 28, mac, 6);
	tpkt_w32(p->b + 236, 0x63825363);
	p->len = 240;
	if (type) {
		p->b[p->len++] = 53, p->b[p->len++] = 1;
		p->b[p->len++] = type;
	}
}

static inline void tpkt_opt(struct tpkt *p, uint8_t code, const void *data,
			    uint8_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = len;
	memcpy(p->b + p->len, data, len);
	p->len += len;
}

static inline void tpkt_opt_ip(struct tpkt *p, uint8_t code, uint32_t ip)
{
	uint8_t v[4];

	tpkt_w32(v, ip);
	tpkt_opt(p, code, v, 4);
}

static inline void tpkt_opt_u16(struct tpkt *p, uint8_t code, uint16_t x)
{
	uint8_t v[2] = { (uint8_t)(x >> 8), (uint8_t)x };

	tpkt_opt(p, code, v, 2);
}

static inline void tpkt_ciaddr(struct tpkt *p, uint32_t ip)
{
	tpkt_w32(p->b + 12, ip);
}

static inline void tpkt_giaddr(struct tpkt *p, uint32_t ip)
{
	tpkt_w32(p->b + 24, ip);
}

static inline void tpkt_broadcast(struct tpkt *p)
{
	p->b[10] |= 0x80;
}

/* End option and padding to 300 bytes, as most clients send. */
static inline void tpkt_end(struct tpkt *p)
{
	p->b[p->len++] = 255;
	if (p->len < 300)
		p->len = 300;
}

#define TIP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#endif /* KVNET_DHCP_TEST_PKT_H */
