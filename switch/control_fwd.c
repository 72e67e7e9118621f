// SPDX-License-Identifier: GPL-2.0-only
/* The control protocol's port forward commands (docs/protocol.md):
 * forward.add, forward.del and forward.list of a nat network. The
 * arguments are checked here; what may be forwarded, and to where, is the
 * network's to say (network_fwd.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "switch/control_int.h"
#include "switch/network_int.h"

/* A port, as a JSON integer or a decimal string, 1..65535. */
static int arg_port(json_t *args, const char *key, struct kv_error *e)
{
	json_t *v = json_object_get(args, key);
	json_int_t i;
	int p;

	if (!v)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "missing argument '%s'", key);
	if (json_is_integer(v)) {
		i = json_integer_value(v);
		if (i >= 1 && i <= 65535)
			return (int)i;
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid %s %lld: use 1-65535", key,
			       (long long)i);
	}
	p = json_is_string(v) ? net_fwd_port_parse(json_string_value(v)) : -EINVAL;
	if (p < 0 && json_is_string(v))
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid %s '%.20s': use 1-65535",
			       key, json_string_value(v));
	if (p < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "argument '%s' must be a port", key);
	return p;
}

/* proto and host_port of a request: the forward's key. */
static int arg_fwd_key(json_t *args, struct net_fwd *f, struct kv_error *e)
{
	const char *proto = arg_str(args, "proto", true, e);
	int port, p;

	if (!proto)
		return -EINVAL;
	p = net_fwd_proto_parse(proto);
	if (p < 0)
		return kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid protocol '%.20s': use tcp "
			       "or udp", proto);
	port = arg_port(args, "host_port", e);
	if (port < 0)
		return port;
	memset(f, 0, sizeof(*f));
	f->proto = (uint8_t)p;
	f->host_port = (uint16_t)port;
	return 0;
}

json_t *control_fwd_add(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	struct net_fwd f;
	const char *to;

	if (!n || arg_fwd_key(args, &f, e) < 0)
		return NULL;
	to = arg_str(args, "to", true, e);
	if (!to)
		return NULL;
	if (net_fwd_to_parse(to, &f.to, &f.to_port) < 0) {
		kv_fail(e, KV_ERR_INVALID, -EINVAL, "invalid target '%.40s': use IPv4:PORT, "
			"the port 1-65535", to);
		return NULL;
	}
	if (netw_fwd_add(d, n, &f, e) < 0)
		return NULL;
	return json_pack("{s:b}", "active", netw_fwd_active(n, f.proto, f.host_port));
}

json_t *control_fwd_del(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	struct net_fwd f;

	if (!n || arg_fwd_key(args, &f, e) < 0 || netw_fwd_del(d, n, f.proto, f.host_port, e) < 0)
		return NULL;
	return json_object();
}

static json_t *render_fwd(const struct kv_network *n, const struct net_fwd *f)
{
	char ip[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN + 8];

	inet_ntop(AF_INET, &f->to, ip, sizeof(ip));
	snprintf(to, sizeof(to), "%s:%u", ip, f->to_port);
	return json_pack("{s:s,s:i,s:s,s:s,s:i,s:b}", "proto", net_fwd_proto_name(f->proto),
			 "host_port", (int)f->host_port, "to", to, "to_addr", ip, "to_port",
			 (int)f->to_port, "active", netw_fwd_active(n, f->proto, f->host_port));
}

json_t *control_fwd_list(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = arg_net(d, args, "net", e);
	json_t *list;

	if (!n)
		return NULL;
	list = json_array();
	for (int i = 0; list && i < n->def.nforwards; i++)
		json_array_append_new(list, render_fwd(n, &n->def.forwards[i]));
	return list;
}
