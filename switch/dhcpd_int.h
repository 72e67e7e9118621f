/* SPDX-License-Identifier: GPL-2.0-only */
/* Internals of the DHCP service (dhcpd*.c), shared by its files only. */
#ifndef KVNET_DHCPD_INT_H
#define KVNET_DHCPD_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/dhcp_store.h"
#include "switch/dhcpd.h"
#include "switch/guestd_msg.h"
#include "switch/loop.h"

/* Ethernet + IPv4 (no options) + UDP + the largest reply we build. */
#define DHCPD_HDRS (14 + 20 + 8)
#define DHCPD_REPLY_MAX 1472
#define DHCPD_FRAME_MAX (DHCPD_HDRS + DHCPD_REPLY_MAX)
/* ARP probes of free pool addresses per tick (a second). */
#define DHCPD_PROBES_PER_TICK 4
/* Leases one untrusted port may hold. */
#define DHCPD_PORT_LEASE_CAP 64
/* libvirt's status file is rewritten whole, from the event loop: with
 * tens of thousands of leases that is tens of milliseconds (the JSON, the
 * write, the fsync) in which no client message is read. It is rewritten
 * at most once a tick and at most 1/DHCPD_STATUS_SHARE of the time, but
 * at least every DHCPD_STATUS_GAP_MAX while leases change. */
#define DHCPD_STATUS_SHARE 50
#define DHCPD_STATUS_GAP_MAX (30ULL * 1000000000ULL)

/* Frames in flight to the sandboxed parser at most (switch/guestd.h). */
#define DHCPD_PIPE 16

struct dhcpd_pending {
	struct guestd_dhcp_req req; /* the frame, as sent */
	bool trusted;		    /* its port's */
};

struct dhcpd_reply {
	int ifindex;
	uint16_t len;
	uint8_t frame[DHCPD_FRAME_MAX];
};

struct dhcpd {
	struct kvnetd *d;
	struct kv_network *n;
	struct dhcp_server *srv;
	struct dhcp_store *store;
	struct dhcpd_reply *q;
	int nq, capq;
	struct dhcpd_pending *pend; /* DHCPD_PIPE of them */
	int npend;
	uint8_t gw_mac[6];
	uint32_t gw_ip;		  /* host order */
	int gw_ifindex;		  /* the gateway's host side */
	char status_path[PATH_MAX];
	bool status_dirty;
	bool bind_dirty;	  /* a lease changed a port's binding */
	uint64_t status_next_ns;  /* no rewrite before (CLOCK_MONOTONIC) */
	struct loop_watch arp;	  /* ARP seen on the gateway */
	uint32_t probe_after;	  /* the last address probed */
};

/* dhcpd_frame.c: the client message inside a punted frame (its UDP
 * payload), and a reply frame. */
struct dhcpd_in {
	const uint8_t *payload;
	size_t len;
	uint8_t src_mac[6];
	bool broadcast;
};
int dhcpd_frame_parse(const struct kvnet_punt *p, struct dhcpd_in *in);
/* The Ethernet frame of a reply of len bytes to dst; its length. */
size_t dhcpd_frame_build(const struct dhcpd *s, const struct dhcp_dest *dst,
			 const uint8_t *req_mac, const uint8_t *reply, size_t len,
			 uint8_t frame[DHCPD_FRAME_MAX]);

/* dhcpd_probe.c */
int dhcpd_probe_open(struct dhcpd *s);
void dhcpd_probe_close(struct dhcpd *s);
void dhcpd_probe_tick(struct dhcpd *s);

/* dhcpd.c: persist changes made outside a message (a conflict). */
void dhcpd_persist(struct dhcpd *s, const struct dhcp_changes *ch);

#endif /* KVNET_DHCPD_INT_H */
