/* SPDX-License-Identifier: GPL-2.0-only */
/* Links, addresses and routes of kvnetd's network namespace, through libnl-3
 * (never by running `ip`): reading a device's facts, creating the gateway
 * veth pair and kvnet-owned taps, addressing, route-collision checks, and a
 * monitor socket that reports links that change or disappear. */
#ifndef KVNET_LINK_H
#define KVNET_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "switch/error.h"

struct nl_sock;

/* kvnet's mark on the devices it creates (IFLA_GROUP, set in the very
 * request that creates a veth, so no crash can leave one unmarked). */
#define LINK_KVNET_GROUP 0x6b766e74u /* "kvnt" */

/* One link notification. */
struct link_event {
	int ifindex;	 /* 0: notifications were lost, re-check everything */
	bool gone;	 /* deleted, or moved to another namespace */
	int link;	 /* IFLA_LINK (a veth's peer), 0 if none */
	int new_nsid;	 /* moved away: the namespace's id here, else -1 */
	int new_ifindex; /* moved away: its ifindex there, else 0 */
};

struct link_ctx {
	struct nl_sock *sk;	 /* requests */
	struct nl_sock *mon;	 /* RTNLGRP_LINK notifications */
	void (*on_change)(void *arg, const struct link_event *ev);
	void *arg;
	int pkt_fd; /* AF_PACKET socket for link_send_frame, or -1 */
};

enum link_kind { LINK_KIND_OTHER, LINK_KIND_VETH, LINK_KIND_TAP };

struct link_info {
	int ifindex;
	char name[IFNAMSIZ];
	enum link_kind kind;
	char kind_name[16]; /* "veth", "tun", "" for physical */
	uint8_t mac[6];
	unsigned mtu;
	bool up;	      /* IFF_UP */
	bool carrier;	      /* IFF_LOWER_UP */
	bool promisc;	      /* IFF_PROMISC, as set by users (ip link ...) */
	bool peer_other_ns;   /* veth whose peer lives in another netns */
	int peer_ifindex;     /* veth whose peer is in this netns: its ifindex */
	bool ether;	      /* ARPHRD_ETHER */
	char alias[64];	      /* IFLA_IFALIAS; kvnet marks its devices */
	int master;	      /* ifindex of the bridge/bond it is enslaved to */
	uint32_t group;	      /* IFLA_GROUP (LINK_KVNET_GROUP: kvnet made it) */
};

int link_open(struct link_ctx *l, void (*on_change)(void *, const struct link_event *),
	      void *arg, struct kv_error *e);
void link_close(struct link_ctx *l);
/* fd to poll for link notifications; link_monitor_read() dispatches them. */
int link_monitor_fd(const struct link_ctx *l);
int link_monitor_read(struct link_ctx *l);

/* Call fn on every link of the namespace. Returns 0 or -errno. */
int link_list(struct link_ctx *l, void (*fn)(void *arg, const struct link_info *li),
	      void *arg);
/* Run fn inside the namespace whose id (seen from ours) is nsid, and come
 * back. Returns fn's result, or -errno if the namespace cannot be found
 * (it is looked for among /run/netns and the processes' namespaces). */
int link_in_nsid(struct link_ctx *l, int nsid, int (*fn)(void *arg), void *arg);
/* Look a link up by name (ifindex 0) or by ifindex. -ENODEV if absent. */
int link_get(struct link_ctx *l, int ifindex, const char *name,
	     struct link_info *out);

int link_create_veth(struct link_ctx *l, const char *name, const uint8_t *mac,
		     const char *peer, struct kv_error *e);
/* How a tap is made: its queues (more than one: IFF_MULTI_QUEUE, as qemu
 * opens it with queues > 1) and who besides root may open it (-1: no one).
 * Without fds the tap is persistent (it lives until deleted). With fds it
 * never is: fds receives one open descriptor per queue (max(queues, 1) of
 * them, O_CLOEXEC), and the tap lives exactly as long as one of them is
 * open, wherever they go (a kvnetd killed at any moment leaves no tap). */
struct tap_opts {
	const uint8_t *mac; /* or NULL */
	unsigned queues;    /* 0 or 1: a single queue */
	long owner, group;  /* uid, gid, or -1 */
	int *fds;	    /* or NULL: a persistent tap */
};

int link_create_tap(struct link_ctx *l, const char *name, const struct tap_opts *o,
		    struct kv_error *e);
int link_delete(struct link_ctx *l, int ifindex);
int link_delete_name(struct link_ctx *l, const char *name);
/* Bring the device up; with alias, set it and kvnet's group mark too;
 * with mtu, set it. */
int link_set_up(struct link_ctx *l, int ifindex, const char *alias,
		unsigned mtu, struct kv_error *e);
/* Set or clear IFF_PROMISC (a bridged network's uplink must receive the
 * frames for its guests' MACs). */
int link_set_promisc(struct link_ctx *l, int ifindex, bool on, struct kv_error *e);
/* The host side of a gateway, right after it was made and before it is
 * up: without route, IPv4 forwarding off for what arrives on it; without
 * ipv6, IPv6 off on it altogether (disable_ipv6=1, accept_ra=0, as libvirt
 * does), so that no guest Router Advertisement can configure the host. */
int link_gateway_setup(struct link_ctx *l, int ifindex, bool route, bool ipv6,
		       struct kv_error *e);
/* IPv6 off on a device kvnet made (a tap, the switch side of a gateway):
 * it has no business sending its own RS, MLD or DAD into the network. */
int link_ipv6_off(int ifindex, struct kv_error *e);
/* Send one whole Ethernet frame out of ifindex (its egress). */
int link_send_frame(struct link_ctx *l, int ifindex, const void *frame, size_t len);
/* A libnl error (-NLE_*) as the nearest -errno. */
int link_errno(int nlerr);
int link_add_ipv4(struct link_ctx *l, int ifindex, struct in_addr ip,
		  unsigned prefix, struct kv_error *e);

/* Fail with KV_ERR_CONFLICT if an IPv4 route or address of this namespace
 * overlaps net/prefix (default routes excepted), naming the culprit. */
int link_check_subnet_free(struct link_ctx *l, struct in_addr net,
			   unsigned prefix, struct kv_error *e);

#endif /* KVNET_LINK_H */
