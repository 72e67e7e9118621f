// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of the bare NAT rewrite that `make bench` measures kvnet's NAT
 * against (ebpf/bench_rewrite.bpf.c), XDP and tc alike. Each case is a
 * pktgen / setup / check triple: craft a UDP or TCP frame with valid
 * checksums, run the real program on it with BPF_PROG_TEST_RUN, then check
 * the verdict, every rewritten field, and that both checksums still verify
 * over the new headers (a zero UDP checksum, "none", must stay zero).
 * No device is needed: test_run reports a redirect without carrying it out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/csum.h"
#include "bench_rewrite.skel.h"

#define XDP_REDIRECT_VERDICT 4 /* enum xdp_action */
#define TC_ACT_OK 0
#define TC_ACT_REDIRECT 7
#define FRAME_LEN 74 /* Ethernet + IPv4 + TCP + 20 bytes of payload */
#define OUT_IFINDEX 1

static const uint8_t GUEST_MAC[6] = { 0x52, 0x54, 0, 0x78, 0, 0x11 };
static const uint8_t GW_MAC[6] = { 0x52, 0x54, 0, 0x78, 0, 0x01 };
static const uint8_t UPLINK_MAC[6] = { 0x52, 0x54, 0, 0x79, 0, 0x01 };
static const uint8_t NEXTHOP_MAC[6] = { 0x52, 0x54, 0, 0x79, 0, 0x02 };

struct tctx {
	struct bench_rewrite_bpf *skel;
	uint32_t guest_ip, up_ip, snat_ip; /* network order */
};

static int setup(void **state)
{
	static struct tctx t;
	struct bench_rewrite_bpf *skel = bench_rewrite_bpf__open();

	if (!skel)
		return -1;
	t.guest_ip = inet_addr("10.78.0.11");
	t.up_ip = inet_addr("10.79.0.2");
	t.snat_ip = inet_addr("10.79.0.1");
	skel->rodata->out_ifindex = OUT_IFINDEX;
	skel->rodata->snat_ip = t.snat_ip;
	skel->rodata->port_shift = 1;
	memcpy((void *)skel->rodata->out_src_mac, UPLINK_MAC, 6);
	memcpy((void *)skel->rodata->out_dst_mac, NEXTHOP_MAC, 6);
	if (bench_rewrite_bpf__load(skel)) {
		bench_rewrite_bpf__destroy(skel);
		return -1;
	}
	t.skel = skel;
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	bench_rewrite_bpf__destroy(t->skel);
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The sum over the IPv4 pseudo-header and the L4 segment at f + 34. */
static uint16_t l4_sum(const uint8_t *f, uint8_t proto, size_t l4len)
{
	uint8_t ph[4] = { 0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len };
	uint32_t s = kv_csum_add(0, f + 26, 8); /* saddr, daddr */

	s = kv_csum_add(s, ph, sizeof(ph));
	return kv_csum_fold(kv_csum_add(s, f + 34, l4len));
}

/* pktgen: guest -> upstream, source port sport, valid checksums
 * (udp_csum false: a UDP checksum of zero, "none"). */
static void frame_build(const struct tctx *t, uint8_t *f, uint8_t proto,
			uint16_t sport, int udp_csum)
{
	size_t l4len = FRAME_LEN - 34;
	uint8_t *ip = f + 14, *l4 = f + 34;

	memset(f, 0, FRAME_LEN);
	memcpy(f, GW_MAC, 6);
	memcpy(f + 6, GUEST_MAC, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, FRAME_LEN - 14);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &t->guest_ip, 4);
	memcpy(ip + 16, &t->up_ip, 4);
	put16(ip + 10, kv_csum_fold(kv_csum_add(0, ip, 20)));
	put16(l4, sport);
	put16(l4 + 2, 5300);
	for (size_t i = proto == 6 ? 20 : 8; i < l4len; i++)
		l4[i] = (uint8_t)(i * 7);
	if (proto == 6) {
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 16, l4_sum(f, proto, l4len));
	} else {
		put16(l4 + 4, (uint16_t)l4len);
		if (udp_csum)
			put16(l4 + 6, kv_udp4_csum(t->guest_ip, t->up_ip, l4, l4len));
	}
}

