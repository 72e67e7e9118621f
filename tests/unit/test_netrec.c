// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the runtime record's decoder (switch/netrec.c): what a
 * restarted kvnetd accepts of <run>/networks/NAME.json. The fuzzer
 * (tests/fuzz/fuzz_netrec.c) holds it to round trips; these pin what it
 * must refuse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switch/netrec.h"

#define UUID "\"uuid\":\"4b7e0f3c-1d2a-4a5b-9c8d-0e1f2a3b4c5d\""

static int decode(const char *text, char *err)
{
	struct netrec *r = malloc(sizeof(*r));
	int rc;

	assert_non_null(r);
	rc = netrec_decode(text, r, err, 256);
	if (rc == 0)
		netrec_free(r);
	free(r);
	return rc;
}

static void test_versions(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(decode("{\"ports\":[]}", err), 0);
	assert_int_equal(decode("{\"version\":2,\"state\":\"active\"," UUID
				",\"xml\":\"\",\"ports\":[]}", err), 0);
	assert_int_equal(decode("{\"version\":3,\"ports\":[]}", err), -EINVAL);
	assert_non_null(strstr(err, "unknown version 3"));
	/* 2^32 + 2 once passed for version 2 (cast to int) */
	assert_int_equal(decode("{\"version\":4294967298,\"state\":\"active\"," UUID
				",\"xml\":\"\",\"ports\":[]}", err), -EINVAL);
	assert_non_null(strstr(err, "unknown version 4294967298"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
