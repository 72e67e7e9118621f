// SPDX-License-Identifier: GPL-2.0-only
/* STP on a network with <bridge stp='on'> (see stp.h for the protocol
 * decisions): the hello timer that sends kvnet's BPDUs out of every port,
 * the BPDUs the datapath punts to kvnetd, and what a decision does to a
 * port (the datapath's KVNET_PORT_BLOCKED, and forgetting the MACs it
 * learned while the loop ran). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "switch/network_int.h"
#include "switch/trace.h"
#include "switch/log.h"

/* Does kvnetd run STP on n (<bridge stp='on'>)? */
bool netw_stp_enabled(const struct kv_network *n)
{
	/* A bridged network's uplink is a LAN whose STP is not ours: kvnet is
	 * not its root bridge, and sends no BPDUs of its own there. */
	return n->def.bridge_stp && n->def.mode != NET_MODE_BRIDGE;
}

/* kvnet's BPDUs come from the network's MAC with the first byte 0xfe,
 * never from an address a guest talks to. */
static void netw_stp_src(const struct kv_network *n, uint8_t src[6])
{
	memcpy(src, n->def.mac, 6);
	src[0] = 0xfe;
}

static void netw_stp_hello(struct kvnetd *d, struct kv_network *n, const struct kv_port *p)
{
	uint8_t frame[STP_FRAME_LEN], src[6];
	size_t len;
	int ret;

	if (p->kind == PORT_KIND_GATEWAY || p->stp.state != STP_FORWARDING)
		return;
	netw_stp_src(n, src);
	len = stp_bpdu_build(&n->stp, &p->stp, src, frame);
	ret = link_send_frame(&d->link, p->ifindex, frame, len);
	if (ret >= 0)
		trace_service_tx(n, p->ifindex, frame, len, KVNET_TRACE_SERVICE_STP);
	/* a tap no qemu holds yet has no carrier: nothing to tell */
	if (ret < 0 && ret != -ENETDOWN && ret != -ENOBUFS && ret != -EAGAIN)
		log_debug("network '%s': cannot send a BPDU on %s: %s", n->def.name,
			  p->iface, strerror(-ret));
}

static void netw_stp_hello_all(struct kvnetd *d, struct kv_network *n)
{
	for (int i = 0; i < n->nports; i++)
		netw_stp_hello(d, n, &n->ports[i]);
}

static const char *netw_stp_port_name(const struct kv_network *n, uint16_t port_id)
{
	for (int i = 0; i < n->nports; i++)
		if (n->ports[i].stp.port_id == port_id)
			return n->ports[i].iface;
	return "?";
}

/* p's STP state changed: tell the datapath, and say so. */
static void netw_stp_apply(struct kvnetd *d, struct kv_network *n, struct kv_port *p)
{
	struct kv_error e = { 0 };
	struct link_info li;
	struct dp_port dpp;

	if (link_get(&d->link, p->ifindex, NULL, &li) < 0)
		return; /* gone: the link monitor removes it */
	dpp = (struct dp_port){ p->ifindex, netw_port_flags(n, p, &li), 0 };
	dpp.mtu = p->kind == PORT_KIND_GATEWAY && n->def.mtu ? n->def.mtu : li.mtu;
	if (dp_port_update(n->dp, &dpp, &e) < 0) {
		log_err("network '%s': STP: %s", n->def.name, e.msg);
		return;
	}
	if (p->stp.state == STP_FORWARDING) {
		log_info("network '%s': STP: port %s forwards again", n->def.name, p->iface);
		return;
	}
	dp_fdb_flush_port(n->dp, p->ifindex);
	if (p->stp.state == STP_BLOCKED_LOOP)
		log_warn("network '%s': STP: port %s blocked: kvnet's own BPDU from port "
			 "%s came back in through it (a guest bridges two of its NICs)",
			 n->def.name, p->iface,
			 netw_stp_port_name(n, p->stp.loop_from));
	else
		log_warn("network '%s': STP: port %s blocked: a guest there claims a "
			 "better root bridge than kvnet (root guard)", n->def.name, p->iface);
}

void netw_stp_bpdu(struct kvnetd *d, struct kv_network *n, const struct kvnet_punt *pk)
{
	size_t len = pk->len < KVNET_PUNT_BYTES ? pk->len : KVNET_PUNT_BYTES;
	struct stp_bpdu bpdu;
	struct kv_port *p;

	if (!netw_stp_enabled(n))
		return;
	p = netw_port_by_ifindex(n, (int)pk->ifindex);
	if (!p || stp_bpdu_parse(pk->data, len, &bpdu) < 0)
		return;
	if (stp_port_rx(&n->stp, &p->stp, &bpdu, dp_now_ns() / 1000000))
		netw_stp_apply(d, n, p);
}

void netw_stp_start(struct kvnetd *d, struct kv_network *n)
{
	if (!netw_stp_enabled(n))
		return;
	stp_bridge_init(&n->stp, n->def.mac);
	n->next_hello_ms = dp_now_ns() / 1000000 + STP_HELLO_MS;
	netw_stp_hello_all(d, n);
}

void netw_stp_port_added(struct kvnetd *d, struct kv_network *n, struct kv_port *p)
{
	(void)p;
	/* from every port: a loop through the new port shows at the next
	 * BPDU of an older port, whichever port gives way */
	if (netw_stp_enabled(n))
		netw_stp_hello_all(d, n);
}

void netw_stp_tick(struct kvnetd *d, struct kv_network *n, uint64_t now_ms)
{
	if (!netw_stp_enabled(n))
		return;
	for (int i = 0; i < n->nports; i++)
		if (stp_port_tick(&n->ports[i].stp, now_ms))
			netw_stp_apply(d, n, &n->ports[i]);
	if (now_ms < n->next_hello_ms)
		return;
	n->next_hello_ms = now_ms + STP_HELLO_MS;
	netw_stp_hello_all(d, n);
}
