// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's side of a bridged network's uplink (see
 * ebpf/lib/uplink_l2.h): the program at the NIC's tcx egress, which hands
 * the host's frames for guests to their ports, and the host's MAC pinned
 * to the uplink as the host's (KVNET_FDB_HOST). Like the ingress program,
 * the egress one is attached without a link, so it outlives kvnetd and a
 * restarted one swaps its own in (BPF_F_REPLACE). dp_ebpf_detach_any()
 * takes both away.
 */
#include <errno.h>
#include <string.h>

#include "switch/dp_ebpf.h"
#include "switch/log.h"
#include "switch.skel.h"

static int dpe_pin_host(struct dp_ebpf *dp, const uint8_t mac[6], int ifindex)
{
	struct kvnet_fdb_val v = { .ifindex = (__u32)ifindex,
				   .flags = KVNET_FDB_STATIC | KVNET_FDB_HOST,
				   .last_seen_ns = dp_now_ns() };
	struct kvnet_fdb_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.mac, mac, 6);
	if (bpf_map_update_elem(dp->fd[KVNET_MAPID_FDB_STATIC], &k, &v, BPF_ANY) < 0)
		return -errno;
	/* learned behind the uplink, it would still be right, but one
	 * lookup instead of two settles it */
	bpf_map_delete_elem(dp->fd[KVNET_MAPID_FDB], &k);
	return 0;
}

/* The egress program, loaded for the first uplink (dpe_load_more). */
static int dpe_egress_load(struct dp_ebpf *dp)
{
	if (dp->egress)
		return 0;
	dp->egress = dpe_load_more(dp, false);
	if (!dp->egress)
		return -errno;
	dp->egress_fd = bpf_program__fd(dp->egress->progs.kvnet_egress);
	return 0;
}

int dpe_uplink_attach(struct dp *base, int ifindex, const uint8_t host_mac[6],
		      struct kv_error *e)
{
	struct dp_ebpf *dp = dpe(base);
	int ret = dpe_pin_host(dp, host_mac, ifindex);

	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot pin the host's MAC in the FDB: %s",
			       strerror(-ret));
	ret = dpe_egress_load(dp);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot load the uplink's egress program: %s",
			       strerror(-ret));
	ret = dpe_tcx_attach_at(ifindex, DPE_TCX_EGRESS, KVNET_PROG_EGRESS, dp->egress_fd);
	if (ret < 0)
		return kv_fail(e, KV_ERR_SYSTEM, ret,
			       "cannot attach the datapath to ifindex %d (tcx egress): %s",
			       ifindex, strerror(-ret));
	return 0;
}
