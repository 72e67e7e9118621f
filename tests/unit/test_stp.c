// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests of kvnet's STP decisions and BPDU codec (switch/stp.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "switch/stp.h"

static const uint8_t NET_MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t SRC[6] = { 0xfe, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* The BPDU our bridge b sends out of port number no, as parsed. */
static struct stp_bpdu own_bpdu(const struct stp_bridge *b, unsigned no)
{
	uint8_t frame[STP_FRAME_LEN];
	struct stp_port p;
	struct stp_bpdu bpdu;

	stp_port_init(&p, no);
	assert_int_equal(stp_bpdu_build(b, &p, SRC, frame), STP_FRAME_LEN);
	assert_int_equal(stp_bpdu_parse(frame, sizeof(frame), &bpdu), 0);
	return bpdu;
}

static void test_build_parse(void **state)
{
	struct stp_bridge b;
	struct stp_bpdu bpdu;

	(void)state;
	stp_bridge_init(&b, NET_MAC);
	bpdu = own_bpdu(&b, 3);
	assert_int_equal(bpdu.type, 0);
	assert_memory_equal(bpdu.root, b.id, 8);
	assert_memory_equal(bpdu.bridge, b.id, 8);
	assert_int_equal(bpdu.cost, 0);
	assert_int_equal(bpdu.port_id, 0x8003);
	assert_int_equal(b.id[0], 0);
	assert_int_equal(b.id[1], 0);
}

static void test_parse_rejects(void **state)
{
	struct stp_bridge b;
	struct stp_port p;
	uint8_t frame[STP_FRAME_LEN];
	struct stp_bpdu bpdu;

	(void)state;
	stp_bridge_init(&b, NET_MAC);
	stp_port_init(&p, 1);
	stp_bpdu_build(&b, &p, SRC, frame);
	assert_int_equal(stp_bpdu_parse(frame, 40, &bpdu), -EINVAL); /* short */
	frame[17 + 3] = 0x80;						  /* TCN */
	assert_int_equal(stp_bpdu_parse(frame, sizeof(frame), &bpdu), -EINVAL);
	stp_bpdu_build(&b, &p, SRC, frame);
	frame[14] = 0xaa; /* SNAP, not the STP SAP */
	assert_int_equal(stp_bpdu_parse(frame, sizeof(frame), &bpdu), -EINVAL);
	stp_bpdu_build(&b, &p, SRC, frame);
	frame[12] = 0x88; /* an ethertype */
	assert_int_equal(stp_bpdu_parse(frame, sizeof(frame), &bpdu), -EINVAL);
	stp_bpdu_build(&b, &p, SRC, frame);
	frame[0] = 0xff; /* not the group address */
	assert_int_equal(stp_bpdu_parse(frame, sizeof(frame), &bpdu), -EINVAL);
}

/* Our BPDU from port 1 comes back in on port 2: port 2 blocks, for the max
 * age after the last such BPDU; port 1 never blocks for port 2's. */
static void test_loop_blocks_higher_port(void **state)
{
	struct stp_bridge b;
	struct stp_port p1, p2;
	struct stp_bpdu from1, from2;

	(void)state;
	stp_bridge_init(&b, NET_MAC);
	stp_port_init(&p1, 1);
	stp_port_init(&p2, 2);
	from1 = own_bpdu(&b, 1);
	from2 = own_bpdu(&b, 2);
	assert_false(stp_port_rx(&b, &p1, &from2, 1000));
	assert_int_equal(p1.state, STP_FORWARDING);
	assert_true(stp_port_rx(&b, &p2, &from1, 1000));
	assert_int_equal(p2.state, STP_BLOCKED_LOOP);
	assert_int_equal(p2.loop_from, 0x8001);
	/* renewed by the next hello; forwards once it stays silent */
	assert_false(stp_port_rx(&b, &p2, &from1, 3000));
	assert_false(stp_port_tick(&p2, 3000 + STP_MAX_AGE_MS - 1));
	assert_true(stp_port_tick(&p2, 3000 + STP_MAX_AGE_MS));
	assert_int_equal(p2.state, STP_FORWARDING);
	/* our own BPDU reflected into the port it left: no loop of ours */
	assert_false(stp_port_rx(&b, &p1, &from1, 5000));
}

/* A guest claiming a better root is blocked (root guard); one relaying our
 * root (its bridge runs STP) or claiming a worse one is not. */
static void test_root_guard(void **state)
{
	struct stp_bridge b;
	struct stp_port p;
	struct stp_bpdu bpdu;

	(void)state;
	stp_bridge_init(&b, NET_MAC);
	stp_port_init(&p, 4);
	bpdu = own_bpdu(&b, 1);
	memset(bpdu.bridge, 0x80, 8); /* a guest bridge relaying our root */
	bpdu.cost = 100;
	assert_false(stp_port_rx(&b, &p, &bpdu, 0));
	memset(bpdu.root, 0x80, 8); /* priority 0x8080: worse than our 0 */
	assert_false(stp_port_rx(&b, &p, &bpdu, 0));
	memset(bpdu.root, 0, 8); /* priority 0, MAC 00:00:..: better */
	assert_true(stp_port_rx(&b, &p, &bpdu, 0));
	assert_int_equal(p.state, STP_BLOCKED_ROOT_GUARD);
	assert_string_equal(stp_state_name(p.state), "blocked-root-guard");
	assert_true(stp_port_tick(&p, STP_MAX_AGE_MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_loop_blocks_higher_port),
		cmocka_unit_test(test_root_guard),
	};

	return cmocka_run_group_tests_name("stp", tests, NULL, NULL);
}
