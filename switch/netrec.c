// SPDX-License-Identifier: GPL-2.0-only
/* The runtime record's codec (see netrec.h), through jansson. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "common/addr.h"
#include "common/guest.h"
#include "switch/netrec.h"
#include "switch/netxml.h"

#define NETREC_VERSION 2

static const char *const netrec_states[NETREC_STATE_COUNT] = { "starting", "active",
								"stopping" };
static const char *const netrec_ops[NETREC_OP_COUNT] = { "", "adding", "removing" };
static const char *const netrec_kinds[NETREC_KIND_COUNT] = { "other", "veth", "tap",
							      "gateway", "uplink" };

const char *netrec_state_name(enum netrec_state s)
{
	return s < NETREC_STATE_COUNT ? netrec_states[s] : "?";
}

const char *netrec_op_name(enum netrec_op op)
{
	return op < NETREC_OP_COUNT ? netrec_ops[op] : "?";
}

const char *netrec_kind_name(enum netrec_kind k)
{
	return k < NETREC_KIND_COUNT ? netrec_kinds[k] : "?";
}

static json_t *netrec_addrs_json(const struct netrec_port *p)
{
	json_t *a = json_array();
	char ip[INET_ADDRSTRLEN];

	for (int i = 0; a && i < p->naddrs; i++) {
		struct in_addr in = { p->addrs[i] };

		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		json_array_append_new(a, json_string(ip));
	}
	return a;
}

static json_t *netrec_port_json(const struct netrec_port *p)
{
	json_t *o = json_pack("{s:s,s:i,s:i,s:s,s:b,s:b}", "iface", p->iface, "ifindex",
			      p->ifindex, "dev_ifindex", p->dev_ifindex, "kind",
			      netrec_kind_name(p->kind), "owned", p->owned, "trusted",
			      p->trusted);
	char mac[18];

	if (o && p->has_guest_mac) {
		kv_mac_format(p->guest_mac, mac);
		json_object_set_new(o, "guest_mac", json_string(mac));
	}
	if (o && p->naddrs)
		json_object_set_new(o, "addrs", netrec_addrs_json(p));
	if (o && p->op != NETREC_OP_NONE)
		json_object_set_new(o, "op", json_string(netrec_op_name(p->op)));
	if (o && p->promisc)
		json_object_set_new(o, "promisc", json_true());
	if (o && p->guest[0])
		json_object_set_new(o, "guest", json_string(p->guest));
	return o;
}

char *netrec_encode(const struct netrec *r)
{
	json_t *ports = json_array(), *root;
	char uuid[37], *text;

	for (int i = 0; ports && i < r->nports; i++)
		json_array_append_new(ports, netrec_port_json(&r->ports[i]));
	netxml_uuid_format(r->uuid, uuid);
	root = json_pack("{s:i,s:s,s:s,s:s,s:o}", "version", NETREC_VERSION, "state",
			 netrec_state_name(r->state), "uuid", uuid, "xml",
			 r->xml ? r->xml : "", "ports", ports);
	text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return text;
}

/* ---- decoding --------------------------------------------------------- */

struct netrec_dec {
	char *err;
	size_t errlen;
};

static int netrec_fail(struct netrec_dec *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int netrec_fail(struct netrec_dec *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The value of key in o, which must have type (or be absent if optional). */
static json_t *netrec_get(struct netrec_dec *x, json_t *o, const char *key, json_type type,
			  bool optional, int *ret)
{
	static const char *const names[] = { [JSON_OBJECT] = "an object",
		[JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_TRUE] = "true or false" };
	json_t *v = json_object_get(o, key);
	json_type t = v ? json_typeof(v) : JSON_NULL;

	if (t == JSON_FALSE)
		t = JSON_TRUE;
	if (!v && optional)
		return NULL;
	if (!v || t != type) {
		*ret = netrec_fail(x, "\"%s\" %s %s", key, v ? "is not" : "is missing, want",
				   names[type]);
		return NULL;
	}
	return v;
}

static int netrec_name_of(struct netrec_dec *x, const char *key, const char *s,
			  const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i][0] && !strcmp(s, names[i]))
			return i;
	return netrec_fail(x, "\"%s\" has an unknown value \"%s\"", key, s);
}

static int netrec_port_strings(struct netrec_dec *x, json_t *o, struct netrec_port *p)
{
	int ret = 0, k;
	json_t *iface = netrec_get(x, o, "iface", JSON_STRING, false, &ret);
	json_t *kind = netrec_get(x, o, "kind", JSON_STRING, false, &ret);
	json_t *mac = netrec_get(x, o, "guest_mac", JSON_STRING, true, &ret);
	json_t *op = netrec_get(x, o, "op", JSON_STRING, true, &ret);
	json_t *guest = netrec_get(x, o, "guest", JSON_STRING, true, &ret);

	if (ret < 0)
		return ret;
	if (guest && !kv_guest_name_ok(json_string_value(guest)))
		return netrec_fail(x, "\"guest\" is no guest name");
	if (guest)
		snprintf(p->guest, sizeof(p->guest), "%s", json_string_value(guest));
	if (strlen(json_string_value(iface)) >= IFNAMSIZ || !json_string_value(iface)[0])
		return netrec_fail(x, "\"iface\" is no interface name");
	snprintf(p->iface, sizeof(p->iface), "%s", json_string_value(iface));
	k = netrec_name_of(x, "kind", json_string_value(kind), netrec_kinds, NETREC_KIND_COUNT);
	if (k < 0)
		return k;
	p->kind = (enum netrec_kind)k;
	if (mac && kv_mac_parse(json_string_value(mac), p->guest_mac) < 0)
		return netrec_fail(x, "\"guest_mac\" is no MAC address");
	p->has_guest_mac = mac != NULL;
	k = op ? netrec_name_of(x, "op", json_string_value(op), netrec_ops, NETREC_OP_COUNT) : 0;
	if (k < 0)
		return k;
	p->op = (enum netrec_op)k;
	return 0;
}

