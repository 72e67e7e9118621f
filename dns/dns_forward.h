/* SPDX-License-Identifier: GPL-2.0-only */
/* The forwarding side of a network's DNS forwarder (issue 16): which
 * upstream a query goes to, the queries waiting for an answer, and
 * whether a datagram from upstream is the answer to one of them.
 *
 * Each forwarded query gets a fresh random ID of its own (the guest's ID
 * is put back in the answer), so guests cannot choose the IDs the host
 * sends upstream, and an answer is taken only from the server the query
 * went to, with that ID and the same question (ldns compares the two).
 * One guest address holds at most DNS_FWD_PER_CLIENT of the slots, so a
 * guest cannot starve the others; a query the guest sends again while it
 * waits (the same ID and question) is not sent twice, as dnsmasq merges
 * retransmissions. A query not answered in DNS_FWD_TRY_MS is sent to the next upstream
 * that serves its name; when all were tried the guest gets SERVFAIL.
 *
 * Pure: no sockets, no clock of its own (times are the caller's ms);
 * switch/dnsd.c does the I/O.
 */
#ifndef KVNET_DNS_FORWARD_H
#define KVNET_DNS_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/dns_zone.h"

#define DNS_FWD_UPSTREAMS 16	/* forwarders plus the host's resolvers */
#define DNS_FWD_SLOTS 512	/* queries waiting at once (dnsmasq: 150) */
#define DNS_FWD_QUERY_MAX 1232	/* longest query forwarded */
#define DNS_FWD_TRY_MS 1500	/* an upstream's time to answer */
#define DNS_FWD_TRIES 3		/* sends of one query, over the upstreams */
#define DNS_FWD_PER_CLIENT 32	/* of the slots, one guest address's at most */

struct dns_upstream {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char domain[DNS_NAME_MAX]; /* serves names under it; "" any name */
};

/* Where an answer goes: a guest's UDP address, or a TCP connection. */
struct dns_fwd_client {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int tcp_conn; /* -1: UDP; else the caller's connection number */
	uint32_t tcp_gen; /* the connection's generation, to spot reuse */
};

struct dns_fwd_query {
	bool used;
	uint16_t id_up, id_guest; /* network order, as on the wire */
	struct dns_fwd_client client;
	char qname[DNS_NAME_MAX]; /* lower case, no final dot */
	uint16_t qtype, qclass;
	int upstream;		  /* where it went last */
	unsigned tries;
	uint64_t deadline_ms;
	uint16_t len;
	uint8_t wire[DNS_FWD_QUERY_MAX]; /* as sent upstream (id_up) */
};

struct dns_fwd {
	struct dns_upstream up[DNS_FWD_UPSTREAMS];
	int nup;
	struct dns_fwd_query q[DNS_FWD_SLOTS];
	uint16_t slot_of_id[65536]; /* id_up (host order) -> slot + 1 */
	unsigned used;
	uint8_t rand[256];	    /* random bytes for IDs, refilled */
	unsigned rand_pos;
};

/* Why a query could not be forwarded. */
enum dns_fwd_err {
	DNS_FWD_OK,
	DNS_FWD_NO_UPSTREAM, /* no server for its name: SERVFAIL */
	DNS_FWD_FULL,	     /* too many waiting (of this guest's): SERVFAIL */
	DNS_FWD_DUP,	     /* the guest asked it again, still waiting: dropped */
	DNS_FWD_BAD,	     /* unreadable or too long: dropped */
};

void dns_fwd_init(struct dns_fwd *f);
/* Replace the upstreams; queries waiting keep going where they went. */
void dns_fwd_set_upstreams(struct dns_fwd *f, const struct dns_upstream *up, int n);

/* Take the guest's query (len bytes) for forwarding: on DNS_FWD_OK *slot
 * holds it, f->q[*slot].wire is what to send to f->up[q.upstream]. qn:
 * its question as the answering engine read it, or NULL to read it here. */
enum dns_fwd_err dns_fwd_add(struct dns_fwd *f, const uint8_t *query, size_t len,
			     const struct dns_question *qn, const struct dns_fwd_client *c,
			     uint64_t now_ms, int *slot);

/* A datagram from upstream: the slot whose answer it is (the ID put back
 * to the guest's), or -1 when it answers nothing we asked from there. */
int dns_fwd_answer(struct dns_fwd *f, uint8_t *resp, size_t len,
		   const struct sockaddr *from, socklen_t fromlen);

/* Forget slot i (answered, or given up). */
void dns_fwd_done(struct dns_fwd *f, int i);

/* The next slot past its deadline, from *cursor (start at 0), or -1. For
 * it: dns_fwd_retry, then send again, or (false) answer SERVFAIL and
 * dns_fwd_done. */
int dns_fwd_expired(const struct dns_fwd *f, uint64_t now_ms, int *cursor);
bool dns_fwd_retry(struct dns_fwd *f, int i, uint64_t now_ms);

/* An error answer to a query (its ID and question; REFUSED for
 * strangers, SERVFAIL when upstream fails) in out (room for outmax).
 * Returns its length, or 0 when the query cannot be read (say nothing). */
size_t dns_fwd_error_reply(const uint8_t *query, size_t len, unsigned rcode, uint8_t *out,
			   size_t outmax);

#endif /* KVNET_DNS_FORWARD_H */
