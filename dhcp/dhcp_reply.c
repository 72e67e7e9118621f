// SPDX-License-Identifier: GPL-2.0-only
/* DHCP reply composition and addressing (see dhcp_reply.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp_reply.h"

int dhcp_reply_init(struct dhcp_reply_ctx *x, const struct dhcp_config *cfg)
{
	uint32_t boot = cfg->boot_server ? cfg->boot_server : cfg->server_ip;
	int i, rc;

	memset(x, 0, sizeof(*x));
	x->cfg = cfg;
	for (i = 0; i < cfg->ndns; i++) {
		x->dns[4 * i] = (uint8_t)(cfg->dns[i] >> 24);
		x->dns[4 * i + 1] = (uint8_t)(cfg->dns[i] >> 16);
		x->dns[4 * i + 2] = (uint8_t)(cfg->dns[i] >> 8);
		x->dns[4 * i + 3] = (uint8_t)cfg->dns[i];
	}
	rc = dhcp_opt_routes(cfg->routes, cfg->nroutes,
			     cfg->router ? cfg->server_ip : 0, x->routes,
			     sizeof(x->routes));
	if (rc < 0)
		return -EINVAL;
	x->routes_len = (size_t)rc;
	rc = dhcp_opt_search(cfg->search, cfg->nsearch, x->search,
			     sizeof(x->search));
	if (rc < 0)
		return -EINVAL;
	x->search_len = (size_t)rc;
	snprintf(x->tftp, sizeof(x->tftp), "%u.%u.%u.%u", boot >> 24,
		 (boot >> 16) & 0xff, (boot >> 8) & 0xff, boot & 0xff);
	return 0;
}

/* Option 55 as a set; everything when the client sent none. */
static void dhcp_reply_wanted(const struct dhcp_msg *req, uint8_t want[32])
{
	struct dhcp_buf v = dhcp_wire_opt(req, DHCP_OPT_PARAMS);
	const uint8_t *c;
	size_t i;

	memset(want, v.p ? 0 : 0xff, 32);
	for (i = 0; (c = dhcp_wire_get(&v, i, 1)); i++)
		want[*c >> 3] |= (uint8_t)(1u << (*c & 7));
}

static bool dhcp_reply_wants(const uint8_t want[32], uint8_t code)
{
	return want[code >> 3] & (1u << (code & 7));
}

/*
 * RFC 2131 §4.3.1, table 3: DHCPOFFER/DHCPACK carry the lease time (51,
 * not in an ACK to DHCPINFORM) and the server identifier (54); RFC 2132
 * §9.11-9.12: T1 and T2, which RFC 2131 §4.4.5 defaults to 0.5 and 0.875
 * of the lease. RFC 6842 §3: "If the 'client identifier' option is
 * present in a message received from a client, the server MUST return
 * the 'client identifier' option, unaltered, in its response message."
 */
static int dhcp_reply_essential(const struct dhcp_reply_ctx *x,
				const struct dhcp_msg *req,
				const struct dhcp_answer *a, struct dhcp_out *o)
{
	const struct dhcp_config *c = x->cfg;
	struct dhcp_buf cid = dhcp_wire_opt(req, DHCP_OPT_CLIENT_ID);
	int rc = dhcp_wire_put_u32(o, DHCP_OPT_SERVER_ID, c->server_ip);

	if (rc == 0 && a->lease_s)
		rc = dhcp_wire_put_u32(o, DHCP_OPT_LEASE_TIME, a->lease_s);
	if (rc == 0 && a->lease_s && a->lease_s != DHCP_LEASE_INFINITE) {
		rc = dhcp_wire_put_u32(o, DHCP_OPT_T1, a->lease_s / 2);
		if (rc == 0)
			rc = dhcp_wire_put_u32(o, DHCP_OPT_T2,
					       (uint32_t)((uint64_t)a->lease_s *
							  7 / 8));
	}
	if (rc == 0 && cid.p)
		rc = dhcp_wire_put(o, DHCP_OPT_CLIENT_ID, cid.p, cid.len);
	if (rc == 0 && a->type == DHCP_NAK && a->message)
		rc = dhcp_wire_put(o, DHCP_OPT_MESSAGE, a->message,
				   strlen(a->message));
	if (rc || a->type == DHCP_NAK)
		return rc;
	rc = dhcp_wire_put_u32(o, DHCP_OPT_SUBNET_MASK, dhcp_config_mask(c));
	if (rc == 0 && c->router)
		rc = dhcp_wire_put_u32(o, DHCP_OPT_ROUTER, c->server_ip);
	return rc;
}

