/* SPDX-License-Identifier: GPL-2.0-only */
/* DHCP option values with a structure of their own: client host names
 * (option 12, option 81 of RFC 4702) and their sanitising, the domain
 * search list (option 119, RFC 3397) and classless static routes (option
 * 121, RFC 3442). Encoders write into a caller's buffer and return the
 * length; the reply builder splits long values (RFC 3396).
 */
#ifndef KVNET_DHCP_OPT_H
#define KVNET_DHCP_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_wire.h"

/* A sanitised host name: one label, at most 63 characters, plus NUL. */
#define DHCP_HOSTNAME_MAX 64
/* A domain name as text: at most 253 characters, plus NUL. */
#define DHCP_DOMAIN_MAX 254

/* Option 81 flags (RFC 4702 §2.1) */
#define DHCP_FQDN_S 0x01 /* the server should do the A RR update */
#define DHCP_FQDN_O 0x02 /* the server overrode the client's S */
#define DHCP_FQDN_E 0x04 /* the name is in canonical wire format */
#define DHCP_FQDN_N 0x08 /* the server should do no DNS update */

struct dhcp_fqdn {
	uint8_t flags;
	char name[256]; /* dotted text, "" if the client sent none */
};

/* One classless static route (RFC 3442): dst/prefix via gw. */
struct dhcp_route {
	uint32_t dst;
	uint8_t prefix;
	uint32_t gw;
};

/* dnsmasq-like host name from untrusted bytes: the first label only (up
 * to '.' or NUL), lower-cased; '_' and ' ' become '-', any other byte
 * outside [A-Za-z0-9-] is dropped; no leading or trailing '-'; at most 63
 * characters. -EINVAL if nothing is left. */
int dhcp_opt_hostname(const struct dhcp_buf *in, char out[DHCP_HOSTNAME_MAX]);
/* The same for a NUL-terminated string (reservation names). */
int dhcp_opt_hostname_str(const char *in, char out[DHCP_HOSTNAME_MAX]);

/* Option 81's value: flags, the two RCODEs, then the name, in canonical
 * wire format (E set; labels, possibly without the root label) or ASCII
 * (E clear, the deprecated form). -EINVAL if malformed. */
int dhcp_opt_fqdn_parse(const struct dhcp_buf *v, struct dhcp_fqdn *f);

/* The client's host name, sanitised: from option 81 when it holds a name,
 * else option 12. -ENOENT if the client gave no usable name. */
int dhcp_opt_client_name(const struct dhcp_msg *m, char out[DHCP_HOSTNAME_MAX]);

/* True if name is a domain name we can encode: labels of 1..63 chars of
 * [A-Za-z0-9_-], at most 253 chars, an optional trailing dot. */
bool dhcp_opt_domain_valid(const char *name);

/* Option 119: each name in uncompressed label form (RFC 1035 §3.1; RFC
 * 3397 §2 allows compression, which we do not need). Length, -EINVAL for
 * a name dhcp_opt_domain_valid refuses, -ENOSPC. */
int dhcp_opt_search(const char (*names)[DHCP_DOMAIN_MAX], int n, uint8_t *out,
		    size_t cap);

/* Option 121: routes, then 0.0.0.0/0 via router when router != 0 (RFC
 * 3442: a client that gets option 121 ignores option 3). Length,
 * -EINVAL for a prefix over 32, -ENOSPC. */
int dhcp_opt_routes(const struct dhcp_route *r, int n, uint32_t router,
		    uint8_t *out, size_t cap);

/* Option 81 in a reply: flags, RCODEs 255 (RFC 4702 §2.2), name (host
 * name + "." + domain when domain is not "") in the encoding the client
 * used. Length, or -ENOSPC. */
int dhcp_opt_fqdn_reply(uint8_t flags, const char *host, const char *domain,
			uint8_t *out, size_t cap);

#endif /* KVNET_DHCP_OPT_H */
