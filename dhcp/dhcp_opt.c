// SPDX-License-Identifier: GPL-2.0-only
/* Structured DHCP option values (see dhcp_opt.h): host names in, domain
 * search lists, classless routes and FQDN replies out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dhcp/dhcp_opt.h"

/* The byte a host name keeps for c, or 0 to drop it. */
static char dhcp_opt_host_char(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
		return (char)c;
	if (c == '_' || c == ' ')
		return '-';
	return 0;
}

/*
 * RFC 1123 §2.1 host names: letters, digits and hyphens, not starting or
 * ending with a hyphen; RFC 1035 §2.3.4: labels are 63 octets or less.
 */
int dhcp_opt_hostname(const struct dhcp_buf *in, char out[DHCP_HOSTNAME_MAX])
{
	const uint8_t *c;
	size_t i, n = 0;
	char ch;

	for (i = 0; (c = dhcp_wire_get(in, i, 1)) && *c != '.' && *c; i++) {
		ch = dhcp_opt_host_char(*c);
		if (!ch || (ch == '-' && n == 0))
			continue;
		if (n == DHCP_HOSTNAME_MAX - 1)
			break;
		out[n++] = ch;
	}
	while (n && out[n - 1] == '-')
		n--;
	/* the whole buffer, so records holding it compare and persist
	 * byte for byte */
	memset(out + n, 0, DHCP_HOSTNAME_MAX - n);
	return n ? 0 : -EINVAL;
}

int dhcp_opt_hostname_str(const char *in, char out[DHCP_HOSTNAME_MAX])
{
	struct dhcp_buf b = { (const uint8_t *)in, in ? strlen(in) : 0 };

	return dhcp_opt_hostname(&b, out);
}

/* RFC 1035 §3.1 labels into dotted text. A name without the root label
 * is a partial name (RFC 4702 §2.3.1), which is fine; nothing may follow
 * the root label. */
static int dhcp_opt_labels(const struct dhcp_buf *b, char out[256])
{
	const uint8_t *l, *s;
	size_t off = 0, n = 0;

	while ((l = dhcp_wire_get(b, off, 1)) && *l) {
		s = dhcp_wire_get(b, off + 1, *l);
		if (*l > 63 || !s || n + 1 + *l > 253)
			return -EINVAL;
		if (n)
			out[n++] = '.';
		memcpy(out + n, s, *l);
		n += *l;
		off += 1u + *l;
	}
	out[n] = '\0';
	if (l && off + 1 != b->len)
		return -EINVAL;
	return 0;
}

/* The deprecated ASCII form: text, maybe NUL-terminated, maybe with a
 * trailing dot. */
static int dhcp_opt_ascii(const struct dhcp_buf *b, char out[256])
{
	const uint8_t *c;
	size_t n = 0;

	while ((c = dhcp_wire_get(b, n, 1)) && *c) {
		if (n == 255)
			return -EINVAL;
		out[n++] = (char)*c;
	}
	if (n && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	return 0;
}

/*
 * RFC 4702 §2: "Code Len Flags RCODE1 RCODE2 Domain Name", the flags
 * "0 1 2 3 4 5 6 7 / MBZ |N|E|O|S|"; §2.3: "the E bit indicates the
 * encoding of the Domain Name field. 1 indicates canonical wire format,
 * without compression ... 0 indicates the now-deprecated ASCII encoding".
 */
int dhcp_opt_fqdn_parse(const struct dhcp_buf *v, struct dhcp_fqdn *f)
{
	const uint8_t *h = dhcp_wire_get(v, 0, 3);
	struct dhcp_buf name;

	f->name[0] = '\0';
	if (!h)
		return -EINVAL;
	f->flags = h[0];
	name.p = dhcp_wire_get(v, 3, v->len - 3);
	name.len = v->len - 3;
	if (f->flags & DHCP_FQDN_E)
		return dhcp_opt_labels(&name, f->name);
	return dhcp_opt_ascii(&name, f->name);
}

int dhcp_opt_client_name(const struct dhcp_msg *m, char out[DHCP_HOSTNAME_MAX])
{
	struct dhcp_buf v = dhcp_wire_opt(m, DHCP_OPT_FQDN);
	struct dhcp_fqdn f;

	if (v.p && dhcp_opt_fqdn_parse(&v, &f) == 0 &&
	    dhcp_opt_hostname_str(f.name, out) == 0)
		return 0;
	v = dhcp_wire_opt(m, DHCP_OPT_HOSTNAME);
	if (v.p && dhcp_opt_hostname(&v, out) == 0)
		return 0;
	return -ENOENT;
}

static bool dhcp_opt_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool dhcp_opt_domain_valid(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len && name[len - 1] == '.')
		len--;
	if (!len || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (!dhcp_opt_label_char(name[i]) || ++label > 63) {
			return false;
		}
	}
	return label > 0;
}

