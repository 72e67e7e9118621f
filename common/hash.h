/* SPDX-License-Identifier: GPL-2.0-only */
/* Short, stable hashes of names, shared by the daemon and the XML code:
 * a network or bridge name too long to spell out inside a 15-character
 * interface name is replaced by 8 hex digits of its hash ("kvnet-1a2b3c4d").
 * The value is part of the on-host naming contract: never change it.
 */
#ifndef KVNET_COMMON_HASH_H
#define KVNET_COMMON_HASH_H

#include <stdint.h>

/* 32-bit FNV-1a of the NUL-terminated string s. */
uint32_t kv_name_hash(const char *s);

#endif /* KVNET_COMMON_HASH_H */
