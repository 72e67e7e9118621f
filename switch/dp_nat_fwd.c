// SPDX-License-Identifier: GPL-2.0-only
/* Port forwards in the daemon-wide NAT datapath: the nat_fwd map (layout
 * in nat/nat_shared.h) that the uplink program (from outside) and every
 * network's switch program (guests, hairpin) translate by. kvnetd writes
 * an entry while the forward's network routes and its proxy holds the
 * host port (switch/network_fwd.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "switch/dp_nat_int.h"

static struct kvnet_nat_fwd_key dpn_fwd_key(uint8_t proto, uint16_t port)
{
	struct kvnet_nat_fwd_key k;

	memset(&k, 0, sizeof(k));
	k.port = htons(port);
	k.proto = proto;
	return k;
}

int dp_nat_fwd_set(struct dp_nat *nat, uint8_t proto, uint16_t port,
		   const struct kvnet_nat_fwd *v, struct kv_error *e)
{
	struct kvnet_nat_fwd_key k = dpn_fwd_key(proto, port);

	if (bpf_map_update_elem(nat->fd[DPN_FWD], &k, v, BPF_ANY) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno,
			       "cannot add the port forward to the NAT datapath: %s",
			       strerror(errno));
	return 0;
}

void dp_nat_fwd_del(struct dp_nat *nat, uint32_t net_id, uint8_t proto, uint16_t port)
{
	struct kvnet_nat_fwd_key k = dpn_fwd_key(proto, port);
	struct kvnet_nat_fwd v;

	if (bpf_map_lookup_elem(nat->fd[DPN_FWD], &k, &v) == 0 && v.net_id == net_id)
		bpf_map_delete_elem(nat->fd[DPN_FWD], &k);
}

void dp_nat_fwd_prune(struct dp_nat *nat, uint32_t net_id,
		      bool (*keep)(void *arg, uint8_t proto, uint16_t port), void *arg)
{
	struct kvnet_nat_fwd_key keys[KVNET_NAT_FWD_MAX], *prev = NULL, next;
	struct kvnet_nat_fwd v;
	int n = 0;

	/* read every key first: a walk that deletes as it goes may restart */
	while (n < KVNET_NAT_FWD_MAX &&
	       bpf_map_get_next_key(nat->fd[DPN_FWD], prev, &next) == 0) {
		keys[n] = next;
		prev = &keys[n++];
	}
	for (int i = 0; i < n; i++)
		if (bpf_map_lookup_elem(nat->fd[DPN_FWD], &keys[i], &v) == 0 &&
		    v.net_id == net_id &&
		    (!keep || !keep(arg, keys[i].proto, ntohs(keys[i].port))))
			bpf_map_delete_elem(nat->fd[DPN_FWD], &keys[i]);
}
