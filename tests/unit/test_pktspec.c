// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the dry runs' packet specs (common/pktspec.c): what the
 * parser takes and refuses, and that the frames it builds are what a
 * guest's stack would send, checksums included (summed again here over
 * the bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "common/csum.h"
#include "common/pktspec.h"

static const uint8_t SMAC[6] = { 0x52, 0x54, 0, 0, 0, 1 };
static const uint8_t DMAC[6] = { 0x52, 0x54, 0, 0, 0, 2 };

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int parse(const char *text, struct kv_pktspec *s, char *err)
{
	return kv_pktspec_parse(text, s, err, 256);
}

static void test_parse_words(void **state)
{
	struct kv_pktspec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("udp 10.0.0.5:68 > 255.255.255.255:67", &s, err), 0);
	assert_int_equal(s.proto, KV_PKT_UDP);
	assert_string_equal(s.src, "10.0.0.5");
	assert_int_equal(s.sport, 68);
	assert_int_equal(s.dport, 67);
	assert_int_equal(parse("TCP vm1>1.1.1.1:443 flags SA ttl 3 len 10", &s, err), 0);
	assert_string_equal(s.src, "vm1");
	assert_string_equal(s.dst, "1.1.1.1");
	assert_int_equal(s.sport, KV_PKTSPEC_SPORT);
	assert_int_equal(s.tcp_flags, 0x12);
	assert_int_equal(s.ttl, 3);
	assert_int_equal(s.payload_len, 10);
	assert_int_equal(parse("icmp a > b smac 02:00:00:00:00:09", &s, err), 0);
	assert_true(s.has_smac);
	assert_int_equal(s.smac[5], 9);
	assert_int_equal(parse("arp 10.0.0.5 > 10.0.0.1", &s, err), 0);
	assert_int_equal(s.proto, KV_PKT_ARP);
}

static void test_parse_hex(void **state)
{
	struct kv_pktspec s;
	char err[256];

	(void)state;
	assert_int_equal(parse("ffffffffffff5254000000010806", &s, err), 0);
	assert_int_equal(s.proto, KV_PKT_RAW);
	assert_int_equal(s.frame_len, 14);
	assert_int_equal(s.frame[12], 0x08);
	assert_int_equal(parse("hex ffffffffffff 525400000001 0800", &s, err), 0);
	assert_int_equal(s.frame_len, 14);
}

static void test_parse_refused(void **state)
{
	static const struct { const char *spec, *msg; } bad[] = {
		{ "", "no packet" },
		{ "udp 1.2.3.4 > 5.6.7.8", "destination port" },
		{ "icmp 1.2.3.4:1 > 5.6.7.8", "no ports" },
		{ "sctp 1.2.3.4 > 5.6.7.8", "unknown protocol" },
		{ "udp 1.2.3.4:0 > 5.6.7.8:1", "bad port" },
		{ "udp 1.2.3.4:1 > 5.6.7.8:65536", "bad port" },
		{ "udp a/b:1 > c:2", "bad host" },
		{ "udp a:1 > c:2 flags S", "for tcp only" },
		{ "tcp a:1 > c:2 ttl 256", "bad ttl" },
		{ "tcp a:1 > c:2 smac zz", "bad MAC" },
		{ "tcp a:1 > c:2 len", "needs a value" },
		{ "tcp a:1 > c:2 color red", "unknown option" },
		{ "udp a:1 c:2", "expected PROTO SRC > DST" },
		{ "ffff", "14-byte" },
		{ "hex ffffffffffff5254000000010806 0g", "bad hex" },
	};
	struct kv_pktspec s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(bad[i].spec, &s, err), -22);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': '%s' lacks '%s'", bad[i].spec, err, bad[i].msg);
	}
}

/* The L4 checksum of an IPv4 packet at ip verifies (sums to 0xffff). */
static void assert_l4_sum_ok(const uint8_t *ip)
{
	size_t tot = (size_t)(ip[2] << 8 | ip[3]), l4 = tot - 20;
	uint8_t pseudo[12] = { 0 };

	memcpy(pseudo, ip + 12, 8);
	pseudo[9] = ip[9];
	pseudo[10] = (uint8_t)(l4 >> 8);
	pseudo[11] = (uint8_t)l4;
	if (ip[9] == 1)
		assert_int_equal(kv_csum_fold(kv_csum_add(0, ip + 20, l4)), 0);
	else
		assert_int_equal(kv_csum_fold(kv_csum_add(kv_csum_add(0, pseudo, 12),
							  ip + 20, l4)), 0);
}

static void test_build(void **state)
{
	static const char *const specs[] = {
		"udp 10.0.0.5:68 > 10.0.0.1:67 len 7", "tcp 10.0.0.5 > 10.0.0.1:443",
		"icmp 10.0.0.5 > 10.0.0.1 len 33",
	};
	uint8_t f[KV_PKTSPEC_FRAME_MAX];
	struct kv_pktspec s;
	char err[256];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_int_equal(parse(specs[i], &s, err), 0);
		len = kv_pktspec_build(&s, ip4("10.0.0.5"), ip4("10.0.0.1"), SMAC, DMAC, f);
		assert_true(len >= 60);
		assert_memory_equal(f, DMAC, 6);
		assert_memory_equal(f + 6, SMAC, 6);
		assert_int_equal(f[12] << 8 | f[13], 0x0800);
		assert_int_equal(kv_csum_fold(kv_csum_add(0, f + 14, 20)), 0);
		assert_l4_sum_ok(f + 14);
	}
	assert_int_equal(parse("tcp 10.0.0.5 > 10.0.0.1:443", &s, err), 0);
	kv_pktspec_build(&s, ip4("10.0.0.5"), ip4("10.0.0.1"), SMAC, DMAC, f);
	assert_int_equal(f[14 + 20 + 13], 0x02); /* a SYN */
	assert_int_equal(parse("arp 10.0.0.5 > 10.0.0.1", &s, err), 0);
	len = kv_pktspec_build(&s, ip4("10.0.0.5"), ip4("10.0.0.1"), SMAC, DMAC, f);
	assert_int_equal(len, 60);
	assert_int_equal(f[12] << 8 | f[13], 0x0806);
	assert_int_equal(f[21], 1); /* a request */
	assert_memory_equal(f + 22, SMAC, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_words),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
