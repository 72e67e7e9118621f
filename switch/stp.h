/* SPDX-License-Identifier: GPL-2.0-only */
/* kvnet's part in the Spanning Tree Protocol (IEEE 802.1D) of a network
 * with <bridge stp='on'> (libvirt's default): the network is the root
 * bridge of its segment, and its guests are leaves.
 *
 * - Every hello time kvnetd sends a configuration BPDU out of every port
 *   that forwards, claiming to be the root (priority 0, the network's MAC).
 * - A guest whose bridge runs STP hears it on each of its NICs and blocks
 *   all but one itself: the loop is broken in the guest, as 802.1D does.
 * - A guest whose bridge does not run STP forwards the BPDU, so kvnet's
 *   own BPDU, sent out of port Q, comes back in on port P: a loop through
 *   the guest. P is blocked if Q's port id is lower, as 802.1D's designated
 *   port comparison decides between two ports of one bridge.
 * - A BPDU claiming a better root than kvnet is a guest trying to become
 *   the root of the host's network: its port is blocked (root guard, what
 *   access switches do on ports facing hosts).
 * A blocked port forwards again once the BPDUs that blocked it have been
 * silent for the max age (20 s). This file holds the decisions and the
 * BPDU codec; network.c sends and receives.
 */
#ifndef KVNET_STP_H
#define KVNET_STP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STP_HELLO_MS 2000
#define STP_MAX_AGE_MS 20000
#define STP_FRAME_LEN 60 /* a config BPDU, padded to the Ethernet minimum */

enum stp_port_state {
	STP_FORWARDING,
	STP_BLOCKED_LOOP,	/* our own BPDU came back in here */
	STP_BLOCKED_ROOT_GUARD, /* a guest claimed a better root here */
	STP_PORT_STATE_COUNT
};

struct stp_bridge {
	uint8_t id[8]; /* priority (2 bytes, big-endian) + MAC */
};

struct stp_port {
	uint16_t port_id; /* 0x8000 | port number: 802.1D priority 128 */
	enum stp_port_state state;
	uint64_t block_until_ms; /* forwards again after this, unless renewed */
	uint16_t loop_from;	 /* STP_BLOCKED_LOOP: the port id it came from */
};

struct stp_bpdu {
	uint8_t type;	  /* 0x00 config, 0x02 RST, 0x80 TCN */
	uint8_t root[8];
	uint32_t cost;
	uint8_t bridge[8];
	uint16_t port_id;
};

const char *stp_state_name(enum stp_port_state s);
void stp_bridge_init(struct stp_bridge *b, const uint8_t mac[6]);
/* A port numbered no (1..4095), forwarding. */
void stp_port_init(struct stp_port *p, unsigned no);

/* The configuration BPDU b sends out of p, as a whole Ethernet frame from
 * src (STP_FRAME_LEN bytes into buf). */
size_t stp_bpdu_build(const struct stp_bridge *b, const struct stp_port *p,
		      const uint8_t src[6], uint8_t buf[STP_FRAME_LEN]);
/* Parse a frame sent to the bridge group address. Returns 0, or -EINVAL
 * if it is no configuration or RST BPDU (TCNs, other LLC, garbage). */
int stp_bpdu_parse(const uint8_t *frame, size_t len, struct stp_bpdu *out);

/* A BPDU arrived on port p. Returns true if p's state changed. */
bool stp_port_rx(const struct stp_bridge *b, struct stp_port *p,
		 const struct stp_bpdu *bpdu, uint64_t now_ms);
/* Time passes. Returns true if p's state changed (it forwards again). */
bool stp_port_tick(struct stp_port *p, uint64_t now_ms);

#endif /* KVNET_STP_H */
