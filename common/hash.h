/* SPDX-License-Identifier: GPL-2.0-only */
/* Hashes shared by the daemon and its modules.
 *
 * kv_name_hash: short, stable hashes of names, shared by the daemon and the
 * XML code: a network or bridge name too long to spell out inside a
 * 15-character interface name is replaced by 8 hex digits of its hash
 * ("kvnet-1a2b3c4d"). The value is part of the on-host naming contract:
 * never change it.
 *
 * kv_siphash24: a keyed hash for tables whose keys come from outside (guests'
 * DNS names): with a secret random key, nobody who does not know it can
 * pick keys that all land in one bucket.
 */
#ifndef KVNET_COMMON_HASH_H
#define KVNET_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define KV_SIPHASH_KEY_LEN 16

/* 32-bit FNV-1a of the NUL-terminated string s. */
uint32_t kv_name_hash(const char *s);

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of len bytes at data under
 * the 16-byte key. */
uint64_t kv_siphash24(const uint8_t key[KV_SIPHASH_KEY_LEN], const void *data, size_t len);

#endif /* KVNET_COMMON_HASH_H */
