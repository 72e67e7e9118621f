/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals shared by the control handlers' files (control.c, the command
 * table and the request/response framing; control_fdb.c, the fdb
 * command), and by no one else. */
#ifndef KVNET_CONTROL_INT_H
#define KVNET_CONTROL_INT_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "switch/control.h"

/* A response written a piece at a time (see control.h). */
struct control_stream {
	/* Write the next piece of the response text to f: the first piece
	 * starts it, the last ends it with its newline. Returns 1 while more
	 * follow, 0 after the last, -errno (e set; nothing is written). */
	int (*next)(struct kvnetd *d, struct control_stream *s, FILE *f, struct kv_error *e);
	char net[NET_NAME_MAX];
	uint64_t cursor; /* where the next piece starts (0: the start) */
	int limit;	 /* entries per piece */
	bool paged;	 /* one page, {"entries": [...], "next": ...} */
	bool started;	 /* the first piece is out */
	size_t sent;	 /* entries written so far */
};

/* A command whose response is written a piece at a time: sets *out, or
 * returns -errno (e set) for an error response. */
typedef int (*control_stream_fn)(struct kvnetd *d, json_t *args, struct control_stream **out,
				 struct kv_error *e);

/* args[key] names an active network: it, or NULL (e set). */
struct kv_network *control_arg_active_net(struct kvnetd *d, json_t *args, struct kv_error *e);

/* control_fdb.c: `fdb`, whole or a page. */
int control_fdb_open(struct kvnetd *d, json_t *args, struct control_stream **out,
		     struct kv_error *e);

#endif /* KVNET_CONTROL_INT_H */
