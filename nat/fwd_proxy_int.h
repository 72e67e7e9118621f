/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the port forward proxy (fwd_proxy.c, the listener and the
 * session list; fwd_tcp.c, TCP relaying; fwd_udp.c, UDP clients). */
#ifndef KVNET_FWD_PROXY_INT_H
#define KVNET_FWD_PROXY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "nat/fwd_proxy.h"

/* One direction of a TCP connection: bytes read from one side, waiting to
 * be written to the other. */
struct fwd_pipe {
	size_t off, len;
	bool eof;  /* the reading side sent FIN */
	bool shut; /* ... and it was passed on (shutdown(SHUT_WR)) */
	char buf[FWD_PROXY_BUF];
};

struct fwd_session {
	struct fwd_proxy *px;
	struct fwd_session *prev, *next;
	/* TCP: [0] the client, [1] the guest; UDP: [0] the guest only. A
	 * watch's fd is -1 while it waits for nothing (the socket stays open
	 * in fd[]): a socket watched for nothing would still report a hang-up
	 * again and again. */
	int fd[2];
	struct loop_watch w[2];
	uint32_t ev[2]; /* the events w[i] is watched for */
	/* TCP */
	bool connecting;
	struct fwd_pipe *dir; /* [2]; dir[i]: read from w[i], written to w[1-i] */
	/* UDP */
	struct sockaddr_in client;
	struct in_addr local; /* the address the client sent to */
	uint64_t last_ms;
};

struct fwd_proxy {
	struct fwd_proxy_cfg cfg;
	struct loop *loop;
	struct loop_watch listen;
	struct fwd_session *sessions;
	unsigned nsessions;
	char *dgram; /* UDP: one datagram's room */
};

/* A new session on px's list (zeroed, watches at fd -1; TCP: with its
 * pipes), or NULL when out of memory or at FWD_PROXY_MAX_SESSIONS. */
struct fwd_session *fwd_session_new(struct fwd_proxy *px);
/* Close its sockets, take it off the list and free it. */
void fwd_session_free(struct fwd_session *s);
/* The guest's address. */
struct sockaddr_in fwd_proxy_target(const struct fwd_proxy *px);

/* fwd_tcp.c: the listener's callback. */
void fwd_tcp_accept(struct loop_watch *w);
/* fwd_udp.c */
int fwd_udp_setup(struct fwd_proxy *px);
void fwd_udp_recv(struct loop_watch *w);
void fwd_udp_tick(struct fwd_proxy *px, uint64_t now_ms);

#endif /* KVNET_FWD_PROXY_INT_H */
