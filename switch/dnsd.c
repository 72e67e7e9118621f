// SPDX-License-Identifier: GPL-2.0-only
/* The DNS service of one network (see dnsd.h): the gateway's sockets,
 * guests' queries to answers or to upstream, upstream's answers back. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "dns/dns_answer.h"
#include "dns/dns_cache.h"
#include "dns/dns_digest.h"
#include "dns/dns_forward.h"
#include "switch/dnsd_int.h"
#include "switch/guestd.h"
#include "switch/log.h"
#include "switch/network_int.h"

#define DNSD_BATCH 64
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_REFUSED 5

/* ---- sockets ------------------------------------------------------------ */

/* Port 53 of the gateway address, on the gateway device only. */
static int dnsd_listen_socket(const struct net_def *def, int type, struct kv_error *e)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = def->ip };
	int one = 1, fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "DNS socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, def->bridge, strlen(def->bridge)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int err = errno;

		close(fd);
		return kv_fail(e, KV_ERR_SYSTEM, -err, "DNS on %s port 53 (%s): %s",
			       inet_ntoa(def->ip), type == SOCK_STREAM ? "TCP" : "UDP",
			       strerror(err));
	}
	return fd;
}

/* ---- replies ------------------------------------------------------------ */

static void dnsd_reply(struct dnsd *s, const struct dns_fwd_client *c, const uint8_t *msg,
		       size_t len)
{
	if (c->tcp_conn >= 0) {
		dnsd_tcp_reply(s, c, msg, len);
		return;
	}
	if (sendto(s->udp.fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&c->addr,
		   c->addrlen) < 0)
		log_debug("network '%s': DNS reply: %s", s->n->def.name, strerror(errno));
}

/* An error answer to q; false when q cannot be read (nothing is sent). */
static bool dnsd_error(struct dnsd *s, const struct dns_fwd_client *c, const uint8_t *q,
		       size_t len, unsigned rcode)
{
	uint8_t out[DNS_FWD_QUERY_MAX + 64];
	size_t n = dns_fwd_error_reply(q, len, rcode, out, sizeof(out));

	if (n)
		dnsd_reply(s, c, out, n);
	return n > 0;
}

/* ---- forwarding --------------------------------------------------------- */

/* Send slot i's query to its upstream: over TCP if it came over TCP. */
static void dnsd_send_up(struct dnsd *s, int i)
{
	if (s->fwd->q[i].client.tcp_conn >= 0)
		dnsd_uptcp_send(s, i);
	else
		dnsd_upudp_send(s, i);
}

/* Answer from the cache of upstream's answers, if it holds one. */
static bool dnsd_from_cache(struct dnsd *s, const uint8_t *q, size_t len,
			    const struct dns_fwd_client *c)
{
	uint8_t out[DNS_CACHE_ANSWER_MAX];
	size_t n;

	if (!dns_cache_get(s->cache, q, len, dnsd_now_ms(), out, sizeof(out), &n))
		return false;
	s->st.cached++;
	dnsd_reply(s, c, out, n);
	return true;
}

static bool dnsd_forward(struct dnsd *s, const uint8_t *q, size_t len,
			 const struct dns_question *qn, const struct dns_fwd_client *c)
{
	int slot;

	if (dnsd_from_cache(s, q, len, c))
		return true;
	switch (dns_fwd_add(s->fwd, q, len, qn, c, dnsd_now_ms(), &slot)) {
	case DNS_FWD_OK:
		s->st.forwarded++;
		dnsd_send_up(s, slot);
		break;
	case DNS_FWD_NO_UPSTREAM:
	case DNS_FWD_FULL:
		s->st.servfail++;
		return dnsd_error(s, c, q, len, DNS_RCODE_SERVFAIL);
	case DNS_FWD_DUP:
		break; /* the first one's answer will do */
	case DNS_FWD_BAD:
		s->st.dropped++;
		return false;
	}
	return true;
}

#define DNSD_OF(w, field) ((struct dnsd *)((char *)(w) - offsetof(struct dnsd, field)))

