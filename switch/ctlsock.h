/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket of kvnetd: <run-dir>/kvnetd.sock, mode 0600 (or
 * 0660 with a group: kvnetd --socket-group), one request and one response
 * per connection. Root may send every request, the group's members only
 * those that read (control.h, enum control_access), told apart by the
 * peer's credentials (SO_PEERCRED). Every client is served from the
 * event loop without blocking it, and no client can lock the others out:
 *
 * - a client must send its first byte within CTLSOCK_FIRST_BYTE_MS and its
 *   whole request within CTLSOCK_REQUEST_MS of connecting;
 * - when all CTLSOCK_MAX_CLIENTS slots are taken, the reader that has been
 *   idle longest makes room for the newcomer; when every slot is writing a
 *   response, the newcomer gets a "busy" error and is closed;
 * - a response is cut off only when the client takes none of it for
 *   CTLSOCK_STALL_MS (a deadline on progress, not on the total time), and
 *   large ones are written as the client reads them;
 * - when accept() runs out of descriptors, the socket stops accepting for a
 *   while (or until a client leaves) instead of spinning; the connections
 *   wait in the backlog.
 *
 * The socket keeps its own epoll set and timer (timerfd); the daemon's loop
 * watches ctlsock_fd() and calls ctlsock_run() when it is readable. */
#ifndef KVNET_CTLSOCK_H
#define KVNET_CTLSOCK_H

#include <sys/types.h>

#include "switch/error.h"

struct kvnetd;
struct ctlsock;

#define CTLSOCK_MAX_CLIENTS 256
#define CTLSOCK_FIRST_BYTE_MS 2000
#define CTLSOCK_REQUEST_MS 5000
#define CTLSOCK_STALL_MS 10000
/* How long accepting pauses after EMFILE/ENFILE (a client leaving ends the
 * pause early). */
#define CTLSOCK_ACCEPT_PAUSE_MS 1000
#define CTLSOCK_MAX_REQUEST (2u << 20)

/* No group: the socket is root's alone. */
#define CTLSOCK_ROOT_ONLY ((gid_t)-1)

/* Listen on path, owned by group (or CTLSOCK_ROOT_ONLY). Refuses (-EADDRINUSE) when another kvnetd answers on
 * it; replaces a stale socket file. */
int ctlsock_open(struct ctlsock **out, const char *path, gid_t group, struct kv_error *e);
/* An epoll fd that is readable whenever ctlsock_run() has work. */
int ctlsock_fd(const struct ctlsock *c);
/* Accept, read, answer (through control.h), time out whatever is due. */
void ctlsock_run(struct ctlsock *c, struct kvnetd *d);
void ctlsock_close(struct ctlsock *c);

#endif /* KVNET_CTLSOCK_H */