/* Option 81 back to a client that sent it (RFC 4702 §3.1): we do no
 * DNS update ourselves (N, so S is 0; O if the client had asked us to),
 * the name in the client's encoding. */
static void dhcp_reply_fqdn(const struct dhcp_reply_ctx *x,
			    const struct dhcp_msg *req,
			    const struct dhcp_answer *a, struct dhcp_out *o)
{
	struct dhcp_buf v = dhcp_wire_opt(req, DHCP_OPT_FQDN);
	const uint8_t *f = dhcp_wire_get(&v, 0, 1);
	uint8_t val[3 + DHCP_HOSTNAME_MAX + DHCP_DOMAIN_MAX + 2], flags;
	int n;

	if (!f || !a->hostname)
		return;
	flags = DHCP_FQDN_N | (*f & DHCP_FQDN_E) |
		(*f & DHCP_FQDN_S ? DHCP_FQDN_O : 0);
	n = dhcp_opt_fqdn_reply(flags, a->hostname, x->cfg->domain, val,
				sizeof(val));
	if (n > 0)
		dhcp_wire_put(o, DHCP_OPT_FQDN, val, (size_t)n);
}

/* The options sent when asked for; each one is skipped if it does not
 * fit (dhcp_wire_put leaves the reply unchanged then). */
static void dhcp_reply_optional(const struct dhcp_reply_ctx *x,
				const struct dhcp_msg *req,
				const struct dhcp_answer *a, struct dhcp_out *o)
{
	const struct dhcp_config *c = x->cfg;
	uint8_t want[32];

	dhcp_reply_wanted(req, want);
	if (dhcp_reply_wants(want, DHCP_OPT_BROADCAST))
		dhcp_wire_put_u32(o, DHCP_OPT_BROADCAST, dhcp_config_broadcast(c));
	if (c->ndns && dhcp_reply_wants(want, DHCP_OPT_DNS))
		dhcp_wire_put(o, DHCP_OPT_DNS, x->dns, 4 * (size_t)c->ndns);
	if (c->domain[0] && dhcp_reply_wants(want, DHCP_OPT_DOMAIN))
		dhcp_wire_put(o, DHCP_OPT_DOMAIN, c->domain, strlen(c->domain));
	if (a->hostname && dhcp_reply_wants(want, DHCP_OPT_HOSTNAME))
		dhcp_wire_put(o, DHCP_OPT_HOSTNAME, a->hostname,
			      strlen(a->hostname));
	if (c->mtu && dhcp_reply_wants(want, DHCP_OPT_MTU))
		dhcp_wire_put_u16(o, DHCP_OPT_MTU, c->mtu);
	if (x->search_len && dhcp_reply_wants(want, DHCP_OPT_SEARCH))
		dhcp_wire_put(o, DHCP_OPT_SEARCH, x->search, x->search_len);
	if (x->routes_len && dhcp_reply_wants(want, DHCP_OPT_CLASSLESS))
		dhcp_wire_put(o, DHCP_OPT_CLASSLESS, x->routes, x->routes_len);
	if (c->boot_file[0] && dhcp_reply_wants(want, DHCP_OPT_TFTP_SERVER))
		dhcp_wire_put(o, DHCP_OPT_TFTP_SERVER, x->tftp, strlen(x->tftp));
	if (c->boot_file[0] && dhcp_reply_wants(want, DHCP_OPT_BOOTFILE))
		dhcp_wire_put(o, DHCP_OPT_BOOTFILE, c->boot_file,
			      strlen(c->boot_file));
	dhcp_reply_fqdn(x, req, a, o);
}

/*
 * RFC 3046 §2.2: "DHCP servers claiming to support the Relay Agent
 * Information option SHALL echo the entire contents of the Relay Agent
 * Information option in all replies." It goes last, as the relay agent
 * expects (§2.1: "the last option (but before 'End Option')").
 */
