// SPDX-License-Identifier: GPL-2.0-only
/* The `trace.inject` command (docs/protocol.md; `kvnet trace NET --inject
 * PORT PACKET`): a crafted packet (common/pktspec.h) made into a frame as
 * a guest on PORT would send it, its names and MACs taken from what the
 * network knows (ports, leases, reservations, the FDB), and run through a
 * dry run of the datapath (dp_inject). The answer lists the events the
 * frame's trace would show, named as a trace names them, and the verdict. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/pkt_cls.h>

#include "common/addr.h"
#include "common/pktspec.h"
#include "switch/control_int.h"
#include "switch/dhcpd.h"
#include "switch/network_int.h"
#include "switch/trace.h"

static const uint8_t inject_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A host of the spec, resolved: its address, and its MAC if known. */
struct inject_host {
	uint32_t ip; /* network order */
	bool has_mac;
	uint8_t mac[6];
};

/* The guest MAC behind port p: pinned, else the first the FDB learned. */
static bool inject_port_mac(struct kv_network *n, const struct kv_port *p, uint8_t mac[6])
{
	struct dp_fdb_entry *ents = NULL;
	bool found = false;
	int cnt = 0;

	if (p->has_guest_mac) {
		memcpy(mac, p->guest_mac, 6);
		return true;
	}
	if (dp_fdb_dump(n->dp, &ents, &cnt) < 0)
		return false;
	for (int i = 0; i < cnt && !found; i++)
		if ((int)ents[i].val.ifindex == p->ifindex) {
			memcpy(mac, ents[i].key.mac, 6);
			found = true;
		}
	free(ents);
	return found;
}

static bool inject_port_has_ip(const struct kv_port *p, uint32_t ip)
{
	for (int i = 0; i < p->nlease_ips; i++)
		if (p->lease_ips[i] == ip)
			return true;
	for (int i = 0; i < p->naddrs; i++)
		if (p->addrs[i] == ip)
			return true;
	return false;
}

static bool inject_lease_mac(const struct dhcp_lease_rec *l, uint8_t mac[6])
{
	if (l->htype != 1 || l->hlen != 6)
		return false;
	memcpy(mac, l->chaddr, 6);
	return true;
}

/* The MAC of the guest at ip: the gateway's, a lease's, a reservation's,
 * or that of the port the address is bound to. */
static bool inject_mac_of(struct kv_network *n, uint32_t ip, uint8_t mac[6])
{
	struct dhcp_lease_rec l;

	if (n->def.has_ip && n->def.ip.s_addr == ip) {
		memcpy(mac, n->def.mac, 6);
		return true;
	}
	if (n->dhcp && dhcpd_lease_find(n->dhcp, ntohl(ip), &l) == 0 && l.id_len &&
	    inject_lease_mac(&l, mac))
		return true;
	for (int i = 0; i < n->def.nhosts; i++)
		if (n->def.hosts[i].ip.s_addr == ip && n->def.hosts[i].has_mac) {
			memcpy(mac, n->def.hosts[i].mac, 6);
			return true;
		}
	for (int i = 0; i < n->nports; i++)
		if (inject_port_has_ip(&n->ports[i], ip))
			return inject_port_mac(n, &n->ports[i], mac);
	return false;
}

/* A lease's hostname or a reservation's name. Returns true if found. */
static bool inject_dhcp_name(struct kv_network *n, const char *name, struct inject_host *h)
{
	struct dhcp_lease_rec l;
	uint32_t cur = 0;

	while (n->dhcp && dhcpd_lease_next(n->dhcp, &cur, &l) == 0)
		if (l.id_len && !strcasecmp(l.hostname, name)) {
			h->ip = htonl(l.ip);
			h->has_mac = inject_lease_mac(&l, h->mac);
			return true;
		}
	for (int i = 0; i < n->def.nhosts; i++)
		if (!strcasecmp(n->def.hosts[i].name, name)) {
			h->ip = n->def.hosts[i].ip.s_addr;
			h->has_mac = n->def.hosts[i].has_mac;
			memcpy(h->mac, n->def.hosts[i].mac, 6);
			return true;
		}
	return false;
}

/* A name: "gateway", a port with an address, a lease's hostname, a
 * reservation's name. */
static int inject_name(struct kv_network *n, const char *name, struct inject_host *h,
		       struct kv_error *e)
{
	struct kv_port *p = netw_port_by_name(n, name);

	if (n->def.has_ip && (!strcasecmp(name, "gateway") || !strcasecmp(name, "gw"))) {
		h->ip = n->def.ip.s_addr;
		return 0;
	}
	if (p && (p->nlease_ips || p->naddrs)) {
		h->ip = p->nlease_ips ? p->lease_ips[0] : p->addrs[0];
		h->has_mac = inject_port_mac(n, p, h->mac);
		return 0;
	}
	if (inject_dhcp_name(n, name, h))
		return 0;
	if (p)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "port '%s' has no address (no lease, "
			       "no `port addr`): give the address", name);
	return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "unknown host '%s' on network '%s': not an "
		       "IPv4 address, a port, a lease's hostname or a <host> name", name,
		       n->def.name);
}

static int inject_host(struct kv_network *n, const char *text, struct inject_host *h,
		       struct kv_error *e)
{
	memset(h, 0, sizeof(*h));
	if (kv_pktspec_is_ip(text, &h->ip))
		return 0;
	return inject_name(n, text, h, e);
}

/* Is ip a broadcast of the network (all ones, or its subnet's)? */
static bool inject_is_bcast(const struct kv_network *n, uint32_t ip)
{
	uint32_t mask = htonl(kv_prefix_mask(n->def.prefix));

	return ip == INADDR_BROADCAST ||
	       (n->def.has_ip && (ip & ~mask) == ~mask &&
		(ip & mask) == (n->def.ip.s_addr & mask));
}

