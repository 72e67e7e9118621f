// SPDX-License-Identifier: GPL-2.0-only
/* Lease records as JSON lines and libvirt's status array (see
 * dhcp_json.h), through jansson.
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

static json_t *dhcp_json_status_one(const struct dhcp_lease_rec *r)
{
	char ip[INET_ADDRSTRLEN], hex[3 * DHCP_ID_MAX + 1];
	json_t *o = json_object();
	int rc;

	if (!o)
		return NULL;
	dhcp_json_ip(r->ip, ip);
	dhcp_json_hex(r->chaddr, r->hlen <= DHCP_CHADDR_LEN ? r->hlen : 0, hex);
	rc = dhcp_json_set(o, "ip-address", json_string(ip));
	if (rc == 0)
		rc = dhcp_json_set(o, "mac-address", json_string(hex));
	if (rc == 0 && r->hostname[0])
		rc = dhcp_json_set(o, "hostname", json_string(r->hostname));
	if (rc == 0 && r->has_cid) {
		dhcp_json_hex(r->id, r->id_len, hex);
		rc = dhcp_json_set(o, "client-id", json_string(hex));
	}
	if (rc == 0 && r->expiry)
		rc = dhcp_json_set(o, "expiry-time",
				   json_integer((json_int_t)r->expiry));
	if (rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int dhcp_json_status(const struct dhcp_lease_rec *recs, size_t n, uint64_t now,
		     char **out)
{
	json_t *a = json_array(), *o;
	size_t i;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (recs[i].state != DHCP_LEASE_BOUND ||
		    (recs[i].expiry && recs[i].expiry <= now))
			continue;
		o = dhcp_json_status_one(&recs[i]);
		if (!o || json_array_append_new(a, o) < 0)
			goto fail;
	}
	*out = json_dumps(a, JSON_INDENT(2));
	json_decref(a);
	return *out ? 0 : -ENOMEM;
fail:
	json_decref(a);
	return -ENOMEM;
}
