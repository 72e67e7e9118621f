// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the trace prefilter: the coarse keys common/trace_keys.c
 * derives from a pcap filter, and kvnet_trace_filter_takes()
 * (ebpf/kvnet_trace.h, the datapath's own copy of the match). The keys
 * may take more than the filter, never less: every frame of a set that
 * libpcap's compiled filter accepts must pass the keys, and the keys must
 * still skip what they are for. The same of the slots' summary
 * (kvnet_trace_summary_refuses), against the slots' keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "common/trace_keys.h"

#define IN_PORT 7

/* A test frame: its bytes, and what the datapath would read of them. */
struct tframe {
	const char *what;
	uint8_t b[128];
	size_t len;
	struct kvnet_trace_frame x;
};

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void eth(struct tframe *f, uint16_t et)
{
	memcpy(f->b, MAC_B, 6);
	memcpy(f->b + 6, MAC_A, 6);
	put16(f->b + 12, et);
	f->len = 14;
	f->x.ifindex = IN_PORT;
	f->x.ethertype = et;
	memcpy(f->x.src, MAC_A, 6);
	memcpy(f->x.dst, MAC_B, 6);
}

/* IPv4 from src to dst (dotted), proto, with ports (TCP, UDP, SCTP) or an
 * ICMP echo; frag: the flags and offset word. */
static void ipv4(struct tframe *f, const char *what, const char *src, const char *dst,
		 uint8_t proto, uint16_t sport, uint16_t dport, uint16_t frag)
{
	uint8_t *ip = f->b + 14, *l4 = ip + 20;

	memset(f, 0, sizeof(*f));
	f->what = what;
	eth(f, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 20);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	if (proto == 1)
		l4[0] = 8;
	else {
		put16(l4, sport);
		put16(l4 + 2, dport);
	}
	l4[13] = 0x02; /* TCP SYN */
	f->len = 14 + 20 + 20;
	f->x.is_ip4 = 1;
	f->x.proto = proto;
	memcpy(&f->x.saddr, ip + 12, 4);
	memcpy(&f->x.daddr, ip + 16, 4);
	/* the datapath reads ports of unfragmented TCP and UDP only */
	f->x.l4_ok = (proto == 6 || proto == 17) && !(frag & 0x3fff);
	if (f->x.l4_ok) {
		f->x.sport = sport;
		f->x.dport = dport;
	}
}

static void arp(struct tframe *f, const char *what, uint16_t et, const char *spa,
		const char *tpa)
{
	uint8_t *a = f->b + 14;

	memset(f, 0, sizeof(*f));
	f->what = what;
	eth(f, et);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, MAC_A, 6);
	inet_pton(AF_INET, spa, a + 14);
	inet_pton(AF_INET, tpa, a + 24);
	f->len = 14 + 28;
}

static void ipv6_tcp(struct tframe *f, uint16_t dport)
{
	uint8_t *ip = f->b + 14;

	memset(f, 0, sizeof(*f));
	f->what = "ipv6 tcp";
	eth(f, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, 20);
	ip[6] = 6;
	ip[7] = 64;
	inet_pton(AF_INET6, "fd00::5", ip + 8);
	inet_pton(AF_INET6, "fd00::6", ip + 24);
	put16(ip + 40, 40000);
	put16(ip + 42, dport);
	f->len = 14 + 40 + 20;
}

/* An IPv4 frame whose header the datapath does not read (first byte
 * vihl: a version other than 4, or a header length under 20 bytes):
 * libpcap's primitives read it at fixed offsets all the same. */
static void ipv4_unread(struct tframe *f, const char *what, uint8_t vihl)
{
	ipv4(f, what, "10.0.0.5", "10.0.0.6", 6, 40000, 80, 0);
	f->b[14] = vihl;
	memset(&f->x.is_ip4, 0, sizeof(f->x) - offsetof(struct kvnet_trace_frame, is_ip4));
}

