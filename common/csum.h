/* SPDX-License-Identifier: GPL-2.0-only */
/* The Internet checksum (RFC 1071) for the IPv4 and UDP headers kvnetd
 * writes itself (its DHCP replies): a sum over bytes, folded and inverted.
 * Pure functions on caller-owned memory. */
#ifndef KVNET_COMMON_CSUM_H
#define KVNET_COMMON_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes at p (big-endian 16-bit words) to a running sum. */
uint32_t kv_csum_add(uint32_t sum, const void *p, size_t len);
/* Fold a running sum to 16 bits and invert it: the checksum field's value
 * (host order; store it big-endian). */
uint16_t kv_csum_fold(uint32_t sum);
/* The UDP checksum of a datagram (header with its checksum field zero,
 * and payload: len bytes at udp) from saddr to daddr (network order).
 * Never 0: RFC 768 sends a computed 0 as 0xffff. */
uint16_t kv_udp4_csum(uint32_t saddr, uint32_t daddr, const void *udp, size_t len);

#endif /* KVNET_COMMON_CSUM_H */
