// SPDX-License-Identifier: GPL-2.0-only
/* DHCPv4 wire codec (see dhcp_wire.h): parse a client's message into a
 * struct dhcp_msg with every option concatenated, build a reply within
 * the client's size limit.
 */
#include <errno.h>
#include <string.h>

#include "dhcp/dhcp_wire.h"

static uint32_t dhcp_wire_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t dhcp_wire_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void dhcp_wire_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

bool dhcp_wire_has(const struct dhcp_msg *m, uint8_t code)
{
	return m->present[code >> 3] & (1u << (code & 7));
}

static void dhcp_wire_mark(struct dhcp_msg *m, uint8_t code)
{
	m->present[code >> 3] |= (uint8_t)(1u << (code & 7));
}

/*
 * RFC 2131 §2: "The first four octets of the 'options' field of the DHCP
 * message contain the (decimal) values 99, 130, 83 and 99, respectively
 * (this is the same magic cookie as is defined in RFC 1497)."
 */
static enum dhcp_reason dhcp_wire_header(const struct dhcp_buf *b,
					 struct dhcp_msg *m)
{
	const uint8_t *h = dhcp_wire_get(b, 0, DHCP_OPTS_OFF);

	if (!h)
		return DHCP_R_TOO_SHORT;
	if (b->len > DHCP_PKT_MAX)
		return DHCP_R_TOO_LONG;
	m->op = h[0], m->htype = h[1], m->hlen = h[2], m->hops = h[3];
	m->xid = dhcp_wire_rd32(h + 4);
	m->secs = dhcp_wire_rd16(h + 8);
	m->flags = dhcp_wire_rd16(h + 10);
	m->ciaddr = dhcp_wire_rd32(h + 12);
	m->yiaddr = dhcp_wire_rd32(h + 16);
	m->siaddr = dhcp_wire_rd32(h + 20);
	m->giaddr = dhcp_wire_rd32(h + 24);
	memcpy(m->chaddr, h + 28, DHCP_CHADDR_LEN);
	if (m->op != DHCP_BOOTREQUEST)
		return DHCP_R_NOT_REQUEST;
	if (m->hlen > DHCP_CHADDR_LEN)
		return DHCP_R_BAD_HLEN;
	if (dhcp_wire_rd32(h + DHCP_HDR_LEN) != DHCP_COOKIE)
		return DHCP_R_NO_COOKIE;
	return DHCP_R_NONE;
}

/* One pass over an option area. Pass 1 (fill == NULL) adds up each
 * option's total length; pass 2 copies each fragment after the previous
 * ones of the same code (RFC 3396 §5: "the aggregate option buffer is
 * made up of the optional parameters field, the file field, and the sname
 * field, in that order"). Options after the end option are ignored; a
 * field without one ends where the field ends. */
static enum dhcp_reason dhcp_wire_scan(const struct dhcp_buf *area,
				       struct dhcp_msg *m, uint16_t *fill,
				       const uint8_t **overload)
{
	const uint8_t *c, *l, *v;
	size_t off = 0;

	while ((c = dhcp_wire_get(area, off, 1)) && *c != DHCP_OPT_END) {
		if (*c == DHCP_OPT_PAD) {
			off++;
			continue;
		}
		l = dhcp_wire_get(area, off + 1, 1);
		v = l ? dhcp_wire_get(area, off + 2, *l) : NULL;
		if (!v)
			return DHCP_R_OPT_OVERRUN;
		if (*c == DHCP_OPT_OVERLOAD) {
			if (!overload)
				return DHCP_R_BAD_OVERLOAD;
			if (*l)
				*overload = v;
		}
		if (fill) {
			memcpy(m->data + m->opt_off[*c] + fill[*c], v, *l);
			fill[*c] = (uint16_t)(fill[*c] + *l);
		} else if (!dhcp_wire_has(m, *c)) {
			dhcp_wire_mark(m, *c);
			m->codes[m->ncodes++] = *c;
			m->opt_len[*c] = *l;
		} else {
			m->opt_len[*c] = (uint16_t)(m->opt_len[*c] + *l);
		}
		off += 2u + *l;
	}
	return DHCP_R_NONE;
}

/*
 * RFC 2132 §9.3: "If this option is present, the client interprets the
 * specified additional fields after it concludes interpretation of the
 * standard option fields." Value 1: file, 2: sname, 3: both.
 */
static enum dhcp_reason dhcp_wire_areas(const struct dhcp_buf *b,
					struct dhcp_msg *m,
					struct dhcp_buf areas[3], int *n)
{
	const uint8_t *ov = NULL;
	enum dhcp_reason r;