static int make_frames(struct tframe *f)
{
	int n = 0;

	ipv4(&f[n++], "tcp 80", "10.0.0.5", "10.0.0.6", 6, 40000, 80, 0);
	ipv4(&f[n++], "udp 53", "10.0.0.5", "10.0.0.6", 17, 40000, 53, 0);
	ipv4(&f[n++], "icmp echo", "10.0.0.5", "10.0.0.6", 1, 0, 0, 0);
	ipv4(&f[n++], "sctp 80", "10.0.0.5", "10.0.0.6", 132, 40000, 80, 0);
	ipv4(&f[n++], "first fragment", "10.0.0.5", "10.0.0.6", 6, 40000, 80, 0x2000);
	ipv4(&f[n++], "later fragment", "10.0.0.5", "10.0.0.6", 6, 40000, 80, 0x2010);
	ipv4(&f[n++], "tcp other hosts", "10.0.0.7", "10.0.0.8", 6, 40000, 443, 0);
	arp(&f[n++], "arp", 0x0806, "10.0.0.5", "10.0.0.6");
	arp(&f[n++], "rarp", 0x8035, "10.0.0.5", "10.0.0.6");
	ipv6_tcp(&f[n++], 80);
	ipv4_unread(&f[n++], "ip version 11", 0xb5);
	ipv4_unread(&f[n++], "ip header length 16", 0x44);
	return n;
}

static const char *const filters[] = {
	"icmp", "tcp", "udp", "ip", "arp", "host 10.0.0.5", "src host 10.0.0.5",
	"dst host 10.0.0.6", "port 80", "tcp port 80", "udp port 53", "src port 40000",
	"ip and host 10.0.0.6 and port 80", "tcp && dst port 80", "host 10.0.0.9",
	"port 9", "ether host 02:00:00:00:00:0a", "ether src 02:00:00:00:00:0a and icmp",
	"udp and host 10.0.0.5", "arp and host 10.0.0.6", "host 10.0.0.6 and tcp port 80",
};

static int pcap_takes(const char *expr, const struct tframe *f)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)f->len, .len = (bpf_u_int32)f->len };
	struct bpf_program prog;
	int ok;

	assert_non_null(p);
	assert_int_equal(pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN), 0);
	ok = pcap_offline_filter(&prog, &h, f->b) != 0;
	pcap_freecode(&prog);
	pcap_close(p);
	return ok;
}

static int keys_take(const char *expr, const struct tframe *f)
{
	struct kvnet_trace_filter k = { .ifindex = IN_PORT };

	trace_keys_from_filter(expr, &k);
	return kvnet_trace_filter_takes(&k, &f->x);
}

/* Whatever libpcap takes, the keys take. */
static void test_keys_sound(void **state)
{
	struct tframe f[16];
	int n = make_frames(f);

	(void)state;
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++)
		for (int j = 0; j < n; j++)
			if (pcap_takes(filters[i], &f[j]) && !keys_take(filters[i], &f[j]))
				fail_msg("filter '%s' takes frame '%s' but its keys do not",
					 filters[i], f[j].what);
}

/* And the keys do skip: frames no part of the filter could match. */
static void test_keys_skip(void **state)
{
	struct tframe f[16];
	int n = make_frames(f);

	(void)state;
	assert_int_equal(n, 12);
	assert_false(keys_take("host 10.0.0.9", &f[0]));
	assert_false(keys_take("host 10.0.0.9", &f[9])); /* IPv6 */
	assert_false(keys_take("port 9", &f[0]));
	assert_false(keys_take("port 9", &f[7]));	/* ARP */
	assert_false(keys_take("icmp", &f[0]));
	assert_false(keys_take("icmp", &f[9]));
	assert_false(keys_take("udp port 53", &f[0]));
	assert_false(keys_take("ip and host 10.0.0.6 and port 80", &f[6]));
	assert_false(keys_take("ether host 02:00:00:00:00:0c", &f[0]));
	assert_true(keys_take("tcp", &f[9])); /* pcap's tcp has IPv6's */
	assert_true(keys_take("host 10.0.0.9", &f[7])); /* every ARP frame */
}

static void test_keys_derived(void **state)
{
	struct kvnet_trace_filter k;
	struct in_addr a;

	(void)state;
	memset(&k, 0, sizeof(k));
	assert_int_equal(trace_keys_from_filter("ip and src host 10.1.2.3 and dst port 53", &k), 3);
	assert_int_equal(k.ethertype, 0x0800);
	inet_pton(AF_INET, "10.1.2.3", &a);
	assert_int_equal(k.ip, a.s_addr);
	assert_int_equal(k.l4_port, 53);
	memset(&k, 0, sizeof(k));
	assert_int_equal(trace_keys_from_filter("icmp", &k), 2);
	assert_int_equal(k.ip_proto, 1);
	assert_int_equal(k.ethertype, 0x0800);
	memset(&k, 0, sizeof(k));
	assert_int_equal(trace_keys_from_filter("ether host 52:54:00:00:00:01", &k), 1);
	assert_int_equal(k.has_mac, 1);
	assert_int_equal(k.mac[5], 1);
	/* what is not a plain conjunction gives nothing */
	static const char *const none[] = {
		"", "host 10.0.0.5 or host 10.0.0.6", "not icmp", "(icmp)", "tcp and",
		"ip6", "host example.org", "port 0", "port 70000", "and tcp", "vlan and icmp",
		"tcp[13] & 2 != 0", "ip host 10.0.0.5",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(*none); i++) {
		memset(&k, 0, sizeof(k));
		if (trace_keys_from_filter(none[i], &k) != 0)
			fail_msg("'%s' gave keys", none[i]);
	}
}

