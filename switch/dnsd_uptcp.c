// SPDX-License-Identifier: GPL-2.0-only
/* Queries of guests' TCP connections, forwarded upstream over TCP (see
 * dnsd_int.h, struct dnsd_uptcp): a non-blocking connect to the query's
 * upstream, the query framed by its length, the answer read whole and
 * handed to dnsd_upstream_answer, which checks it as any answer from
 * upstream. A connection that fails or closes early is simply closed: the
 * query's slot times out and is retried (over TCP again) or answered
 * SERVFAIL, as a lost UDP query is. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "switch/dnsd_int.h"
#include "switch/network.h"

#define DNSD_UPTCP_MAX (2 + 65535) /* a length and the longest message */

static void dnsd_uptcp_close(struct dnsd_uptcp *u)
{
	int fd = u->w.fd;

	if (fd < 0)
		return;
	loop_del(&u->s->d->loop, &u->w);
	close(fd);
	free(u->buf);
	u->buf = NULL;
	u->slot = -1;
}

void dnsd_uptcp_close_slot(struct dnsd *s, int slot)
{
	for (int i = 0; i < DNSD_TCP_CONNS; i++)
		if (s->uptcp[i].w.fd >= 0 && s->uptcp[i].slot == slot)
			dnsd_uptcp_close(&s->uptcp[i]);
}

void dnsd_uptcp_close_all(struct dnsd *s)
{
	for (int i = 0; i < DNSD_TCP_CONNS; i++)
		dnsd_uptcp_close(&s->uptcp[i]);
}

/* The answer is in: framed by its length, from the slot's upstream. */
static void dnsd_uptcp_done(struct dnsd_uptcp *u)
{
	struct dnsd *s = u->s;
	uint8_t *buf = u->buf;
	size_t len = u->len - 2;
	int slot = u->slot;

	u->buf = NULL; /* ours now: closing the connection keeps it */
	dnsd_uptcp_close(u);
	dnsd_upstream_answer(s, buf + 2, len, slot);
	free(buf);
}

/* Read the answer: its length first, then the message. */
static void dnsd_uptcp_read(struct dnsd_uptcp *u)
{
	ssize_t n = recv(u->w.fd, u->buf + u->off, u->len - u->off, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		dnsd_uptcp_close(u);
		return;
	}
	u->off += (size_t)n;
	if (u->off < u->len)
		return;
	if (u->len == 2) {
		u->len = 2 + ((size_t)u->buf[0] << 8 | u->buf[1]);
		if (u->len > 2)
			return;
		dnsd_uptcp_close(u); /* an empty message answers nothing */
		return;
	}
	dnsd_uptcp_done(u);
}

/* Send the query; once it is out, wait for the answer. */
static void dnsd_uptcp_write(struct dnsd_uptcp *u)
{
	ssize_t n = send(u->w.fd, u->buf + u->off, u->len - u->off, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN))
		return;
	if (n <= 0) {
		dnsd_uptcp_close(u); /* refused, reset: the slot times out */
		return;
	}
	u->off += (size_t)n;
	if (u->off < u->len)
		return;
	u->reading = true;
	u->off = 0;
	u->len = 2;
	loop_mod(&u->s->d->loop, &u->w, EPOLLIN);
}

static void dnsd_uptcp_ready(struct loop_watch *w)
{
	struct dnsd_uptcp *u = (struct dnsd_uptcp *)((char *)w - offsetof(struct dnsd_uptcp, w));

	if (u->reading)
		dnsd_uptcp_read(u);
	else
		dnsd_uptcp_write(u);
}

static struct dnsd_uptcp *dnsd_uptcp_free(struct dnsd *s)
{
	for (int i = 0; i < DNSD_TCP_CONNS; i++)
		if (s->uptcp[i].w.fd < 0)
			return &s->uptcp[i];
	return NULL;
}

/* The query framed by its length, in a buffer that will take the answer. */
static bool dnsd_uptcp_frame(struct dnsd_uptcp *u, const struct dns_fwd_query *q)
{
	u->buf = malloc(DNSD_UPTCP_MAX);
	if (!u->buf)
		return false;
	u->buf[0] = (uint8_t)(q->len >> 8);
	u->buf[1] = (uint8_t)q->len;
	memcpy(u->buf + 2, q->wire, q->len);
	u->len = 2 + (size_t)q->len;
	u->off = 0;
	u->reading = false;
	return true;
}

void dnsd_uptcp_send(struct dnsd *s, int slot)
{
	const struct dns_fwd_query *q = &s->fwd->q[slot];
	const struct dns_upstream *up = &s->fwd->up[q->upstream];
	struct dnsd_uptcp *u;
	int fd;

	dnsd_uptcp_close_slot(s, slot);
	u = dnsd_uptcp_free(s);
	if (!u)
		return; /* every one busy: the slot times out */
	fd = socket(up->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if ((connect(fd, (const struct sockaddr *)&up->addr, up->addrlen) < 0 &&
	     errno != EINPROGRESS)) {
		close(fd);
		return;
	}
	u->s = s;
	u->slot = slot;
	u->w.fn = dnsd_uptcp_ready;
	if (!dnsd_uptcp_frame(u, q) || loop_add_events(&s->d->loop, &u->w, fd, EPOLLOUT) < 0) {
		free(u->buf);
		u->buf = NULL;
		close(fd);
	}
}
