// SPDX-License-Identifier: GPL-2.0-only
/* Guests' UDP queries in flight together to the sandboxed parser
 * (switch/guestd.h): up to DNSD_PIPE are read from the socket, each one
 * the memo or the rate limit does not settle is sent to the child, and
 * only then are the replies read, in order. The child wakes once for
 * all of them, not once a query, and kvnetd waits once: the cost of the
 * parser's separate address space is paid per batch. One message each
 * way a query still; each reply is checked alone (dnsd_query_digested).
 */
#include <errno.h>
#include <sys/socket.h>

#include "switch/dnsd_int.h"
#include "switch/network.h"

/* Read one query into slot i; false when the socket is empty. */
static bool dnsd_pipe_read(struct dnsd *s, int fd, int i, bool *keep)
{
	struct dnsd_pipe *p = s->pipe;
	struct dns_fwd_client *c = &p->client[i];
	ssize_t len;

	*c = (struct dns_fwd_client){ .tcp_conn = -1, .addrlen = sizeof(c->addr) };
	len = recvfrom(fd, p->req[i].query, sizeof(p->req[i].query), MSG_DONTWAIT | MSG_TRUNC,
		       (struct sockaddr *)&c->addr, &c->addrlen);
	*keep = false;
	if (len < 0)
		return false;
	if ((size_t)len > sizeof(p->req[i].query)) {
		s->st.dropped++; /* no query is that long */
		return true;
	}
	p->req[i].len = (uint32_t)len;
	*keep = dnsd_query_admit(s, p->req[i].query, (size_t)len, c, &p->ours[i]) ==
		DNSD_TO_CHILD;
	return true;
}

static void dnsd_pipe_send(struct dnsd *s, int i)
{
	struct guestd_dns_req *r = &s->pipe->req[i];

	r->h = (struct guestd_hdr){ .type = GUESTD_DNS_REQ, .len = sizeof(*r) };
	s->pipe->sent[i] = guestd_send(s->d->guestd, &r->h) == 0;
	if (!s->pipe->sent[i])
		s->st.dropped++;
}

static void dnsd_pipe_finish(struct dnsd *s, int i)
{
	struct dnsd_pipe *p = s->pipe;
	struct guestd_dns_digest g;

	if (!p->sent[i])
		return;
	if (guestd_recv(s->d->guestd, &p->req[i].h, GUESTD_DNS_DIGEST, &g.h, sizeof(g)) < 0) {
		s->st.dropped++;
		return;
	}
	dnsd_query_digested(s, &g.d, &p->client[i], p->ours[i]);
}

int dnsd_pipe_run(struct dnsd *s, int fd)
{
	int n = 0, i;
	bool keep;

	for (i = 0; i < DNSD_PIPE; i++)
		s->pipe->sent[i] = false;
	for (; n < DNSD_PIPE && dnsd_pipe_read(s, fd, n, &keep); n++)
		if (keep)
			dnsd_pipe_send(s, n);
	for (i = 0; i < n; i++)
		dnsd_pipe_finish(s, i);
	return n;
}
