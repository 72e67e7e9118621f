/* SPDX-License-Identifier: GPL-2.0-only */
/* Address helpers shared by the daemon, the tools and dhcp/: Ethernet MAC
 * addresses as text and bytes, and IPv4 prefixes (netmask, overlap). Pure
 * functions on caller-owned memory: no state, no allocation, libc only, so
 * any binary (and the unprivileged DHCP child) can link them.
 */
#ifndef KVNET_COMMON_ADDR_H
#define KVNET_COMMON_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* The value of a hex digit (either case), or -1. */
int kv_hex_digit(char c);

/* "52:54:00:ab:cd:ef" plus its terminator. */
#define KV_MAC_STRLEN 18

/* "52:54:00:ab:cd:ef" (1 or 2 hex digits per octet, either case, ':'
 * between octets, nothing else) into mac. Returns 0 or -EINVAL; mac is
 * undefined after a failure. */
int kv_mac_parse(const char *s, uint8_t mac[6]);

/* mac as lower-case "52:54:00:ab:cd:ef". */
void kv_mac_format(const uint8_t mac[6], char out[KV_MAC_STRLEN]);

/* A MAC a device or guest can own: unicast (I/G bit clear) and not
 * all-zero. */
bool kv_mac_usable(const uint8_t mac[6]);

/* The netmask of an IPv4 prefix length, in host byte order; a prefix over
 * 32 counts as 32. */
uint32_t kv_prefix_mask(unsigned prefix);

/* Do the IPv4 prefixes a/pa and b/pb share an address? (They do iff they
 * agree on the shorter prefix's bits.) Addresses in network byte order. */
bool kv_prefix_overlap(struct in_addr a, unsigned pa, struct in_addr b,
		       unsigned pb);

#endif /* KVNET_COMMON_ADDR_H */