/* Two slots (1 and 3) with the keys of filters a and b, on port in_a
 * and in_b (0: any), and their summary. */
static void two_slots(struct kvnet_trace_filter *k, struct kvnet_trace_summary *s,
		      const char *a, __u32 in_a, const char *b, __u32 in_b)
{
	memset(k, 0, sizeof(*k) * KVNET_TRACE_SESSIONS);
	k[1].ifindex = in_a;
	k[3].ifindex = in_b;
	trace_keys_from_filter(a, &k[1]);
	trace_keys_from_filter(b, &k[3]);
	kvnet_trace_summarize(k, 0xa, s);
}

/* The summary refuses no frame a slot takes: every pair of filters, on
 * the traced port or any, on every frame. */
static void test_summary_sound(void **state)
{
	size_t nf = sizeof(filters) / sizeof(*filters);
	struct kvnet_trace_filter k[KVNET_TRACE_SESSIONS];
	struct kvnet_trace_summary s;
	struct tframe f[16];
	int n = make_frames(f);

	(void)state;
	for (size_t i = 0; i < nf; i++)
		for (size_t j = 0; j < nf; j++)
			for (int m = 0; m < n; m++) {
				two_slots(k, &s, filters[i], IN_PORT, filters[j], (j & 1) * IN_PORT);
				if (kvnet_trace_summary_refuses(&s, &f[m].x) &&
				    (kvnet_trace_filter_takes(&k[1], &f[m].x) ||
				     kvnet_trace_filter_takes(&k[3], &f[m].x)))
					fail_msg("the summary of '%s' and '%s' refuses frame '%s'",
						 filters[i], filters[j], f[m].what);
			}
}

/* And it refuses what it is for. */
static void test_summary_skips(void **state)
{
	struct kvnet_trace_filter k[KVNET_TRACE_SESSIONS];
	struct kvnet_trace_summary s;
	struct tframe f[16];

	(void)state;
	assert_int_equal(make_frames(f), 12);
	two_slots(k, &s, "host 10.0.0.9", 0, "host 10.0.0.8", 0);
	assert_true(kvnet_trace_summary_refuses(&s, &f[0].x));	 /* 10.0.0.5 > .6 */
	assert_false(kvnet_trace_summary_refuses(&s, &f[6].x)); /* 10.0.0.7 > .8 */
	assert_false(kvnet_trace_summary_refuses(&s, &f[7].x)); /* ARP: pcap's host */
	assert_false(kvnet_trace_summary_refuses(&s, &f[10].x)); /* unread IPv4 */
	two_slots(k, &s, "port 9", 0, "udp port 7", 0);
	assert_true(kvnet_trace_summary_refuses(&s, &f[0].x));
	assert_false(kvnet_trace_summary_refuses(&s, &f[4].x)); /* a first fragment */
	assert_false(kvnet_trace_summary_refuses(&s, &f[2].x)); /* ICMP: no ports */
	two_slots(k, &s, "host 10.0.0.9", IN_PORT + 1, "icmp", IN_PORT + 2);
	assert_true(kvnet_trace_summary_refuses(&s, &f[7].x)); /* another port */
	two_slots(k, &s, "host 10.0.0.9", 0, "icmp", 0);
	assert_false(kvnet_trace_summary_refuses(&s, &f[0].x)); /* icmp: no address */
	kvnet_trace_summarize(k, 0, &s);
	assert_false(kvnet_trace_summary_refuses(&s, &f[0].x));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_sound),
		cmocka_unit_test(test_keys_skip),
		cmocka_unit_test(test_keys_derived),
		cmocka_unit_test(test_summary_sound),
		cmocka_unit_test(test_summary_skips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
