// SPDX-License-Identifier: GPL-2.0-only
/* `kvnet conntrack NET`: the network's live flows, each as it came in and
 * as it was translated, with its state, the time left and counters
 * ({"net"} -> [{"proto", "state", "expires_in", "src", "dst", "xlate_src",
 * "xlate_dst", "nat", "packets", "bytes", "reply_packets", "reply_bytes"},
 * ...]). Addresses are "a.b.c.d:port"; ICMP echo shows the identifier as
 * the port of the side that chose it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "nat/ct_text.h"
#include "switch/control_int.h"
#include "switch/dp_nat.h"
#include "switch/network_int.h"

/* "a.b.c.d:port" (or "a.b.c.d" for ICMP that is not echo). */
static json_t *ct_endpoint(uint32_t addr, uint16_t port, unsigned proto)
{
	char a[INET_ADDRSTRLEN], buf[INET_ADDRSTRLEN + 8];
	struct in_addr in = { .s_addr = addr };

	inet_ntop(AF_INET, &in, a, sizeof(a));
	if (proto == KVNET_IPPROTO_ICMP && !port)
		return json_string(a);
	snprintf(buf, sizeof(buf), "%s:%u", a, ntohs(port));
	return json_string(buf);
}

static const char *ct_nat_kind(uint16_t flags)
{
	if ((flags & KVNET_CT_SNAT) && (flags & KVNET_CT_DNAT))
		return "snat+dnat";
	if (flags & KVNET_CT_DNAT)
		return "dnat";
	return flags & KVNET_CT_SNAT ? "snat" : "none";
}

static json_t *ct_render(const struct dp_ct_flow *f)
{
	const struct kvnet_ct_key *o = &f->orig, *x = &f->val.xlate;
	json_t *j = json_object();
	char pbuf[16];

	json_object_set_new(j, "proto", json_string(nat_proto_name(o->proto, pbuf,
								    sizeof(pbuf))));
	json_object_set_new(j, "state", json_string(nat_ct_state_name(o->proto, f->val.state)));
	json_object_set_new(j, "expires_in", json_integer(f->expires_in_ns / 1000000000LL));
	json_object_set_new(j, "src", ct_endpoint(o->saddr, o->sport, o->proto));
	json_object_set_new(j, "dst", ct_endpoint(o->daddr, o->dport, o->proto));
	json_object_set_new(j, "xlate_src", ct_endpoint(x->saddr, x->sport, x->proto));
	json_object_set_new(j, "xlate_dst", ct_endpoint(x->daddr, x->dport, x->proto));
	json_object_set_new(j, "nat", json_string(ct_nat_kind(f->val.flags)));
	json_object_set_new(j, "packets", json_integer((json_int_t)f->val.packets));
	json_object_set_new(j, "bytes", json_integer((json_int_t)f->val.bytes));
	json_object_set_new(j, "reply_packets", json_integer((json_int_t)f->reply.packets));
	json_object_set_new(j, "reply_bytes", json_integer((json_int_t)f->reply.bytes));
	return j;
}

json_t *control_conntrack(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = control_arg_active_net(d, args, e);
	struct dp_ct_flow *flows = NULL;
	json_t *list;
	int nflows, ret;

	if (!n)
		return NULL;
	if (!netw_routes(&n->def)) {
		kv_fail(e, KV_ERR_STATE, -EINVAL, "network '%s' does not route (mode '%s'): "
			"it tracks no connections", n->def.name, net_mode_name(n->def.mode));
		return NULL;
	}
	if (!d->nat) {
		kv_fail(e, KV_ERR_SYSTEM, -ENOSYS, "the NAT datapath is not loaded");
		return NULL;
	}
	ret = dp_nat_flows(d->nat, netw_net_id(&n->def), &flows, &nflows);
	if (ret < 0) {
		kv_fail(e, KV_ERR_SYSTEM, ret, "cannot read the conntrack table: %s",
			strerror(-ret));
		return NULL;
	}
	list = json_array();
	for (int i = 0; i < nflows; i++)
		json_array_append_new(list, ct_render(&flows[i]));
	free(flows);
	return list;
}

/* The uplink programs' counters (daemon-wide: they serve every routing
 * network), as one more row of `kvnet stats` for a network that routes:
 * rx what came back in translated or routed, tx what left translated,
 * and the drops no switch port saw (unsolicited traffic for a NAT
 * subnet, above all); of tx, those the switches' established-flow path
 * translated (ebpf/lib/fastpath.h). */
json_t *control_ct_stats_row(struct kvnetd *d)
{
	uint64_t c[KVNET_NAT_STAT_SLOTS];
	json_t *drops = json_object();
	json_int_t total = 0;

	if (dp_nat_stats(d->nat, c) < 0)
		memset(c, 0, sizeof(c));
	for (unsigned r = 1; r < KVNET_DROP_MAX; r++) {
		if (!c[r])
			continue;
		json_object_set_new(drops, dp_drop_name(r), json_integer((json_int_t)c[r]));
		total += (json_int_t)c[r];
	}
	return json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I}", "port", "(uplinks)",
			 "ifindex", 0, "rx_packets",
			 (json_int_t)c[KVNET_NAT_EV_XLATE_IN] + (json_int_t)c[KVNET_NAT_EV_ROUTED_IN],
			 "rx_bytes", (json_int_t)0, "tx_packets",
			 (json_int_t)c[KVNET_NAT_EV_XLATE_OUT], "tx_bytes", (json_int_t)0,
			 "flood_packets", (json_int_t)0, "drops", drops, "drops_total", total,
			 "flows_created", (json_int_t)c[KVNET_NAT_EV_NEW_FLOW],
			 "fastpath_packets", (json_int_t)c[KVNET_NAT_EV_FAST]);
}
