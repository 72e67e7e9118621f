// SPDX-License-Identifier: GPL-2.0-only
/* kvnet L2 switch, tc/tcx ingress of every port of one network. A frame that
 * enters a port is counted, its source MAC learned into the FDB, and it is
 * then redirected to the port its destination MAC lives behind, or flooded
 * to every other port (broadcast, multicast, unknown or aged-out unicast).
 * Drops are counted per ingress port by reason (enum kvnet_drop). Frames on
 * a device that is not a port pass to the host untouched.
 *
 * The helpers live in ebpf/lib/, one concern per header; this file decides.
 */
/* vmlinux.h has a `typedef struct config_s config;` that would take the name
 * of the config map (KVNET_MAP_CONFIG); keep it out of the way. */
#define config kvnet_vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "kvnet_shared.h"
#include "lib/tc.h"
#include "lib/eth.h"
#include "lib/stats.h"
#include "lib/drop.h"
#include "lib/config.h"
#include "lib/port.h"
#include "lib/fdb.h"
#include "lib/flood.h"
#include "lib/l3.h"

char LICENSE[] SEC("license") = "GPL";

/* Deliver to the known port dst. Returns the verdict, or TC_ACT_UNSPEC if
 * the frame must be flooded instead (dst is no longer a port). */
static __always_inline int kvnet_unicast(struct __sk_buff *skb,
					 const struct kvnet_port *in, __u32 dst,
					 const struct kvnet_eth *eth,
					 const struct kvnet_config *cfg)
{
	struct kvnet_port out;
	int verdict;

	if (dst == in->ifindex)
		return kvnet_drop(in, KVNET_DROP_SAME_PORT);
	if (kvnet_port_get(dst, &out) < 0)
		return TC_ACT_UNSPEC;
	if (kvnet_port_isolated_pair(in, &out))
		return kvnet_drop(in, KVNET_DROP_ISOLATED);
	if ((out.flags & KVNET_PORT_GATEWAY) && (cfg->flags & KVNET_CFG_NO_ROUTE) &&
	    !kvnet_l3_gateway_ok(skb, eth, cfg, 1))
		return kvnet_drop(in, KVNET_DROP_NOT_ROUTED);
	if (!kvnet_port_fits(&out, kvnet_eth_l3_len(skb, eth), kvnet_skb_is_gso(skb)))
		return kvnet_drop(in, KVNET_DROP_TOO_BIG);
	verdict = kvnet_port_redirect_known(&out);
	if (verdict != TC_ACT_REDIRECT)
		return kvnet_drop(in, KVNET_DROP_REDIRECT);
	kvnet_stats_tx(&out, skb->len);
	return verdict;
}

/* Frames the switch refuses before it looks at their destination. Returns
 * a drop reason, or KVNET_DROP_NONE. */
static __always_inline __u32 kvnet_ingress_check(struct __sk_buff *skb,
						 const struct kvnet_port *in,
						 const struct kvnet_eth *eth,
						 const struct kvnet_config *cfg)
{
	if (kvnet_mac_is_multicast(eth->src))
		return KVNET_DROP_SRC_MULTICAST;
	if (kvnet_mac_is_link_local(eth->dst))
		return KVNET_DROP_LINK_LOCAL;
	if ((in->flags & KVNET_PORT_GATEWAY) && (cfg->flags & KVNET_CFG_NO_ROUTE) &&
	    !kvnet_l3_gateway_ok(skb, eth, cfg, 0))
		return KVNET_DROP_NOT_ROUTED;
	return KVNET_DROP_NONE;
}

SEC("tc")
int kvnet_ingress(struct __sk_buff *skb)
{
	struct kvnet_config cfg;
	struct kvnet_fdb_key key;
	struct kvnet_port in;
	struct kvnet_eth eth;
	__u32 dst = 0, reason;
	int verdict;
	__u64 now;

	if (kvnet_port_get(skb->ifindex, &in) < 0)
		return TC_ACT_OK;
	kvnet_stats_rx(&in, skb->len);
	if (kvnet_eth_parse(skb, &eth) < 0)
		return kvnet_drop(&in, KVNET_DROP_MALFORMED);
	kvnet_config_read(&cfg);
	reason = kvnet_ingress_check(skb, &in, &eth, &cfg);
	if (reason != KVNET_DROP_NONE)
		return kvnet_drop(&in, reason);

	now = bpf_ktime_get_ns();
	kvnet_fdb_key_make(&key, eth.src, eth.vlan);
	kvnet_drop_count(&in, kvnet_fdb_learn(&key, in.ifindex, now));

	if (!kvnet_mac_is_multicast(eth.dst)) {
		kvnet_fdb_key_make(&key, eth.dst, eth.vlan);
		dst = kvnet_fdb_lookup(&key, now, cfg.aging_ns);
	}
	if (dst) {
		verdict = kvnet_unicast(skb, &in, dst, &eth, &cfg);
		if (verdict != TC_ACT_UNSPEC)
			return verdict;
	}
	/* A flood reaches the gateway port unguarded: the host drops unicast
	 * for other MACs (PACKET_OTHERHOST) and routes only what is sent to
	 * its own MAC, which the FDB always holds (a static entry). */
	return kvnet_flood(skb, &in, kvnet_eth_l3_len(skb, &eth), cfg.nports);
}