void dnsd_slot_done(struct dnsd *s, int slot)
{
	dnsd_uptcp_close_slot(s, slot);
	dnsd_upudp_close(s, slot);
	dns_fwd_done(s->fwd, slot);
}

void dnsd_forget_tcp_client(struct dnsd *s, int conn, uint32_t gen)
{
	for (int i = 0; i < DNS_FWD_SLOTS; i++)
		if (s->fwd->q[i].used && s->fwd->q[i].client.tcp_conn == conn &&
		    s->fwd->q[i].client.tcp_gen == gen)
			dnsd_slot_done(s, i);
}

void dnsd_upstream_answer(struct dnsd *s, uint8_t *buf, size_t len, int expect)
{
	const struct dns_fwd_query *q = &s->fwd->q[expect];
	const struct dns_upstream *up;
	int slot = -1;

	if (q->used && q->upstream >= 0) {
		up = &s->fwd->up[q->upstream];
		slot = dns_fwd_answer(s->fwd, buf, len, (const struct sockaddr *)&up->addr,
				      up->addrlen);
	}
	if (slot != expect) {
		s->st.dropped++;
		return;
	}
	s->st.upstream_answers++;
	dnsd_reply(s, &s->fwd->q[slot].client, buf, len);
	dns_cache_put(s->cache, s->fwd->q[slot].wire, s->fwd->q[slot].len, buf, len,
		      dnsd_now_ms());
	dnsd_slot_done(s, slot);
}

/* ---- guests' queries ---------------------------------------------------- */

static bool dnsd_from_subnet(const struct dnsd *s, const struct dns_fwd_client *c)
{
	const struct sockaddr_in *a = (const struct sockaddr_in *)&c->addr;
	uint32_t mask = htonl(kv_prefix_mask(s->n->def.prefix));

	return a->sin_family == AF_INET &&
	       (a->sin_addr.s_addr & mask) == (s->n->def.ip.s_addr & mask);
}

static void dnsd_zone_fresh(struct dnsd *s)
{
	if (!s->n->dns_stale)
		return;
	s->n->dns_stale = false;
	netw_dns_zone(s->n, s->zone);
	dns_memo_clear(&s->memo);
}

/* A query as the guest wrote it: refused by the rate limit (DNSD_DROPPED),
 * or answered from the memo (DNSD_ANSWERED) when its bytes are, ID aside,
 * a canonical query kvnetd wrote itself (dns_memo_get compares bytes, it
 * reads nothing in them); else DNSD_TO_CHILD: the sandboxed parser must
 * read it. */
enum dnsd_admit dnsd_query_admit(struct dnsd *s, const uint8_t *q, size_t len,
				 const struct dns_fwd_client *c, bool *ours)
{
	uint8_t out[DNS_MEMO_ANSWER_MAX];
	size_t outlen = 0;

	s->st.queries++;
	*ours = dnsd_from_subnet(s, c);
	if (!*ours)
		return DNSD_TO_CHILD; /* refused, once the child read its ID and question */
	if (!dnsd_guard_admit(s, c))
		return DNSD_DROPPED; /* the rate limit first: a flood costs the child nothing */
	dnsd_zone_fresh(s);
	if (!dns_memo_get(&s->memo, q, len, out, sizeof(out), &outlen))
		return DNSD_TO_CHILD;
	dnsd_guard_count_answer(s, out, outlen);
	dnsd_reply(s, c, out, outlen);
	return DNSD_ANSWERED;
}

/* What the sandboxed parser read in a query, as the canonical query
 * kvnetd writes from it (dns/dns_digest.h), answered or forwarded. */
