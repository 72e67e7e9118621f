/* SPDX-License-Identifier: GPL-2.0-only */
/* The DHCPv4 server engine of one network (RFC 2131), as a pure library.
 *
 * No sockets, no clocks, no files: the daemon hands in a UDP payload with
 * its metadata (struct dhcp_meta, which carries the time) and gets back a
 * struct dhcp_result: reply bytes in its buffer, where to send them, why
 * nothing was sent, and the lease changes it must make durable BEFORE it
 * sends the reply. Everything crossing the API is plain data, so the
 * engine can run in a sandboxed process behind a socketpair.
 *
 * Authoritative, as libvirt's dnsmasq is: a REQUEST for an address this
 * server does not give the client is NAKed, not ignored.
 *
 * Cost per message: O(1) hash lookups, a bitmap search for a new client,
 * and expiry of whatever is due (a heap), never a scan of all leases.
 */
#ifndef KVNET_DHCP_SERVER_H
#define KVNET_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_alloc.h"
#include "dhcp/dhcp_config.h"
#include "dhcp/dhcp_digest.h"
#include "dhcp/dhcp_host.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_reason.h"
#include "dhcp/dhcp_reply.h"
#include "dhcp/dhcp_wire.h"

/* What the daemon knows about a packet besides its bytes. */
struct dhcp_meta {
	uint8_t src_mac[6]; /* the frame's source MAC */
	uint32_t port;	    /* ingress switch port id */
	bool trusted;	    /* port added with --trusted: relays allowed,
			     * no chaddr check, no lease cap */
	bool broadcast;	    /* sent to a broadcast address (else unicast
			     * to us): REBINDING vs RENEWING */
	uint64_t now;	    /* wall-clock seconds */
};

/* RFC 2131 §4.3.2: how a DHCPREQUEST is told apart. */
enum dhcp_req_state {
	DHCP_REQ_NONE = 0, /* not a REQUEST, or not classified */
	DHCP_REQ_SELECTING,   /* server id (54), requested IP (50), no ciaddr */
	DHCP_REQ_INIT_REBOOT, /* 50, no 54, no ciaddr */
	DHCP_REQ_RENEWING,    /* ciaddr, unicast */
	DHCP_REQ_REBINDING,   /* ciaddr, broadcast */
	DHCP_REQ_STATE_COUNT
};

/* The pool had no address for a client, for the first time since it
 * last had one: log it (once). */
#define DHCP_RESULT_POOL_EXHAUSTED 0x1

struct dhcp_result {
	size_t len;	     /* reply bytes in the caller's buffer, 0: none */
	uint8_t received;    /* request's type (enum dhcp_type), 0 unreadable */
	uint8_t sent;	     /* DHCP_OFFER/ACK/NAK, or DHCP_NONE */
	uint8_t req_state;   /* enum dhcp_req_state, for REQUESTs */
	enum dhcp_reason reason; /* why nothing (or a NAK) was sent */
	uint32_t ip;	     /* the address offered, acked, NAKed, released */
	struct dhcp_dest dst;
	unsigned flags;	     /* DHCP_RESULT_* */
	struct dhcp_changes changes; /* persist these before sending */
};

struct dhcp_counters {
	uint64_t rx[DHCP_TYPE_COUNT + 1]; /* [DHCP_TYPE_COUNT]: other types */
	uint64_t tx[DHCP_TYPE_COUNT];
	uint64_t reason[DHCP_R_COUNT];	  /* [DHCP_R_NONE]: served */
};

struct dhcp_server;

/* A server for cfg (copied). -EINVAL with a message in err (may be
 * NULL) if dhcp_config_check refuses it; -ENOMEM. */
int dhcp_server_new(const struct dhcp_config *cfg, struct dhcp_server **out,
		    char *err, size_t errlen);
void dhcp_server_free(struct dhcp_server *s);
const struct dhcp_config *dhcp_server_config(const struct dhcp_server *s);

/* Serve one message: pkt is the UDP payload, reply a buffer of cap bytes
 * (1500 is plenty). 0 with res filled (res->sent may be DHCP_NONE, then
 * res->reason says why), or -ENOMEM. Expires what is due first. */
int dhcp_server_handle(struct dhcp_server *s, const uint8_t *pkt, size_t len,
		       const struct dhcp_meta *meta, uint8_t *reply, size_t cap,
		       struct dhcp_result *res);

/* The same for a message the sandbox parsed (dhcp/dhcp_digest.h): -EINVAL
 * with the reason in *why for a digest it could not have made (nothing
 * changed then). */
int dhcp_server_handle_digest(struct dhcp_server *s, const struct dhcp_digest *d,
			      const struct dhcp_meta *meta, uint8_t *reply, size_t cap,
			      struct dhcp_result *res, const char **why);

/* Count a message the daemon dropped before the engine could read it
 * (DHCP_R_BAD_FRAME), with the engine's own reasons. */
void dhcp_server_count_unread(struct dhcp_server *s, enum dhcp_reason r);

/* Carry out what is due by now (offers, leases, quarantines end); cheap
 * when nothing is. The number of changes (the daemon may then rewrite
 * the libvirt status file). */
int dhcp_server_expire(struct dhcp_server *s, uint64_t now);

/* Replay a persisted record at start-up, oldest first. -EINVAL for a
 * record that does not fit this network (skip it), -ENOMEM. */
int dhcp_server_restore(struct dhcp_server *s, const struct dhcp_lease_rec *rec,
			uint64_t now);
/* Walk every record (cursor starts at 0): 0 and *out, -ENOENT at the
 * end. Includes offered and quarantined records: look at state. */
int dhcp_server_lease_next(const struct dhcp_server *s, uint32_t *cursor,
			   struct dhcp_lease_rec *out);
uint32_t dhcp_server_lease_count(const struct dhcp_server *s);
/* The record at ip: 0 and *out, or -ENOENT. */
int dhcp_server_lease_find(const struct dhcp_server *s, uint32_t ip,
			   struct dhcp_lease_rec *out);

/* Someone answers on ip (the daemon's ARP probe or snooping): quarantine
 * it. The record to persist goes to ch. -EBUSY if a client holds it,
 * -EINVAL if it is not a host address of the subnet. */
int dhcp_server_conflict(struct dhcp_server *s, uint32_t ip, uint64_t now,
			 struct dhcp_changes *ch);
/* The next free pool address after `after` (0: from the start), for
 * background probing: 0 and *ip, -ENOENT past the last. */
int dhcp_server_free_next(const struct dhcp_server *s, uint32_t after,
			  uint32_t *ip);

/* Reservations, live. add: -EINVAL (no MAC nor id, bad name, address
 * not a host address of the subnet), -EEXIST; del (by MAC, else id):
 * -ENOENT. A client holding an address newly reserved for another keeps
 * it until its next REQUEST, which is NAKed. */
int dhcp_server_host_add(struct dhcp_server *s, const struct dhcp_host *h);
int dhcp_server_host_del(struct dhcp_server *s, const struct dhcp_host *h);

const struct dhcp_counters *dhcp_server_counters(const struct dhcp_server *s);
/* dhcp_alloc_verify on the server's tables (tests and fuzzers). */
int dhcp_server_verify(const struct dhcp_server *s);
const char *dhcp_server_req_state_name(unsigned state);

#endif /* KVNET_DHCP_SERVER_H */
