// SPDX-License-Identifier: GPL-2.0-only
/* UDP port forward relaying (see fwd_proxy.h). The bound socket takes a
 * host process's datagrams for the host port; each client address and
 * port gets its own socket connected to the guest, so the guest's answers
 * come back on it and go out of the bound socket to that client, from the
 * address the client sent to (IP_PKTINFO), as the client expects. A
 * client's socket is closed after idle_ms without traffic either way.
 * UDP is lossy: a datagram that finds a full socket buffer is dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "nat/fwd_proxy_int.h"

#define FWD_UDP_BATCH 64
#define FWD_UDP_MAX 65536

int fwd_udp_setup(struct fwd_proxy *px)
{
	int one = 1;

	px->dgram = malloc(FWD_UDP_MAX);
	if (!px->dgram)
		return -ENOMEM;
	if (setsockopt(px->listen.fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

static struct fwd_session *fwd_udp_find(struct fwd_proxy *px, const struct sockaddr_in *c)
{
	for (struct fwd_session *s = px->sessions; s; s = s->next)
		if (s->client.sin_addr.s_addr == c->sin_addr.s_addr &&
		    s->client.sin_port == c->sin_port)
			return s;
	return NULL;
}

/* The guest answered on a client's socket: on to the client. */
static void fwd_udp_reply(struct loop_watch *w)
{
	struct fwd_session *s = (struct fwd_session *)((char *)w - offsetof(struct fwd_session, w[0]));
	struct fwd_proxy *px = s->px;
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];

	for (int i = 0; i < FWD_UDP_BATCH; i++) {
		ssize_t n = recv(w->fd, px->dgram, FWD_UDP_MAX, MSG_DONTWAIT);
		struct iovec iov = { px->dgram, n > 0 ? (size_t)n : 0 };
		struct msghdr mh = { .msg_name = &s->client, .msg_namelen = sizeof(s->client),
				     .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		struct in_pktinfo pi = { .ipi_spec_dst = s->local };

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			continue; /* an ICMP error about an earlier datagram */
		if (n < 0)
			return;
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		sendmsg(px->listen.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		s->last_ms = fwd_proxy_now_ms();
	}
}

static struct fwd_session *fwd_udp_open(struct fwd_proxy *px, const struct sockaddr_in *c,
					struct in_addr local)
{
	struct sockaddr_in to = fwd_proxy_target(px);
	struct fwd_session *s = fwd_session_new(px);
	int fd;

	if (!s)
		return NULL;
	s->client = *c;
	s->local = local;
	s->w[0].fn = fwd_udp_reply;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	s->fd[0] = fd;
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    loop_add(px->loop, &s->w[0], fd) < 0) {
		fwd_session_free(s);
		return NULL;
	}
	return s;
}

/* The address a datagram was sent to, from its IP_PKTINFO. */
static struct in_addr fwd_udp_local(struct msghdr *mh)
{
	struct in_addr a = { 0 };

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			a = pi.ipi_addr;
		}
	return a;
}

void fwd_udp_recv(struct loop_watch *w)
{
	struct fwd_proxy *px = (struct fwd_proxy *)((char *)w - offsetof(struct fwd_proxy, listen));
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];

	for (int i = 0; i < FWD_UDP_BATCH; i++) {
		struct sockaddr_in c;
		struct iovec iov = { px->dgram, FWD_UDP_MAX };
		struct msghdr mh = { .msg_name = &c, .msg_namelen = sizeof(c), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT);
		struct fwd_session *s;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0 || c.sin_family != AF_INET)
			continue;
		s = fwd_udp_find(px, &c);
		if (!s)
			s = fwd_udp_open(px, &c, fwd_udp_local(&mh));
		if (!s)
			continue; /* at the cap, or out of resources: dropped */
		send(s->fd[0], px->dgram, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		s->last_ms = fwd_proxy_now_ms();
	}
}

void fwd_udp_tick(struct fwd_proxy *px, uint64_t now_ms)
{
	struct fwd_session *s = px->sessions, *next;

	for (; s; s = next) {
		next = s->next;
		if (now_ms - s->last_ms >= px->cfg.idle_ms)
			fwd_session_free(s);
	}
}