	areas[0].p = dhcp_wire_get(b, DHCP_OPTS_OFF, b->len - DHCP_OPTS_OFF);
	areas[0].len = b->len - DHCP_OPTS_OFF;
	*n = 1;
	r = dhcp_wire_scan(&areas[0], m, NULL, &ov);
	if (r != DHCP_R_NONE || !dhcp_wire_has(m, DHCP_OPT_OVERLOAD))
		return r;
	if (m->opt_len[DHCP_OPT_OVERLOAD] != 1 || !ov || *ov < 1 || *ov > 3)
		return DHCP_R_BAD_OVERLOAD;
	m->overload = *ov;
	if (m->overload & DHCP_OVERLOAD_FILE) {
		areas[*n].p = dhcp_wire_get(b, DHCP_FILE_OFF, DHCP_FILE_LEN);
		areas[(*n)++].len = DHCP_FILE_LEN;
	}
	if (m->overload & DHCP_OVERLOAD_SNAME) {
		areas[*n].p = dhcp_wire_get(b, DHCP_SNAME_OFF, DHCP_SNAME_LEN);
		areas[(*n)++].len = DHCP_SNAME_LEN;
	}
	for (int i = 1; i < *n; i++) {
		r = dhcp_wire_scan(&areas[i], m, NULL, NULL);
		if (r != DHCP_R_NONE)
			return r;
	}
	return DHCP_R_NONE;
}

/* Lay the concatenated values out in m->data, then copy them in. Their
 * total is at most the packet's length, so it fits DHCP_PKT_MAX. */
static void dhcp_wire_gather(struct dhcp_msg *m, const struct dhcp_buf *areas,
			     int n)
{
	const uint8_t *ov = NULL;
	uint16_t fill[256];
	unsigned i, code, off = 0;

	for (i = 0; i < m->ncodes; i++) {
		code = m->codes[i];
		m->opt_off[code] = (uint16_t)off;
		fill[code] = 0;
		off += m->opt_len[code];
	}
	/* Pass 1 accepted these areas, so pass 2 cannot fail. */
	for (i = 0; i < (unsigned)n; i++)
		dhcp_wire_scan(&areas[i], m, fill, i == 0 ? &ov : NULL);
}

static bool dhcp_wire_len_ok(const struct dhcp_msg *m, uint8_t code,
			     unsigned min, unsigned max)
{
	return !dhcp_wire_has(m, code) ||
	       (m->opt_len[code] >= min && m->opt_len[code] <= max);
}

/* The options the server relies on, at the lengths RFC 2132 gives them
 * (§9.1 50, §9.2 51, §9.6 53, §9.7 54, §9.10 57; §9.14: 61 "its minimum
 * length is 2"). */
static enum dhcp_reason dhcp_wire_check(const struct dhcp_msg *m)
{
	if (!dhcp_wire_has(m, DHCP_OPT_MSG_TYPE))
		return DHCP_R_NO_TYPE;
	if (!dhcp_wire_len_ok(m, DHCP_OPT_MSG_TYPE, 1, 1) ||
	    !dhcp_wire_len_ok(m, DHCP_OPT_REQ_IP, 4, 4) ||
	    !dhcp_wire_len_ok(m, DHCP_OPT_LEASE_TIME, 4, 4) ||
	    !dhcp_wire_len_ok(m, DHCP_OPT_SERVER_ID, 4, 4) ||
	    !dhcp_wire_len_ok(m, DHCP_OPT_MAX_SIZE, 2, 2) ||
	    !dhcp_wire_len_ok(m, DHCP_OPT_CLIENT_ID, 2, DHCP_ID_MAX))
		return DHCP_R_BAD_OPT_LEN;
	if (m->type == DHCP_NONE)
		return DHCP_R_BAD_TYPE;
	return DHCP_R_NONE;
}

enum dhcp_reason dhcp_wire_parse(const uint8_t *pkt, size_t len,
				 struct dhcp_msg *m)
{
	struct dhcp_buf b = { pkt, len }, areas[3];
	enum dhcp_reason r;
	int n;

	memset(m->present, 0, sizeof(m->present));
	m->ncodes = 0;
	m->overload = 0;
	m->type = DHCP_NONE;
	r = dhcp_wire_header(&b, m);
	if (r != DHCP_R_NONE)
		return r;
	r = dhcp_wire_areas(&b, m, areas, &n);
	if (r != DHCP_R_NONE)
		return r;
	dhcp_wire_gather(m, areas, n);
	if (dhcp_wire_has(m, DHCP_OPT_MSG_TYPE) &&
	    m->opt_len[DHCP_OPT_MSG_TYPE] == 1)
		m->type = m->data[m->opt_off[DHCP_OPT_MSG_TYPE]];
	return dhcp_wire_check(m);
}

