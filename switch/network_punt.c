// SPDX-License-Identifier: GPL-2.0-only
/* What a network's datapath punts to kvnetd, to the services that read it:
 * STP (BPDUs) and the DHCP server (client messages). One watch on the punt
 * ring (network_services.c adds it); a batch of records is read per
 * wake-up, and the DHCP service then makes the batch's leases durable and
 * sends its replies. */
#include <errno.h>
#include <stddef.h>

#include "switch/network_int.h"
#include "switch/log.h"

static void netw_punt_one(void *arg, const struct kvnet_punt *pk)
{
	struct kv_network *n = arg;
	struct kv_port *p;

	switch (pk->kind) {
	case KVNET_PUNT_BPDU:
		netw_stp_bpdu(n->d, n, pk);
		break;
	case KVNET_PUNT_DHCP:
		p = netw_port_by_ifindex(n, (int)pk->ifindex);
		if (n->dhcp && p)
			dhcpd_rx(n->dhcp, pk, p->trusted);
		break;
	}
}

void netw_punt_ready(struct loop_watch *w)
{
	struct kv_network *n = (struct kv_network *)((char *)w - offsetof(struct kv_network, punt));

	if (!n->dp)
		return;
	dp_punt_read(n->dp, netw_punt_one, n);
	if (n->dhcp)
		dhcpd_flush(n->dhcp);
}
