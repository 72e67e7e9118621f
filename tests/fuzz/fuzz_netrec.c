// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the runtime record parser (switch/netrec).
 *
 * A restarted kvnetd reads <run>/networks/<name>.json, which a crash may
 * have left damaged, so any input must decode or be refused with a
 * one-line reason. An accepted record must encode, its text must decode
 * again, and encoding that gives the same text; otherwise the harness
 * aborts so the fuzzer records the input.
 *
 * Targets: switch/netrec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switch/netrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_netrec_fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_netrec: %s: %s\n", what, text ? text : "");
	abort();
}

static void fuzz_netrec_check_err(const char *err)
{
	if (!err[0] || strchr(err, '\n'))
		fuzz_netrec_fail("bad error message", err);
}

/* Decode an accepted record's text again: it must encode the same. */
static void fuzz_netrec_round_trip(const struct netrec *r)
{
	struct netrec *back = malloc(sizeof(*back));
	char err[256] = "", *text = netrec_encode(r), *again = NULL;

	if (!back || !text)
		fuzz_netrec_fail("out of memory", NULL);
	if (netrec_decode(text, back, err, sizeof(err)) < 0)
		fuzz_netrec_fail(err, text);
	again = netrec_encode(back);
	if (!again || strcmp(text, again))
		fuzz_netrec_fail("round trip changed the record", text);
	netrec_free(back);
	free(back);
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256] = "";
	struct netrec *r = malloc(sizeof(*r));

	if (!text || !r)
		fuzz_netrec_fail("out of memory", NULL);
	memcpy(text, data, size);
	text[size] = '\0'; /* the file is read whole and NUL-terminated */
	if (netrec_decode(text, r, err, sizeof(err)) < 0) {
		fuzz_netrec_check_err(err);
	} else {
		fuzz_netrec_round_trip(r);
		netrec_free(r);
	}
	free(r);
	free(text);
	return 0;
}
