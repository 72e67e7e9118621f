// SPDX-License-Identifier: GPL-2.0-only
/* Hashes (see hash.h). Names: 32-bit FNV-1a, chosen for being tiny, stable
 * across releases and architectures, and good enough to tell a handful of
 * long names apart (clashes are still checked like any interface name).
 * Keyed tables: SipHash-2-4, written from the paper ("SipHash: a fast
 * short-input PRF", section 2), checked against its test vectors.
 */
#include "common/hash.h"

#define KV_FNV32_OFFSET 2166136261u
#define KV_FNV32_PRIME 16777619u

uint32_t kv_name_hash(const char *s)
{
	uint32_t h = KV_FNV32_OFFSET;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * KV_FNV32_PRIME;
	return h;
}

/* ---- SipHash-2-4 -------------------------------------------------------- */

static inline uint64_t kv_rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* n bytes (n <= 8) as a little-endian number */
static inline uint64_t kv_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void kv_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = kv_rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = kv_rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = kv_rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = kv_rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = kv_rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = kv_rotl64(v[2], 32);
}

/* One message word m: c = 2 compression rounds. */
static inline void kv_sipcompress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	kv_sipround(v);
	kv_sipround(v);
	v[0] ^= m;
}

uint64_t kv_siphash24(const uint8_t key[KV_SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = kv_le64(key, 8), k1 = kv_le64(key + 8, 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	size_t whole = len & ~(size_t)7;

	for (size_t i = 0; i < whole; i += 8)
		kv_sipcompress(v, kv_le64(p + i, 8));
	/* the last word: the bytes left, and the length's low byte on top */
	kv_sipcompress(v, kv_le64(p + whole, len - whole) | (uint64_t)(len & 0xff) << 56);
	/* d = 4 finalization rounds */
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		kv_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
