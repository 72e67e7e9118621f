/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals shared by the control handlers' files (control.c, the command
 * table and the request/response framing; control_fdb.c, the fdb command;
 * control_dhcp.c, the DHCP commands), and by no one else. */
#ifndef KVNET_CONTROL_INT_H
#define KVNET_CONTROL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "switch/control.h"
#include "switch/network.h"

typedef json_t *(*control_fn)(struct kvnetd *d, json_t *args, struct kv_error *e);

/* args[key] as a string; NULL (and an error if required or not a
 * string) otherwise. */
const char *arg_str(json_t *args, const char *key, bool required, struct kv_error *e);
/* An optional boolean: absent is false; anything else is an error. */
bool arg_bool(json_t *args, const char *key, struct kv_error *e);
/* The network args[key] names (finishing its adoption if pending). */
struct kv_network *arg_net(struct kvnetd *d, json_t *args, const char *key,
			   struct kv_error *e);
/* args["net"] names an active network: it, or NULL (e set). */
struct kv_network *control_arg_active_net(struct kvnetd *d, json_t *args, struct kv_error *e);

/* The response being made carries these descriptors (its own from now:
 * they are closed if it turns out an error). */
void control_give_fds(const int *fds, unsigned n);

/* control_ct.c */
json_t *control_conntrack(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_ct_stats_row(struct kvnetd *d);

/* control_inject.c: a dry run */
json_t *control_trace_inject(struct kvnetd *d, json_t *args, struct kv_error *e);

/* control_dhcp.c */
json_t *control_leases(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_dhcp_host_add(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_dhcp_host_del(struct kvnetd *d, json_t *args, struct kv_error *e);
/* n's DHCP counters as o's "dhcp_counters" (`net show`): messages served,
 * and each reason one was not (dhcp/dhcp_reason.h) that happened. */
void control_dhcp_counters(const struct kv_network *n, json_t *o);

/* control_fwd.c: port forwards */
json_t *control_fwd_add(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_fwd_del(struct kvnetd *d, json_t *args, struct kv_error *e);
json_t *control_fwd_list(struct kvnetd *d, json_t *args, struct kv_error *e);

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
	int conn_fd;	 /* the client's connection (control_stream_conn), or
			    -1: for a command that keeps it (trace) */
	void *priv;	 /* the command's own state, freed with the stream */
};

/* A command whose response is written a piece at a time: sets *out, or
 * returns -errno (e set) for an error response. */
typedef int (*control_stream_fn)(struct kvnetd *d, json_t *args, struct control_stream **out,
				 struct kv_error *e);

/* control_trace.c: `trace`, which keeps its connection. */
int control_trace_open(struct kvnetd *d, json_t *args, struct control_stream **out,
		       struct kv_error *e);

/* control_fdb.c: `fdb`, whole or a page. */
int control_fdb_open(struct kvnetd *d, json_t *args, struct control_stream **out,
		     struct kv_error *e);

#endif /* KVNET_CONTROL_INT_H */
