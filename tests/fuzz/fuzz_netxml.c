// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the libvirt network XML parser (switch/netxml).
 *
 * Any input: netxml_parse must return cleanly (0 or a negative errno with
 * a one-line message). An accepted input must format, and the formatted
 * XML must parse back to an equal definition; otherwise the harness aborts
 * so the fuzzer records the input.
 *
 * Targets: switch/netxml*.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switch/netxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_netxml_check_err(const char *err)
{
	if (!err[0] || strchr(err, '\n')) {
		fprintf(stderr, "bad error message: '%s'\n", err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_def *def = malloc(sizeof(*def)), *back = malloc(sizeof(*back));
	char err[NETXML_ERR_MAX], *xml = NULL;
	int rc;

	if (!def || !back)
		goto out;
	rc = netxml_parse((const char *)data, size, def, err, sizeof(err));
	if (rc < 0) {
		fuzz_netxml_check_err(err);
		goto out;
	}
	if (netxml_format(def, &xml) < 0)
		abort();
	rc = netxml_parse(xml, strlen(xml), back, err, sizeof(err));
	if (rc < 0 || !netxml_equal(def, back)) {
		fprintf(stderr, "round trip failed (%d: %s):\n%s\n", rc, err,
			xml);
		abort();
	}
out:
	free(xml);
	free(back);
	free(def);
	return 0;
}
