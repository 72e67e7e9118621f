/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of a network's DNS service, shared by dnsd.c (guests' UDP,
 * answers from upstream, the tick), dnsd_tcp.c (guests' TCP
 * connections), dnsd_upudp.c and dnsd_uptcp.c (queries upstream over UDP
 * and TCP), and by no one else. */
#ifndef KVNET_DNSD_INT_H
#define KVNET_DNSD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <netinet/in.h>

#include "dns/dns_forward.h"
#include "dns/dns_memo.h"
#include "dns/dns_rate.h"
#include "dns/dns_zone.h"
#include "switch/dnsd.h"
#include "switch/guestd.h"
#include "switch/loop.h"

#define DNSD_TCP_CONNS 32	/* guests' TCP connections at once */
#define DNSD_TCP_IDLE_MS 10000	/* closed this long after its last query */
#define DNSD_TCP_PER_PEER 4	/* connections of one guest address at once */
#define DNSD_CACHE_ENTRIES 4096	/* answers cached (allocated as they come) */
/* The UDP socket's receive buffer: a flood that outruns the daemon for a
 * moment fills this, not the other guests' share of the default 208 KB. */
#define DNSD_UDP_RCVBUF (4 << 20)

struct dnsd_tcp {
	struct loop_watch w;	/* fd -1: free */
	struct dnsd *s;
	uint32_t gen;		/* bumped at each accept: answers to an
				   earlier connection in this slot are dropped */
	struct sockaddr_in peer;
	uint8_t in[2 + DNS_FWD_QUERY_MAX];
	size_t have;
	uint8_t *out;		/* an answer being written, with its length */
	size_t outlen, outoff;
	bool waiting;		/* its query went upstream */
	bool busy;		/* in dnsd_query: an answer is written, not
				   read on from */
	uint64_t last_ms;
};

/* A query forwarded over UDP: a socket of its own, connected to the
 * upstream, so the kernel picks a random port for it and takes nothing
 * from any other address or port (RFC 5452 §9.2: a spoofed answer must
 * guess both the port and the ID). */
struct dnsd_upudp {
	struct loop_watch w;	/* fd -1: none */
	struct dnsd *s;
};

/* A query of a guest's TCP connection, forwarded over TCP (RFC 7766
 * §6.2.1: what came over TCP goes on over TCP, so a long answer is not
 * truncated on the way). */
struct dnsd_uptcp {
	struct loop_watch w;	/* fd -1: free */
	struct dnsd *s;
	int slot;		/* the query's slot in the forwarding table */
	uint8_t *buf;		/* the query, then the answer, length-framed */
	size_t len, off;	/* sending: bytes in buf and sent; reading:
				   bytes wanted (2, then 2 + length) and read */
	bool reading;
};

struct dnsd {
	struct kvnetd *d;
	struct kv_network *n;
	struct loop_watch udp, tcp;
	struct dnsd_upudp upudp[DNS_FWD_SLOTS]; /* a socket a query upstream */
	struct dnsd_tcp conns[DNSD_TCP_CONNS];
	struct dnsd_uptcp uptcp[DNSD_TCP_CONNS]; /* one a guest connection */
	uint32_t next_gen;
	struct dns_zone *zone;
	struct dns_memo memo;	 /* the zone's answers (dns/dns_memo.h) */
	struct dns_fwd *fwd;
	struct dns_cache *cache; /* upstream's answers (dns/dns_cache.h) */
	struct dns_rate *rate;	 /* per-client limits (dns/dns_rate.h) */
	struct dnsd_pipe *pipe;	 /* guests' UDP queries in flight to the
				    sandboxed parser (dnsd_pipe.c) */
	struct dnsd_counters st;
	struct timespec resolv_mtime; /* of the resolv.conf last read */
};

static inline uint64_t dnsd_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Guests' UDP queries read at once, and sent to the sandboxed parser
 * before the first reply is read (DNSD_BATCH reads them in rounds of
 * this many). */
#define DNSD_PIPE 16

struct dnsd_pipe {
	struct guestd_dns_req req[DNSD_PIPE];
	struct dns_fwd_client client[DNSD_PIPE];
	bool ours[DNSD_PIPE];
	bool sent[DNSD_PIPE];
};

/* dnsd_pipe.c: read up to DNSD_PIPE queries from fd and serve them; how
 * many were read. */
int dnsd_pipe_run(struct dnsd *s, int fd);

/* dnsd.c: a guest's query, before the sandboxed parser reads it, and
 * after (dnsd_query_digested). */
enum dnsd_admit { DNSD_DROPPED, DNSD_ANSWERED, DNSD_TO_CHILD };
enum dnsd_admit dnsd_query_admit(struct dnsd *s, const uint8_t *q, size_t len,
				 const struct dns_fwd_client *c, bool *ours);
bool dnsd_query_digested(struct dnsd *s, const struct dns_digest *d,
			 const struct dns_fwd_client *c, bool ours);

/* dnsd.c: one query from a guest (UDP or TCP), read by the sandboxed
 * parser (switch/guestd.h), then answered or forwarded as kvnetd writes
 * it out again. False when it was dropped: no answer will come. */
bool dnsd_query(struct dnsd *s, const uint8_t *q, size_t len, const struct dns_fwd_client *c);

/* dnsd.c: an answer from upstream (UDP or TCP) for a query it checks
 * (dns_fwd_answer) and passes on; the slot of a query answered or given
 * up, freed. */
void dnsd_upstream_answer(struct dnsd *s, uint8_t *buf, size_t len, int slot);
void dnsd_slot_done(struct dnsd *s, int slot);
/* A guest's TCP connection closed: its queries waiting upstream too. */
void dnsd_forget_tcp_client(struct dnsd *s, int conn, uint32_t gen);

/* dnsd_upudp.c: send slot's query upstream over UDP, from a new socket
 * (a retry too); close the slot's socket. */
void dnsd_upudp_send(struct dnsd *s, int slot);
void dnsd_upudp_close(struct dnsd *s, int slot);

/* dnsd_uptcp.c: send slot's query upstream over TCP (again: a connection
 * it had is closed first); close the slot's connection; all of them. */
void dnsd_uptcp_send(struct dnsd *s, int slot);
void dnsd_uptcp_close_slot(struct dnsd *s, int slot);
void dnsd_uptcp_close_all(struct dnsd *s);

/* dnsd_guard.c: the per-client rate limit (a query over it is counted
 * and dropped: false), the error answers counted, the UDP socket's
 * receive buffer. */
int dnsd_guard_open(struct dnsd *s);
void dnsd_guard_close(struct dnsd *s);
void dnsd_guard_rcvbuf(struct dnsd *s, int fd);
bool dnsd_guard_admit(struct dnsd *s, const struct dns_fwd_client *c);
/* An answer of the network's own (out, len bytes): answered, FORMERR or
 * NOTIMP. */
void dnsd_guard_count_answer(struct dnsd *s, const uint8_t *out, size_t len);

/* dnsd_tcp.c */
void dnsd_tcp_accept(struct loop_watch *w);
/* An answer for the connection c names (if it is still the same one). */
void dnsd_tcp_reply(struct dnsd *s, const struct dns_fwd_client *c, const uint8_t *msg,
		    size_t len);
void dnsd_tcp_tick(struct dnsd *s, uint64_t now_ms);
void dnsd_tcp_close_all(struct dnsd *s);

#endif /* KVNET_DNSD_INT_H */
