// SPDX-License-Identifier: GPL-2.0-only
/* A frame in one line (see cli_pkt.h). Reads only within cap bytes. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_pkt.h"

#define PKT_ETH_HLEN 14

struct pkt_out {
	char *s;
	size_t n, len;
};

static void pkt_add(struct pkt_out *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (o->len >= o->n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(o->s + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		o->len += (size_t)w < o->n - o->len ? (size_t)w : o->n - o->len - 1;
}

static uint16_t pkt_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void pkt_mac(struct pkt_out *o, const uint8_t *m)
{
	pkt_add(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void pkt_ip(struct pkt_out *o, const uint8_t *a)
{
	char s[INET_ADDRSTRLEN];

	pkt_add(o, "%s", inet_ntop(AF_INET, a, s, sizeof(s)));
}

static void pkt_arp(struct pkt_out *o, const uint8_t *p, size_t cap)
{
	if (cap < 28) {
		pkt_add(o, "ARP (truncated)");
		return;
	}
	if (pkt_u16(p + 6) == 1) {
		pkt_add(o, "ARP who-has ");
		pkt_ip(o, p + 24);
		pkt_add(o, " tell ");
		pkt_ip(o, p + 14);
	} else {
		pkt_add(o, "ARP reply ");
		pkt_ip(o, p + 14);
		pkt_add(o, " is-at ");
		pkt_mac(o, p + 8);
	}
}

static void pkt_icmp(struct pkt_out *o, const uint8_t *l4, size_t cap)
{
	if (cap < 8) {
		pkt_add(o, ": ICMP (truncated)");
		return;
	}
	if (l4[0] == 8 || l4[0] == 0)
		pkt_add(o, ": ICMP echo %s, id %u, seq %u", l4[0] ? "request" : "reply",
			pkt_u16(l4 + 4), pkt_u16(l4 + 6));
	else
		pkt_add(o, ": ICMP type %u code %u", l4[0], l4[1]);
}

static void pkt_tcp_flags(struct pkt_out *o, const uint8_t *l4, size_t cap)
{
	static const char flags[] = "FSRPAU";

	if (cap < 14)
		return;
	pkt_add(o, " [");
	for (int i = 0; i < 6; i++)
		if (l4[13] & (1 << i))
			pkt_add(o, "%c", flags[i]);
	pkt_add(o, "]");
}

static void pkt_ipv4(struct pkt_out *o, const uint8_t *p, size_t cap)
{
	size_t ihl = (size_t)(p[0] & 0xf) * 4;
	const uint8_t *l4 = p + ihl;
	int ports, first;

	if (cap < 20 || ihl < 20) {
		pkt_add(o, "IPv4 (truncated)");
		return;
	}
	first = !(pkt_u16(p + 6) & 0x1fff);
	ports = first && (p[9] == 6 || p[9] == 17) && cap >= ihl + 4;
	pkt_add(o, "IPv4 ");
	pkt_ip(o, p + 12);
	if (ports)
		pkt_add(o, ":%u", pkt_u16(l4));
	pkt_add(o, " > ");
	pkt_ip(o, p + 16);
	if (ports)
		pkt_add(o, ":%u: %s", pkt_u16(l4 + 2), p[9] == 6 ? "TCP" : "UDP");
	if (!first)
		pkt_add(o, ": fragment");
	else if (p[9] == 1)
		pkt_icmp(o, l4, cap > ihl ? cap - ihl : 0);
	else if (p[9] == 6 && ports)
		pkt_tcp_flags(o, l4, cap - ihl);
	else if (!ports)
		pkt_add(o, ": proto %u", p[9]);
}

static void pkt_ipv6(struct pkt_out *o, const uint8_t *p, size_t cap)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (cap < 40) {
		pkt_add(o, "IPv6 (truncated)");
		return;
	}
	pkt_add(o, "IPv6 %s > %s: next header %u", inet_ntop(AF_INET6, p + 8, s, sizeof(s)),
		inet_ntop(AF_INET6, p + 24, d, sizeof(d)), p[6]);
}

void cli_pkt_summary(const uint8_t *p, size_t cap, size_t len, char *out, size_t n)
{
	struct pkt_out o = { out, n, 0 };
	uint16_t et;

	out[0] = '\0';
	if (cap < PKT_ETH_HLEN) {
		pkt_add(&o, "%zu bytes (too short for Ethernet)", len);
		return;
	}
	pkt_mac(&o, p + 6);
	pkt_add(&o, " > ");
	pkt_mac(&o, p);
	pkt_add(&o, ", ");
	et = pkt_u16(p + 12);
	if (et == 0x0806)
		pkt_arp(&o, p + PKT_ETH_HLEN, cap - PKT_ETH_HLEN);
	else if (et == 0x0800)
		pkt_ipv4(&o, p + PKT_ETH_HLEN, cap - PKT_ETH_HLEN);
	else if (et == 0x86dd)
		pkt_ipv6(&o, p + PKT_ETH_HLEN, cap - PKT_ETH_HLEN);
	else if (et == 0x8100 || et == 0x88a8)
		pkt_add(&o, "VLAN-tagged (0x%04x)", et);
	else
		pkt_add(&o, "ethertype 0x%04x", et);
	pkt_add(&o, ", length %zu", len);
}
