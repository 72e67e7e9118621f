// SPDX-License-Identifier: GPL-2.0-only
/* kvnet's STP decisions and BPDU codec (see stp.h). */
#include <errno.h>
#include <string.h>

#include "switch/stp.h"

/* IEEE 802.1D §9.3: BPDUs travel in LLC frames, DSAP = SSAP = 0x42 (the
 * bridge spanning tree protocol), UI (0x03); a config BPDU is 35 octets. */
#define STP_LLC_SAP 0x42
#define STP_LLC_UI 0x03
#define STP_CONFIG_LEN 35
#define STP_TYPE_CONFIG 0x00
#define STP_TYPE_RST 0x02
/* timers are in 1/256 s */
#define STP_T(ms) ((uint16_t)((ms) * 256 / 1000))
#define STP_FORWARD_DELAY_MS 15000

static const uint8_t stp_group_addr[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };

static const char *const stp_state_names[STP_PORT_STATE_COUNT] = {
	[STP_FORWARDING] = "forwarding",
	[STP_BLOCKED_LOOP] = "blocked-loop",
	[STP_BLOCKED_ROOT_GUARD] = "blocked-root-guard",
};

const char *stp_state_name(enum stp_port_state s)
{
	return s < STP_PORT_STATE_COUNT ? stp_state_names[s] : "?";
}

void stp_bridge_init(struct stp_bridge *b, const uint8_t mac[6])
{
	b->id[0] = 0; /* priority 0: kvnet is the root of its network */
	b->id[1] = 0;
	memcpy(b->id + 2, mac, 6);
}

void stp_port_init(struct stp_port *p, unsigned no)
{
	memset(p, 0, sizeof(*p));
	p->port_id = (uint16_t)(0x8000 | (no & 0x0fff));
	p->state = STP_FORWARDING;
}

static void stp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t stp_bpdu_build(const struct stp_bridge *b, const struct stp_port *p,
		      const uint8_t src[6], uint8_t buf[STP_FRAME_LEN])
{
	uint8_t *bpdu = buf + 17;

	memset(buf, 0, STP_FRAME_LEN);
	memcpy(buf, stp_group_addr, 6);
	memcpy(buf + 6, src, 6);
	stp_put16(buf + 12, 3 + STP_CONFIG_LEN); /* 802.3 length */
	buf[14] = STP_LLC_SAP;
	buf[15] = STP_LLC_SAP;
	buf[16] = STP_LLC_UI;
	/* protocol id 0, version 0, type config, flags 0 */
	bpdu[3] = STP_TYPE_CONFIG;
	memcpy(bpdu + 5, b->id, 8);	  /* root: ourselves */
	/* root path cost 0 (bpdu + 13) */
	memcpy(bpdu + 17, b->id, 8);	  /* bridge */
	stp_put16(bpdu + 25, p->port_id);
	/* message age 0 (bpdu + 27) */
	stp_put16(bpdu + 29, STP_T(STP_MAX_AGE_MS));
	stp_put16(bpdu + 31, STP_T(STP_HELLO_MS));
	stp_put16(bpdu + 33, STP_T(STP_FORWARD_DELAY_MS));
	return STP_FRAME_LEN;
}

int stp_bpdu_parse(const uint8_t *frame, size_t len, struct stp_bpdu *out)
{
	const uint8_t *bpdu = frame + 17;

	if (len < 17 + STP_CONFIG_LEN || memcmp(frame, stp_group_addr, 6))
		return -EINVAL;
	if (((frame[12] << 8) | frame[13]) >= 0x600) /* an ethertype, not 802.3 */
		return -EINVAL;
	if (frame[14] != STP_LLC_SAP || frame[15] != STP_LLC_SAP || frame[16] != STP_LLC_UI)
		return -EINVAL;
	if (bpdu[0] || bpdu[1]) /* protocol identifier 0 */
		return -EINVAL;
	out->type = bpdu[3];
	if (out->type != STP_TYPE_CONFIG && out->type != STP_TYPE_RST)
		return -EINVAL;
	memcpy(out->root, bpdu + 5, 8);
	out->cost = (uint32_t)bpdu[13] << 24 | (uint32_t)bpdu[14] << 16 |
		    (uint32_t)bpdu[15] << 8 | bpdu[16];
	memcpy(out->bridge, bpdu + 17, 8);
	out->port_id = (uint16_t)(bpdu[25] << 8 | bpdu[26]);
	return 0;
}

static bool stp_block(struct stp_port *p, enum stp_port_state why, uint64_t now_ms)
{
	bool changed = p->state != why;

	p->state = why;
	p->block_until_ms = now_ms + STP_MAX_AGE_MS;
	return changed;
}

bool stp_port_rx(const struct stp_bridge *b, struct stp_port *p,
		 const struct stp_bpdu *bpdu, uint64_t now_ms)
{
	int root = memcmp(bpdu->root, b->id, 8);

	/* 802.1D §8.6.2.2: a better root vector; we do not follow it */
	if (root < 0)
		return stp_block(p, STP_BLOCKED_ROOT_GUARD, now_ms);
	if (root > 0 || memcmp(bpdu->bridge, b->id, 8))
		return false; /* a guest's inferior BPDU, or ours relayed by a
				 guest bridge that runs STP itself */
	/* Our own BPDU, from port bpdu->port_id, came back in on p. Of two
	 * ports of one bridge the one with the higher id gives way. */
	if (bpdu->port_id >= p->port_id)
		return false;
	p->loop_from = bpdu->port_id;
	return stp_block(p, STP_BLOCKED_LOOP, now_ms);
}

bool stp_port_tick(struct stp_port *p, uint64_t now_ms)
{
	if (p->state == STP_FORWARDING || now_ms < p->block_until_ms)
		return false;
	p->state = STP_FORWARDING;
	p->loop_from = 0;
	return true;
}
