// SPDX-License-Identifier: GPL-2.0-only
/* Frames of the DHCP service (see dhcpd.h): the UDP payload of a punted
 * client message, and the Ethernet/IPv4/UDP frame of a reply, checksums
 * included (a guest drops a reply whose UDP checksum is wrong). Frame
 * bytes are read only after checking them against what was copied. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "common/csum.h"
#include "switch/dhcpd_int.h"

static const uint8_t dhcpd_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int dhcpd_frame_parse(const struct kvnet_punt *p, struct dhcpd_in *in)
{
	size_t have = p->len < KVNET_PUNT_BYTES ? p->len : KVNET_PUNT_BYTES;
	const uint8_t *f = p->data;
	size_t ihl, udp_len;

	if (have < DHCPD_HDRS || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(f[14] & 0xf) * 4;
	if (ihl < 20 || 14 + ihl + 8 > have || f[14 + 9] != 17)
		return -EINVAL;
	udp_len = (size_t)(f[14 + ihl + 4] << 8 | f[14 + ihl + 5]);
	if (udp_len < 8 || 14 + ihl + udp_len > have)
		return -EINVAL;
	memcpy(in->src_mac, f + 6, 6);
	in->broadcast = !memcmp(f, dhcpd_bcast_mac, 6) ||
			!memcmp(f + 14 + 16, dhcpd_bcast_mac, 4);
	in->payload = f + 14 + ihl + 8;
	in->len = udp_len - 8;
	return 0;
}

static void dhcpd_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 header of a UDP datagram of udp_len bytes (addresses network order). */
static void dhcpd_ipv4(uint8_t *ip, uint32_t saddr, uint32_t daddr, size_t udp_len)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = 0x10; /* low delay, as dnsmasq marks DHCP */
	dhcpd_put16(ip + 2, (uint16_t)(20 + udp_len));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	dhcpd_put16(ip + 10, kv_csum_fold(kv_csum_add(0, ip, 20)));
}

size_t dhcpd_frame_build(const struct dhcpd *s, const struct dhcp_dest *dst,
			 const uint8_t *req_mac, const uint8_t *reply, size_t len,
			 uint8_t frame[DHCPD_FRAME_MAX])
{
	static const uint8_t zero[6];
	uint32_t saddr = htonl(s->gw_ip), daddr = htonl(dst->broadcast ? 0xffffffffu : dst->ip);
	uint8_t *udp = frame + 14 + 20;

	if (len > DHCPD_REPLY_MAX)
		len = DHCPD_REPLY_MAX;
	/* a relay's MAC is the request's source: it sent the request */
	memcpy(frame, dst->broadcast ? dhcpd_bcast_mac :
		      memcmp(dst->mac, zero, 6) ? dst->mac : req_mac, 6);
	memcpy(frame + 6, s->gw_mac, 6);
	dhcpd_put16(frame + 12, 0x0800);
	dhcpd_ipv4(frame + 14, saddr, daddr, 8 + len);
	dhcpd_put16(udp, 67);
	dhcpd_put16(udp + 2, dst->port);
	dhcpd_put16(udp + 4, (uint16_t)(8 + len));
	dhcpd_put16(udp + 6, 0);
	memcpy(udp + 8, reply, len);
	dhcpd_put16(udp + 6, kv_udp4_csum(saddr, daddr, udp, 8 + len));
	return DHCPD_HDRS + len;
}
