/* SPDX-License-Identifier: GPL-2.0-only */
/* Address allocation: the pool, the lease table and the reservations
 * kept consistent with each other, and every lease state change.
 *
 * This is where a client gets an address and where records change
 * state; the server (dhcp_server) decides which change a message calls
 * for. One invariant holds after every call: each pool address's `used`
 * and `taken` bits say exactly what the tables hold for it (see
 * dhcp_pool.h).
 *
 * Every change that must reach the disk is appended to a struct
 * dhcp_changes as a lease record (state "free" for "nothing here any
 * more"); replaying them in order rebuilds the persistent state. Offers
 * and the passing of time (expiry, the end of a quarantine) are not
 * recorded: the first is never persisted, the second follows from the
 * expiry times on replay.
 */
#ifndef KVNET_DHCP_ALLOC_H
#define KVNET_DHCP_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp/dhcp_config.h"
#include "dhcp/dhcp_host.h"
#include "dhcp/dhcp_lease.h"
#include "dhcp/dhcp_pool.h"

#define DHCP_CHANGES_MAX 2

struct dhcp_changes {
	int n;
	struct dhcp_lease_rec rec[DHCP_CHANGES_MAX];
};

/* Who is asking (RFC 2131 §4.2: "the combination of 'client identifier'
 * or 'chaddr' and assigned network address constitute a unique
 * identifier for the client's lease"). */
struct dhcp_client {
	uint8_t id_len;
	uint8_t id[DHCP_ID_MAX]; /* option 61, else htype + chaddr */
	bool has_cid;		 /* id is option 61 */
	const uint8_t *cid;	 /* option 61 as sent (NULL: none), for id= */
	uint8_t cid_len;
	uint8_t htype, hlen;
	uint8_t chaddr[DHCP_CHADDR_LEN];
};

/* What an address is to a given client. */
enum dhcp_avail {
	DHCP_AVAIL_OK,
	DHCP_AVAIL_WRONG_NET, /* outside the subnet */
	DHCP_AVAIL_OUTSIDE,   /* special, or in no range and not reserved */
	DHCP_AVAIL_RESERVED,  /* reserved for another client */
	DHCP_AVAIL_TAKEN      /* offered, bound or quarantined for another */
};

struct dhcp_alloc {
	const struct dhcp_config *cfg;
	struct dhcp_pool pool;
	struct dhcp_lease_table leases;
	struct dhcp_host_table hosts;
};

/* cfg must be checked and outlive a. -ENOMEM. */
int dhcp_alloc_init(struct dhcp_alloc *a, const struct dhcp_config *cfg);
void dhcp_alloc_fini(struct dhcp_alloc *a);

bool dhcp_alloc_same_client(const struct dhcp_lease *l,
			    const struct dhcp_client *c);
/* host: the client's own reservation (or NULL). */
enum dhcp_avail dhcp_alloc_check(const struct dhcp_alloc *a,
				 const struct dhcp_client *c,
				 const struct dhcp_host *host, uint32_t ip);
/* The address to offer, in order: the client's reservation; its current
 * or previous binding; the address it asks for (req_ip, 0 none); the
 * pool's stable pick. Each only if dhcp_alloc_check says OK. *pool is
 * set when the pick came from the pool. -ENOSPC: nothing is free. */
int dhcp_alloc_choose(const struct dhcp_alloc *a, const struct dhcp_client *c,
		      const struct dhcp_host *host, uint32_t req_ip,
		      uint32_t *ip, bool *pool);
/* Seconds for a lease of ip: the reservation's, else its range's, else
 * the default (DHCP_LEASE_INFINITE possible). */
uint32_t dhcp_alloc_lease_time(const struct dhcp_alloc *a,
			       const struct dhcp_host *host, uint32_t ip);

/* The client's record holds ip as offered until now + the hold time (a
 * bound record at ip stays bound). Its record elsewhere, and another
 * client's history at ip, are dropped. ip must be OK for the client. */
int dhcp_alloc_offer(struct dhcp_alloc *a, const struct dhcp_client *c,
		     uint32_t ip, uint64_t now, uint32_t port,
		     struct dhcp_changes *ch);
/* The client's record is bound at ip for lease_s from now, with the
 * host name (NULL or "": keep the record's). */
int dhcp_alloc_bind(struct dhcp_alloc *a, const struct dhcp_client *c,
		    uint32_t ip, uint32_t lease_s, uint64_t now, uint32_t port,
		    const char *hostname, struct dhcp_changes *ch);
/* An offered record goes back to what it was (history or nothing). */
void dhcp_alloc_unoffer(struct dhcp_alloc *a, const struct dhcp_client *c);
/* bound -> released (history). */
int dhcp_alloc_release(struct dhcp_alloc *a, uint32_t slot,
		       struct dhcp_changes *ch);
/* Drop a record altogether. */
void dhcp_alloc_forget(struct dhcp_alloc *a, uint32_t slot,
		       struct dhcp_changes *ch);
/* ip becomes state (declined or conflict), without an owner, until now +
 * the quarantine time. -EBUSY if a client holds it (offered or bound)
 * and allow_owner is false; -EINVAL outside the subnet or special. */
int dhcp_alloc_quarantine(struct dhcp_alloc *a, uint32_t ip, unsigned state,
			  uint64_t now, bool allow_owner,
			  struct dhcp_changes *ch);
/* Carry out every state change due by now. Returns how many. */
int dhcp_alloc_expire(struct dhcp_alloc *a, uint64_t now);
/* Replay one persisted record (later records win, by address and by
 * identity). -EINVAL for a record that cannot be ours. */
int dhcp_alloc_restore(struct dhcp_alloc *a, const struct dhcp_lease_rec *rec,
		       uint64_t now);

/* Reservations; the address must be a host address of the subnet. */
int dhcp_alloc_host_add(struct dhcp_alloc *a, const struct dhcp_host *h);
int dhcp_alloc_host_del(struct dhcp_alloc *a, const struct dhcp_host *h);

/* Check every invariant (indexes, heap, port counts, pool bits against
 * the tables): 0, or -EUCLEAN. O(records + pool): for tests and
 * fuzzers, not for the hot path. */
int dhcp_alloc_verify(const struct dhcp_alloc *a);

#endif /* KVNET_DHCP_ALLOC_H */
