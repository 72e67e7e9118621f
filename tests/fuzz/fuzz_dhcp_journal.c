// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the lease journal's line parser (dhcp/dhcp_json).
 *
 * Host names and client identifiers in the journal come from guests, and
 * the file may be damaged, so any input must parse cleanly or be refused
 * with a reason. An accepted line must format back to a line that parses
 * to the same record, and the status JSON of that record must be built;
 * otherwise the harness aborts so the fuzzer records the input.
 *
 * Targets: dhcp/dhcp_json.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_journal_fail(const char *what, const char *line)
{
	fprintf(stderr, "fuzz_dhcp_journal: %s: %s\n", what, line ? line : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_lease_rec r, back;
	const char *why = NULL;
	char *line, *status;

	if (dhcp_json_parse_rec((const char *)data, size, &r, &why) < 0) {
		if (!why)
			fuzz_journal_fail("refused without a reason", NULL);
		return 0;
	}
	line = dhcp_json_format_rec(&r);
	if (!line)
		fuzz_journal_fail("format failed", NULL);
	if (dhcp_json_parse_rec(line, strlen(line), &back, &why) < 0)
		fuzz_journal_fail("own line refused", line);
	/* a free record keeps only its address and state */
	if (r.state == DHCP_LEASE_FREE)
		r = (struct dhcp_lease_rec){ .ip = r.ip, .state = r.state };
	if (memcmp(&r, &back, sizeof(r)))
		fuzz_journal_fail("round trip changed the record", line);
	if (dhcp_json_status(&back, 1, 0, &status) < 0)
		fuzz_journal_fail("status failed", line);
	free(status);
	free(line);
	return 0;
}