bool dnsd_query_digested(struct dnsd *s, const struct dns_digest *d,
			 const struct dns_fwd_client *c, bool ours)
{
	uint8_t out[DNS_ANSWER_MAX], q[DNS_DIGEST_WIRE_MAX];
	struct dns_question qn = { 0 };
	size_t outlen = 0, len;
	const char *why;
	int n = dns_digest_wire(d, q, &why);

	if (n < 0)
		guestd_reject(s->d->guestd, "a DNS digest", why);
	if (n <= 0) {
		s->st.dropped++;
		return false;
	}
	len = (size_t)n;
	if (!ours) {
		s->st.refused++;
		return dnsd_error(s, c, q, len, DNS_RCODE_REFUSED);
	}
	if (dns_memo_get(&s->memo, q, len, out, sizeof(out), &outlen)) {
		dnsd_guard_count_answer(s, out, outlen);
		dnsd_reply(s, c, out, outlen);
		return true;
	}
	switch (dns_answer_q(s->zone, q, len, out, &outlen, &qn)) {
	case DNS_ANSWERED:
		dnsd_guard_count_answer(s, out, outlen);
		dns_memo_put(&s->memo, q, len, out, outlen);
		dnsd_reply(s, c, out, outlen);
		return true;
	case DNS_FORWARD:
		return dnsd_forward(s, q, len, &qn, c);
	case DNS_DROP:
		break;
	}
	s->st.dropped++;
	return false;
}

bool dnsd_query(struct dnsd *s, const uint8_t *q, size_t len, const struct dns_fwd_client *c)
{
	struct guestd_dns_req req = { .h = { .type = GUESTD_DNS_REQ, .len = sizeof(req) } };
	struct guestd_dns_digest g;
	enum dnsd_admit a;
	bool ours;

	a = dnsd_query_admit(s, q, len, c, &ours);
	if (a != DNSD_TO_CHILD)
		return a == DNSD_ANSWERED;
	req.len = (uint32_t)len;
	memcpy(req.query, q, len < sizeof(req.query) ? len : sizeof(req.query));
	if (len > sizeof(req.query) ||
	    guestd_call(s->d->guestd, &req.h, GUESTD_DNS_DIGEST, &g.h, sizeof(g)) < 0) {
		s->st.dropped++;
		return false;
	}
	return dnsd_query_digested(s, &g.d, c, ours);
}

static void dnsd_udp_ready(struct loop_watch *w)
{
	struct dnsd *s = DNSD_OF(w, udp);

	for (int k = 0; k < DNSD_BATCH; k += DNSD_PIPE)
		if (dnsd_pipe_run(s, w->fd) < DNSD_PIPE)
			return; /* the socket is empty */
}

/* ---- upstreams and time ------------------------------------------------- */

static bool dnsd_resolv_changed(struct dnsd *s)
{
	struct stat st;

	if (stat(s->d->resolv_conf, &st) < 0)
		memset(&st, 0, sizeof(st));
	if (st.st_mtim.tv_sec == s->resolv_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == s->resolv_mtime.tv_nsec)
		return false;
	s->resolv_mtime = st.st_mtim;
	return true;
}

void dnsd_upstreams_reload(struct dnsd *s)
{
	struct dns_upstream up[DNS_FWD_UPSTREAMS];
	int n = netw_dns_upstreams(s->d, s->n, up, DNS_FWD_UPSTREAMS);

	dns_fwd_set_upstreams(s->fwd, up, n);
	dns_cache_flush(s->cache); /* what other servers said */
	if (!n)
		log_info("network '%s': DNS has no upstream: names not its own get SERVFAIL",
			 s->n->def.name);
}

/* SERVFAIL for a query no upstream answered, under the guest's own ID. */
static void dnsd_give_up(struct dnsd *s, const struct dns_fwd_query *q)
{
	uint8_t wire[DNS_FWD_QUERY_MAX];

	memcpy(wire, q->wire, q->len);
	memcpy(wire, &q->id_guest, 2);
	dnsd_error(s, &q->client, wire, q->len, DNS_RCODE_SERVFAIL);
}

