// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the packet spec of `kvnet trace --inject`
 * (common/pktspec), which the CLI's user writes and kvnetd parses.
 *
 * Any input must parse or be refused with a one-line reason. An accepted
 * spec must build a frame that fits KV_PKTSPEC_FRAME_MAX and holds at
 * least an Ethernet header, a raw (hex) spec one of at most as many bytes;
 * otherwise the harness aborts so the fuzzer records the input.
 *
 * Targets: common/pktspec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/pktspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_pktspec_fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_pktspec: %s: '%s'\n", what, text);
	abort();
}

static void fuzz_pktspec_build(const struct kv_pktspec *s, const char *text)
{
	static const uint8_t smac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	static const uint8_t dmac[6] = { 0x52, 0x54, 0, 0, 0, 2 };
	uint8_t *frame = malloc(KV_PKTSPEC_FRAME_MAX);
	size_t len;

	if (!frame)
		fuzz_pktspec_fail("out of memory", text);
	len = kv_pktspec_build(s, 0x0500000a, 0x0600000a, smac, dmac, frame);
	if (len < 14 || len > KV_PKTSPEC_FRAME_MAX)
		fuzz_pktspec_fail("built frame of a bad length", text);
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256] = "";
	struct kv_pktspec *s = malloc(sizeof(*s));
	uint32_t addr;

	if (!text || !s)
		fuzz_pktspec_fail("out of memory", "");
	memcpy(text, data, size);
	text[size] = '\0';
	if (kv_pktspec_parse(text, s, err, sizeof(err)) < 0) {
		if (!err[0] || strchr(err, '\n'))
			fuzz_pktspec_fail("refused without a one-line reason", text);
	} else if (s->proto == KV_PKT_RAW) {
		if (s->frame_len > KV_PKTSPEC_FRAME_MAX)
			fuzz_pktspec_fail("raw frame too long", text);
	} else {
		fuzz_pktspec_build(s, text);
		(void)kv_pktspec_is_ip(s->src, &addr);
		(void)kv_pktspec_is_ip(s->dst, &addr);
	}
	free(s);
	free(text);
	return 0;
}
