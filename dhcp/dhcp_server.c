// SPDX-License-Identifier: GPL-2.0-only
/* The DHCPv4 server engine (see dhcp_server.h): admits a message, tells
 * what it asks for, decides the answer, makes the lease change through
 * dhcp_alloc and builds the reply through dhcp_reply. Each handler is
 * split into decide (no side effects, returns a reason) and act.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_server.h"

struct dhcp_server {
	struct dhcp_config cfg;
	struct dhcp_alloc alloc;
	struct dhcp_reply_ctx reply;
	struct dhcp_counters stats;
	bool exhausted;		  /* the last pool pick failed */
	struct dhcp_client client; /* scratch: the current request's */
	struct dhcp_msg msg;	  /* scratch: the current request */
};

/* One request being served. */
struct dhcp_req {
	const struct dhcp_msg *m;
	const struct dhcp_meta *meta;
	struct dhcp_client *c;
	const struct dhcp_host *host; /* the client's reservation */
	char name[DHCP_HOSTNAME_MAX]; /* the client's own, sanitised */
	uint8_t *buf;
	size_t cap;
	struct dhcp_result *res;
};

static const char *const dhcp_req_state_names[DHCP_REQ_STATE_COUNT] = {
	[DHCP_REQ_NONE] = "none",
	[DHCP_REQ_SELECTING] = "selecting",
	[DHCP_REQ_INIT_REBOOT] = "init-reboot",
	[DHCP_REQ_RENEWING] = "renewing",
	[DHCP_REQ_REBINDING] = "rebinding",
};

const char *dhcp_server_req_state_name(unsigned state)
{
	return state < DHCP_REQ_STATE_COUNT ? dhcp_req_state_names[state]
					    : "unknown";
}

