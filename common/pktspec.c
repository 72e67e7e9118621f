// SPDX-License-Identifier: GPL-2.0-only
/* The crafted packets of dry runs: parsing the spec, building the frame
 * (see pktspec.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/csum.h"
#include "common/pktspec.h"

#define SPEC_WORDS 32
#define SPEC_TEXT_MAX 4096

static int spec_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool kv_pktspec_is_ip(const char *host, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, host, &a) != 1)
		return false;
	*addr = a.s_addr;
	return true;
}

/* A whole frame in hex (optionally after the word "hex"). */
static int spec_hex(char **w, int n, struct kv_pktspec *s, char *err, size_t errlen)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		for (const char *p = w[i]; *p; p += 2) {
			int hi = kv_hex_digit(p[0]), lo = p[1] ? kv_hex_digit(p[1]) : -1;

			if (hi < 0 || lo < 0)
				return spec_fail(err, errlen, "bad hex frame: '%s'", w[i]);
			if (len == KV_PKTSPEC_FRAME_MAX)
				return spec_fail(err, errlen, "the frame is longer than %d bytes",
						 KV_PKTSPEC_FRAME_MAX);
			s->frame[len++] = (uint8_t)(hi << 4 | lo);
		}
	}
	if (len < 14)
		return spec_fail(err, errlen, "a hex frame needs at least its 14-byte Ethernet "
				 "header, not %zu bytes", len);
	s->proto = KV_PKT_RAW;
	s->frame_len = len;
	return 0;
}

static bool spec_all_hex(const char *w)
{
	for (; *w; w++)
		if (kv_hex_digit(*w) < 0)
			return false;
	return true;
}

/* HOST[:PORT] into host and *port (0 if none). */
static int spec_endpoint(const char *w, char *host, uint16_t *port, char *err, size_t errlen)
{
	const char *colon = strchr(w, ':');
	size_t hl = colon ? (size_t)(colon - w) : strlen(w);
	char *end;
	long v;

	if (!hl || hl >= KV_PKTSPEC_HOST_MAX)
		return spec_fail(err, errlen, "bad host in '%s'", w);
	memcpy(host, w, hl);
	host[hl] = '\0';
	for (const char *p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_", *p))
			return spec_fail(err, errlen, "bad host '%s': an IPv4 address or a name",
					 host);
	*port = 0;
	if (!colon)
		return 0;
	errno = 0;
	v = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || v < 1 || v > 65535)
		return spec_fail(err, errlen, "bad port in '%s': 1 to 65535", w);
	*port = (uint16_t)v;
	return 0;
}

static int spec_tcp_flags(const char *w, uint8_t *out, char *err, size_t errlen)
{
	static const char letters[] = "FSRPAU"; /* bit i: TCP flag 1 << i */
	const char *p;

	*out = 0;
	for (; *w; w++) {
		p = strchr(letters, toupper((unsigned char)*w));
		if (!p)
			return spec_fail(err, errlen, "bad TCP flag '%c': use S, A, F, R, P, U", *w);
		*out |= (uint8_t)(1u << (p - letters));
	}
	return 0;
}

static int spec_number(const char *w, long max, long *out, const char *what, char *err,
		       size_t errlen)
{
	char *end;

	errno = 0;
	*out = strtol(w, &end, 10);
	if (errno || end == w || *end || *out < 0 || *out > max)
		return spec_fail(err, errlen, "bad %s '%s': 0 to %ld", what, w, max);
	return 0;
}

