/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket of kvnetd: <run-dir>/kvnetd.sock, mode 0600, one
 * request and one response per connection. Every client is served from the
 * event loop without blocking it: a slow or stuck client costs a slot, not
 * the daemon's attention, and is dropped after CTLSOCK_TIMEOUT_S. */
#ifndef KVNET_CTLSOCK_H
#define KVNET_CTLSOCK_H

#include "switch/error.h"

struct kvnetd;
struct ctlsock;

#define CTLSOCK_TIMEOUT_S 10
#define CTLSOCK_MAX_CLIENTS 64
#define CTLSOCK_MAX_REQUEST (2u << 20)

/* Listen on path. Refuses (-EADDRINUSE) when another kvnetd answers on
 * it; replaces a stale socket file. */
int ctlsock_open(struct ctlsock **out, const char *path, struct kv_error *e);
/* An epoll fd that is readable whenever ctlsock_run() has work. */
int ctlsock_fd(const struct ctlsock *c);
/* Accept, read, answer (through control_handle) whatever is ready. */
void ctlsock_run(struct ctlsock *c, struct kvnetd *d);
/* Drop clients that have been connected longer than the timeout. */
void ctlsock_expire(struct ctlsock *c);
void ctlsock_close(struct ctlsock *c);

#endif /* KVNET_CTLSOCK_H */
