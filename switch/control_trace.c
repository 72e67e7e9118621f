// SPDX-License-Identifier: GPL-2.0-only
/* The `trace` command (docs/protocol.md): checks the network, the port and
 * the coarse keys, answers with one line, and then hands the connection
 * to a trace session (switch/trace.c), which streams the events on it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "switch/control_int.h"
#include "switch/network_int.h"
#include "switch/trace.h"

struct trace_req {
	struct kvnet_trace_filter f;
	char port[IFNAMSIZ]; /* "" for every port */
	bool answered;	     /* the first line is out */
};

/* keys[name] as an integer in [0, max]: 0 if absent. */
static int trace_key_uint(json_t *keys, const char *name, long max, long *out,
			  struct kv_error *e)
{
	json_t *v = json_object_get(keys, name);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "trace key '%s' must be an integer from 0 to %ld", name, max);
	*out = (long)json_integer_value(v);
	return 0;
}

static int trace_key_addrs(json_t *keys, struct kvnet_trace_filter *f, struct kv_error *e)
{
	const char *ip = json_string_value(json_object_get(keys, "ip"));
	const char *mac = json_string_value(json_object_get(keys, "mac"));

	if (json_object_get(keys, "ip") && (!ip || inet_pton(AF_INET, ip, &f->ip) != 1))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "trace key 'ip' must be an IPv4 address");
	if (json_object_get(keys, "mac") && (!mac || kv_mac_parse(mac, f->mac) < 0))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL,
			       "trace key 'mac' must be a MAC address");
	f->has_mac = mac != NULL;
	return 0;
}

/* args["keys"]: {ethertype, ip_proto, l4_port, ip, mac}, each optional. */
static int trace_keys(json_t *args, struct kvnet_trace_filter *f, struct kv_error *e)
{
	json_t *keys = json_object_get(args, "keys");
	long et, proto, port;

	if (!keys)
		return 0;
	if (!json_is_object(keys))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "argument 'keys' must be an object");
	if (trace_key_uint(keys, "ethertype", 0xffff, &et, e) < 0 ||
	    trace_key_uint(keys, "ip_proto", 255, &proto, e) < 0 ||
	    trace_key_uint(keys, "l4_port", 65535, &port, e) < 0 ||
	    trace_key_addrs(keys, f, e) < 0)
		return -EINVAL;
	f->ethertype = (__u16)et;
	f->ip_proto = (__u8)proto;
	f->l4_port = (__u16)port;
	return 0;
}

/* First call: the answer line. Second (its line out): the connection
 * goes to a new session, or, if that fails now, a last line says why. */
static int trace_next(struct kvnetd *d, struct control_stream *s, FILE *f, struct kv_error *e)
{
	struct trace_req *r = s->priv;
	struct kv_network *n = netw_find(d, s->net);
	struct kv_error err = { 0 };
	json_t *o;
	char *text;

	if (!r->answered) {
		r->answered = true;
		o = json_pack("{s:b,s:{s:s,s:s}}", "ok", 1, "result", "net", s->net, "port",
			      r->port[0] ? r->port : "*");
		text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!text)
			return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
		fprintf(f, "%s\n", text);
		free(text);
		return 1;
	}
	if (s->conn_fd < 0) /* not on a socket (control_handle) */
		return 0;
	if (!n || !n->active)
		kv_fail(&err, KV_ERR_STATE, -ENOENT, "network '%s' is not active", s->net);
	else
		trace_open(d, n, &r->f, dup(s->conn_fd), &err);
	if (err.code) {
		o = json_pack("{s:s}", "end", err.msg);
		text = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (text)
			fprintf(f, "%s\n", text);
		free(text);
	}
	return 0;
}

int control_trace_open(struct kvnetd *d, json_t *args, struct control_stream **out,
		       struct kv_error *e)
{
	struct kv_network *n = control_arg_active_net(d, args, e);
	const char *port = json_object_get(args, "port") ? arg_str(args, "port", true, e) : NULL;
	struct control_stream *s;
	struct trace_req *r;
	struct kv_port *p = NULL;

	if (!n || e->code)
		return -EINVAL;
	if (port && !(p = netw_port_by_name(n, port)))
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' has no port '%s'",
			       n->def.name, port);
	s = calloc(1, sizeof(*s));
	r = calloc(1, sizeof(*r));
	if (!s || !r) {
		free(s);
		free(r);
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	}
	s->priv = r;
	s->conn_fd = -1;
	if (trace_keys(args, &r->f, e) < 0) {
		control_stream_free(s);
		return -EINVAL;
	}
	if (p) {
		r->f.ifindex = (__u32)p->ifindex;
		snprintf(r->port, sizeof(r->port), "%s", p->iface);
	}
	s->next = trace_next;
	snprintf(s->net, sizeof(s->net), "%s", n->def.name);
	*out = s;
	return 0;
}
