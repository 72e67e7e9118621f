// SPDX-License-Identifier: GPL-2.0-only
/* Name hashing (see hash.h): 32-bit FNV-1a, chosen for being tiny, stable
 * across releases and architectures, and good enough to tell a handful of
 * long names apart (clashes are still checked like any interface name).
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
