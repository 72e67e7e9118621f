// SPDX-License-Identifier: GPL-2.0-only
/* Address helpers shared by the daemon, the tools and dhcp/ (see addr.h):
 * MAC text <-> bytes without sscanf's leniency (no signs, no spaces, no
 * three-digit octets), and IPv4 prefix arithmetic in one place.
 */
#include "common/addr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

int kv_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int kv_mac_parse(const char *s, uint8_t mac[6])
{
	int i, d, v;

	for (i = 0; i < 6; i++) {
		if (i && *s++ != ':')
			return -EINVAL;
		v = 0;
		for (d = 0; d < 2 && kv_hex_digit(*s) >= 0; d++)
			v = v * 16 + kv_hex_digit(*s++);
		if (!d)
			return -EINVAL;
		mac[i] = (uint8_t)v;
	}
	return *s ? -EINVAL : 0;
}

void kv_mac_format(const uint8_t m[6], char out[KV_MAC_STRLEN])
{
	snprintf(out, KV_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
		 m[1], m[2], m[3], m[4], m[5]);
}

bool kv_mac_usable(const uint8_t m[6])
{
	static const uint8_t zero[6];

	return !(m[0] & 1) && memcmp(m, zero, 6);
}

uint32_t kv_prefix_mask(unsigned prefix)
{
	if (prefix == 0)
		return 0;
	if (prefix >= 32)
		return ~0u;
	return ~0u << (32 - prefix);
}

bool kv_prefix_overlap(struct in_addr a, unsigned pa, struct in_addr b,
		       unsigned pb)
{
	uint32_t m = kv_prefix_mask(pa < pb ? pa : pb);

	return (ntohl(a.s_addr) & m) == (ntohl(b.s_addr) & m);
}
