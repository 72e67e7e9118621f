/* SPDX-License-Identifier: GPL-2.0-only */
/* The dynamic address pool: the union of a network's DHCP ranges, each
 * address numbered 0 .. size-1 in range order, and two bitmaps over it.
 *
 *   used   the address cannot be handed out now: leased, offered,
 *          quarantined, reserved for some client, or special (server,
 *          network, broadcast);
 *   taken  used, or remembered as some client's previous binding.
 *
 * A client's place in the pool is stable: a hash of its identity picks a
 * starting address, and the pick is the next address free in `taken`
 * (never anyone's), else the next free in `used` (reusing an old
 * client's address only when nothing else is left). Each bitmap has a
 * summary level, one bit per 64-bit word that is full, so a search skips
 * 4096 busy addresses per summary word: no scan of leases, and a nearly
 * full /10 is still a few hundred word reads.
 */
#ifndef KVNET_DHCP_POOL_H
#define KVNET_DHCP_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp/dhcp_config.h"

struct dhcp_pool_range {
	uint32_t start, end, lease_s;
	uint32_t base; /* pool number of start */
};

struct dhcp_bitmap {
	uint64_t *w;	/* one bit per address; bits past size are set */
	uint64_t *full; /* one bit per word of w that is all ones */
	uint32_t nwords, nfull;
};

struct dhcp_pool {
	struct dhcp_pool_range r[DHCP_MAX_RANGES]; /* sorted by start */
	int n;
	uint32_t size;
	struct dhcp_bitmap used, taken;
};

/* Ranges from a checked config (sorted here); every bit clear. */
int dhcp_pool_init(struct dhcp_pool *p, const struct dhcp_config *c);
void dhcp_pool_fini(struct dhcp_pool *p);

/* The range holding ip, or NULL if ip is outside the pool. */
const struct dhcp_pool_range *dhcp_pool_range(const struct dhcp_pool *p,
					      uint32_t ip);
bool dhcp_pool_contains(const struct dhcp_pool *p, uint32_t ip);
/* Set ip's bits (no-op outside the pool). taken = used || history. */
void dhcp_pool_mark(struct dhcp_pool *p, uint32_t ip, bool used, bool history);
bool dhcp_pool_is_used(const struct dhcp_pool *p, uint32_t ip);
bool dhcp_pool_is_taken(const struct dhcp_pool *p, uint32_t ip);

/* The stable pick for a client whose identity hashes to hash: 0 and *ip,
 * or -ENOSPC if every address is used. */
int dhcp_pool_pick(const struct dhcp_pool *p, uint64_t hash, uint32_t *ip);
/* The first address after `after` (in pool order; 0 starts at the first
 * address) that is not used: 0 and *ip, or -ENOENT. */
int dhcp_pool_next_free(const struct dhcp_pool *p, uint32_t after,
			uint32_t *ip);

#endif /* KVNET_DHCP_POOL_H */
