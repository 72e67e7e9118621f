/* SPDX-License-Identifier: GPL-2.0-only */
/* The commands of kvnetd's control protocol (docs/protocol.md): one JSON
 * request in, one JSON response out. Each handler checks its arguments,
 * calls into the network model, and renders the result as JSON. The socket
 * that carries them is ctlsock.c. */
#ifndef KVNET_CONTROL_H
#define KVNET_CONTROL_H

#include <stddef.h>

#include "switch/network.h"

/* Handle one request text and return the response text (malloc'd,
 * newline-terminated). Pure apart from what the command itself does;
 * the fuzz harness drives this. */
char *control_handle(struct kvnetd *d, const char *req, size_t len);

#endif /* KVNET_CONTROL_H */
