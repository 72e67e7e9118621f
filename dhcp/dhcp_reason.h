/* SPDX-License-Identifier: GPL-2.0-only */
/* Why the DHCP engine dropped, ignored or NAKed a message.
 *
 * One enum for the codec (dhcp_wire_parse) and the server (dhcp_server),
 * so the daemon keeps one counter per reason and logs, the CLI and traces
 * all print the same names. The names are stable: they appear in
 * `kvnet stats` and in JSON output.
 */
#ifndef KVNET_DHCP_REASON_H
#define KVNET_DHCP_REASON_H

#include <stdbool.h>

enum dhcp_reason {
	DHCP_R_NONE = 0,	/* served */
	/* The codec: the bytes are not a DHCP request we can read. */
	DHCP_R_TOO_SHORT,	/* shorter than header + magic cookie */
	DHCP_R_TOO_LONG,	/* longer than DHCP_PKT_MAX */
	DHCP_R_NOT_REQUEST,	/* op is not BOOTREQUEST (a server message) */
	DHCP_R_BAD_HLEN,	/* hlen > 16 */
	DHCP_R_NO_COOKIE,	/* no 99.130.83.99: plain BOOTP or garbage */
	DHCP_R_OPT_OVERRUN,	/* an option runs past the end of its field */
	DHCP_R_BAD_OVERLOAD,	/* option 52 not 1..3 or not in the options field */
	DHCP_R_NO_TYPE,		/* no option 53: BOOTP, which we do not serve */
	DHCP_R_BAD_OPT_LEN,	/* 50/51/52/53/54/57/61 with an impossible length */
	DHCP_R_BAD_FRAME,	/* its IPv4/UDP headers do not hold together (a
				   UDP length past the frame's end): never read */
	/* The server: readable, but not served. */
	DHCP_R_BAD_TYPE,	/* a type a client does not send to a server */
	DHCP_R_NO_IDENTITY,	/* neither option 61 nor a hardware address */
	DHCP_R_UNTRUSTED_RELAY, /* giaddr set on an untrusted port */
	DHCP_R_WRONG_NETWORK,	/* relay or INFORM address outside our subnet */
	DHCP_R_CHADDR_SPOOF,	/* chaddr is not the frame's source MAC */
	DHCP_R_PORT_CAP,	/* the port already holds its lease cap */
	DHCP_R_POOL_EMPTY,	/* no free address for this client */
	DHCP_R_OTHER_SERVER,	/* the client chose or names another server */
	DHCP_R_BAD_REQUEST,	/* required field missing (50, ciaddr) */
	DHCP_R_NO_LEASE,	/* RELEASE/DECLINE of an address nobody holds */
	DHCP_R_NOT_OWNER,	/* RELEASE/DECLINE from a client not holding it */
	DHCP_R_REPLY_SPACE,	/* the caller's reply buffer is too small */
	/* NAK reasons (keep them last): a reply was sent, and this is why
	 * it was a NAK. */
	DHCP_R_NAK_WRONG_NET,	/* requested address outside our subnet */
	DHCP_R_NAK_NOT_OFFERED, /* SELECTING an address we did not offer */
	DHCP_R_NAK_UNAVAILABLE, /* held by another, quarantined, outside ranges */
	DHCP_R_NAK_NO_LEASE,	/* RENEWING/REBINDING an unknown/expired lease */
	DHCP_R_NAK_RESERVED,	/* the address is reserved for another client */
	DHCP_R_NAK_MOVED,	/* the client has a reservation at another address */
	DHCP_R_COUNT
};

/* "too-short", "relay-untrusted", ...; "unknown" outside the enum. */
const char *dhcp_reason_name(enum dhcp_reason r);
/* Is r one of the DHCP_R_NAK_* reasons? */
bool dhcp_reason_is_nak(enum dhcp_reason r);

#endif /* KVNET_DHCP_REASON_H */
