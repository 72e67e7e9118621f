// SPDX-License-Identifier: GPL-2.0-only
/* Lease records as JSON lines and libvirt's status array (see
 * dhcp_json.h): jansson, except for the status array, which is written
 * out by hand (it is rewritten whole, from the daemon's event loop).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "common/addr.h"
#include "dhcp/dhcp_json.h"

void dhcp_json_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		out[3 * i] = digits[p[i] >> 4];
		out[3 * i + 1] = digits[p[i] & 15];
		out[3 * i + 2] = i + 1 < n ? ':' : '\0';
	}
}

/* "xx:xx:..", at most max bytes; the count, or -1. */
static int dhcp_json_unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi, lo;

	if (!*s)
		return 0;
	for (;;) {
		hi = kv_hex_digit(s[0]);
		lo = hi < 0 ? -1 : kv_hex_digit(s[1]);
		if (lo < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		if (!s[2])
			return (int)n;
		if (s[2] != ':')
			return -1;
		s += 3;
	}
}

static void dhcp_json_ip(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { htonl(ip) };

	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* json_object_set_new that reports failure (a NULL value included). */
static int dhcp_json_set(json_t *o, const char *key, json_t *v)
{
	return v && json_object_set_new(o, key, v) == 0 ? 0 : -ENOMEM;
}

static int dhcp_json_owner(json_t *o, const struct dhcp_lease_rec *r)
{
	char hex[3 * DHCP_ID_MAX + 1];
	int rc = 0;

	if (r->id_len) {
		dhcp_json_hex(r->id, r->id_len, hex);
		rc = dhcp_json_set(o, "id", json_string(hex));
		if (rc == 0 && r->has_cid)
			rc = dhcp_json_set(o, "cid", json_true());
	}
	if (rc == 0 && r->hlen && r->hlen <= DHCP_CHADDR_LEN) {
		dhcp_json_hex(r->chaddr, r->hlen, hex);
		rc = dhcp_json_set(o, "htype", json_integer(r->htype));
		if (rc == 0)
			rc = dhcp_json_set(o, "mac", json_string(hex));
	}
	if (rc == 0 && r->hostname[0])
		rc = dhcp_json_set(o, "hostname", json_string(r->hostname));
	return rc;
}

char *dhcp_json_format_rec(const struct dhcp_lease_rec *r)
{
	char ip[INET_ADDRSTRLEN], *line = NULL;
	json_t *o = json_object();
	int rc;

	if (!o)
		return NULL;
	dhcp_json_ip(r->ip, ip);
	rc = dhcp_json_set(o, "ip", json_string(ip));
	if (rc == 0)
		rc = dhcp_json_set(o, "state",
				   json_string(dhcp_lease_state_name(r->state)));
	if (rc == 0 && r->state != DHCP_LEASE_FREE)
		rc = dhcp_json_owner(o, r);
	if (rc == 0 && r->state != DHCP_LEASE_FREE) {
		rc = dhcp_json_set(o, "expiry", json_integer((json_int_t)r->expiry));
		if (rc == 0)
			rc = dhcp_json_set(o, "port", json_integer(r->port));
	}
	if (rc == 0)
		line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return line;
}

/* Optional string member: NULL if absent; *bad if present and not a
 * string. */
static const char *dhcp_json_str(json_t *o, const char *key, bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (v && !json_is_string(v))
		*bad = true;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Optional integer member in [0, max], default 0. */
static uint64_t dhcp_json_int(json_t *o, const char *key, uint64_t max,
			      bool *bad)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		*bad = true;
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static int dhcp_json_fields(json_t *o, struct dhcp_lease_rec *r,
			    const char **why)
{
	const char *ip, *state, *id, *mac, *host;
	struct in_addr a;
	bool bad = false;
	int n, st;

	ip = dhcp_json_str(o, "ip", &bad);
	state = dhcp_json_str(o, "state", &bad);
	id = dhcp_json_str(o, "id", &bad);
	mac = dhcp_json_str(o, "mac", &bad);
	host = dhcp_json_str(o, "hostname", &bad);
	r->htype = (uint8_t)dhcp_json_int(o, "htype", 255, &bad);
	r->expiry = dhcp_json_int(o, "expiry", INT64_MAX, &bad);
	r->port = (uint32_t)dhcp_json_int(o, "port", UINT32_MAX, &bad);
	r->has_cid = json_is_true(json_object_get(o, "cid"));
	if (bad || !ip || !state)
		return *why = "missing or mistyped member", -EINVAL;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return *why = "bad \"ip\"", -EINVAL;
	r->ip = ntohl(a.s_addr);
	st = dhcp_lease_state_parse(state);
	if (st < 0 || st == DHCP_LEASE_OFFERED)
		return *why = "bad \"state\"", -EINVAL;
	r->state = (uint8_t)st;
	n = id ? dhcp_json_unhex(id, r->id, DHCP_ID_MAX) : 0;
	if (n < 0)
		return *why = "bad \"id\"", -EINVAL;
	r->id_len = (uint8_t)n;
	n = mac ? dhcp_json_unhex(mac, r->chaddr, DHCP_CHADDR_LEN) : 0;
	if (n < 0)
		return *why = "bad \"mac\"", -EINVAL;
	r->hlen = (uint8_t)n;
	if (host && dhcp_opt_hostname_str(host, r->hostname) < 0)
		r->hostname[0] = '\0';
	/* meaningless alone: dropped, so a line formats back the same */
	if (!r->hlen)
		r->htype = 0;
	if (!r->id_len)
		r->has_cid = false;
	return 0;
}

int dhcp_json_parse_rec(const char *line, size_t len, struct dhcp_lease_rec *r,
			const char **why)
{
	json_t *o;
	int rc;

	memset(r, 0, sizeof(*r));
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (!o) {
		*why = "not JSON";
		return -EINVAL;
	}
	if (!json_is_object(o)) {
		*why = "not a JSON object";
		rc = -EINVAL;
	} else {
		rc = dhcp_json_fields(o, r, why);
	}
	json_decref(o);
	return rc;
}

/* libvirt's status array, written out by hand: jansson's objects cost
 * ~4 us a lease (250 ms for 60,000), and the daemon writes this file
 * from its event loop. The text is what json_dumps(JSON_INDENT(2)) gave. */
struct dhcp_json_buf {
	char *p;
	size_t len, cap;
};

static int dhcp_json_reserve(struct dhcp_json_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + more < b->cap)
		return 0;
	while (cap <= b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* The callers reserved room first (dhcp_json_entry_max). */
static void dhcp_json_put(struct dhcp_json_buf *b, const char *s)
{
	size_t n = strlen(s);

	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* A JSON string: quotes, and escapes for '"', '\\' and control bytes
 * (a sanitised host name has none, but nothing here relies on that). */
static void dhcp_json_put_str(struct dhcp_json_buf *b, const char *s)
{
	static const char digits[] = "0123456789abcdef";

	b->p[b->len++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			b->p[b->len++] = '\\';
			b->p[b->len++] = (char)c;
		} else if (c < 0x20) {
			memcpy(b->p + b->len, "\\u00", 4);
			b->p[b->len + 4] = digits[c >> 4];
			b->p[b->len + 5] = digits[c & 15];
			b->len += 6;
		} else {
			b->p[b->len++] = (char)c;
		}
	}
	b->p[b->len++] = '"';
}

static void dhcp_json_put_u64(struct dhcp_json_buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		b->p[b->len++] = tmp[--n];
}

/* Room for one entry at most: the keys and punctuation, an address, two
 * hex strings, a host name escaped at 6 bytes a byte, a number. */
static size_t dhcp_json_entry_max(void)
{
	return 256 + INET_ADDRSTRLEN + 3 * DHCP_CHADDR_LEN + 3 * DHCP_ID_MAX +
	       6 * DHCP_HOSTNAME_MAX + 24;
}

static void dhcp_json_status_one(struct dhcp_json_buf *b, const struct dhcp_lease_rec *r,
				 bool first)
{
	char ip[INET_ADDRSTRLEN], hex[3 * DHCP_ID_MAX + 1];

	dhcp_json_put(b, first ? "\n  {\n    \"ip-address\": " : ",\n  {\n    \"ip-address\": ");
	dhcp_json_ip(r->ip, ip);
	dhcp_json_put_str(b, ip);
	dhcp_json_put(b, ",\n    \"mac-address\": ");
	dhcp_json_hex(r->chaddr, r->hlen <= DHCP_CHADDR_LEN ? r->hlen : 0, hex);
	dhcp_json_put_str(b, hex);
	if (r->hostname[0]) {
		dhcp_json_put(b, ",\n    \"hostname\": ");
		dhcp_json_put_str(b, r->hostname);
	}
	if (r->has_cid) {
		dhcp_json_put(b, ",\n    \"client-id\": ");
		dhcp_json_hex(r->id, r->id_len, hex);
		dhcp_json_put_str(b, hex);
	}
	if (r->expiry) {
		dhcp_json_put(b, ",\n    \"expiry-time\": ");
		dhcp_json_put_u64(b, r->expiry);
	}
	dhcp_json_put(b, "\n  }");
}

int dhcp_json_status(const struct dhcp_lease_rec *recs, size_t n, uint64_t now,
		     char **out)
{
	struct dhcp_json_buf b = { 0 };
	bool first = true;
	size_t i;

	*out = NULL;
	if (dhcp_json_reserve(&b, 8) < 0)
		return -ENOMEM;
	dhcp_json_put(&b, "[");
	for (i = 0; i < n; i++) {
		if (recs[i].state != DHCP_LEASE_BOUND ||
		    (recs[i].expiry && recs[i].expiry <= now))
			continue;
		if (dhcp_json_reserve(&b, dhcp_json_entry_max()) < 0) {
			free(b.p);
			return -ENOMEM;
		}
		dhcp_json_status_one(&b, &recs[i], first);
		first = false;
	}
	if (dhcp_json_reserve(&b, 4) < 0) {
		free(b.p);
		return -ENOMEM;
	}
	dhcp_json_put(&b, first ? "]" : "\n]");
	b.p[b.len] = '\0';
	*out = b.p;
	return 0;
}
