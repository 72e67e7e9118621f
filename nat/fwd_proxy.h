/* SPDX-License-Identifier: GPL-2.0-only */
/* The userspace side of a port forward: what the host's own processes
 * reach. Connections from outside and from guests are translated by the
 * eBPF programs before the host's stack sees them; a connection that a
 * process of the host makes to a forwarded port (on 127.0.0.1, an uplink
 * address, a gateway address) never passes those programs, so kvnetd
 * serves it itself: one listening TCP socket (or bound UDP socket) on
 * 0.0.0.0:host_port per forward, relaying to the guest.
 *
 * Holding that socket is also what makes a forward the host port's owner:
 * the bind fails (-EADDRINUSE) when another program has the port, and a
 * forward is installed only while its proxy holds it.
 *
 * TCP: accept, non-blocking connect to the guest, then a bounded buffer
 * per direction, half-closes passed on, a reset (SO_LINGER 0) to the
 * client when the guest refuses. UDP: one connected socket per client
 * address and port, closed after idle_ms without traffic. IPv4 only. All
 * on kvnetd's event loop, never blocking it.
 */
#ifndef KVNET_FWD_PROXY_H
#define KVNET_FWD_PROXY_H

#include <stdint.h>
#include <netinet/in.h>

#include "switch/loop.h"

/* Connections (TCP) or client addresses (UDP) served at once per forward;
 * more are refused (TCP: closed at once) or dropped (UDP). */
#define FWD_PROXY_MAX_SESSIONS 256
/* Bytes buffered per direction of one TCP connection. */
#define FWD_PROXY_BUF 16384
/* A UDP client's socket is closed after this long without traffic. */
#define FWD_PROXY_UDP_IDLE_MS 60000

struct fwd_proxy_cfg {
	uint8_t proto;	    /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port; /* host byte order */
	struct in_addr to;
	uint16_t to_port;   /* host byte order */
	uint32_t idle_ms;   /* UDP; 0: FWD_PROXY_UDP_IDLE_MS */
};

struct fwd_proxy;

/* Bind the host port and serve it on l. -EADDRINUSE: another socket has
 * it; other -errno from socket(), bind(), listen(), epoll. */
int fwd_proxy_open(struct fwd_proxy **out, struct loop *l, const struct fwd_proxy_cfg *cfg);
/* Stop serving: the listening socket and every session are closed. */
void fwd_proxy_close(struct fwd_proxy *p);
const struct fwd_proxy_cfg *fwd_proxy_cfg(const struct fwd_proxy *p);
/* Sessions open now. */
unsigned fwd_proxy_sessions(const struct fwd_proxy *p);
/* Periodic work (idle UDP clients); now_ms from CLOCK_MONOTONIC. */
void fwd_proxy_tick(struct fwd_proxy *p, uint64_t now_ms);
uint64_t fwd_proxy_now_ms(void);

#endif /* KVNET_FWD_PROXY_H */
