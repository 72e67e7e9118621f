/* SPDX-License-Identifier: GPL-2.0-only */
/* Lease records and the table that holds them.
 *
 * A record ties an address to a client identity and a state. The table
 * keeps at most one record per address and one per identity, found in
 * O(1) through two hash indexes (identity under SipHash with the
 * server's secret key, address). Records with a deadline (an offer's
 * hold, a lease's end, a quarantine's end) sit in a min-heap, so expiry
 * touches only what is due. Offered and bound records are counted per
 * port for the per-port lease cap.
 *
 * Record states (the journal and `kvnet leases` use the names):
 *
 *   offered   held for a client after DHCPOFFER (never persisted)
 *   bound     leased until expiry (0: infinite)
 *   released  the client gave it back (DHCPRELEASE): previous binding
 *   expired   the lease ran out: previous binding
 *   declined  the client found it in use (DHCPDECLINE): quarantined
 *   conflict  someone else answers on it (ARP probe): quarantined
 *   free      a change record only: "nothing at this address any more"
 *
 * released and expired records are history: they keep no address from
 * anyone, but steer their client back to the address it had.
 */
#ifndef KVNET_DHCP_LEASE_H
#define KVNET_DHCP_LEASE_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp/dhcp_hash.h"
#include "dhcp/dhcp_opt.h"
#include "dhcp/dhcp_wire.h"

enum dhcp_lease_state {
	DHCP_LEASE_FREE = 0,
	DHCP_LEASE_OFFERED,
	DHCP_LEASE_BOUND,
	DHCP_LEASE_RELEASED,
	DHCP_LEASE_EXPIRED,
	DHCP_LEASE_DECLINED,
	DHCP_LEASE_CONFLICT,
	DHCP_LEASE_STATE_COUNT
};

/* One lease as plain data: what the daemon persists and lists. */
struct dhcp_lease_rec {
	uint32_t ip;
	uint8_t state;	   /* enum dhcp_lease_state */
	bool has_cid;	   /* id is the client's option 61 */
	uint8_t id_len;	   /* 0: no owner (declined, conflict, free) */
	uint8_t id[DHCP_ID_MAX]; /* option 61, else htype + chaddr */
	uint8_t htype, hlen;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	char hostname[DHCP_HOSTNAME_MAX]; /* sanitised, "" none */
	uint64_t expiry; /* wall-clock seconds; 0: infinite (or none) */
	uint32_t port;	 /* ingress port id of the last request */
};

/* A record in the table: the data plus bookkeeping. */
struct dhcp_lease {
	struct dhcp_lease_rec r;
	uint64_t deadline;  /* next state change, 0: none */
	uint32_t heap_pos;  /* DHCP_INDEX_NONE: not in the heap */
	uint32_t id_hash, ip_hash;
	uint32_t next_free; /* free list, while the slot is unused */
	uint8_t prev_state; /* an offer over a history record reverts to it */
	bool live;
};

/* A heap entry carries its deadline, so sifting reads no slot. */
struct dhcp_heap_ent {
	uint64_t deadline;
	uint32_t slot;
};

struct dhcp_port_count {
	uint32_t port, count;
};

struct dhcp_lease_table {
	struct dhcp_lease *slot;
	uint32_t nslots, cap, free_head, count;
	struct dhcp_index by_id, by_ip, by_port;
	struct dhcp_heap_ent *heap;
	uint32_t heap_n;
	struct dhcp_port_count *ports;
	uint32_t nports, ports_cap;
	uint8_t key[DHCP_HASH_KEY_LEN];
	uint64_t seed;
};

const char *dhcp_lease_state_name(unsigned state);
/* The state named s, or -1. */
int dhcp_lease_state_parse(const char *s);
/* offered or bound: the record holds its address for its client */
bool dhcp_lease_state_active(unsigned state);
/* released or expired */
bool dhcp_lease_state_history(unsigned state);

int dhcp_lease_table_init(struct dhcp_lease_table *t,
			  const uint8_t key[DHCP_HASH_KEY_LEN], uint32_t hint);
void dhcp_lease_table_fini(struct dhcp_lease_table *t);

/* Slot numbers, or DHCP_INDEX_NONE. */
uint32_t dhcp_lease_by_id(const struct dhcp_lease_table *t, const uint8_t *id,
			  uint8_t len);
uint32_t dhcp_lease_by_ip(const struct dhcp_lease_table *t, uint32_t ip);
struct dhcp_lease *dhcp_lease_get(const struct dhcp_lease_table *t,
				  uint32_t slot);

/* Insert a copy of rec (its address and identity must be unused) with
 * no deadline. -ENOMEM. */
int dhcp_lease_insert(struct dhcp_lease_table *t,
		      const struct dhcp_lease_rec *rec, uint32_t *slot);
void dhcp_lease_remove(struct dhcp_lease_table *t, uint32_t slot);
/* Re-key a record: a new address (unused), a new identity (unused; len 0
 * leaves it without one). -ENOMEM. */
int dhcp_lease_set_ip(struct dhcp_lease_table *t, uint32_t slot, uint32_t ip);
int dhcp_lease_set_id(struct dhcp_lease_table *t, uint32_t slot,
		      const uint8_t *id, uint8_t len);
/* State and port in one step, keeping the per-port counts. -ENOMEM. */
int dhcp_lease_set_state(struct dhcp_lease_table *t, uint32_t slot,
			 unsigned state, uint32_t port);
/* 0: no deadline. */
void dhcp_lease_set_deadline(struct dhcp_lease_table *t, uint32_t slot,
			     uint64_t deadline);
/* The record with the earliest deadline if it is <= now, else
 * DHCP_INDEX_NONE. */
uint32_t dhcp_lease_due(const struct dhcp_lease_table *t, uint64_t now);
/* Offered and bound records on port. */
uint32_t dhcp_lease_port_count(const struct dhcp_lease_table *t, uint32_t port);
/* The first live slot at or after *cursor; advances it. DHCP_INDEX_NONE
 * at the end. */
uint32_t dhcp_lease_next(const struct dhcp_lease_table *t, uint32_t *cursor);

#endif /* KVNET_DHCP_LEASE_H */
