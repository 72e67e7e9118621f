// SPDX-License-Identifier: GPL-2.0-only
/* SipHash-2-4, a stable unkeyed hash and an open-addressing index for the
 * DHCP engine's tables (see dhcp_hash.h). SipHash follows the description
 * in Aumasson and Bernstein, "SipHash: a fast short-input PRF" (2012).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_hash.h"

#define DHCP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound; always inlined, so the state stays in registers. */
static inline __attribute__((always_inline)) void
dhcp_hash_sipround(uint64_t *v0, uint64_t *v1, uint64_t *v2, uint64_t *v3)
{
	*v0 += *v1, *v1 = DHCP_ROTL(*v1, 13), *v1 ^= *v0;
	*v0 = DHCP_ROTL(*v0, 32);
	*v2 += *v3, *v3 = DHCP_ROTL(*v3, 16), *v3 ^= *v2;
	*v0 += *v3, *v3 = DHCP_ROTL(*v3, 21), *v3 ^= *v0;
	*v2 += *v1, *v1 = DHCP_ROTL(*v1, 17), *v1 ^= *v2;
	*v2 = DHCP_ROTL(*v2, 32);
}

static uint64_t dhcp_hash_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

uint64_t dhcp_hash_sip(const uint8_t key[DHCP_HASH_KEY_LEN], const void *data,
		       size_t len)
{
	uint64_t k0 = dhcp_hash_le64(key), k1 = dhcp_hash_le64(key + 8), m;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	const uint8_t *p = data;
	size_t i, full = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56;

	for (i = 0; i < full; i += 8) { /* c = 2 rounds per block */
		m = dhcp_hash_le64(p + i);
		v3 ^= m;
		dhcp_hash_sipround(&v0, &v1, &v2, &v3);
		dhcp_hash_sipround(&v0, &v1, &v2, &v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[full + i] << (8 * i);
	v3 ^= last;
	dhcp_hash_sipround(&v0, &v1, &v2, &v3);
	dhcp_hash_sipround(&v0, &v1, &v2, &v3);
	v0 ^= last;
	v2 ^= 0xff; /* d = 4 finalisation rounds */
	dhcp_hash_sipround(&v0, &v1, &v2, &v3);
	dhcp_hash_sipround(&v0, &v1, &v2, &v3);
	dhcp_hash_sipround(&v0, &v1, &v2, &v3);
	dhcp_hash_sipround(&v0, &v1, &v2, &v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A 64-bit finaliser: every input bit reaches every output bit. */
static uint64_t dhcp_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t dhcp_hash_stable(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return dhcp_hash_mix(h);
}

uint32_t dhcp_hash_u32(uint32_t v, uint64_t seed)
{
	return (uint32_t)(dhcp_hash_mix(v ^ seed) >> 32);
}

static int dhcp_index_alloc(struct dhcp_index *x, uint32_t size)
{
	x->ent = malloc(sizeof(*x->ent) * size);
	if (!x->ent)
		return -ENOMEM;
	/* all ones: every val is DHCP_INDEX_NONE */
	memset(x->ent, 0xff, sizeof(*x->ent) * size);
	x->mask = size - 1;
	x->used = 0;
	return 0;
}

int dhcp_index_init(struct dhcp_index *x, uint32_t hint)
{
	uint32_t size = 16;

	while (size < hint * 2 && size < (1u << 30))
		size *= 2;
	return dhcp_index_alloc(x, size);
}

void dhcp_index_fini(struct dhcp_index *x)
{
	free(x->ent);
	x->ent = NULL;
	x->mask = x->used = 0;
}

uint32_t dhcp_index_find(const struct dhcp_index *x, uint32_t hash,
			 dhcp_index_eq_fn eq, const void *ctx, const void *key)
{
	uint32_t i = hash & x->mask;

	for (; x->ent[i].val != DHCP_INDEX_NONE; i = (i + 1) & x->mask) {
		if (x->ent[i].hash == hash && eq(ctx, x->ent[i].val, key))
			return x->ent[i].val;
	}
	return DHCP_INDEX_NONE;
}

static void dhcp_index_put(struct dhcp_index *x, uint32_t hash, uint32_t val)
{
	uint32_t i = hash & x->mask;

	while (x->ent[i].val != DHCP_INDEX_NONE)
		i = (i + 1) & x->mask;
	x->ent[i].hash = hash;
	x->ent[i].val = val;
	x->used++;
}

static int dhcp_index_grow(struct dhcp_index *x)
{
	struct dhcp_index old = *x;
	uint32_t i;

	if (old.mask >= (1u << 30))
		return -ENOMEM;
	if (dhcp_index_alloc(x, (old.mask + 1) * 2) < 0) {
		*x = old;
		return -ENOMEM;
	}
	for (i = 0; i <= old.mask; i++)
		if (old.ent[i].val != DHCP_INDEX_NONE)
			dhcp_index_put(x, old.ent[i].hash, old.ent[i].val);
	free(old.ent);
	return 0;
}

int dhcp_index_add(struct dhcp_index *x, uint32_t hash, uint32_t val)
{
	if ((x->used + 1) * 2 > x->mask + 1 && dhcp_index_grow(x) < 0)
		return -ENOMEM;
	dhcp_index_put(x, hash, val);
	return 0;
}

/* Is home position k outside the cyclic interval (hole, j]? Then the entry
 * at j may move back into the hole without becoming unreachable. */
static bool dhcp_index_movable(uint32_t hole, uint32_t j, uint32_t k)
{
	if (hole <= j)
		return k <= hole || k > j;
	return k <= hole && k > j;
}

void dhcp_index_del(struct dhcp_index *x, uint32_t hash, uint32_t val)
{
	uint32_t hole = hash & x->mask, j, k;

	while (x->ent[hole].val != val || x->ent[hole].hash != hash) {
		if (x->ent[hole].val == DHCP_INDEX_NONE)
			return;
		hole = (hole + 1) & x->mask;
	}
	for (j = (hole + 1) & x->mask; x->ent[j].val != DHCP_INDEX_NONE;
	     j = (j + 1) & x->mask) {
		k = x->ent[j].hash & x->mask;
		if (dhcp_index_movable(hole, j, k)) {
			x->ent[hole] = x->ent[j];
			hole = j;
		}
	}
	x->ent[hole].val = DHCP_INDEX_NONE;
	x->used--;
}
