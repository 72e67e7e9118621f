// SPDX-License-Identifier: GPL-2.0-only
/* Names of the DHCP engine's drop, ignore and NAK reasons (dhcp_reason.h).
 * Stable strings: counters and logs are keyed by them. */
#include "dhcp/dhcp_reason.h"

static const char *const dhcp_reason_names[DHCP_R_COUNT] = {
	[DHCP_R_NONE] = "ok",
	[DHCP_R_TOO_SHORT] = "too-short",
	[DHCP_R_TOO_LONG] = "too-long",
	[DHCP_R_NOT_REQUEST] = "not-bootrequest",
	[DHCP_R_BAD_HLEN] = "bad-hlen",
	[DHCP_R_NO_COOKIE] = "no-magic-cookie",
	[DHCP_R_OPT_OVERRUN] = "option-overrun",
	[DHCP_R_BAD_OVERLOAD] = "bad-overload",
	[DHCP_R_NO_TYPE] = "no-message-type",
	[DHCP_R_BAD_OPT_LEN] = "bad-option-length",
	[DHCP_R_BAD_FRAME] = "bad-ip-udp-header",
	[DHCP_R_BAD_TYPE] = "unsupported-type",
	[DHCP_R_NO_IDENTITY] = "no-client-identity",
	[DHCP_R_UNTRUSTED_RELAY] = "relay-untrusted",
	[DHCP_R_WRONG_NETWORK] = "wrong-network",
	[DHCP_R_CHADDR_SPOOF] = "chaddr-mismatch",
	[DHCP_R_PORT_CAP] = "port-lease-cap",
	[DHCP_R_POOL_EMPTY] = "pool-empty",
	[DHCP_R_OTHER_SERVER] = "other-server",
	[DHCP_R_BAD_REQUEST] = "bad-request",
	[DHCP_R_NO_LEASE] = "no-lease",
	[DHCP_R_NOT_OWNER] = "not-owner",
	[DHCP_R_REPLY_SPACE] = "reply-no-space",
	[DHCP_R_NAK_WRONG_NET] = "nak-wrong-network",
	[DHCP_R_NAK_NOT_OFFERED] = "nak-not-offered",
	[DHCP_R_NAK_UNAVAILABLE] = "nak-address-unavailable",
	[DHCP_R_NAK_NO_LEASE] = "nak-no-lease",
	[DHCP_R_NAK_RESERVED] = "nak-reserved-for-other",
	[DHCP_R_NAK_MOVED] = "nak-has-reservation",
};

const char *dhcp_reason_name(enum dhcp_reason r)
{
	if ((unsigned)r >= DHCP_R_COUNT || !dhcp_reason_names[r])
		return "unknown";
	return dhcp_reason_names[r];
}

bool dhcp_reason_is_nak(enum dhcp_reason r)
{
	return r >= DHCP_R_NAK_WRONG_NET && r < DHCP_R_COUNT;
}
