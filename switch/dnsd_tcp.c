// SPDX-License-Identifier: GPL-2.0-only
/* Guests' DNS over TCP (RFC 7766), for a network's DNS service (see
 * dnsd.h): each message is framed by a two-byte length; queries on one
 * connection are answered in turn (the next is read once the answer to
 * the last is written). A connection is closed DNSD_TCP_IDLE_MS after
 * its last whole query (bytes trickling in do not keep it), on a message
 * longer than any query, and when all DNSD_TCP_CONNS are taken the one
 * idle longest makes room (RFC 7766 §6.2.3). One guest address holds at
 * most DNSD_TCP_PER_PEER connections; more are refused. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "switch/dnsd_int.h"
#include "switch/network.h"

static void dnsd_tcp_close(struct dnsd_tcp *c)
{
	int fd = c->w.fd;

	if (fd < 0)
		return;
	loop_del(&c->s->d->loop, &c->w);
	close(fd);
	if (c->waiting)
		dnsd_forget_tcp_client(c->s, (int)(c - c->s->conns), c->gen);
	free(c->out);
	c->out = NULL;
	c->have = c->outlen = c->outoff = 0;
	c->waiting = false;
}

void dnsd_tcp_close_all(struct dnsd *s)
{
	for (int i = 0; i < DNSD_TCP_CONNS; i++)
		dnsd_tcp_close(&s->conns[i]);
}

/* Write what is left of the answer; false when the connection is gone. */
static bool dnsd_tcp_flush(struct dnsd_tcp *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->w.fd, c->out + c->outoff, c->outlen - c->outoff,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return loop_mod(&c->s->d->loop, &c->w, EPOLLOUT) == 0;
		if (n <= 0) {
			dnsd_tcp_close(c);
			return false;
		}
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	return loop_mod(&c->s->d->loop, &c->w, EPOLLIN) == 0;
}

/* The queries read whole, one at a time while none is outstanding. */
static void dnsd_tcp_process(struct dnsd_tcp *c)
{
	struct dns_fwd_client client = { .tcp_conn = (int)(c - c->s->conns), .tcp_gen = c->gen };
	uint8_t q[DNS_FWD_QUERY_MAX];
	size_t need;
	bool ok;

	memcpy(&client.addr, &c->peer, sizeof(c->peer));
	client.addrlen = sizeof(c->peer);
	while (c->w.fd >= 0 && !c->waiting && !c->out && c->have >= 2) {
		need = 2 + ((size_t)c->in[0] << 8 | c->in[1]);
		if (need > sizeof(c->in)) {
			dnsd_tcp_close(c); /* no query is that long */
			return;
		}
		if (c->have < need)
			return;
		memcpy(q, c->in + 2, need - 2);
		memmove(c->in, c->in + need, c->have - need);
		c->have -= need;
		c->last_ms = dnsd_now_ms();
		c->waiting = true; /* an answer now or later clears it */
		c->busy = true;
		ok = dnsd_query(c->s, q, need - 2, &client);
		c->busy = false;
		if (!ok) {
			dnsd_tcp_close(c); /* dropped: no answer will come */
			return;
		}
	}
}

void dnsd_tcp_reply(struct dnsd *s, const struct dns_fwd_client *client, const uint8_t *msg,
		    size_t len)
{
	struct dnsd_tcp *c;

	if (client->tcp_conn < 0 || client->tcp_conn >= DNSD_TCP_CONNS || len > 65535)
		return;
	c = &s->conns[client->tcp_conn];
	if (c->w.fd < 0 || c->gen != client->tcp_gen || c->out)
		return;
	c->out = malloc(len + 2);
	if (!c->out) {
		dnsd_tcp_close(c);
		return;
	}
	c->out[0] = (uint8_t)(len >> 8);
	c->out[1] = (uint8_t)len;
	memcpy(c->out + 2, msg, len);
	c->outlen = len + 2;
	c->outoff = 0;
	c->waiting = false;
	if (dnsd_tcp_flush(c) && !c->busy)
		dnsd_tcp_process(c);
}

static void dnsd_tcp_ready(struct loop_watch *w)
{
	struct dnsd_tcp *c = (struct dnsd_tcp *)((char *)w - offsetof(struct dnsd_tcp, w));
	ssize_t n;

	if (c->out) {
		if (dnsd_tcp_flush(c))
			dnsd_tcp_process(c);
		return;
	}
	n = recv(w->fd, c->in + c->have, sizeof(c->in) - c->have, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		dnsd_tcp_close(c);
		return;
	}
	c->have += (size_t)n;
	dnsd_tcp_process(c);
	/* a query waits upstream and the buffer is full: stop reading */
	if (c->w.fd >= 0 && c->have == sizeof(c->in))
		loop_mod(&c->s->d->loop, &c->w, 0);
}

/* A slot for a new connection from peer: a free one, else the one idle
 * longest (none waiting for an answer); NULL if peer has its share. */
static struct dnsd_tcp *dnsd_tcp_slot(struct dnsd *s, const struct sockaddr_in *peer)
{
	struct dnsd_tcp *free_slot = NULL, *idle = NULL;
	unsigned mine = 0;

	for (int i = 0; i < DNSD_TCP_CONNS; i++) {
		struct dnsd_tcp *c = &s->conns[i];

		if (c->w.fd < 0) {
			free_slot = free_slot ? free_slot : c;
			continue;
		}
		mine += c->peer.sin_addr.s_addr == peer->sin_addr.s_addr;
		if (!c->waiting && !c->out && (!idle || c->last_ms < idle->last_ms))
			idle = c;
	}
	if (mine >= DNSD_TCP_PER_PEER)
		return NULL;
	if (free_slot)
		return free_slot;
	if (idle)
		dnsd_tcp_close(idle);
	return idle;
}

void dnsd_tcp_accept(struct loop_watch *w)
{
	struct dnsd *s = (struct dnsd *)((char *)w - offsetof(struct dnsd, tcp));
	struct sockaddr_in peer = { 0 };
	socklen_t plen = sizeof(peer);
	int fd = accept4(w->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct dnsd_tcp *c;

	if (fd < 0)
		return;
	c = dnsd_tcp_slot(s, &peer);
	if (!c) {
		close(fd);
		return;
	}
	c->s = s;
	c->gen = ++s->next_gen;
	c->peer = peer;
	c->have = 0;
	c->waiting = false;
	c->last_ms = dnsd_now_ms();
	c->w.fn = dnsd_tcp_ready;
	if (loop_add(&s->d->loop, &c->w, fd) < 0)
		close(fd);
}

void dnsd_tcp_tick(struct dnsd *s, uint64_t now_ms)
{
	for (int i = 0; i < DNSD_TCP_CONNS; i++)
		if (s->conns[i].w.fd >= 0 && now_ms - s->conns[i].last_ms > DNSD_TCP_IDLE_MS)
			dnsd_tcp_close(&s->conns[i]);
}
