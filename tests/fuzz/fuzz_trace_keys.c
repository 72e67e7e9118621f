// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for the pcap filter front end of `kvnet trace`
 * (common/trace_keys), held against libpcap itself.
 *
 * An input is a filter's text, a NUL, and a frame. The coarse keys the
 * filter gives must never refuse a frame that the filter, compiled by
 * libpcap, accepts (trace_keys.h): the frame is read as the datapath reads
 * it (ebpf/lib/trace.h) and matched with kvnet_trace_filter_takes(), the
 * datapath's own copy of the match. A frame libpcap takes and the keys
 * refuse aborts, so the fuzzer records the input.
 *
 * Targets: common/trace_keys.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "common/trace_keys.h"

#define FUZZ_TK_IFINDEX 7

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t fuzz_tk_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* What the datapath reads of an IPv4 header at ip (kvnet_trace_read_ip4). */
static void fuzz_tk_read_ip4(const uint8_t *ip, size_t len, struct kvnet_trace_frame *x)
{
	size_t ihl;

	if (len < 20 || ip[0] >> 4 != 4)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < 20)
		return;
	x->is_ip4 = 1;
	x->proto = ip[9];
	memcpy(&x->saddr, ip + 12, 4);
	memcpy(&x->daddr, ip + 16, 4);
	if ((ip[6] & 0x3f) || ip[7] || (x->proto != 6 && x->proto != 17))
		return;
	if (len < ihl + 4)
		return;
	x->l4_ok = 1;
	x->sport = fuzz_tk_be16(ip + ihl);
	x->dport = fuzz_tk_be16(ip + ihl + 2);
}

static void fuzz_tk_read(const uint8_t *b, size_t len, struct kvnet_trace_frame *x)
{
	memset(x, 0, sizeof(*x));
	x->ifindex = FUZZ_TK_IFINDEX;
	memcpy(x->dst, b, 6);
	memcpy(x->src, b + 6, 6);
	x->ethertype = fuzz_tk_be16(b + 12);
	if (x->ethertype == KVNET_TRACE_ETH_IP)
		fuzz_tk_read_ip4(b + 14, len - 14, x);
}

static void fuzz_tk_compare(pcap_t *p, const char *expr, const uint8_t *frame, size_t len)
{
	struct kvnet_trace_filter f = { 0 };
	struct kvnet_trace_frame x;
	struct bpf_program prog;
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };

	if (trace_keys_from_filter(expr, &f) <= 0 || len < 14)
		return;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return; /* the CLI refuses it before asking for keys */
	fuzz_tk_read(frame, len, &x);
	if (pcap_offline_filter(&prog, &h, frame) && !kvnet_trace_filter_takes(&f, &x)) {
		fprintf(stderr, "fuzz_trace_keys: the keys of '%s' refuse a frame it takes\n",
			expr);
		abort();
	}
	pcap_freecode(&prog);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pcap_t *p;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	char *expr = malloc(tlen + 1);

	if (!p)
		p = pcap_open_dead(DLT_EN10MB, 65535);
	if (!expr || !p)
		abort();
	memcpy(expr, data, tlen);
	expr[tlen] = '\0';
	if (nul)
		fuzz_tk_compare(p, expr, nul + 1, size - tlen - 1);
	else
		(void)trace_keys_from_filter(expr, &(struct kvnet_trace_filter){ 0 });
	free(expr);
	return 0;
}