/* Runs the XDP or tc program on f in place; returns its verdict. */
static int run(const struct tctx *t, int xdp, uint8_t *f)
{
	uint8_t out[FRAME_LEN + 64];
	struct bpf_program *prog = xdp ? t->skel->progs.bench_rewrite_xdp
				       : t->skel->progs.bench_rewrite_tc;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = FRAME_LEN,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(prog), &o), 0);
	assert_int_equal(o.data_size_out, FRAME_LEN);
	memcpy(f, out, FRAME_LEN);
	return (int)o.retval;
}

/* check: addresses, the mapped port, and checksums valid over the result. */
static void check_rewritten(const struct tctx *t, const uint8_t *f, uint8_t proto,
			    uint16_t sport, int udp_csum)
{
	size_t l4len = FRAME_LEN - 34;

	assert_memory_equal(f, NEXTHOP_MAC, 6);
	assert_memory_equal(f + 6, UPLINK_MAC, 6);
	assert_memory_equal(f + 26, &t->snat_ip, 4);
	assert_memory_equal(f + 30, &t->up_ip, 4);
	assert_int_equal(get16(f + 34), 1024 + (sport + 1) % 64512);
	assert_int_equal(get16(f + 36), 5300);
	assert_int_equal(kv_csum_fold(kv_csum_add(0, f + 14, 20)), 0);
	if (proto == 17 && !udp_csum) {
		assert_int_equal(get16(f + 40), 0);
		return;
	}
	/* A valid checksum sums, field included, to 0xffff: folds to 0. */
	assert_int_equal(l4_sum(f, proto, l4len), 0);
}

static void one_case(void **state, int xdp, uint8_t proto, uint16_t sport, int udp_csum)
{
	const struct tctx *t = *state;
	uint8_t f[FRAME_LEN];

	frame_build(t, f, proto, sport, udp_csum);
	assert_int_equal(run(t, xdp, f), xdp ? XDP_REDIRECT_VERDICT : TC_ACT_REDIRECT);
	check_rewritten(t, f, proto, sport, udp_csum);
}

static void test_xdp_udp(void **state)
{
	one_case(state, 1, 17, 40000, 1);
	one_case(state, 1, 17, 65535, 1); /* wraps to 1024 */
	one_case(state, 1, 17, 9000, 0);
}

static void test_xdp_tcp(void **state)
{
	one_case(state, 1, 6, 40000, 1);
	one_case(state, 1, 6, 1023, 1);
}

static void test_tc_udp(void **state)
{
	one_case(state, 0, 17, 40000, 1);
	one_case(state, 0, 17, 65535, 1);
	one_case(state, 0, 17, 9000, 0);
}

static void test_tc_tcp(void **state)
{
	one_case(state, 0, 6, 40000, 1);
	one_case(state, 0, 6, 1023, 1);
}

/* Not IPv4 UDP/TCP (here ARP): passed on untouched. */
static void test_other_passes(void **state)
{
	const struct tctx *t = *state;
	uint8_t f[FRAME_LEN], orig[FRAME_LEN];

	frame_build(t, f, 17, 40000, 1);
	put16(f + 12, 0x0806);
	memcpy(orig, f, sizeof(f));
	assert_int_equal(run(t, 1, f), 2 /* XDP_PASS */);
	assert_memory_equal(f, orig, sizeof(f));
	assert_int_equal(run(t, 0, f), TC_ACT_OK);
	assert_memory_equal(f, orig, sizeof(f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xdp_udp),
		cmocka_unit_test(test_xdp_tcp),
		cmocka_unit_test(test_tc_udp),
		cmocka_unit_test(test_tc_tcp),
		cmocka_unit_test(test_other_passes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
