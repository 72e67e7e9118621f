// SPDX-License-Identifier: GPL-2.0-only
/* A client message as fixed-size data (see dhcp_digest.h): made from the
 * guest's bytes in the sandbox, checked and laid out again in kvnetd. */
#include <errno.h>
#include <string.h>

#include "dhcp/dhcp_digest.h"

/* ---- in the sandbox: bytes to digest ---------------------------------- */

/* Option code's value into dst (at most DHCP_DIGEST_OPT_MAX bytes, cut
 * there when cut, else refused). False if refused. */
static bool dhcp_digest_take(const struct dhcp_msg *m, uint8_t code, bool cut, uint8_t *dst,
			     uint8_t *len)
{
	struct dhcp_buf v = dhcp_wire_opt(m, code);
	size_t n = v.len;
	const uint8_t *p;

	*len = 0;
	if (n > DHCP_DIGEST_OPT_MAX) {
		if (!cut)
			return false;
		n = DHCP_DIGEST_OPT_MAX;
	}
	p = dhcp_wire_get(&v, 0, n);
	if (p) {
		memcpy(dst, p, n);
		*len = (uint8_t)n;
	}
	return true;
}

static void dhcp_digest_header(const struct dhcp_msg *m, struct dhcp_digest *d)
{
	d->op = m->op, d->htype = m->htype, d->hlen = m->hlen, d->hops = m->hops;
	d->type = m->type;
	d->xid = m->xid;
	d->secs = m->secs, d->flags = m->flags;
	d->ciaddr = m->ciaddr, d->yiaddr = m->yiaddr;
	d->siaddr = m->siaddr, d->giaddr = m->giaddr;
	memcpy(d->chaddr, m->chaddr, DHCP_CHADDR_LEN);
}

static void dhcp_digest_fixed_opts(const struct dhcp_msg *m, struct dhcp_digest *d)
{
	struct dhcp_buf v = dhcp_wire_opt(m, DHCP_OPT_MAX_SIZE);
	const uint8_t *p = dhcp_wire_get(&v, 0, 2);

	if (dhcp_wire_opt_ip(m, DHCP_OPT_REQ_IP, &d->req_ip) == 0)
		d->has |= DHCP_DIGEST_REQ_IP;
	if (dhcp_wire_opt_ip(m, DHCP_OPT_SERVER_ID, &d->server_id) == 0)
		d->has |= DHCP_DIGEST_SERVER_ID;
	if (p) {
		d->max_size = (uint16_t)(p[0] << 8 | p[1]);
		d->has |= DHCP_DIGEST_MAX_SIZE;
	}
	v = dhcp_wire_opt(m, DHCP_OPT_FQDN);
	p = dhcp_wire_get(&v, 0, 1);
	if (p) {
		d->fqdn_flags = *p;
		d->has |= DHCP_DIGEST_FQDN;
	}
}

enum dhcp_reason dhcp_digest_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m,
				   struct dhcp_digest *d)
{
	memset(d, 0, sizeof(*d));
	d->reason = (uint8_t)dhcp_wire_parse(pkt, len, m);
	if (d->reason != DHCP_R_NONE)
		return (enum dhcp_reason)d->reason;
	dhcp_digest_header(m, d);
	dhcp_digest_fixed_opts(m, d);
	if (!dhcp_digest_take(m, DHCP_OPT_RELAY_AGENT, false, d->relay, &d->relay_len)) {
		memset(d, 0, sizeof(*d));
		d->reason = DHCP_R_BAD_OPT_LEN;
		return DHCP_R_BAD_OPT_LEN;
	}
	/* the parser refused a 61 longer than DHCP_ID_MAX */
	dhcp_digest_take(m, DHCP_OPT_CLIENT_ID, false, d->cid, &d->cid_len);
	dhcp_digest_take(m, DHCP_OPT_PARAMS, true, d->params, &d->params_len);
	d->has |= dhcp_wire_has(m, DHCP_OPT_CLIENT_ID) ? DHCP_DIGEST_CLIENT_ID : 0;
	d->has |= dhcp_wire_has(m, DHCP_OPT_PARAMS) ? DHCP_DIGEST_PARAMS : 0;
	d->has |= dhcp_wire_has(m, DHCP_OPT_RELAY_AGENT) ? DHCP_DIGEST_RELAY : 0;
	if (dhcp_opt_client_name(m, d->hostname) < 0)
		d->hostname[0] = '\0';
	return DHCP_R_NONE;
}

/* ---- in kvnetd: digest to message ------------------------------------- */

static bool dhcp_digest_name_ok(const char *name)
{
	char again[DHCP_HOSTNAME_MAX];

	if (!memchr(name, '\0', DHCP_HOSTNAME_MAX))
		return false;
	/* sanitised already: sanitising it again changes nothing */
	return !name[0] || (dhcp_opt_hostname_str(name, again) == 0 && !strcmp(again, name));
}

