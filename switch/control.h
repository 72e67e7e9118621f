/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket of kvnetd: <run-dir>/kvnetd.sock, mode 0600, one JSON
 * request and one JSON response per connection (docs/protocol.md). This
 * module owns the command table; each handler checks its arguments,
 * calls into the network model, and renders the result as JSON. */
#ifndef KVNET_CONTROL_H
#define KVNET_CONTROL_H

#include <stddef.h>

#include "switch/network.h"

/* Create and listen on the socket. Refuses (-EADDRINUSE) when another
 * kvnetd answers on it; replaces a stale socket file. */
int control_listen(const char *path, struct kv_error *e);

/* Serve one connection on the listening socket: accept, read a request
 * (bounded size and time), dispatch, write the response, close. */
void control_serve(struct kvnetd *d, int listen_fd);

/* Handle one request text and return the response text (malloc'd,
 * newline-terminated). Pure apart from what the command itself does;
 * the fuzz harness drives this. */
char *control_handle(struct kvnetd *d, const char *req, size_t len);

#endif /* KVNET_CONTROL_H */
