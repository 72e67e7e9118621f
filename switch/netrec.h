/* SPDX-License-Identifier: GPL-2.0-only */
/* The runtime record of a network (<run>/networks/<name>.json): what kvnetd
 * is doing with the network, written before each change to the kernel
 * (intent) and again after it (confirmed). A restarted kvnetd reads it to
 * tell an interrupted start, stop, port add or port del from a network
 * that runs, and for the facts the kernel does not keep (which ports are
 * trusted, which MAC a port pins). The kernel stays the truth: the record
 * only annotates what is found there (network_restore.c).
 *
 * Version 2:
 *   {"version": 2, "state": "starting"|"active"|"stopping",
 *    "uuid": "...", "xml": "<network>...",
 *    "ports": [{"iface", "ifindex", "dev_ifindex", "kind", "owned",
 *               "trusted", "guest_mac"?, "addrs"?: ["192.0.2.5", ...],
 *               "op": "adding"|"removing"?, "promisc"?}]}
 * (kind "uplink": a bridged network's host NIC; "promisc": true when kvnet
 * turned its promiscuous mode on.)
 * Version 1 (the first kvnetd) has only "ports" and means "active". Every
 * field is type-checked: a record with a field of the wrong type is a
 * parse error naming the field, never a quietly different network. */
#ifndef KVNET_NETREC_H
#define KVNET_NETREC_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "kvnet_shared.h"

enum netrec_state { NETREC_STARTING, NETREC_ACTIVE, NETREC_STOPPING, NETREC_STATE_COUNT };
enum netrec_op { NETREC_OP_NONE, NETREC_OP_ADDING, NETREC_OP_REMOVING, NETREC_OP_COUNT };
enum netrec_kind { NETREC_KIND_OTHER, NETREC_KIND_VETH, NETREC_KIND_TAP,
		   NETREC_KIND_GATEWAY, NETREC_KIND_UPLINK, NETREC_KIND_COUNT };

#define NETREC_ADDRS_MAX 8
/* A guest's name: what `kvnet vm run --name` takes (and DHCP's hostname
 * option allows). */
#define NETREC_GUEST_MAX 64

struct netrec_port {
	char iface[IFNAMSIZ];
	int ifindex;	 /* 0 while a tap is being made */
	int dev_ifindex; /* gateway: the host side */
	enum netrec_kind kind;
	bool owned, trusted, has_guest_mac;
	bool promisc; /* uplink: kvnet turned IFF_PROMISC on (and turns it off) */
	uint8_t guest_mac[6];
	uint32_t addrs[NETREC_ADDRS_MAX]; /* `kvnet port addr add`, network order */
	int naddrs;
	enum netrec_op op;
	char guest[NETREC_GUEST_MAX]; /* `kvnet vm run`'s name, or "" */
};

struct netrec {
	int version;
	enum netrec_state state;
	bool has_uuid;
	uint8_t uuid[16];
	char *xml; /* malloc'd, or NULL */
	struct netrec_port ports[KVNET_MAX_PORTS];
	int nports;
};

const char *netrec_state_name(enum netrec_state s);
const char *netrec_op_name(enum netrec_op op);
const char *netrec_kind_name(enum netrec_kind k);

/* Text of r (malloc'd, NUL-terminated), or NULL without memory. */
char *netrec_encode(const struct netrec *r);
/* Parse text into r (which netrec_free releases). Returns 0, or -EINVAL
 * with a one-line reason in err. */
int netrec_decode(const char *text, struct netrec *r, char *err, size_t errlen);
void netrec_free(struct netrec *r);

#endif /* KVNET_NETREC_H */
