/* SPDX-License-Identifier: GPL-2.0-only */
/* Reservations: libvirt's <host mac= id= name= ip=> with an optional
 * <lease expiry=>. A client matches by client identifier (id=, compared
 * with its option 61) first, else by MAC (chaddr). A reservation without
 * an address only names its client; one with an address gives that
 * address to its client alone, inside or outside the ranges.
 *
 * Indexed by MAC, id and address, so every lookup is O(1); entries are
 * added and removed while the server runs (`kvnet dhcp host add|del`).
 */
#ifndef KVNET_DHCP_HOST_H
#define KVNET_DHCP_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "dhcp/dhcp_hash.h"
#include "dhcp/dhcp_opt.h"
#include "dhcp/dhcp_wire.h"

struct dhcp_host {
	uint8_t mac[6];
	bool has_mac;
	uint8_t id_len;		 /* 0: no id= */
	uint8_t id[DHCP_ID_MAX]; /* client identifier, option 61's bytes */
	char name[DHCP_HOSTNAME_MAX]; /* "" none; sanitised on add */
	uint32_t ip;		 /* 0: none */
	uint32_t lease_s;	 /* 0: the address's default */
};

struct dhcp_host_table {
	struct dhcp_host *h;
	bool *live;
	uint32_t n, cap;
	struct dhcp_index by_mac, by_id, by_ip;
	uint8_t key[DHCP_HASH_KEY_LEN];
};

int dhcp_host_table_init(struct dhcp_host_table *t,
			 const uint8_t key[DHCP_HASH_KEY_LEN]);
void dhcp_host_table_fini(struct dhcp_host_table *t);

/* Add a copy of h (its name sanitised). -EINVAL: neither MAC nor id, or
 * a name that sanitises to nothing; -EEXIST: its MAC, id or address is
 * already reserved; -ENOMEM. The caller checks the address's subnet. */
int dhcp_host_add(struct dhcp_host_table *t, const struct dhcp_host *h);
/* Remove the reservation with h's MAC (if has_mac) or else its id, into
 * *old when old is not NULL. -ENOENT if there is none. */
int dhcp_host_del(struct dhcp_host_table *t, const struct dhcp_host *h,
		  struct dhcp_host *old);

/* The reservation of a client: by its option 61 (cid, may be NULL),
 * else by its Ethernet chaddr. NULL if none. */
const struct dhcp_host *dhcp_host_find(const struct dhcp_host_table *t,
				       const uint8_t *cid, uint8_t cid_len,
				       uint8_t htype, uint8_t hlen,
				       const uint8_t *chaddr);
const struct dhcp_host *dhcp_host_by_ip(const struct dhcp_host_table *t,
					uint32_t ip);
/* The first reservation at or after *cursor; advances it. NULL at the
 * end. */
const struct dhcp_host *dhcp_host_next(const struct dhcp_host_table *t,
				       uint32_t *cursor);

#endif /* KVNET_DHCP_HOST_H */
