// SPDX-License-Identifier: GPL-2.0-only
/* The port forward proxy (see fwd_proxy.h): binding the host port, the
 * list of sessions, and closing it all. The relaying itself is in
 * fwd_tcp.c and fwd_udp.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "nat/fwd_proxy_int.h"

#define FWD_LISTEN_BACKLOG 128

uint64_t fwd_proxy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct sockaddr_in fwd_proxy_target(const struct fwd_proxy *px)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = px->cfg.to,
				  .sin_port = htons(px->cfg.to_port) };

	return sa;
}

struct fwd_session *fwd_session_new(struct fwd_proxy *px)
{
	struct fwd_session *s;

	if (px->nsessions >= FWD_PROXY_MAX_SESSIONS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s && px->cfg.proto == IPPROTO_TCP && !(s->dir = calloc(2, sizeof(*s->dir)))) {
		free(s);
		s = NULL;
	}
	if (!s)
		return NULL;
	s->px = px;
	s->w[0].fd = s->w[1].fd = s->fd[0] = s->fd[1] = -1;
	s->next = px->sessions;
	if (px->sessions)
		px->sessions->prev = s;
	px->sessions = s;
	px->nsessions++;
	return s;
}

void fwd_session_free(struct fwd_session *s)
{
	struct fwd_proxy *px = s->px;

	for (int i = 0; i < 2; i++) {
		if (s->w[i].fd >= 0)
			loop_del(px->loop, &s->w[i]);
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	}
	if (s->prev)
		s->prev->next = s->next;
	else
		px->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	px->nsessions--;
	free(s->dir);
	free(s);
}

/* A socket bound to 0.0.0.0:host_port, listening for TCP. */
static int fwd_proxy_bind(const struct fwd_proxy_cfg *cfg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(cfg->host_port) };
	int tcp = cfg->proto == IPPROTO_TCP, one = 1, ret = 0;
	int fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	if (fd < 0)
		return -errno;
	/* TCP: a port whose last connections linger in TIME_WAIT is free;
	 * a listener still refuses. UDP sockets never share. */
	if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		ret = -errno;
	if (!ret && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	if (!ret && tcp && listen(fd, FWD_LISTEN_BACKLOG) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

static int fwd_proxy_start(struct fwd_proxy *p)
{
	int fd = fwd_proxy_bind(&p->cfg), ret;

	if (fd < 0)
		return fd;
	p->listen.fn = p->cfg.proto == IPPROTO_TCP ? fwd_tcp_accept : fwd_udp_recv;
	ret = loop_add(p->loop, &p->listen, fd);
	if (ret == 0 && p->cfg.proto == IPPROTO_UDP)
		ret = fwd_udp_setup(p);
	if (ret < 0 && p->listen.fd >= 0)
		loop_del(p->loop, &p->listen);
	if (ret < 0)
		close(fd);
	return ret;
}

int fwd_proxy_open(struct fwd_proxy **out, struct loop *l, const struct fwd_proxy_cfg *cfg)
{
	struct fwd_proxy *p;
	int ret;

	if (cfg->proto != IPPROTO_TCP && cfg->proto != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	if (!p->cfg.idle_ms)
		p->cfg.idle_ms = FWD_PROXY_UDP_IDLE_MS;
	p->loop = l;
	p->listen.fd = -1;
	ret = fwd_proxy_start(p);
	if (ret < 0) {
		free(p->dgram);
		free(p);
		return ret;
	}
	*out = p;
	return 0;
}

void fwd_proxy_close(struct fwd_proxy *p)
{
	int fd;

	if (!p)
		return;
	while (p->sessions)
		fwd_session_free(p->sessions);
	fd = p->listen.fd;
	if (fd >= 0) {
		loop_del(p->loop, &p->listen);
		close(fd);
	}
	free(p->dgram);
	free(p);
}

const struct fwd_proxy_cfg *fwd_proxy_cfg(const struct fwd_proxy *p)
{
	return &p->cfg;
}

unsigned fwd_proxy_sessions(const struct fwd_proxy *p)
{
	return p->nsessions;
}

void fwd_proxy_tick(struct fwd_proxy *p, uint64_t now_ms)
{
	if (p->cfg.proto == IPPROTO_UDP)
		fwd_udp_tick(p, now_ms);
}
