// SPDX-License-Identifier: GPL-2.0-only
/* TCP port forward relaying (see fwd_proxy.h): accept a host process's
 * connection, connect to the guest without blocking, then move bytes both
 * ways through one bounded buffer per direction. Each event does a bounded
 * amount of work (one buffer per direction), and a socket is watched only
 * for what its connection waits for, level-triggered:
 *  - readable, while its direction's buffer is empty and no FIN was read;
 *  - writable, while the other direction holds bytes for it (or the
 *    guest's connect is under way).
 * A FIN is passed on (shutdown(SHUT_WR)) once its direction is drained;
 * the connection ends when both directions have, or at the first error,
 * which resets both sides.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "nat/fwd_proxy_int.h"

#define FWD_ACCEPT_BATCH 16

#define FWD_SESSION_OF(w, i) \
	((struct fwd_session *)((char *)(w) - offsetof(struct fwd_session, w[i])))

static void fwd_tcp_event(struct fwd_session *s, int side);

static void fwd_tcp_client_ready(struct loop_watch *w)
{
	fwd_tcp_event(FWD_SESSION_OF(w, 0), 0);
}

static void fwd_tcp_guest_ready(struct loop_watch *w)
{
	fwd_tcp_event(FWD_SESSION_OF(w, 1), 1);
}

/* Close with a reset, not a FIN: the peer must not take it for the end of
 * a complete stream. */
static void fwd_tcp_set_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void fwd_tcp_abort(struct fwd_session *s)
{
	fwd_tcp_set_reset(s->fd[0]);
	fwd_tcp_set_reset(s->fd[1]);
	fwd_session_free(s);
}

/* Watch side i for ev (nothing: not at all). */
static int fwd_tcp_watch(struct fwd_session *s, int i, uint32_t ev)
{
	struct loop *l = s->px->loop;
	int ret = 0;

	if (!ev && s->w[i].fd >= 0)
		loop_del(l, &s->w[i]);
	else if (ev && s->w[i].fd < 0)
		ret = loop_add_events(l, &s->w[i], s->fd[i], ev);
	else if (ev && ev != s->ev[i])
		ret = loop_mod(l, &s->w[i], ev);
	s->ev[i] = ev;
	return ret;
}

static int fwd_tcp_arm(struct fwd_session *s)
{
	uint32_t ev[2];
	int ret;

	for (int i = 0; i < 2; i++) {
		ev[i] = 0;
		if (!s->dir[i].eof && !s->dir[i].len)
			ev[i] |= EPOLLIN;
		if (s->dir[1 - i].len)
			ev[i] |= EPOLLOUT;
	}
	if (s->connecting) {
		ev[0] = 0;
		ev[1] = EPOLLOUT;
	}
	ret = fwd_tcp_watch(s, 0, ev[0]);
	return ret < 0 ? ret : fwd_tcp_watch(s, 1, ev[1]);
}

/* Write what direction d holds to its destination. */
static int fwd_pipe_flush(struct fwd_session *s, int d)
{
	struct fwd_pipe *p = &s->dir[d];
	ssize_t n;

	while (p->len) {
		n = send(s->fd[1 - d], p->buf + p->off, p->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		p->off += (size_t)n;
		p->len -= (size_t)n;
	}
	p->off = 0;
	return 0;
}

/* Move one buffer's worth along direction d. */
static int fwd_pipe_pump(struct fwd_session *s, int d)
{
	struct fwd_pipe *p = &s->dir[d];
	int ret = fwd_pipe_flush(s, d);
	ssize_t n;

	if (ret == 0 && !p->len && !p->eof) {
		n = recv(s->fd[d], p->buf, sizeof(p->buf), MSG_DONTWAIT);
		if (n == 0)
			p->eof = true;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		else if (n > 0)
			p->len = (size_t)n;
		ret = fwd_pipe_flush(s, d);
	}
	if (ret == 0 && p->eof && !p->len && !p->shut) {
		if (shutdown(s->fd[1 - d], SHUT_WR) < 0 && errno != ENOTCONN)
			return -errno;
		p->shut = true;
	}
	return ret;
}

/* The guest's connect finished (or failed). */
static int fwd_tcp_connected(struct fwd_session *s)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(s->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	if (err)
		return -err;
	s->connecting = false;
	return 0;
}

static void fwd_tcp_event(struct fwd_session *s, int side)
{
	uint32_t rev = s->w[side].revents;
	int ret = 0;

	if (rev & EPOLLERR)
		ret = -ECONNRESET;
	else if (s->connecting && side == 1)
		ret = fwd_tcp_connected(s);
	for (int d = 0; ret == 0 && !s->connecting && d < 2; d++)
		ret = fwd_pipe_pump(s, d);
	if (ret == 0 && s->dir[0].shut && s->dir[1].shut) {
		fwd_session_free(s);
		return;
	}
	if (ret == 0)
		ret = fwd_tcp_arm(s);
	if (ret < 0)
		fwd_tcp_abort(s);
}

/* Connect to the guest for the accepted client fd. */
static void fwd_tcp_start(struct fwd_proxy *px, int fd)
{
	struct sockaddr_in to = fwd_proxy_target(px);
	struct fwd_session *s = fwd_session_new(px);
	int one = 1;

	if (!s) {
		fwd_tcp_set_reset(fd);
		close(fd);
		return;
	}
	s->fd[0] = fd;
	s->w[0].fn = fwd_tcp_client_ready;
	s->w[1].fn = fwd_tcp_guest_ready;
	s->fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd[1] < 0) {
		fwd_tcp_abort(s);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s->fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->connecting = true;
	if (connect(s->fd[1], (struct sockaddr *)&to, sizeof(to)) == 0)
		s->connecting = false;
	else if (errno != EINPROGRESS) {
		fwd_tcp_abort(s);
		return;
	}
	if (fwd_tcp_arm(s) < 0)
		fwd_tcp_abort(s);
}

void fwd_tcp_accept(struct loop_watch *w)
{
	struct fwd_proxy *px = (struct fwd_proxy *)((char *)w - offsetof(struct fwd_proxy, listen));

	for (int i = 0; i < FWD_ACCEPT_BATCH; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or a connection that died queued */
		fwd_tcp_start(px, fd);
	}
}
