/* SPDX-License-Identifier: GPL-2.0-only */
/* Hashing and one hash index for the DHCP engine.
 *
 * Guests choose client identifiers, so the tables keyed by them hash with
 * SipHash-2-4 under a secret key (the daemon passes random bytes in the
 * config): a guest cannot build colliding identifiers to turn lookups into
 * scans. dhcp_hash_stable() is unkeyed on purpose: it places a client in
 * the pool, and that place must be the same on every server and restart.
 *
 * struct dhcp_index maps a 32-bit hash to 32-bit values (slot numbers in
 * the caller's arrays) by open addressing with linear probing; the caller
 * supplies equality, so one index type serves every key type. It grows at
 * half load and deletes by backward shift (no tombstones), so lookups stay
 * short however long the server runs.
 */
#ifndef KVNET_DHCP_HASH_H
#define KVNET_DHCP_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_HASH_KEY_LEN 16
#define DHCP_INDEX_NONE UINT32_MAX

/* SipHash-2-4 of data under a 16-byte key. */
uint64_t dhcp_hash_sip(const uint8_t key[DHCP_HASH_KEY_LEN], const void *data,
		       size_t len);
/* Unkeyed, stable across builds and restarts (FNV-1a 64, then mixed). */
uint64_t dhcp_hash_stable(const void *data, size_t len);
/* A 32-bit value (an address, a port id) mixed with a seed. */
uint32_t dhcp_hash_u32(uint32_t v, uint64_t seed);

struct dhcp_index_ent {
	uint32_t hash;
	uint32_t val; /* DHCP_INDEX_NONE: empty */
};

struct dhcp_index {
	struct dhcp_index_ent *ent;
	uint32_t mask; /* size - 1, size a power of two */
	uint32_t used;
};

/* Does the value val (a slot of the caller) hold key? */
typedef bool (*dhcp_index_eq_fn)(const void *ctx, uint32_t val,
				 const void *key);

/* Room for about hint entries before the first growth. -ENOMEM. */
int dhcp_index_init(struct dhcp_index *x, uint32_t hint);
void dhcp_index_fini(struct dhcp_index *x);
/* The value whose key equals key, or DHCP_INDEX_NONE. */
uint32_t dhcp_index_find(const struct dhcp_index *x, uint32_t hash,
			 dhcp_index_eq_fn eq, const void *ctx, const void *key);
/* Add (no duplicate check: find first). -ENOMEM if growth fails. */
int dhcp_index_add(struct dhcp_index *x, uint32_t hash, uint32_t val);
/* Remove the entry (hash, val) (both must match, so a value may sit
 * under two hashes for a moment while it is re-keyed); absent is fine. */
void dhcp_index_del(struct dhcp_index *x, uint32_t hash, uint32_t val);

#endif /* KVNET_DHCP_HASH_H */
