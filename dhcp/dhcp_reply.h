/* SPDX-License-Identifier: GPL-2.0-only */
/* DHCP replies: which options go into an OFFER, ACK or NAK, in which
 * order, and where the reply is sent (RFC 2131 §4.1).
 *
 * Options are written in this order, the first group always (they make
 * the reply meaningful), the rest when the client asked for them in
 * option 55 or sent no option 55, and only while they fit the client's
 * size limit (a non-essential option that does not fit is left out, and
 * a smaller one after it may still go in):
 *
 *   53, 54, 51, 58, 59, 61 (echoed, RFC 6842), 1, 3     essential
 *   28, 6, 15, 12, 26, 119, 121, 66, 67                  if requested
 *   81                                                   if the client sent 81
 *   82 (echoed to a relay, RFC 3046)                     relayed requests
 *
 * A NAK carries 53, 54, 61, 56 (a message) and 82 only.
 */
#ifndef KVNET_DHCP_REPLY_H
#define KVNET_DHCP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_config.h"
#include "dhcp/dhcp_wire.h"

/* Encoded once per config: the option values that need encoding. */
struct dhcp_reply_ctx {
	const struct dhcp_config *cfg;
	uint8_t dns[DHCP_MAX_DNS * 4];
	uint8_t routes[(DHCP_MAX_ROUTES + 1) * 9];
	uint8_t search[DHCP_MAX_SEARCH * 255];
	size_t routes_len, search_len;
	char tftp[16]; /* option 66: the boot server, dotted */
};

/* What the server decided to send. */
struct dhcp_answer {
	uint8_t type;	      /* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t ciaddr;      /* echoed in an ACK to a REQUEST or INFORM */
	uint32_t yiaddr;      /* 0 for INFORM and NAK */
	uint32_t lease_s;     /* 0: no 51/58/59 (INFORM) */
	const char *hostname; /* options 12 and 81, NULL none */
	const char *message;  /* option 56 of a NAK, NULL none */
};

/* Where the reply goes: the daemon builds the IP/UDP/Ethernet headers. */
struct dhcp_dest {
	uint32_t ip;
	uint16_t port;
	uint8_t mac[6];	/* 00:..:00 when the relay's MAC must be resolved */
	bool broadcast;	/* 255.255.255.255 and ff:ff:ff:ff:ff:ff */
};

/* -EINVAL if the config's names or routes cannot be encoded (a checked
 * config always can). */
int dhcp_reply_init(struct dhcp_reply_ctx *x, const struct dhcp_config *cfg);
/* The reply to req in buf[0 .. min(cap, client limit)): its length, or
 * -ENOSPC if not even the essential options fit. */
int dhcp_reply_build(const struct dhcp_reply_ctx *x, const struct dhcp_msg *req,
		     const struct dhcp_answer *a, uint8_t *buf, size_t cap);
/* src_mac: the request frame's source MAC. */
void dhcp_reply_dest(const struct dhcp_msg *req, const struct dhcp_answer *a,
		     const uint8_t src_mac[6], struct dhcp_dest *d);

#endif /* KVNET_DHCP_REPLY_H */
