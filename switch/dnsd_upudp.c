// SPDX-License-Identifier: GPL-2.0-only
/* Queries forwarded upstream over UDP (see dnsd_int.h, struct
 * dnsd_upudp): each try from a socket of its own, connected to the
 * upstream it goes to, so each has a random source port and the kernel
 * drops datagrams from anywhere else; what arrives is checked as any
 * answer from upstream (dnsd_upstream_answer: the ID, the question, the
 * slot). An ICMP error on the socket closes it: the slot times out and
 * is retried or answered SERVFAIL. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "switch/dnsd_int.h"
#include "switch/log.h"
#include "switch/network.h"

void dnsd_upudp_close(struct dnsd *s, int slot)
{
	struct dnsd_upudp *u = &s->upudp[slot];
	int fd = u->w.fd;

	if (fd < 0)
		return;
	loop_del(&s->d->loop, &u->w);
	close(fd);
}

static void dnsd_upudp_ready(struct loop_watch *w)
{
	struct dnsd_upudp *u = (struct dnsd_upudp *)((char *)w - offsetof(struct dnsd_upudp, w));
	struct dnsd *s = u->s;
	int slot = (int)(u - s->upudp);
	uint8_t buf[65536];
	ssize_t n;

	for (int k = 0; k < 4 && w->fd >= 0; k++) {
		n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			dnsd_upudp_close(s, slot); /* refused, unreachable */
			return;
		}
		dnsd_upstream_answer(s, buf, (size_t)n, slot);
	}
}

void dnsd_upudp_send(struct dnsd *s, int slot)
{
	const struct dns_fwd_query *q = &s->fwd->q[slot];
	const struct dns_upstream *up = &s->fwd->up[q->upstream];
	struct dnsd_upudp *u = &s->upudp[slot];
	int fd;

	dnsd_upudp_close(s, slot);
	fd = socket(up->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&up->addr, up->addrlen) < 0 ||
	    send(fd, q->wire, q->len, MSG_DONTWAIT) < 0) {
		log_debug("network '%s': DNS to upstream: %s", s->n->def.name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	u->s = s;
	u->w.fn = dnsd_upudp_ready;
	if (loop_add(&s->d->loop, &u->w, fd) < 0)
		close(fd);
}
