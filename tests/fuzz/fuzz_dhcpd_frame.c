// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the DHCP service's reading of a punted frame
 * (switch/dhcpd_frame.c): the Ethernet/IPv4/UDP headers a guest wrote
 * around its DHCP message, as the datapath copied them.
 *
 * The input: four bytes (big-endian) of the frame's length, then its
 * bytes. As the datapath does (ebpf/lib/punt.h), the first
 * KVNET_PUNT_BYTES of them are copied, and the length is the frame's own
 * unless it is longer than that: then the four bytes say by how much. An
 * accepted frame's payload must lie inside the copied bytes, after the
 * UDP header; otherwise the harness aborts so the fuzzer records the
 * input. ASan holds every read to the copy.
 *
 * Targets: switch/dhcpd_frame.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switch/dhcpd_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvnet_punt *p;
	struct dhcpd_in in;
	size_t copied, have;

	if (size < 4)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	copied = size - 4 < KVNET_PUNT_BYTES ? size - 4 : KVNET_PUNT_BYTES;
	memcpy(p->data, data + 4, copied);
	p->len = (uint32_t)copied;
	if (copied == KVNET_PUNT_BYTES) /* a longer frame: its tail not copied */
		p->len += (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | data[2] << 8 | data[3];
	have = copied;
	if (dhcpd_frame_parse(p, &in) == 0 &&
	    (in.payload < p->data + 14 + 20 + 8 || in.payload + in.len > p->data + have)) {
		fprintf(stderr, "fuzz_dhcpd_frame: payload outside the frame\n");
		abort();
	}
	free(p);
	return 0;
}
