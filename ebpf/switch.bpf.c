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

char LICENSE[] SEC("license") = "GPL";

/* Deliver to the known port dst. Returns the verdict, or TC_ACT_UNSPEC if
 * the frame must be flooded instead (dst is no longer a port). */
static __always_inline int kvnet_unicast(struct __sk_buff *skb,
					 const struct kvnet_port *in, __u32 dst,
					 __u32 l3_len)
{
	struct kvnet_port out;
	int verdict;

	if (dst == in->ifindex)
		return kvnet_drop(in->ifindex, KVNET_DROP_SAME_PORT);
	if (kvnet_port_get(dst, &out) < 0)
		return TC_ACT_UNSPEC;
	if (kvnet_port_isolated_pair(in, &out))
		return kvnet_drop(in->ifindex, KVNET_DROP_ISOLATED);
	if (!kvnet_port_fits(&out, l3_len, kvnet_skb_is_gso(skb)))
		return kvnet_drop(in->ifindex, KVNET_DROP_TOO_BIG);
	verdict = kvnet_port_redirect_known(&out);
	if (verdict != TC_ACT_REDIRECT)
		return kvnet_drop(in->ifindex, KVNET_DROP_REDIRECT);
	kvnet_stats_tx(out.ifindex, skb->len);
	return verdict;
}

SEC("tc")
int kvnet_ingress(struct __sk_buff *skb)
{
	struct kvnet_config cfg;
	struct kvnet_fdb_key key;
	struct kvnet_port in;
	struct kvnet_eth eth;
	__u32 dst = 0, l3_len;
	int verdict;
	__u64 now;

	if (kvnet_port_get(skb->ifindex, &in) < 0)
		return TC_ACT_OK;
	kvnet_stats_rx(in.ifindex, skb->len);
	if (kvnet_eth_parse(skb, &eth) < 0)
		return kvnet_drop(in.ifindex, KVNET_DROP_MALFORMED);
	if (kvnet_mac_is_multicast(eth.src))
		return kvnet_drop(in.ifindex, KVNET_DROP_SRC_MULTICAST);

	kvnet_config_read(&cfg);
	now = bpf_ktime_get_ns();
	kvnet_fdb_key_make(&key, eth.src, eth.vlan);
	kvnet_drop_count(in.ifindex, kvnet_fdb_learn(&key, in.ifindex, now));

	l3_len = kvnet_eth_l3_len(skb, &eth);
	if (!kvnet_mac_is_multicast(eth.dst)) {
		kvnet_fdb_key_make(&key, eth.dst, eth.vlan);
		dst = kvnet_fdb_lookup(&key, now, cfg.aging_ns);
	}
	if (dst) {
		verdict = kvnet_unicast(skb, &in, dst, l3_len);
		if (verdict != TC_ACT_UNSPEC)
			return verdict;
	}
	return kvnet_flood(skb, &in, l3_len, cfg.nports);
}
