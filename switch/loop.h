/* SPDX-License-Identifier: GPL-2.0-only */
/* kvnetd's event loop: one epoll set and the watches on it. Each watch is
 * an fd and the function to call when it is readable; modules (the control
 * socket, the link monitor, each network's punt ring, later DHCP sockets)
 * add and remove their own without the loop knowing them. */
#ifndef KVNET_LOOP_H
#define KVNET_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

#define LOOP_BATCH 16

struct loop {
	int epfd;
	/* the batch being dispatched: loop_del clears a watch's pending event
	 * in it, so a watch freed by an earlier callback is never called */
	struct epoll_event evs[LOOP_BATCH];
	int nevs;
};

struct loop_watch {
	void (*fn)(struct loop_watch *w);
	int fd; /* -1 while not watched */
	uint32_t revents; /* during fn: what epoll reported (EPOLLIN, ...) */
};

int loop_open(struct loop *l);
void loop_close(struct loop *l);
/* Watch fd (readable) and call w->fn; w must stay put until loop_del. */
int loop_add(struct loop *l, struct loop_watch *w, int fd);
/* The same for other events (EPOLLIN, EPOLLOUT; 0: errors only), and a
 * change of the events watched for. */
int loop_add_events(struct loop *l, struct loop_watch *w, int fd, uint32_t events);
int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events);
void loop_del(struct loop *l, struct loop_watch *w);
/* Wait up to timeout_ms (-1: forever) and dispatch what is ready.
 * Returns the number dispatched, or -errno (never -EINTR). */
int loop_run_once(struct loop *l, int timeout_ms);

#endif /* KVNET_LOOP_H */