/* One OPTION and its value. */
static int spec_option(const char *opt, const char *val, struct kv_pktspec *s, char *err,
		       size_t errlen)
{
	long v;

	if (!val)
		return spec_fail(err, errlen, "'%s' needs a value", opt);
	if (!strcasecmp(opt, "smac") || !strcasecmp(opt, "dmac")) {
		bool src = tolower((unsigned char)opt[0]) == 's';

		if (kv_mac_parse(val, src ? s->smac : s->dmac) < 0)
			return spec_fail(err, errlen, "bad MAC '%s'", val);
		*(src ? &s->has_smac : &s->has_dmac) = true;
		return 0;
	}
	if (!strcasecmp(opt, "flags")) {
		if (s->proto != KV_PKT_TCP)
			return spec_fail(err, errlen, "'flags' is for tcp only");
		return spec_tcp_flags(val, &s->tcp_flags, err, errlen);
	}
	if (!strcasecmp(opt, "ttl")) {
		if (spec_number(val, 255, &v, "ttl", err, errlen) < 0)
			return -EINVAL;
		s->ttl = (uint8_t)v;
		return 0;
	}
	if (!strcasecmp(opt, "len")) {
		if (spec_number(val, KV_PKTSPEC_PAYLOAD_MAX, &v, "len", err, errlen) < 0)
			return -EINVAL;
		s->payload_len = (uint16_t)v;
		return 0;
	}
	return spec_fail(err, errlen, "unknown option '%s': smac, dmac, flags, ttl, len", opt);
}

static int spec_proto(const char *w, struct kv_pktspec *s, char *err, size_t errlen)
{
	static const struct { const char *name; enum kv_pktspec_proto p; } protos[] = {
		{ "udp", KV_PKT_UDP }, { "tcp", KV_PKT_TCP },
		{ "icmp", KV_PKT_ICMP }, { "arp", KV_PKT_ARP },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(w, protos[i].name)) {
			s->proto = protos[i].p;
			return 0;
		}
	return spec_fail(err, errlen, "unknown protocol '%s': udp, tcp, icmp, arp, or a frame "
			 "in hex", w);
}

/* Do the ports fit the protocol? */
static int spec_ports_check(struct kv_pktspec *s, char *err, size_t errlen)
{
	bool l4 = s->proto == KV_PKT_UDP || s->proto == KV_PKT_TCP;

	if (!l4 && (s->sport || s->dport))
		return spec_fail(err, errlen, "%s has no ports",
				 s->proto == KV_PKT_ICMP ? "icmp" : "arp");
	if (l4 && !s->dport)
		return spec_fail(err, errlen, "%s needs a destination port: %s > %s:PORT",
				 s->proto == KV_PKT_UDP ? "udp" : "tcp", s->src, s->dst);
	if (l4 && !s->sport)
		s->sport = KV_PKTSPEC_SPORT;
	return 0;
}

/* PROTO SRC > DST [OPTION VALUE]... */
static int spec_words(char **w, int n, struct kv_pktspec *s, char *err, size_t errlen)
{
	if (n < 4 || strcmp(w[2], ">") != 0)
		return spec_fail(err, errlen, "expected PROTO SRC > DST, such as "
				 "'udp 10.0.0.5:68 > 255.255.255.255:67'");
	if (spec_proto(w[0], s, err, errlen) < 0 ||
	    spec_endpoint(w[1], s->src, &s->sport, err, errlen) < 0 ||
	    spec_endpoint(w[3], s->dst, &s->dport, err, errlen) < 0)
		return -EINVAL;
	s->ttl = 64;
	s->tcp_flags = 0x02; /* SYN */
	for (int i = 4; i < n; i += 2)
		if (spec_option(w[i], i + 1 < n ? w[i + 1] : NULL, s, err, errlen) < 0)
			return -EINVAL;
	return spec_ports_check(s, err, errlen);
}

int kv_pktspec_parse(const char *text, struct kv_pktspec *s, char *err, size_t errlen)
{
	char buf[SPEC_TEXT_MAX], *w[SPEC_WORDS], *save = NULL, *t;
	size_t o = 0;
	int n = 0;

	memset(s, 0, sizeof(*s));
	/* '>' is a word of its own, spaced or not */
	for (const char *p = text; *p; p++) {
		if (o + 4 >= sizeof(buf))
			return spec_fail(err, errlen, "the packet spec is too long");
		if (*p == '>') {
			memcpy(buf + o, " > ", 3);
			o += 3;
		} else {
			buf[o++] = *p;
		}
	}
	buf[o] = '\0';
	for (t = strtok_r(buf, " \t\n", &save); t && n < SPEC_WORDS;
	     t = strtok_r(NULL, " \t\n", &save))
		w[n++] = t;
	if (!n)
		return spec_fail(err, errlen, "no packet given");
	if (t)
		return spec_fail(err, errlen, "the packet spec has too many words");
	if (!strcasecmp(w[0], "hex"))
		return spec_hex(w + 1, n - 1, s, err, errlen);
	if (n == 1 && spec_all_hex(w[0]))
		return spec_hex(w, n, s, err, errlen);
	return spec_words(w, n, s, err, errlen);
}