/* "addrs": optional, IPv4 addresses as strings. */
static int netrec_port_addrs(struct netrec_dec *x, json_t *o, struct netrec_port *p)
{
	int ret = 0;
	json_t *addrs = netrec_get(x, o, "addrs", JSON_ARRAY, true, &ret), *v;
	struct in_addr in;
	size_t i;

	if (ret < 0 || !addrs)
		return ret;
	if (json_array_size(addrs) > NETREC_ADDRS_MAX)
		return netrec_fail(x, "\"addrs\" has more than %d addresses", NETREC_ADDRS_MAX);
	json_array_foreach(addrs, i, v) {
		if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), &in) != 1)
			return netrec_fail(x, "\"addrs\" holds something not an IPv4 address");
		p->addrs[p->naddrs++] = in.s_addr;
	}
	return 0;
}

static int netrec_port(struct netrec_dec *x, json_t *o, struct netrec_port *p)
{
	int ret = 0;
	json_t *ifindex, *dev, *owned, *trusted, *promisc;

	if (!json_is_object(o))
		return netrec_fail(x, "a port is not an object");
	memset(p, 0, sizeof(*p));
	ifindex = netrec_get(x, o, "ifindex", JSON_INTEGER, false, &ret);
	dev = netrec_get(x, o, "dev_ifindex", JSON_INTEGER, false, &ret);
	owned = netrec_get(x, o, "owned", JSON_TRUE, false, &ret);
	trusted = netrec_get(x, o, "trusted", JSON_TRUE, false, &ret);
	promisc = netrec_get(x, o, "promisc", JSON_TRUE, true, &ret);
	if (ret < 0)
		return ret;
	p->promisc = promisc && json_is_true(promisc);
	if (json_integer_value(ifindex) < 0 || json_integer_value(ifindex) > 0x7fffffff ||
	    json_integer_value(dev) < 0 || json_integer_value(dev) > 0x7fffffff)
		return netrec_fail(x, "an ifindex is out of range");
	p->ifindex = (int)json_integer_value(ifindex);
	p->dev_ifindex = (int)json_integer_value(dev);
	p->owned = json_is_true(owned);
	p->trusted = json_is_true(trusted);
	ret = netrec_port_addrs(x, o, p);
	return ret < 0 ? ret : netrec_port_strings(x, o, p);
}

static int netrec_ports(struct netrec_dec *x, json_t *root, struct netrec *r)
{
	int ret = 0;
	json_t *ports = netrec_get(x, root, "ports", JSON_ARRAY, false, &ret), *o;
	size_t i;

	if (ret < 0)
		return ret;
	if (json_array_size(ports) > KVNET_MAX_PORTS)
		return netrec_fail(x, "more than %d ports", KVNET_MAX_PORTS);
	json_array_foreach(ports, i, o) {
		ret = netrec_port(x, o, &r->ports[r->nports]);
		if (ret < 0) {
			char why[160];

			snprintf(why, sizeof(why), "%s", x->err);
			return netrec_fail(x, "port %zu: %s", i, why);
		}
		r->nports++;
	}
	return 0;
}

/* Version 2's header: state, uuid, xml. */
static int netrec_header(struct netrec_dec *x, json_t *root, struct netrec *r)
{
	int ret = 0, k;
	json_t *state = netrec_get(x, root, "state", JSON_STRING, false, &ret);
	json_t *uuid = netrec_get(x, root, "uuid", JSON_STRING, false, &ret);
	json_t *xml = netrec_get(x, root, "xml", JSON_STRING, false, &ret);

	if (ret < 0)
		return ret;
	k = netrec_name_of(x, "state", json_string_value(state), netrec_states,
			   NETREC_STATE_COUNT);
	if (k < 0)
		return k;
	r->state = (enum netrec_state)k;
	if (netxml_uuid_parse(json_string_value(uuid), r->uuid) < 0)
		return netrec_fail(x, "\"uuid\" is no UUID");
	r->has_uuid = true;
	if (json_string_value(xml)[0]) {
		r->xml = strdup(json_string_value(xml));
		if (!r->xml)
			return -ENOMEM;
	}
	return 0;
}

int netrec_decode(const char *text, struct netrec *r, char *err, size_t errlen)
{
	struct netrec_dec x = { err, errlen };
	json_error_t jerr;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *ver;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!root || !json_is_object(root)) {
		ret = netrec_fail(&x, "not a JSON object%s%s", root ? "" : ": ",
				  root ? "" : jerr.text);
		goto out;
	}
	ver = netrec_get(&x, root, "version", JSON_INTEGER, true, &ret);
	r->state = NETREC_ACTIVE;
	/* compared whole: 4294967298 is no version 2 */
	if (!ret && ver && json_integer_value(ver) != 1 &&
	    json_integer_value(ver) != NETREC_VERSION)
		ret = netrec_fail(&x, "unknown version %" JSON_INTEGER_FORMAT,
				  json_integer_value(ver));
	r->version = ver && !ret ? (int)json_integer_value(ver) : 1;
	if (!ret && r->version == NETREC_VERSION)
		ret = netrec_header(&x, root, r);
	if (!ret)
		ret = netrec_ports(&x, root, r);
out:
	json_decref(root);
	if (ret < 0)
		netrec_free(r);
	return ret;
}

void netrec_free(struct netrec *r)
{
	free(r->xml);
	r->xml = NULL;
}
