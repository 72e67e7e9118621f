// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for common/addr and common/hash: MAC parsing (what it accepts
 * and the near misses it refuses) and formatting, the unicast check, IPv4
 * prefix masks and overlap at their edges, and the name hash's fixed values
 * (interface names on existing hosts depend on them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "common/addr.h"
#include "common/hash.h"

static void test_mac_parse(void **state)
{
	static const char *const bad[] = {
		"", "52:54:00:ab:cd", "52:54:00:ab:cd:0f:", "52-54-00-ab-cd-0f",
		"525:4:00:ab:cd:0f", "52:54:00:ab:cd:0g", " 52:54:00:ab:cd:0f",
		"52:54:00:ab:cd:0f ", "52::00:ab:cd:0f", "+2:54:00:ab:cd:0f",
		"52:54:00:ab:cd:0f:11",
	};
	uint8_t mac[6];
	char s[KV_MAC_STRLEN];
	size_t i;

	(void)state;
	assert_int_equal(kv_mac_parse("52:54:00:AB:cd:0f", mac), 0);
	kv_mac_format(mac, s);
	assert_string_equal(s, "52:54:00:ab:cd:0f");
	assert_int_equal(kv_mac_parse("52:54:0:A:b:C", mac), 0);
	kv_mac_format(mac, s);
	assert_string_equal(s, "52:54:00:0a:0b:0c");
	assert_int_equal(kv_mac_parse("ff:ff:ff:ff:ff:ff", mac), 0);
	assert_memory_equal(mac, "\xff\xff\xff\xff\xff\xff", 6);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kv_mac_parse(bad[i], mac) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

static void test_mac_usable(void **state)
{
	(void)state;
	assert_true(kv_mac_usable((const uint8_t *)"\x52\x54\x00\x01\x02\x03"));
	assert_true(kv_mac_usable((const uint8_t *)"\x02\x00\x00\x00\x00\x00"));
	assert_false(kv_mac_usable((const uint8_t *)"\x00\x00\x00\x00\x00\x00"));
	assert_false(kv_mac_usable((const uint8_t *)"\x01\x00\x5e\x00\x00\x01"));
	assert_false(kv_mac_usable((const uint8_t *)"\xff\xff\xff\xff\xff\xff"));
}

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void test_prefix(void **state)
{
	(void)state;
	assert_int_equal(kv_prefix_mask(0), 0);
	assert_int_equal(kv_prefix_mask(1), 0x80000000u);
	assert_int_equal(kv_prefix_mask(24), 0xffffff00u);
	assert_int_equal(kv_prefix_mask(31), 0xfffffffeu);
	assert_int_equal(kv_prefix_mask(32), 0xffffffffu);
	assert_int_equal(kv_prefix_mask(33), 0xffffffffu);

	assert_true(kv_prefix_overlap(ip("10.0.0.1"), 24, ip("10.0.0.200"), 24));
	assert_true(kv_prefix_overlap(ip("10.0.0.1"), 24, ip("10.0.5.1"), 16));
	assert_true(kv_prefix_overlap(ip("10.0.5.1"), 16, ip("10.0.0.1"), 24));
	assert_false(kv_prefix_overlap(ip("10.0.0.1"), 24, ip("10.0.1.1"), 24));
	assert_false(kv_prefix_overlap(ip("10.0.0.1"), 32, ip("10.0.0.2"), 32));
	assert_true(kv_prefix_overlap(ip("10.0.0.1"), 0, ip("192.168.0.1"), 24));
}

static void test_name_hash(void **state)
{
	(void)state;
	/* FNV-1a 32 test vectors; the values name devices on live hosts */
	assert_int_equal(kv_name_hash(""), 0x811c9dc5u);
	assert_int_equal(kv_name_hash("a"), 0xe40c292cu);
	assert_int_equal(kv_name_hash("foobar"), 0xbf9cf968u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_mac_usable),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_name_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
