/* SPDX-License-Identifier: GPL-2.0-only */
/* A client message as plain, fixed-size data: what the sandboxed parser
 * (kvnetd --guestd, docs/privsep.md) makes of a guest's bytes, and what
 * the engine in kvnetd serves.
 *
 * The guest's bytes (the option walk, RFC 3396 concatenation, option 52
 * overloading, host-name sanitising) are read in the sandbox only; the
 * digest carries the fixed header and just the options the engine reads
 * (50, 53, 54, 55, 57, 61, 81's flags, 82 and the sanitised host name),
 * each in a field of bounded size. kvnetd checks every field it gets
 * (dhcp_digest_to_msg) and lays the message out from them itself, so no
 * byte of the guest's packet is parsed in the privileged process.
 */
#ifndef KVNET_DHCP_DIGEST_H
#define KVNET_DHCP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_opt.h"
#include "dhcp/dhcp_wire.h"

/* Bits of dhcp_digest.has: options the client sent. */
#define DHCP_DIGEST_REQ_IP    0x01
#define DHCP_DIGEST_SERVER_ID 0x02
#define DHCP_DIGEST_MAX_SIZE  0x04
#define DHCP_DIGEST_CLIENT_ID 0x08
#define DHCP_DIGEST_PARAMS    0x10
#define DHCP_DIGEST_FQDN      0x20
#define DHCP_DIGEST_RELAY     0x40
#define DHCP_DIGEST_HAS_ALL   0x7f

/* Longest value of a variable option carried (55 and 82 longer than
 * this: 55 is cut, a message with a longer 82 is refused). */
#define DHCP_DIGEST_OPT_MAX 255

struct dhcp_digest {
	uint8_t reason;	/* enum dhcp_reason: DHCP_R_NONE, or the parse
			   error (TOO_SHORT .. BAD_TYPE); nothing else set */
	uint8_t op, htype, hlen, hops;
	uint8_t type;	/* option 53 */
	uint8_t has;	/* DHCP_DIGEST_* */
	uint8_t fqdn_flags;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint32_t req_ip, server_id; /* options 50, 54 */
	uint16_t max_size;	    /* option 57 */
	uint8_t cid_len, params_len, relay_len;
	uint8_t cid[DHCP_DIGEST_OPT_MAX];
	uint8_t params[DHCP_DIGEST_OPT_MAX];
	uint8_t relay[DHCP_DIGEST_OPT_MAX];
	char hostname[DHCP_HOSTNAME_MAX]; /* sanitised (81, else 12), "" none */
};

/* In the sandbox: parse pkt (a UDP payload) with m as scratch and fill d
 * (zeroed first). Returns d->reason. */
enum dhcp_reason dhcp_digest_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m,
				   struct dhcp_digest *d);

/* In kvnetd: check every field of d (which came from another process)
 * and lay out the message it describes in m. -EINVAL, with what was
 * wrong in *why, for a digest the sandbox could not have made. Only for
 * d->reason == DHCP_R_NONE. */
int dhcp_digest_to_msg(const struct dhcp_digest *d, struct dhcp_msg *m, const char **why);

#endif /* KVNET_DHCP_DIGEST_H */
