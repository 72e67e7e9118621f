/* SPDX-License-Identifier: GPL-2.0-only */
/* DHCPv4 wire codec: parse a client's BOOTP/DHCP message, build a reply.
 *
 * Parsing (RFC 2131 §2, RFC 2132, RFC 3396) reads the packet only through
 * dhcp_wire_get(), the one bounds-checked accessor, and either fills a
 * struct dhcp_msg or names what was wrong (enum dhcp_reason). The options
 * field, then `file`, then `sname` (when option 52 overloads them) are
 * scanned; every instance of an option is concatenated into one value
 * (RFC 3396), so a reader never sees fragments. Option values are then
 * read through dhcp_wire_opt(), which hands out a struct dhcp_buf: option
 * contents are read through dhcp_wire_get() too.
 *
 * Building writes a BOOTREPLY into a caller's buffer, never past a limit
 * (the client's option 57, floor 576, minus IP and UDP headers), splits
 * values longer than 255 bytes into consecutive instances (RFC 3396), and
 * pads the message to the 300 bytes of a BOOTP message (RFC 1542 §3.4).
 *
 * IPv4 addresses are uint32_t in host byte order throughout dhcp/.
 */
#ifndef KVNET_DHCP_WIRE_H
#define KVNET_DHCP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_reason.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_HDR_LEN 236	/* op .. file */
#define DHCP_OPTS_OFF 240	/* header + magic cookie */
#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
#define DHCP_CHADDR_LEN 16
#define DHCP_COOKIE 0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000
/* Longest message accepted (covers any jumbo frame). */
#define DHCP_PKT_MAX 16384
/* RFC 1542 §3.4: a BOOTP message is at least 300 bytes. */
#define DHCP_BOOTP_MIN 300
/* RFC 2132 §9.10: option 57 is at least 576; that counts the IP and UDP
 * headers (RFC 2131 §2: 576-byte datagrams carry a 312-byte options
 * field), so the DHCP message itself may be 576 - 28 = 548 bytes. */
#define DHCP_MAX_MSG_FLOOR 576
#define DHCP_IP_UDP_LEN 28
/* Longest client identifier (option 61) accepted; one option's worth. */
#define DHCP_ID_MAX 255
#define DHCP_HTYPE_ETHER 1

enum dhcp_op { DHCP_BOOTREQUEST = 1, DHCP_BOOTREPLY = 2 };

/* Option 53 values (RFC 2132 §9.6). */
enum dhcp_type {
	DHCP_NONE = 0, /* no message (a result that sent nothing) */
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
	DHCP_TYPE_COUNT /* 9 .. 255: types we do not serve ("other") */
};

enum dhcp_opt {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_REQ_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAMS = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_FQDN = 81,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_SEARCH = 119,
	DHCP_OPT_CLASSLESS = 121,
	DHCP_OPT_END = 255
};

/* Option 52 (RFC 2132 §9.3) */
#define DHCP_OVERLOAD_FILE 1
#define DHCP_OVERLOAD_SNAME 2

/* Untrusted bytes: a view that is only read through dhcp_wire_get(). */
struct dhcp_buf {
	const uint8_t *p; /* NULL: absent */
	size_t len;
};

/* n bytes at off inside b, or NULL if any of them lies outside. */
static inline const uint8_t *dhcp_wire_get(const struct dhcp_buf *b,
					   size_t off, size_t n)
{
	if (!b->p || off > b->len || n > b->len - off)
		return NULL;
	return b->p + off;
}

/* A parsed request. Large (DHCP_PKT_MAX of option data): keep one per
 * context, not on a small stack. */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t type;	  /* option 53 (1 .. 255) */
	uint8_t overload; /* option 52, 0 if absent */
	uint8_t present[32];
	uint16_t ncodes;	  /* codes[0 .. ncodes): present, as first seen */
	uint8_t codes[256];
	uint16_t opt_off[256], opt_len[256];
	uint8_t data[DHCP_PKT_MAX];
};

/* Parse pkt (a UDP payload). DHCP_R_NONE and m filled, or the reason the
 * message is unusable (then m is partly filled and must not be used). */
enum dhcp_reason dhcp_wire_parse(const uint8_t *pkt, size_t len,
				 struct dhcp_msg *m);

bool dhcp_wire_has(const struct dhcp_msg *m, uint8_t code);
/* The concatenated value of option code ({NULL, 0} if absent; a present
 * option may have length 0). */
struct dhcp_buf dhcp_wire_opt(const struct dhcp_msg *m, uint8_t code);
/* A 4-byte address option (50, 54) into *ip; -ENOENT if absent. The
 * parser already refused those options with other lengths. */
int dhcp_wire_opt_ip(const struct dhcp_msg *m, uint8_t code, uint32_t *ip);
/* Option 57 as the longest DHCP message (UDP payload) we may send: at
 * least 548, at most cap. */
size_t dhcp_wire_reply_limit(const struct dhcp_msg *m, size_t cap);

/* Fields of a reply's fixed header that the server chooses; the rest is
 * copied from the request (xid, flags, giaddr, htype, hlen, chaddr). */
struct dhcp_reply_hdr {
	uint8_t type; /* option 53 value, written first */
	uint16_t flags; /* ORed into the request's flags */
	uint32_t ciaddr, yiaddr, siaddr;
	const char *file; /* NULL or NUL-terminated, at most 127 chars */
};

/* A reply being built: p[0 .. len) written, never beyond limit. */
struct dhcp_out {
	uint8_t *p;
	size_t len, limit;
};

/* Start a BOOTREPLY to req in buf: header, cookie, option 53. limit is
 * the longest message allowed (dhcp_wire_reply_limit). -ENOSPC if limit
 * is below DHCP_BOOTP_MIN. */
int dhcp_wire_reply_start(struct dhcp_out *o, uint8_t *buf, size_t limit,
			  const struct dhcp_msg *req,
			  const struct dhcp_reply_hdr *h);
/* Append option code with value data[0 .. len), as consecutive instances
 * of at most 255 bytes when longer (RFC 3396). All or nothing: -ENOSPC if
 * it would leave no room for the end option (the reply is unchanged). */
int dhcp_wire_put(struct dhcp_out *o, uint8_t code, const void *data,
		  size_t len);
int dhcp_wire_put_u32(struct dhcp_out *o, uint8_t code, uint32_t v);
int dhcp_wire_put_u16(struct dhcp_out *o, uint8_t code, uint16_t v);
/* End option, then zero padding up to DHCP_BOOTP_MIN. The message length. */
size_t dhcp_wire_finish(struct dhcp_out *o);

/* "DHCPDISCOVER", ...; "DHCP-OTHER" for types we do not serve. */
const char *dhcp_wire_type_name(unsigned type);

#endif /* KVNET_DHCP_WIRE_H */