/* One domain name as labels ending in the root label. */
static int dhcp_opt_encode_name(const char *name, uint8_t *out, size_t cap)
{
	size_t n = 0, len;
	const char *dot;

	if (!dhcp_opt_domain_valid(name))
		return -EINVAL;
	while (*name) {
		dot = strchr(name, '.');
		len = dot ? (size_t)(dot - name) : strlen(name);
		if (n + 1 + len > cap)
			return -ENOSPC;
		out[n++] = (uint8_t)len;
		memcpy(out + n, name, len);
		n += len;
		name += len + (dot ? 1 : 0);
	}
	if (n + 1 > cap)
		return -ENOSPC;
	out[n++] = 0;
	return (int)n;
}

int dhcp_opt_search(const char (*names)[DHCP_DOMAIN_MAX], int n, uint8_t *out,
		    size_t cap)
{
	size_t len = 0;
	int i, rc;

	for (i = 0; i < n; i++) {
		rc = dhcp_opt_encode_name(names[i], out + len, cap - len);
		if (rc < 0)
			return rc;
		len += (size_t)rc;
	}
	return (int)len;
}

/*
 * RFC 3442 §2: each route is "a destination descriptor, followed by the
 * router address": the width of the subnet mask, then "the significant
 * octets of the subnet number" (width 0: none; 1-8: one; ... 25-32: four).
 */
static int dhcp_opt_route(uint32_t dst, uint8_t prefix, uint32_t gw,
			  uint8_t *out, size_t cap)
{
	size_t octets = (prefix + 7u) / 8, n = 0, i;
	uint32_t mask;

	if (prefix > 32)
		return -EINVAL;
	mask = prefix ? ~0u << (32 - prefix) : 0;
	if (1 + octets + 4 > cap)
		return -ENOSPC;
	dst &= mask;
	out[n++] = prefix;
	for (i = 0; i < octets; i++)
		out[n++] = (uint8_t)(dst >> (24 - 8 * i));
	for (i = 0; i < 4; i++)
		out[n++] = (uint8_t)(gw >> (24 - 8 * i));
	return (int)n;
}

int dhcp_opt_routes(const struct dhcp_route *r, int n, uint32_t router,
		    uint8_t *out, size_t cap)
{
	size_t len = 0;
	int i, rc;

	for (i = 0; i <= n; i++) {
		if (i == n && !router)
			break;
		if (i == n)
			rc = dhcp_opt_route(0, 0, router, out + len, cap - len);
		else
			rc = dhcp_opt_route(r[i].dst, r[i].prefix, r[i].gw,
					    out + len, cap - len);
		if (rc < 0)
			return rc;
		len += (size_t)rc;
	}
	return (int)len;
}

int dhcp_opt_fqdn_reply(uint8_t flags, const char *host, const char *domain,
			uint8_t *out, size_t cap)
{
	char name[DHCP_HOSTNAME_MAX + DHCP_DOMAIN_MAX + 1];
	size_t len;
	int rc;

	if (cap < 3)
		return -ENOSPC;
	out[0] = flags, out[1] = 255, out[2] = 255;
	snprintf(name, sizeof(name), "%s%s%s", host, domain[0] ? "." : "",
		 domain);
	if (flags & DHCP_FQDN_E) {
		rc = dhcp_opt_encode_name(name, out + 3, cap - 3);
		return rc < 0 ? rc : rc + 3;
	}
	len = strlen(name);
	if (3 + len > cap)
		return -ENOSPC;
	memcpy(out + 3, name, len);
	return (int)(3 + len);
}
