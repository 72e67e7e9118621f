/* SPDX-License-Identifier: GPL-2.0-only */
/* The commands of kvnetd's control protocol (docs/protocol.md): one JSON
 * request in, one JSON response out (or, for a large result, out a piece at
 * a time). Each handler checks its arguments,
 * calls into the network model, and renders the result as JSON. The socket
 * that carries them is ctlsock.c. */
#ifndef KVNET_CONTROL_H
#define KVNET_CONTROL_H

#include <stddef.h>

#include "switch/network.h"

/* A response too large to build at once (an `fdb` without "limit"): it
 * is made a piece at a time, as the client takes it, so neither the loop
 * nor the memory ever holds all of it. */
struct control_stream;

/* Descriptors that go with a response (`port.add` with "fds": a tap's
 * queues), sent with its first byte (SCM_RIGHTS). Until then the response
 * owns them; once sent (or the client gone) control_fds_close() closes
 * them. A response carrying any is a success: an error carries none. */
#define CONTROL_FDS_MAX KVNET_TAP_QUEUES_MAX
struct control_fds {
	unsigned n;
	int fd[CONTROL_FDS_MAX];
};

void control_fds_close(struct control_fds *fds);

/* Who sent a request (kvnetd tells from the socket's peer, ctlsock.c):
 * root may do everything; a reader, a member of the socket's group, only
 * what reads (net list and show, leases, stats...), never trace. */
enum control_access {
	CONTROL_ROOT, /* 0: what a command table entry is unless it says */
	CONTROL_READER,
};

/* Handle one request text from who and return the response text (malloc'd,
 * newline-terminated): whole, or, when *more is set, its first piece,
 * the others to come from control_more(); fds gets the descriptors that
 * go with it (none for most). Pure apart from what the command itself
 * does. */
char *control_begin(struct kvnetd *d, const char *req, size_t len, enum control_access who,
		    struct control_stream **more, struct control_fds *fds);
/* The next piece of a response in *text (malloc'd). Returns 1 while more
 * follow, 0 with the last, or -errno (e set) when the response cannot be
 * finished (its network stopped): the client must then be dropped, as
 * what it got is not a whole JSON document. */
int control_more(struct kvnetd *d, struct control_stream *s, char **text,
		 struct kv_error *e);
void control_stream_free(struct control_stream *s);
/* The connection the response goes to: a command that keeps it (trace)
 * takes a dup of fd once its first piece is out. */
void control_stream_conn(struct control_stream *s, int fd);
/* The whole response at once to root (control_begin, then every piece; an error
 * response if a piece fails; descriptors closed, not passed on); the fuzz
 * harness drives this. */
char *control_handle(struct kvnetd *d, const char *req, size_t len);

#endif /* KVNET_CONTROL_H */
