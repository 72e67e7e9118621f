// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's count of the masqueraded flows each port holds
 * (port_state.flows, capped by <kvnet:conntrack port-max> in
 * ebpf/lib/gwroute.h). The datapath only counts up, as it opens flows;
 * flows end without telling anyone (a timeout, an LRU eviction), so the
 * daemon's conntrack sweep recounts the live ones over a pass and writes
 * each port's count at its end, as the FDB sweep does for learned MACs.
 */
#include <stddef.h>

#include "switch/dp_ebpf.h"

void dpe_flows_count(struct dp *base, int ifindex)
{
	struct dp_ebpf *dp = dpe(base);
	int slot = dpe_port_slot(dp, (__u32)ifindex);

	if (slot >= 0)
		dp->sweep_flows[slot]++;
}

void dpe_flows_publish(struct dp *base)
{
	struct dp_ebpf *dp = dpe(base);

	dpe_state_publish(dp, dp->sweep_flows, offsetof(struct kvnet_port_state, flows));
}