static const char *dhcp_digest_check(const struct dhcp_digest *d)
{
	if (d->op != DHCP_BOOTREQUEST)
		return "not a BOOTREQUEST";
	if (d->hlen > DHCP_CHADDR_LEN)
		return "hlen over 16";
	if (d->type == DHCP_NONE)
		return "no message type";
	if (d->has & ~DHCP_DIGEST_HAS_ALL)
		return "unknown option bits";
	if ((d->has & DHCP_DIGEST_CLIENT_ID) ? d->cid_len < 2 : d->cid_len != 0)
		return "client id length";
	if (!(d->has & DHCP_DIGEST_PARAMS) && d->params_len)
		return "parameter list without option 55";
	if (!(d->has & DHCP_DIGEST_RELAY) && d->relay_len)
		return "relay information without option 82";
	if ((!(d->has & DHCP_DIGEST_REQ_IP) && d->req_ip) ||
	    (!(d->has & DHCP_DIGEST_SERVER_ID) && d->server_id) ||
	    (!(d->has & DHCP_DIGEST_MAX_SIZE) && d->max_size) ||
	    (!(d->has & DHCP_DIGEST_FQDN) && d->fqdn_flags))
		return "a value of an option not sent";
	if (!dhcp_digest_name_ok(d->hostname))
		return "host name not sanitised";
	return NULL;
}

static void dhcp_digest_put(struct dhcp_msg *m, uint8_t code, const void *v, size_t len,
			    size_t *off)
{
	m->present[code >> 3] |= (uint8_t)(1u << (code & 7));
	m->codes[m->ncodes++] = code;
	m->opt_off[code] = (uint16_t)*off;
	m->opt_len[code] = (uint16_t)len;
	memcpy(m->data + *off, v, len);
	*off += len;
}

static void dhcp_digest_put32(struct dhcp_msg *m, uint8_t code, uint32_t v, size_t *off)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	dhcp_digest_put(m, code, b, 4, off);
}

/* The options, as the parser would have laid them out. Option 81 keeps
 * its flags only: the name it carried is d->hostname, as option 12. */
static void dhcp_digest_options(const struct dhcp_digest *d, struct dhcp_msg *m)
{
	uint8_t max[2] = { (uint8_t)(d->max_size >> 8), (uint8_t)d->max_size };
	uint8_t fqdn[3] = { d->fqdn_flags, 0, 0 };
	size_t off = 0;

	dhcp_digest_put(m, DHCP_OPT_MSG_TYPE, &d->type, 1, &off);
	if (d->has & DHCP_DIGEST_REQ_IP)
		dhcp_digest_put32(m, DHCP_OPT_REQ_IP, d->req_ip, &off);
	if (d->has & DHCP_DIGEST_SERVER_ID)
		dhcp_digest_put32(m, DHCP_OPT_SERVER_ID, d->server_id, &off);
	if (d->has & DHCP_DIGEST_MAX_SIZE)
		dhcp_digest_put(m, DHCP_OPT_MAX_SIZE, max, 2, &off);
	if (d->has & DHCP_DIGEST_CLIENT_ID)
		dhcp_digest_put(m, DHCP_OPT_CLIENT_ID, d->cid, d->cid_len, &off);
	if (d->has & DHCP_DIGEST_PARAMS)
		dhcp_digest_put(m, DHCP_OPT_PARAMS, d->params, d->params_len, &off);
	if (d->has & DHCP_DIGEST_FQDN)
		dhcp_digest_put(m, DHCP_OPT_FQDN, fqdn, sizeof(fqdn), &off);
	if (d->hostname[0])
		dhcp_digest_put(m, DHCP_OPT_HOSTNAME, d->hostname, strlen(d->hostname), &off);
	if (d->has & DHCP_DIGEST_RELAY)
		dhcp_digest_put(m, DHCP_OPT_RELAY_AGENT, d->relay, d->relay_len, &off);
}

int dhcp_digest_to_msg(const struct dhcp_digest *d, struct dhcp_msg *m, const char **why)
{
	*why = dhcp_digest_check(d);
	if (*why)
		return -EINVAL;
	memset(m->present, 0, sizeof(m->present));
	m->ncodes = 0;
	m->overload = 0;
	m->op = d->op, m->htype = d->htype, m->hlen = d->hlen, m->hops = d->hops;
	m->xid = d->xid;
	m->secs = d->secs, m->flags = d->flags;
	m->ciaddr = d->ciaddr, m->yiaddr = d->yiaddr;
	m->siaddr = d->siaddr, m->giaddr = d->giaddr;
	memcpy(m->chaddr, d->chaddr, DHCP_CHADDR_LEN);
	m->type = d->type;
	dhcp_digest_options(d, m);
	return 0;
}