int dhcp_server_new(const struct dhcp_config *cfg, struct dhcp_server **out,
		    char *err, size_t errlen)
{
	struct dhcp_server *s;
	int rc = dhcp_config_check(cfg, err, errlen);

	*out = NULL;
	if (rc < 0)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	rc = dhcp_alloc_init(&s->alloc, &s->cfg);
	if (rc == 0 && dhcp_reply_init(&s->reply, &s->cfg) < 0) {
		dhcp_alloc_fini(&s->alloc);
		rc = -EINVAL;
	}
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void dhcp_server_free(struct dhcp_server *s)
{
	if (!s)
		return;
	dhcp_alloc_fini(&s->alloc);
	free(s);
}

const struct dhcp_config *dhcp_server_config(const struct dhcp_server *s)
{
	return &s->cfg;
}

/* ---- admission ---- */

/*
 * RFC 2131 §4.2: "DHCP clients are responsible for all message
 * retransmission ... the client identifier or chaddr" identify the
 * client. Option 61 unless the network ignores it (cloned VMs, an
 * initramfs with its own id), then htype + chaddr, which for Ethernet is
 * what most clients put in option 61 anyway (RFC 2132 §9.14).
 */
static enum dhcp_reason dhcp_server_identify(const struct dhcp_server *s,
					     const struct dhcp_msg *m,
					     struct dhcp_client *c)
{
	struct dhcp_buf cid = dhcp_wire_opt(m, DHCP_OPT_CLIENT_ID);
	const uint8_t *p = dhcp_wire_get(&cid, 0, cid.len);

	c->cid = p;
	c->cid_len = p ? (uint8_t)cid.len : 0;
	c->htype = m->htype, c->hlen = m->hlen;
	memcpy(c->chaddr, m->chaddr, DHCP_CHADDR_LEN);
	c->has_cid = p && (!s->cfg.ignore_client_id || !m->hlen);
	if (c->has_cid) {
		c->id_len = c->cid_len;
		memcpy(c->id, p, c->cid_len);
	} else if (m->hlen) {
		c->id[0] = m->htype;
		memcpy(c->id + 1, m->chaddr, m->hlen);
		c->id_len = (uint8_t)(1 + m->hlen);
	} else {
		return DHCP_R_NO_IDENTITY;
	}
	return DHCP_R_NONE;
}

/* Relays only on trusted ports and only for our subnet; on other ports a
 * client speaks for its own MAC only. */
static enum dhcp_reason dhcp_server_admit(const struct dhcp_server *s,
					  struct dhcp_req *q)
{
	const struct dhcp_msg *m = q->m;

	if (m->giaddr) {
		if (!q->meta->trusted)
			return DHCP_R_UNTRUSTED_RELAY;
		if (!dhcp_config_in_subnet(&s->cfg, m->giaddr))
			return DHCP_R_WRONG_NETWORK;
	} else if (!q->meta->trusted &&
		   (m->htype != DHCP_HTYPE_ETHER || m->hlen != 6 ||
		    memcmp(m->chaddr, q->meta->src_mac, 6))) {
		return DHCP_R_CHADDR_SPOOF;
	}
	return dhcp_server_identify(s, m, q->c);
}

/* ---- shared decisions ---- */

static struct dhcp_lease *dhcp_server_record(const struct dhcp_server *s,
					     const struct dhcp_client *c,
					     uint32_t *slot)
{
	*slot = dhcp_lease_by_id(&s->alloc.leases, c->id, c->id_len);
	return dhcp_lease_get(&s->alloc.leases, *slot);
}

/* May the client hold one more address on its port? */
static bool dhcp_server_cap_ok(const struct dhcp_server *s,
			       const struct dhcp_req *q)
{
	const struct dhcp_lease *l;
	uint32_t slot;

	if (q->meta->trusted || !s->cfg.port_lease_cap)
		return true;
	l = dhcp_server_record(s, q->c, &slot);
	if (l && dhcp_lease_state_active(l->r.state) &&
	    l->r.port == q->meta->port)
		return true; /* already counted there */
	return dhcp_lease_port_count(&s->alloc.leases, q->meta->port) <
	       s->cfg.port_lease_cap;
}

static const char *dhcp_server_name(const struct dhcp_req *q)
{
	if (q->host && q->host->name[0])
		return q->host->name;
	return q->name[0] ? q->name : NULL;
}

static int dhcp_server_send(struct dhcp_server *s, struct dhcp_req *q,
			    const struct dhcp_answer *a)
{
	int n = dhcp_reply_build(&s->reply, q->m, a, q->buf, q->cap);

	if (n < 0) {
		q->res->reason = DHCP_R_REPLY_SPACE;
		return 0;
	}
	q->res->len = (size_t)n;
	q->res->sent = a->type;
	dhcp_reply_dest(q->m, a, q->meta->src_mac, &q->res->dst);
	return 0;
}

/* ---- DHCPDISCOVER ---- */

/*
 * RFC 2131 §4.3.1: the address offered is "the client's current address
 * as recorded in the client's current binding, ELSE the client's previous
 * address as recorded in the client's (now expired or released) binding,
 * if that address is in the server's pool of available addresses and not
 * already allocated, ELSE the address requested in the 'Requested IP
 * Address' option, if that address is valid and not already allocated,
 * ELSE a new address allocated from the server's pool". A reservation
 * comes before all of them.
 */
static int dhcp_server_discover(struct dhcp_server *s, struct dhcp_req *q)
{
	struct dhcp_answer a = { .type = DHCP_OFFER };
	uint32_t req_ip = 0, ip;
	bool pool;
	int rc;

	dhcp_wire_opt_ip(q->m, DHCP_OPT_REQ_IP, &req_ip);
	if (dhcp_alloc_choose(&s->alloc, q->c, q->host, req_ip, &ip, &pool)) {
		q->res->reason = DHCP_R_POOL_EMPTY;
		if (!s->exhausted)
			q->res->flags |= DHCP_RESULT_POOL_EXHAUSTED;
		s->exhausted = true;
		return 0;
	}
	if (!dhcp_server_cap_ok(s, q)) {
		q->res->reason = DHCP_R_PORT_CAP;
		return 0;
	}
	rc = dhcp_alloc_offer(&s->alloc, q->c, ip, q->meta->now, q->meta->port,
			      &q->res->changes);
	if (rc < 0)
		return rc;
	if (pool)
		s->exhausted = false;
	q->res->ip = ip;
	a.yiaddr = ip;
	a.lease_s = dhcp_alloc_lease_time(&s->alloc, q->host, ip);
	a.hostname = dhcp_server_name(q);
	return dhcp_server_send(s, q, &a);
}

/* ---- DHCPREQUEST ---- */

static enum dhcp_reason dhcp_server_avail_reason(enum dhcp_avail v)
{
	switch (v) {
	case DHCP_AVAIL_OK:
		return DHCP_R_NONE;
	case DHCP_AVAIL_WRONG_NET:
		return DHCP_R_NAK_WRONG_NET;
	case DHCP_AVAIL_RESERVED:
		return DHCP_R_NAK_RESERVED;
	default:
		return DHCP_R_NAK_UNAVAILABLE;
	}
}

/*
 * RFC 2131 §4.3.2. SELECTING: "If the DHCPREQUEST message contains a
 * 'server identifier' option, the message is in response to a DHCPOFFER
 * message." INIT-REBOOT: "'server identifier' MUST NOT be filled in,
 * 'requested IP address' option MUST be filled in with client's notion
 * of its previously assigned address. 'ciaddr' MUST be zero." RENEWING /
 * REBINDING: "'server identifier' MUST NOT be filled in, 'requested IP
 * address' option MUST NOT be filled in, 'ciaddr' MUST be filled in",
 * unicast when renewing, broadcast when rebinding. A client that sends
 * 54 with ciaddr set is read as renewing, by its ciaddr.
 */
static enum dhcp_reason dhcp_server_classify(const struct dhcp_server *s,
					     struct dhcp_req *q, uint32_t *ip)
{
	const struct dhcp_msg *m = q->m;
	uint8_t *state = &q->res->req_state;
	bool has_ip = dhcp_wire_opt_ip(m, DHCP_OPT_REQ_IP, ip) == 0;
	uint32_t sid;

	if (dhcp_wire_opt_ip(m, DHCP_OPT_SERVER_ID, &sid) == 0 && !m->ciaddr) {
		*state = DHCP_REQ_SELECTING;
		if (sid != s->cfg.server_ip)
			return DHCP_R_OTHER_SERVER;
		return has_ip ? DHCP_R_NONE : DHCP_R_BAD_REQUEST;
	}
	if (m->ciaddr) {
		*state = q->meta->broadcast ? DHCP_REQ_REBINDING
					    : DHCP_REQ_RENEWING;
		*ip = m->ciaddr;
		return DHCP_R_NONE;
	}
	*state = DHCP_REQ_INIT_REBOOT;
	return has_ip ? DHCP_R_NONE : DHCP_R_BAD_REQUEST;
}

/* ACK (DHCP_R_NONE), a NAK reason, or a drop reason for ip. */
static enum dhcp_reason dhcp_server_judge(const struct dhcp_server *s,
					  const struct dhcp_req *q, uint32_t ip)
{
	const struct dhcp_host *h = q->host;
	const struct dhcp_lease *l;
	enum dhcp_reason r;
	uint32_t slot;

	if (!dhcp_config_in_subnet(&s->cfg, ip))
		return DHCP_R_NAK_WRONG_NET;
	l = dhcp_server_record(s, q->c, &slot);
	if (q->res->req_state == DHCP_REQ_SELECTING && (!l || l->r.ip != ip))
		return DHCP_R_NAK_NOT_OFFERED;
	if ((q->res->req_state == DHCP_REQ_RENEWING ||
	     q->res->req_state == DHCP_REQ_REBINDING) &&
	    (!l || l->r.ip != ip || l->r.state != DHCP_LEASE_BOUND))
		return DHCP_R_NAK_NO_LEASE;
	r = dhcp_server_avail_reason(dhcp_alloc_check(&s->alloc, q->c, h, ip));
	if (r != DHCP_R_NONE)
		return r;
	if (h && h->ip && h->ip != ip &&
	    dhcp_alloc_check(&s->alloc, q->c, h, h->ip) == DHCP_AVAIL_OK)
		return DHCP_R_NAK_MOVED;
	return dhcp_server_cap_ok(s, q) ? DHCP_R_NONE : DHCP_R_PORT_CAP;
}

static int dhcp_server_ack(struct dhcp_server *s, struct dhcp_req *q,
			   uint32_t ip)
{
	struct dhcp_answer a = { .type = DHCP_ACK, .ciaddr = q->m->ciaddr };
	const struct dhcp_lease *l;
	uint32_t slot;
	int rc;

	a.yiaddr = ip;
	a.lease_s = dhcp_alloc_lease_time(&s->alloc, q->host, ip);
	rc = dhcp_alloc_bind(&s->alloc, q->c, ip, a.lease_s, q->meta->now,
			     q->meta->port, dhcp_server_name(q),
			     &q->res->changes);
	if (rc < 0)
		return rc;
	l = dhcp_server_record(s, q->c, &slot);
	a.hostname = l && l->r.hostname[0] ? l->r.hostname : NULL;
	return dhcp_server_send(s, q, &a);
}

/* A NAK that takes the address away also drops the client's record of
 * it: it is reserved for another, or no longer ours to give. */
static int dhcp_server_nak(struct dhcp_server *s, struct dhcp_req *q,
			   uint32_t ip, enum dhcp_reason why)
{
	struct dhcp_answer a = { .type = DHCP_NAK };
	const struct dhcp_lease *l;
	uint32_t slot;

	a.message = dhcp_reason_name(why);
	q->res->reason = why;
	l = dhcp_server_record(s, q->c, &slot);
	if (l && l->r.ip == ip &&
	    (why == DHCP_R_NAK_RESERVED || why == DHCP_R_NAK_MOVED ||
	     why == DHCP_R_NAK_UNAVAILABLE))
		dhcp_alloc_forget(&s->alloc, slot, &q->res->changes);
	return dhcp_server_send(s, q, &a);
}

static int dhcp_server_request(struct dhcp_server *s, struct dhcp_req *q)
{
	enum dhcp_reason r;
	uint32_t ip = 0;

	r = dhcp_server_classify(s, q, &ip);
	q->res->ip = ip;
	if (r == DHCP_R_OTHER_SERVER) {
		/* RFC 2131 §4.3.2: the client "has chosen to ... decline
		 * the offer": our offer's address is free again */
		dhcp_alloc_unoffer(&s->alloc, q->c);
	}
	if (r == DHCP_R_NONE)
		r = dhcp_server_judge(s, q, ip);
	if (r == DHCP_R_NONE)
		return dhcp_server_ack(s, q, ip);
	if (dhcp_reason_is_nak(r))
		return dhcp_server_nak(s, q, ip, r);
	q->res->reason = r;
	return 0;
}

/* ---- DHCPDECLINE, DHCPRELEASE ---- */

/* The client's own record holding ip in one of the states allowed, or
 * why not. */
static enum dhcp_reason dhcp_server_owner(const struct dhcp_server *s,
					  const struct dhcp_req *q, uint32_t ip,
					  bool offered_ok, uint32_t *slot)
{
	const struct dhcp_lease *l = dhcp_server_record(s, q->c, slot);
	uint32_t sid, o;

	if (dhcp_wire_opt_ip(q->m, DHCP_OPT_SERVER_ID, &sid) == 0 &&
	    sid != s->cfg.server_ip)
		return DHCP_R_OTHER_SERVER;
	if (!ip)
		return DHCP_R_BAD_REQUEST;
	if (l && l->r.ip == ip &&
	    (l->r.state == DHCP_LEASE_BOUND ||
	     (offered_ok && l->r.state == DHCP_LEASE_OFFERED)))
		return DHCP_R_NONE;
	o = dhcp_lease_by_ip(&s->alloc.leases, ip);
	if (o != DHCP_INDEX_NONE &&
	    dhcp_lease_state_active(s->alloc.leases.slot[o].r.state))
		return DHCP_R_NOT_OWNER;
	return DHCP_R_NO_LEASE;
}

/*
 * RFC 2131 §4.3.3: "If the server receives a DHCPDECLINE message, the
 * client has discovered through some other means that the suggested
 * network address is already in use. The server MUST mark the network
 * address as not available". The address is in option 50 (§4.4.4).
 */
static int dhcp_server_decline(struct dhcp_server *s, struct dhcp_req *q)
{
	uint32_t ip = 0, slot;
	enum dhcp_reason r;

	dhcp_wire_opt_ip(q->m, DHCP_OPT_REQ_IP, &ip);
	q->res->ip = ip;
	r = dhcp_server_owner(s, q, ip, true, &slot);
	q->res->reason = r;
	if (r != DHCP_R_NONE)
		return 0;
	return dhcp_alloc_quarantine(&s->alloc, ip, DHCP_LEASE_DECLINED,
				     q->meta->now, true, &q->res->changes);
}

/*
 * RFC 2131 §4.3.4: "Upon receipt of a DHCPRELEASE message, the server
 * marks the network address as not allocated. The server SHOULD retain a
 * record of the client's initialization parameters for possible reuse in
 * response to subsequent requests from the client." Only the lease's
 * owner may release it.
 */
static int dhcp_server_release(struct dhcp_server *s, struct dhcp_req *q)
{
	enum dhcp_reason r;
	uint32_t slot;

	q->res->ip = q->m->ciaddr;
	r = dhcp_server_owner(s, q, q->m->ciaddr, false, &slot);
	q->res->reason = r;
	if (r != DHCP_R_NONE)
		return 0;
	return dhcp_alloc_release(&s->alloc, slot, &q->res->changes);
}

/* ---- DHCPINFORM ---- */

/*
 * RFC 2131 §4.3.5: "The server responds to a DHCPINFORM message by
 * sending a DHCPACK message directly to the address given in the 'ciaddr'
 * field of the DHCPINFORM message. The server MUST NOT send a lease
 * expiration time to the client and SHOULD NOT fill in 'yiaddr'."
 */
static int dhcp_server_inform(struct dhcp_server *s, struct dhcp_req *q)
{
	struct dhcp_answer a = { .type = DHCP_ACK, .ciaddr = q->m->ciaddr };

	q->res->ip = q->m->ciaddr;
	if (!q->m->giaddr && q->m->ciaddr &&
	    !dhcp_config_in_subnet(&s->cfg, q->m->ciaddr)) {
		q->res->reason = DHCP_R_WRONG_NETWORK;
		return 0;
	}
	a.hostname = q->host && q->host->name[0] ? q->host->name : NULL;
	return dhcp_server_send(s, q, &a);
}

/* ---- entry ---- */

static int dhcp_server_dispatch(struct dhcp_server *s, struct dhcp_req *q)
{
	const struct dhcp_client *c = q->c;

	q->host = dhcp_host_find(&s->alloc.hosts, c->cid, c->cid_len, c->htype,
				 c->hlen, c->chaddr);
	if (dhcp_opt_client_name(q->m, q->name) < 0)
		q->name[0] = '\0';
	if (q->cap < DHCP_BOOTP_MIN && q->m->type != DHCP_DECLINE &&
	    q->m->type != DHCP_RELEASE) {
		/* no reply could be sent: change nothing */
		q->res->reason = DHCP_R_REPLY_SPACE;
		return 0;
	}
	switch (q->m->type) {
	case DHCP_DISCOVER:
		return dhcp_server_discover(s, q);
	case DHCP_REQUEST:
		return dhcp_server_request(s, q);
	case DHCP_DECLINE:
		return dhcp_server_decline(s, q);
	case DHCP_RELEASE:
		return dhcp_server_release(s, q);
	case DHCP_INFORM:
		return dhcp_server_inform(s, q);
	default:
		q->res->reason = DHCP_R_BAD_TYPE;
		return 0;
	}
}

static void dhcp_server_count(struct dhcp_server *s,
			      const struct dhcp_result *res, bool parsed)
{
	if (parsed)
		s->stats.rx[res->received < DHCP_TYPE_COUNT ? res->received
							    : DHCP_TYPE_COUNT]++;
	if (res->sent)
		s->stats.tx[res->sent]++;
	s->stats.reason[res->reason]++;
}

/* Serve s->msg, parsed (or not: res->reason says why) from a message. */
static int dhcp_server_serve(struct dhcp_server *s, const struct dhcp_meta *meta,
			     uint8_t *reply, size_t cap, struct dhcp_result *res)
{
	struct dhcp_req q = { .m = &s->msg, .meta = meta, .c = &s->client,
			      .buf = reply, .cap = cap, .res = res };
	int rc = 0;

	if (res->reason == DHCP_R_NONE) {
		res->received = s->msg.type;
		res->reason = dhcp_server_admit(s, &q);
	}
	if (res->reason == DHCP_R_NONE)
		rc = dhcp_server_dispatch(s, &q);
	dhcp_server_count(s, res, res->received != DHCP_NONE);
	return rc;
}

static void dhcp_server_begin(struct dhcp_server *s, const struct dhcp_meta *meta,
			      struct dhcp_result *res)
{
	memset(res, 0, offsetof(struct dhcp_result, changes));
	res->changes.n = 0;
	dhcp_alloc_expire(&s->alloc, meta->now);
}

int dhcp_server_handle(struct dhcp_server *s, const uint8_t *pkt, size_t len,
		       const struct dhcp_meta *meta, uint8_t *reply, size_t cap,
		       struct dhcp_result *res)
{
	dhcp_server_begin(s, meta, res);
	res->reason = dhcp_wire_parse(pkt, len, &s->msg);
	return dhcp_server_serve(s, meta, reply, cap, res);
}

int dhcp_server_handle_digest(struct dhcp_server *s, const struct dhcp_digest *d,
			      const struct dhcp_meta *meta, uint8_t *reply, size_t cap,
			      struct dhcp_result *res, const char **why)
{
	*why = NULL;
	if (d->reason > DHCP_R_BAD_TYPE) {
		*why = "not a parse error";
		return -EINVAL;
	}
	if (d->reason == DHCP_R_NONE && dhcp_digest_to_msg(d, &s->msg, why) < 0)
		return -EINVAL;
	dhcp_server_begin(s, meta, res);
	res->reason = (enum dhcp_reason)d->reason;
	return dhcp_server_serve(s, meta, reply, cap, res);
}

/* ---- the daemon's other calls ---- */

void dhcp_server_count_unread(struct dhcp_server *s, enum dhcp_reason r)
{
	if ((unsigned)r < DHCP_R_COUNT)
		s->stats.reason[r]++;
}

int dhcp_server_expire(struct dhcp_server *s, uint64_t now)
{
	return dhcp_alloc_expire(&s->alloc, now);
}

int dhcp_server_restore(struct dhcp_server *s, const struct dhcp_lease_rec *rec,
			uint64_t now)
{
	return dhcp_alloc_restore(&s->alloc, rec, now);
}

int dhcp_server_lease_next(const struct dhcp_server *s, uint32_t *cursor,
			   struct dhcp_lease_rec *out)
{
	uint32_t slot = dhcp_lease_next(&s->alloc.leases, cursor);

	if (slot == DHCP_INDEX_NONE)
		return -ENOENT;
	*out = s->alloc.leases.slot[slot].r;
	return 0;
}

uint32_t dhcp_server_lease_count(const struct dhcp_server *s)
{
	return s->alloc.leases.count;
}

int dhcp_server_lease_find(const struct dhcp_server *s, uint32_t ip,
			   struct dhcp_lease_rec *out)
{
	uint32_t slot = dhcp_lease_by_ip(&s->alloc.leases, ip);

	if (slot == DHCP_INDEX_NONE)
		return -ENOENT;
	*out = s->alloc.leases.slot[slot].r;
	return 0;
}

int dhcp_server_conflict(struct dhcp_server *s, uint32_t ip, uint64_t now,
			 struct dhcp_changes *ch)
{
	ch->n = 0;
	dhcp_alloc_expire(&s->alloc, now);
	return dhcp_alloc_quarantine(&s->alloc, ip, DHCP_LEASE_CONFLICT, now,
				     false, ch);
}

int dhcp_server_free_next(const struct dhcp_server *s, uint32_t after,
			  uint32_t *ip)
{
	return dhcp_pool_next_free(&s->alloc.pool, after, ip);
}

int dhcp_server_host_add(struct dhcp_server *s, const struct dhcp_host *h)
{
	return dhcp_alloc_host_add(&s->alloc, h);
}

int dhcp_server_host_del(struct dhcp_server *s, const struct dhcp_host *h)
{
	return dhcp_alloc_host_del(&s->alloc, h);
}

const struct dhcp_counters *dhcp_server_counters(const struct dhcp_server *s)
{
	return &s->stats;
}

int dhcp_server_verify(const struct dhcp_server *s)
{
	return dhcp_alloc_verify(&s->alloc);
}