static void dnsd_expire(struct dnsd *s, uint64_t now)
{
	int cursor = 0, i;

	while ((i = dns_fwd_expired(s->fwd, now, &cursor)) >= 0) {
		struct dns_fwd_query *q = &s->fwd->q[i];

		if (dns_fwd_retry(s->fwd, i, now)) {
			dnsd_send_up(s, i);
			continue;
		}
		s->st.servfail++;
		dnsd_give_up(s, q);
		dnsd_slot_done(s, i);
	}
}

void dnsd_tick(struct dnsd *s)
{
	uint64_t now = dnsd_now_ms();

	if (dnsd_resolv_changed(s))
		dnsd_upstreams_reload(s);
	dnsd_expire(s, now);
	dnsd_tcp_tick(s, now);
}

const struct dns_zone *dnsd_zone(struct dnsd *s)
{
	dnsd_zone_fresh(s);
	return s->zone;
}

const struct dnsd_counters *dnsd_counters(const struct dnsd *s)
{
	return &s->st;
}

/* ---- open and close ----------------------------------------------------- */

static int dnsd_watch(struct dnsd *s, struct loop_watch *w, void (*fn)(struct loop_watch *),
		      int fd, struct kv_error *e)
{
	w->fn = fn;
	if (fd < 0)
		return fd;
	if (loop_add(&s->d->loop, w, fd) < 0) {
		close(fd);
		return kv_fail(e, KV_ERR_SYSTEM, -EBADF, "cannot watch the DNS socket");
	}
	return 0;
}

static struct dnsd *dnsd_alloc(struct kvnetd *d, struct kv_network *n)
{
	struct dnsd *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->d = d;
	s->n = n;
	s->zone = calloc(1, sizeof(*s->zone));
	s->pipe = malloc(sizeof(*s->pipe));
	s->fwd = malloc(sizeof(*s->fwd));
	s->cache = dns_cache_new(DNSD_CACHE_ENTRIES);
	s->udp.fd = s->tcp.fd = -1;
	for (int i = 0; i < DNS_FWD_SLOTS; i++)
		s->upudp[i].w.fd = -1;
	for (int i = 0; i < DNSD_TCP_CONNS; i++)
		s->conns[i].w.fd = s->uptcp[i].w.fd = -1;
	if (!s->zone || !s->fwd || !s->cache || !s->pipe || dnsd_guard_open(s) < 0) {
		dnsd_close(s);
		return NULL;
	}
	dns_fwd_init(s->fwd);
	dns_memo_init(&s->memo);
	return s;
}

int dnsd_open(struct kvnetd *d, struct kv_network *n, struct dnsd **out, struct kv_error *e)
{
	struct dnsd *s = dnsd_alloc(d, n);
	int ret;

	if (!s)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	ret = dnsd_watch(s, &s->udp, dnsd_udp_ready, dnsd_listen_socket(&n->def, SOCK_DGRAM, e), e);
	if (!ret)
		dnsd_guard_rcvbuf(s, s->udp.fd);
	if (!ret)
		ret = dnsd_watch(s, &s->tcp, dnsd_tcp_accept,
				 dnsd_listen_socket(&n->def, SOCK_STREAM, e), e);
	if (ret < 0) {
		dnsd_close(s);
		return ret;
	}
	dnsd_resolv_changed(s);
	dnsd_upstreams_reload(s);
	n->dns_stale = true;
	*out = s;
	return 0;
}

static void dnsd_unwatch(struct dnsd *s, struct loop_watch *w)
{
	int fd = w->fd;

	if (fd < 0)
		return;
	loop_del(&s->d->loop, w);
	close(fd);
}

void dnsd_close(struct dnsd *s)
{
	if (!s)
		return;
	dnsd_tcp_close_all(s);
	dnsd_uptcp_close_all(s);
	dnsd_unwatch(s, &s->udp);
	dnsd_unwatch(s, &s->tcp);
	for (int i = 0; i < DNS_FWD_SLOTS; i++)
		dnsd_upudp_close(s, i);
	dns_memo_free(&s->memo);
	free(s->zone);
	free(s->pipe);
	free(s->fwd);
	dns_cache_free(s->cache);
	dnsd_guard_close(s);
	free(s);
}