struct dhcp_buf dhcp_wire_opt(const struct dhcp_msg *m, uint8_t code)
{
	struct dhcp_buf b = { NULL, 0 };

	if (dhcp_wire_has(m, code)) {
		b.p = m->data + m->opt_off[code];
		b.len = m->opt_len[code];
	}
	return b;
}

int dhcp_wire_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *ip)
{
	struct dhcp_buf b = dhcp_wire_opt(m, code);
	const uint8_t *p = dhcp_wire_get(&b, 0, 4);

	if (!p)
		return -ENOENT;
	*ip = dhcp_wire_rd32(p);
	return 0;
}

size_t dhcp_wire_reply_limit(const struct dhcp_msg *m, size_t cap)
{
	struct dhcp_buf b = dhcp_wire_opt(m, DHCP_OPT_MAX_SIZE);
	const uint8_t *p = dhcp_wire_get(&b, 0, 2);
	size_t max = p ? dhcp_wire_rd16(p) : 0;

	if (max < DHCP_MAX_MSG_FLOOR)
		max = DHCP_MAX_MSG_FLOOR;
	max -= DHCP_IP_UDP_LEN;
	return max < cap ? max : cap;
}

int dhcp_wire_reply_start(struct dhcp_out *o, uint8_t *buf, size_t limit,
			  const struct dhcp_msg *req,
			  const struct dhcp_reply_hdr *h)
{
	uint8_t type = h->type;

	if (limit < DHCP_BOOTP_MIN)
		return -ENOSPC;
	memset(buf, 0, DHCP_OPTS_OFF);
	buf[0] = DHCP_BOOTREPLY;
	buf[1] = req->htype;
	buf[2] = req->hlen;
	dhcp_wire_wr32(buf + 4, req->xid);
	buf[10] = (uint8_t)((req->flags | h->flags) >> 8);
	buf[11] = (uint8_t)(req->flags | h->flags);
	dhcp_wire_wr32(buf + 12, h->ciaddr);
	dhcp_wire_wr32(buf + 16, h->yiaddr);
	dhcp_wire_wr32(buf + 20, h->siaddr);
	dhcp_wire_wr32(buf + 24, req->giaddr);
	memcpy(buf + 28, req->chaddr, DHCP_CHADDR_LEN);
	if (h->file)
		strncpy((char *)buf + DHCP_FILE_OFF, h->file, DHCP_FILE_LEN - 1);
	dhcp_wire_wr32(buf + DHCP_HDR_LEN, DHCP_COOKIE);
	o->p = buf;
	o->len = DHCP_OPTS_OFF;
	o->limit = limit;
	return dhcp_wire_put(o, DHCP_OPT_MSG_TYPE, &type, 1);
}

int dhcp_wire_put(struct dhcp_out *o, uint8_t code, const void *data,
		  size_t len)
{
	const uint8_t *d = data;
	size_t chunks, n;

	if (len > o->limit)
		return -ENOSPC;
	chunks = len ? (len + 254) / 255 : 1;
	/* + 1: the end option always fits */
	if (o->len + len + 2 * chunks + 1 > o->limit)
		return -ENOSPC;
	do {
		n = len > 255 ? 255 : len;
		o->p[o->len++] = code;
		o->p[o->len++] = (uint8_t)n;
		if (n)
			memcpy(o->p + o->len, d, n);
		o->len += n, d += n, len -= n;
	} while (len);
	return 0;
}

int dhcp_wire_put_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	dhcp_wire_wr32(b, v);
	return dhcp_wire_put(o, code, b, 4);
}

int dhcp_wire_put_u16(struct dhcp_out *o, uint8_t code, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return dhcp_wire_put(o, code, b, 2);
}

size_t dhcp_wire_finish(struct dhcp_out *o)
{
	o->p[o->len++] = DHCP_OPT_END;
	if (o->len < DHCP_BOOTP_MIN) {
		memset(o->p + o->len, 0, DHCP_BOOTP_MIN - o->len);
		o->len = DHCP_BOOTP_MIN;
	}
	return o->len;
}

const char *dhcp_wire_type_name(unsigned type)
{
	static const char *const names[DHCP_TYPE_COUNT] = {
		[DHCP_NONE] = "none",
		[DHCP_DISCOVER] = "DHCPDISCOVER",
		[DHCP_OFFER] = "DHCPOFFER",
		[DHCP_REQUEST] = "DHCPREQUEST",
		[DHCP_DECLINE] = "DHCPDECLINE",
		[DHCP_ACK] = "DHCPACK",
		[DHCP_NAK] = "DHCPNAK",
		[DHCP_RELEASE] = "DHCPRELEASE",
		[DHCP_INFORM] = "DHCPINFORM",
	};

	return type < DHCP_TYPE_COUNT ? names[type] : "DHCP-OTHER";
}
