// SPDX-License-Identifier: GPL-2.0-only
/* A network's services in kvnetd that read what its datapath punts: STP
 * (BPDUs) and the DHCP server (client messages). One watch on the punt
 * ring; a batch of records is read per wake-up, and the DHCP service then
 * makes the batch's leases durable and sends its replies. */
#include <errno.h>
#include <stddef.h>

#include "switch/network_int.h"
#include "switch/log.h"
#include "switch/trace.h"
#include "switch/dnsd.h"

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

static void netw_punt_ready(struct loop_watch *w)
{
	struct kv_network *n = (struct kv_network *)((char *)w - offsetof(struct kv_network, punt));

	if (!n->dp)
		return;
	dp_punt_read(n->dp, netw_punt_one, n);
	if (n->dhcp)
		dhcpd_flush(n->dhcp);
}

static bool netw_serves_dhcp(const struct kv_network *n)
{
	return n->def.has_ip && netxml_dhcp_enabled(&n->def);
}

int netw_services_start(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int fd, ret;

	if (netw_serves_dhcp(n) && !n->dhcp) {
		ret = dhcpd_open(d, n, &n->dhcp, e);
		if (ret < 0)
			return ret;
	}
	if (netw_serves_dns(&n->def) && !n->dns)
		netw_dns_start(d, n);
	if (!n->stp_on) {
		netw_stp_start(d, n);
		n->stp_on = netw_stp_enabled(n);
	}
	netw_bind_sync(n);
	if ((!netw_stp_enabled(n) && !n->dhcp) || n->punt.fd >= 0)
		return 0;
	n->punt.fn = netw_punt_ready;
	fd = dp_punt_fd(n->dp);
	if (fd < 0 || loop_add(&d->loop, &n->punt, fd) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, fd < 0 ? fd : -EBADF,
			       "cannot read the datapath's punted frames");
	return 0;
}

void netw_services_stop(struct kvnetd *d, struct kv_network *n)
{
	trace_net_end(d, n, "the network stopped");
	loop_del(&d->loop, &n->punt);
	n->stp_on = false;
	dhcpd_close(n->dhcp);
	n->dhcp = NULL;
	dnsd_close(n->dns);
	n->dns = NULL;
}
