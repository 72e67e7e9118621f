// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of common/guest.c: which guest names pass, and the tap name
 * and MAC a name gets. Those two are on-host contracts (a guest keeps its
 * MAC, and so its leases, across kvnet versions): the values below were
 * taken when they were defined and must never change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/guest.h"

static void test_names(void **state)
{
	static const char *const good[] = { "vm1", "Web_01", "a.b-c", "x",
		"a23456789012345678901234567890123456789012345678901234567890123" };
	static const char *const bad[] = { "", "-vm", ".vm", "vm 1", "vm/1", "vm,1",
		"vm=1", "v\xc3\xa9", "a234567890123456789012345678901234567890123456789012345678901234" };

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(kv_guest_name_ok(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(kv_guest_name_ok(bad[i]));
}

static void test_tap_names(void **state)
{
	char tap[IFNAMSIZ];

	(void)state;
	kv_guest_tap_name("vm1", tap);
	assert_string_equal(tap, "vm1");
	kv_guest_tap_name("fifteen-chars-x", tap);
	assert_string_equal(tap, "fifteen-chars-x");
	kv_guest_tap_name("a-guest-name-longer-than-an-interface", tap);
	assert_string_equal(tap, "kvm-0e8adfb1");
}

static void test_macs(void **state)
{
	static const struct {
		const char *name;
		uint8_t mac[6];
	} v[] = {
		{ "vm1", { 0x52, 0x54, 0x00, 0x2c, 0xdb, 0xe1 } },
		{ "web1", { 0x52, 0x54, 0x00, 0x37, 0x39, 0x84 } },
		{ "a-guest-name-longer-than-an-interface", { 0x52, 0x54, 0x00, 0xea, 0xec, 0x6f } },
	};
	uint8_t mac[6];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		kv_guest_mac(v[i].name, mac);
		assert_memory_equal(mac, v[i].mac, 6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tap_names),
		cmocka_unit_test(test_macs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