static void dhcp_reply_relay(const struct dhcp_msg *req, struct dhcp_out *o)
{
	struct dhcp_buf v = dhcp_wire_opt(req, DHCP_OPT_RELAY_AGENT);

	if (req->giaddr && v.p)
		dhcp_wire_put(o, DHCP_OPT_RELAY_AGENT, v.p, v.len);
}

int dhcp_reply_build(const struct dhcp_reply_ctx *x, const struct dhcp_msg *req,
		     const struct dhcp_answer *a, uint8_t *buf, size_t cap)
{
	const struct dhcp_config *c = x->cfg;
	bool nak = a->type == DHCP_NAK, boot = c->boot_file[0] && !nak;
	struct dhcp_reply_hdr h = {
		.type = a->type,
		.ciaddr = nak ? 0 : a->ciaddr,
		.yiaddr = nak ? 0 : a->yiaddr,
		.siaddr = !boot ? 0 : c->boot_server ? c->boot_server
						       : c->server_ip,
		.file = boot ? c->boot_file : NULL,
		/* RFC 2131 §4.3.2: "If 'giaddr' is set in the DHCPREQUEST
		 * message, the client is on a different subnet. The server
		 * MUST set the broadcast bit in the DHCPNAK" */
		.flags = nak && req->giaddr ? DHCP_FLAG_BROADCAST : 0,
	};
	struct dhcp_out o;
	int rc;

	rc = dhcp_wire_reply_start(&o, buf, dhcp_wire_reply_limit(req, cap),
				   req, &h);
	if (rc == 0)
		rc = dhcp_reply_essential(x, req, a, &o);
	if (rc < 0)
		return -ENOSPC;
	if (!nak)
		dhcp_reply_optional(x, req, a, &o);
	dhcp_reply_relay(req, &o);
	return (int)dhcp_wire_finish(&o);
}

static void dhcp_reply_bcast(struct dhcp_dest *d)
{
	d->ip = UINT32_MAX;
	memset(d->mac, 0xff, 6);
	d->broadcast = true;
}

/*
 * RFC 2131 §4.1: "If the 'giaddr' field in a DHCP message from a client
 * is non-zero, the server sends any return messages to the 'DHCP server'
 * port on the BOOTP relay agent whose address appears in 'giaddr'. If the
 * 'giaddr' field is zero and the 'ciaddr' field is nonzero, then the
 * server unicasts DHCPOFFER and DHCPACK messages to the address in
 * 'ciaddr'. If 'giaddr' is zero and 'ciaddr' is zero, and the broadcast
 * bit is set, then the server broadcasts DHCPOFFER and DHCPACK messages
 * to 0xffffffff. If the broadcast bit is not set and 'giaddr' is zero and
 * 'ciaddr' is zero, then the server unicasts DHCPOFFER and DHCPACK
 * messages to the client's hardware address and 'yiaddr' address. In all
 * cases, when 'giaddr' is zero, the server broadcasts any DHCPNAK
 * messages to 0xffffffff."
 */
void dhcp_reply_dest(const struct dhcp_msg *req, const struct dhcp_answer *a,
		     const uint8_t src_mac[6], struct dhcp_dest *d)
{
	bool ether = req->htype == DHCP_HTYPE_ETHER && req->hlen == 6;

	memset(d, 0, sizeof(*d));
	d->port = DHCP_CLIENT_PORT;
	if (req->giaddr) {
		d->ip = req->giaddr;
		d->port = DHCP_SERVER_PORT;
	} else if (a->type == DHCP_NAK) {
		dhcp_reply_bcast(d);
	} else if (req->ciaddr) {
		d->ip = req->ciaddr;
		memcpy(d->mac, ether ? req->chaddr : src_mac, 6);
	} else if ((req->flags & DHCP_FLAG_BROADCAST) || !ether || !a->yiaddr) {
		/* no hardware address we can unicast to: broadcast */
		dhcp_reply_bcast(d);
	} else {
		d->ip = a->yiaddr;
		memcpy(d->mac, req->chaddr, 6);
	}
}