static bool inject_in_subnet(const struct kv_network *n, uint32_t ip)
{
	uint32_t mask = htonl(kv_prefix_mask(n->def.prefix));

	return n->def.has_ip && (ip & mask) == (n->def.ip.s_addr & mask);
}

/* Where the frame is sent to: as a guest's stack would address it. */
static int inject_dmac(struct kv_network *n, const struct kv_pktspec *s,
		       const struct inject_host *dst, uint8_t mac[6], struct kv_error *e)
{
	const uint8_t *ip = (const uint8_t *)&dst->ip;

	if (s->has_dmac)
		memcpy(mac, s->dmac, 6);
	else if (s->proto == KV_PKT_ARP || inject_is_bcast(n, dst->ip))
		memcpy(mac, inject_bcast, 6);
	else if ((ip[0] & 0xf0) == 0xe0)
		memcpy(mac, (const uint8_t[6]){ 0x01, 0, 0x5e, ip[1] & 0x7f, ip[2], ip[3] }, 6);
	else if (dst->has_mac)
		memcpy(mac, dst->mac, 6);
	else if (inject_in_subnet(n, dst->ip) ? inject_mac_of(n, dst->ip, mac) : n->def.has_ip)
		memcpy(mac, inject_in_subnet(n, dst->ip) ? mac : n->def.mac, 6);
	else
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "no MAC is known for %s on network "
			       "'%s': give one with 'dmac MAC'", s->dst, n->def.name);
	return 0;
}

/* Who sends it: the spec's MAC, the source's, else the port's guest. */
static int inject_smac(struct kv_network *n, const struct kv_pktspec *s,
		       const struct inject_host *src, const struct kv_port *p, uint8_t mac[6],
		       struct kv_error *e)
{
	if (s->has_smac)
		memcpy(mac, s->smac, 6);
	else if (src->has_mac)
		memcpy(mac, src->mac, 6);
	else if (!inject_mac_of(n, src->ip, mac) && !inject_port_mac(n, p, mac))
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "no MAC is known for %s on port "
			       "'%s': give one with 'smac MAC'", s->src, p->iface);
	return 0;
}

/* The frame of the spec sent from port p. Returns its length, or -errno. */
static int inject_frame(struct kv_network *n, const struct kv_port *p, const char *text,
			uint8_t *frame, struct kv_error *e)
{
	struct kv_pktspec *s = calloc(1, sizeof(*s));
	struct inject_host src, dst;
	uint8_t smac[6], dmac[6];
	char err[256];
	int ret;

	if (!s)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	if (kv_pktspec_parse(text, s, err, sizeof(err)) < 0) {
		ret = kv_fail(e, KV_ERR_INVALID, -EINVAL, "bad packet: %s", err);
	} else if (s->proto == KV_PKT_RAW) {
		memcpy(frame, s->frame, s->frame_len);
		ret = (int)s->frame_len;
	} else if (inject_host(n, s->src, &src, e) < 0 || inject_host(n, s->dst, &dst, e) < 0 ||
		   inject_smac(n, s, &src, p, smac, e) < 0 || inject_dmac(n, s, &dst, dmac, e) < 0) {
		ret = -EINVAL;
	} else {
		ret = (int)kv_pktspec_build(s, src.ip, dst.ip, smac, dmac, frame);
	}
	free(s);
	return ret;
}

/* The program's verdict, as a person reads it: a frame handed to kvnetd
 * (DHCP) is shot by the program, but not lost. */
static const char *inject_verdict(int v, unsigned last_stage)
{
	if (last_stage == KVNET_TRACE_DHCP)
		return "to kvnetd";
	switch (v) {
	case TC_ACT_OK:
		return "pass";
	case TC_ACT_SHOT:
		return "drop";
	case TC_ACT_REDIRECT:
		return "redirect";
	case TC_ACT_UNSPEC:
		return "next";
	}
	return "other";
}

struct inject_out {
	struct kv_network *n;
	json_t *events;
	unsigned last_stage;
};

static void inject_event(void *arg, const struct kvnet_trace_event *ev)
{
	struct inject_out *o = arg;
	json_t *j = trace_event_json(o->n, ev);

	o->last_stage = ev->stage;
	if (j)
		json_array_append_new(o->events, j);
}

json_t *control_trace_inject(struct kvnetd *d, json_t *args, struct kv_error *e)
{
	struct kv_network *n = control_arg_active_net(d, args, e);
	const char *port = n ? arg_str(args, "port", true, e) : NULL;
	const char *packet = port ? arg_str(args, "packet", true, e) : NULL;
	struct inject_out o = { .n = n };
	uint8_t frame[KV_PKTSPEC_FRAME_MAX];
	struct kv_port *p;
	int len, verdict = 0;

	if (!packet)
		return NULL;
	p = netw_port_by_name(n, port);
	if (!p)
		return kv_fail(e, KV_ERR_NOT_FOUND, -ENOENT, "network '%s' has no port '%s'",
			       n->def.name, port), NULL;
	len = inject_frame(n, p, packet, frame, e);
	if (len < 0)
		return NULL;
	o.events = json_array();
	if (!o.events || dp_inject(n->dp, p->ifindex, frame, (size_t)len, inject_event, &o,
				   &verdict, e) < 0) {
		json_decref(o.events);
		return NULL;
	}
	return json_pack("{s:s,s:s,s:s,s:o,s:o}", "net", n->def.name, "port", p->iface,
			 "verdict", inject_verdict(verdict, o.last_stage), "frame",
			 trace_hex_json(frame, (size_t)len), "events", o.events);
}
