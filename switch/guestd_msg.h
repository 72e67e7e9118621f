/* SPDX-License-Identifier: GPL-2.0-only */
/* The messages between kvnetd and its sandboxed parser of guests' bytes,
 * kvnetd --guestd (see guestd.h, docs/privsep.md), over a SOCK_SEQPACKET
 * socketpair: one datagram a message, each of a fixed size per type.
 *
 * Every message starts with struct guestd_hdr: the version (a child of
 * another build is refused), the type, the length (which must be the
 * type's size, and what was received), and a sequence number that a
 * reply repeats. kvnetd checks all four before it reads a field, and
 * then checks every field (dhcp_digest_to_msg, ...): the child is
 * assumed to be the guest's, once a guest's bytes have been through it.
 *
 * A request carries bytes from a guest; its reply carries what the child
 * read in them, never a decision: the leases, the zone, the sockets stay
 * in kvnetd, which decides. One message each way a packet.
 */
#ifndef KVNET_GUESTD_MSG_H
#define KVNET_GUESTD_MSG_H

#include <stdint.h>

#include "dhcp/dhcp_digest.h"
#include "dns/dns_digest.h"
#include "dns/dns_forward.h"
#include "kvnet_shared.h"

#define GUESTD_VERSION 1

enum guestd_type {
	GUESTD_DHCP_REQ = 1,	/* kvnetd -> child: a punted DHCP frame */
	GUESTD_DHCP_DIGEST = 2, /* child -> kvnetd: what it holds */
	GUESTD_DNS_REQ = 3,	/* kvnetd -> child: a guest's DNS query */
	GUESTD_DNS_DIGEST = 4,	/* child -> kvnetd: what it asks */
	GUESTD_TYPE_COUNT
};

struct guestd_hdr {
	uint16_t version; /* GUESTD_VERSION */
	uint16_t type;	  /* enum guestd_type */
	uint32_t len;	  /* of the whole message */
	uint32_t seq;	  /* a reply's is its request's */
	uint32_t reserved; /* 0 */
};

struct guestd_dhcp_req {
	struct guestd_hdr h;
	struct kvnet_punt punt; /* as the datapath punted it */
};

struct guestd_dhcp_digest {
	struct guestd_hdr h;
	uint8_t frame_ok;   /* 0: not an IPv4/UDP frame (drop it) */
	uint8_t broadcast;  /* sent to a broadcast MAC or address */
	uint8_t src_mac[6]; /* the frame's source */
	struct dhcp_digest d;
};

struct guestd_dns_req {
	struct guestd_hdr h;
	uint32_t len; /* bytes of query */
	uint8_t query[DNS_FWD_QUERY_MAX];
};

struct guestd_dns_digest {
	struct guestd_hdr h;
	struct dns_digest d;
};

#endif /* KVNET_GUESTD_MSG_H */
