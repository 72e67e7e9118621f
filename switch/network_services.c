// SPDX-License-Identifier: GPL-2.0-only
/* A network's services in kvnetd, started once its datapath runs and
 * stopped with it: DHCP (switch/dhcpd.h), DNS (switch/dnsd.h), STP, and
 * the watch on its punt ring that feeds DHCP and STP (network_punt.c). */
#include <errno.h>

#include "switch/dnsd.h"
#include "switch/log.h"
#include "switch/network_int.h"
#include "switch/trace.h"

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
