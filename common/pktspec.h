/* SPDX-License-Identifier: GPL-2.0-only */
/* The crafted packets of dry runs (`kvnet trace NET --inject PORT PACKET`):
 * the short spec a person writes, parsed, and the Ethernet frame built
 * from it once its names are resolved (switch/inject.c). Pure functions
 * on caller-owned memory.
 *
 *   PACKET := PROTO SRC > DST [OPTION...] | [hex] HEX
 *   PROTO  := udp | tcp | icmp | arp
 *   SRC, DST := HOST[:PORT]   (HOST: an IPv4 address, or a name)
 *   OPTION := smac MAC | dmac MAC | flags [SAFRPU]+ | ttl N | len N
 *
 * tcp and udp need the destination port; the source port defaults to
 * KV_PKTSPEC_SPORT. tcp's flags default to S (a SYN). icmp is an echo
 * request. arp asks who has DST, telling SRC. len is the payload's length
 * (zeros). HEX is a whole frame from its destination MAC on.
 */
#ifndef KVNET_COMMON_PKTSPEC_H
#define KVNET_COMMON_PKTSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KV_PKTSPEC_HOST_MAX 64
#define KV_PKTSPEC_FRAME_MAX 1514
#define KV_PKTSPEC_SPORT 40000
#define KV_PKTSPEC_PAYLOAD_MAX 1400

enum kv_pktspec_proto {
	KV_PKT_RAW = 0, /* hex: frame holds it whole */
	KV_PKT_UDP,
	KV_PKT_TCP,
	KV_PKT_ICMP,
	KV_PKT_ARP,
};

struct kv_pktspec {
	enum kv_pktspec_proto proto;
	char src[KV_PKTSPEC_HOST_MAX], dst[KV_PKTSPEC_HOST_MAX]; /* as written */
	uint16_t sport, dport; /* host order */
	bool has_smac, has_dmac;
	uint8_t smac[6], dmac[6];
	uint8_t tcp_flags;
	uint8_t ttl;
	uint16_t payload_len;
	uint8_t frame[KV_PKTSPEC_FRAME_MAX]; /* KV_PKT_RAW */
	size_t frame_len;
};

/* Parse text into s. Returns 0, or -EINVAL with a sentence in err. */
int kv_pktspec_parse(const char *text, struct kv_pktspec *s, char *err, size_t errlen);

/* Is host an IPv4 address (then *addr, network order) rather than a name? */
bool kv_pktspec_is_ip(const char *host, uint32_t *addr);

/* The frame of a parsed spec (not KV_PKT_RAW) from saddr to daddr
 * (network order), with the MACs given: its length, written to out (room
 * for KV_PKTSPEC_FRAME_MAX). The checksums are filled in. */
size_t kv_pktspec_build(const struct kv_pktspec *s, uint32_t saddr, uint32_t daddr,
			const uint8_t smac[6], const uint8_t dmac[6], uint8_t *out);

#endif /* KVNET_COMMON_PKTSPEC_H */
