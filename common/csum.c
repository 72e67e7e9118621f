// SPDX-License-Identifier: GPL-2.0-only
/* The Internet checksum (see csum.h). */
#include <arpa/inet.h>

#include "common/csum.h"

uint32_t kv_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		sum += (uint32_t)b[i] << 8; /* an odd byte, padded with zero */
	return sum;
}

uint16_t kv_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t kv_udp4_csum(uint32_t saddr, uint32_t daddr, const void *udp, size_t len)
{
	uint8_t pseudo[12];
	uint16_t c;

	/* RFC 768: source, destination, zero, protocol, UDP length */
	__builtin_memcpy(pseudo, &saddr, 4);
	__builtin_memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	c = kv_csum_fold(kv_csum_add(kv_csum_add(0, pseudo, sizeof(pseudo)), udp, len));
	return c ? c : 0xffff;
}