/* ---- building -------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t build_arp(const struct kv_pktspec *s, uint32_t saddr, uint32_t daddr,
			const uint8_t smac[6], uint8_t *a)
{
	put16(a, 1);	  /* Ethernet */
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);  /* request */
	memcpy(a + 8, smac, 6);
	memcpy(a + 14, &saddr, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &daddr, 4);
	(void)s;
	return 28;
}

/* The L4 header and payload at l4; returns their length. */
static size_t build_l4(const struct kv_pktspec *s, uint8_t *l4)
{
	size_t hl = s->proto == KV_PKT_TCP ? 20 : 8;

	memset(l4, 0, hl + s->payload_len);
	if (s->proto == KV_PKT_ICMP) {
		l4[0] = 8; /* echo request; id and sequence 1 */
		put16(l4 + 4, 1);
		put16(l4 + 6, 1);
		put16(l4 + 2, kv_csum_fold(kv_csum_add(0, l4, hl + s->payload_len)));
		return hl + s->payload_len;
	}
	put16(l4, s->sport);
	put16(l4 + 2, s->dport);
	if (s->proto == KV_PKT_UDP) {
		put16(l4 + 4, (uint16_t)(hl + s->payload_len));
	} else {
		put16(l4 + 4, 0x1000); /* sequence 0x10000000 */
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 64240);
	}
	return hl + s->payload_len;
}

/* The L4 checksum over the pseudo-header (TCP, UDP). */
static void build_l4_csum(const struct kv_pktspec *s, uint32_t saddr, uint32_t daddr,
			  uint8_t *l4, size_t len)
{
	uint8_t pseudo[12];
	uint16_t c;

	if (s->proto == KV_PKT_UDP) {
		put16(l4 + 6, kv_udp4_csum(saddr, daddr, l4, len));
		return;
	}
	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, (uint16_t)len);
	c = kv_csum_fold(kv_csum_add(kv_csum_add(0, pseudo, sizeof(pseudo)), l4, len));
	put16(l4 + 16, c);
}

static size_t build_ip(const struct kv_pktspec *s, uint32_t saddr, uint32_t daddr, uint8_t *ip)
{
	static const uint8_t protos[] = { [KV_PKT_UDP] = 17, [KV_PKT_TCP] = 6,
					  [KV_PKT_ICMP] = 1 };
	size_t l4 = build_l4(s, ip + 20);

	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4));
	put16(ip + 4, 1); /* id */
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = s->ttl;
	ip[9] = protos[s->proto];
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(ip + 10, kv_csum_fold(kv_csum_add(0, ip, 20)));
	if (s->proto != KV_PKT_ICMP)
		build_l4_csum(s, saddr, daddr, ip + 20, l4);
	return 20 + l4;
}

size_t kv_pktspec_build(const struct kv_pktspec *s, uint32_t saddr, uint32_t daddr,
			const uint8_t smac[6], const uint8_t dmac[6], uint8_t *out)
{
	size_t len;

	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	put16(out + 12, s->proto == KV_PKT_ARP ? 0x0806 : 0x0800);
	len = 14 + (s->proto == KV_PKT_ARP ? build_arp(s, saddr, daddr, smac, out + 14) :
					     build_ip(s, saddr, daddr, out + 14));
	if (len < 60) { /* padded to Ethernet's minimum, as a NIC would */
		memset(out + len, 0, 60 - len);
		len = 60;
	}
	return len;
}
