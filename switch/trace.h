/* SPDX-License-Identifier: GPL-2.0-only */
/* kvnetd's trace sessions (docs/protocol.md, `trace`): a client that asked
 * to trace a network keeps its control connection, and kvnetd streams it
 * the datapath's events (ebpf/kvnet_trace.h) as JSON lines until it hangs
 * up or the network stops. Each session holds one of the network's
 * KVNET_TRACE_SESSIONS filter slots; the datapath traces nothing while no
 * session runs. A client that reads too slowly loses events, and is told
 * how many. */
#ifndef KVNET_TRACE_SESSION_H
#define KVNET_TRACE_SESSION_H

#include <jansson.h>

#include "kvnet_trace.h"
#include "switch/network.h"

/* Start a session on the active network n with filter f, streaming to fd
 * (ours from now on, closed when the session ends, also on failure).
 * Returns 0, or -errno (e set). */
int trace_open(struct kvnetd *d, struct kv_network *n, const struct kvnet_trace_filter *f,
	       int fd, struct kv_error *e);
/* One event as a client reads it (the object under "event"), ports by
 * name; NULL when out of memory. */
json_t *trace_event_json(struct kv_network *n, const struct kvnet_trace_event *ev);
/* Bytes as a JSON string of hex digits. */
json_t *trace_hex_json(const uint8_t *p, size_t n);
/* A frame kvnetd sends itself straight out of n's port ifindex (DHCP
 * replies, BPDUs), past the datapath: one KVNET_TRACE_SERVICE event for
 * the sessions whose coarse keys take it, as if it had entered that port. */
void trace_service_tx(struct kv_network *n, int ifindex, const uint8_t *frame, size_t len,
		      enum kvnet_trace_service what);
/* Once a second: the kernel's drop tracepoints go off while n's traces
 * are idle. */
void trace_tick(struct kv_network *n);
/* End every session of n, telling each client why. */
void trace_net_end(struct kvnetd *d, struct kv_network *n, const char *why);

#endif /* KVNET_TRACE_SESSION_H */
