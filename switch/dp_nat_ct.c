// SPDX-License-Identifier: GPL-2.0-only
/* The conntrack table's chores in kvnetd: ageing (deleting the entries of
 * flows whose timer ran out, a slice per tick), listing flows for `kvnet
 * conntrack`, forgetting a stopped network's flows, and the daemon-wide
 * counters. The datapath already treats an expired flow as gone; the
 * sweep only frees its room before the LRU would.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "switch/datapath.h"
#include "switch/dp_nat_int.h"

static void dpn_reverse(const struct kvnet_ct_key *k, struct kvnet_ct_key *r)
{
	memset(r, 0, sizeof(*r));
	r->saddr = k->daddr;
	r->daddr = k->saddr;
	r->sport = k->dport;
	r->dport = k->sport;
	r->proto = k->proto;
}

static bool dpn_key_eq(const struct kvnet_ct_key *a, const struct kvnet_ct_key *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

/* Is the entry at key (value v) part of a live flow? */
static bool dpn_entry_live(struct dp_nat *nat, const struct kvnet_ct_key *key,
			   const struct kvnet_ct_val *v, uint64_t now)
{
	struct kvnet_ct_key okey, back;
	struct kvnet_ct_val o;

	if (v->flags & KVNET_CT_ORIG)
		return v->expires_ns >= now;
	dpn_reverse(&v->xlate, &okey);
	if (bpf_map_lookup_elem(nat->fd[DPN_CT], &okey, &o) < 0 || !(o.flags & KVNET_CT_ORIG))
		return false;
	dpn_reverse(&o.xlate, &back);
	return dpn_key_eq(&back, key) && o.expires_ns >= now;
}

/* Delete the flow whose original entry is key (both entries). */
static void dpn_delete_flow(struct dp_nat *nat, const struct kvnet_ct_key *key,
			    const struct kvnet_ct_val *v)
{
	struct kvnet_ct_key rkey;

	dpn_reverse(&v->xlate, &rkey);
	bpf_map_delete_elem(nat->fd[DPN_CT], &rkey);
	bpf_map_delete_elem(nat->fd[DPN_CT], key);
}

int dp_nat_gc(struct dp_nat *nat, unsigned budget, const struct dp_nat_gc_cb *cb, void *ctx)
{
	struct kvnet_ct_key key, next;
	struct kvnet_ct_val v;
	uint64_t now = dp_now_ns();
	int deleted = 0;
	void *prev = nat->gc_resume ? &nat->gc_next : NULL;

	for (unsigned seen = 0; seen < budget; seen++) {
		if (bpf_map_get_next_key(nat->fd[DPN_CT], prev, &next) < 0) {
			nat->gc_resume = false; /* a pass is done */
			cb->pass_done(ctx);
			return deleted;
		}
		key = next;
		nat->gc_next = key;
		nat->gc_resume = true;
		prev = &nat->gc_next;
		if (bpf_map_lookup_elem(nat->fd[DPN_CT], &key, &v) < 0)
			continue;
		if (dpn_entry_live(nat, &key, &v, now)) {
			if ((v.flags & KVNET_CT_ORIG) && v.origin_ifindex)
				cb->live_flow(ctx, v.net_id, (int)v.origin_ifindex);
			continue;
		}
		if (v.flags & KVNET_CT_ORIG)
			dpn_delete_flow(nat, &key, &v);
		else
			bpf_map_delete_elem(nat->fd[DPN_CT], &key);
		deleted++;
	}
	return deleted;
}

/* All keys of the table (read before anything is deleted: a walk that
 * deletes as it goes may restart from the top). */
static int dpn_all_keys(struct dp_nat *nat, struct kvnet_ct_key **out, int *n)
{
	struct kvnet_ct_key *keys = NULL, *prev = NULL, next;
	int cap = 0, cnt = 0;

	while (bpf_map_get_next_key(nat->fd[DPN_CT], prev, &next) == 0) {
		if (cnt == cap) {
			struct kvnet_ct_key *k;

			cap = cap ? cap * 2 : 256;
			k = realloc(keys, (size_t)cap * sizeof(*k));
			if (!k) {
				free(keys);
				return -ENOMEM;
			}
			keys = k;
		}
		keys[cnt] = next;
		prev = &keys[cnt++];
	}
	*out = keys;
	*n = cnt;
	return 0;
}

void dp_nat_flush_net(struct dp_nat *nat, uint32_t net_id)
{
	struct kvnet_ct_key *keys;
	struct kvnet_ct_val v;
	int n;

	if (!nat || dpn_all_keys(nat, &keys, &n) < 0)
		return;
	for (int i = 0; i < n; i++)
		if (bpf_map_lookup_elem(nat->fd[DPN_CT], &keys[i], &v) == 0 &&
		    v.net_id == net_id)
			bpf_map_delete_elem(nat->fd[DPN_CT], &keys[i]);
	free(keys);
}

static int dpn_flow_add(struct dp_ct_flow **flows, int *n, int *cap, const struct dp_ct_flow *f)
{
	if (*n == *cap) {
		struct dp_ct_flow *grown;

		*cap = *cap ? *cap * 2 : 64;
		grown = realloc(*flows, (size_t)*cap * sizeof(**flows));
		if (!grown)
			return -ENOMEM;
		*flows = grown;
	}
	(*flows)[(*n)++] = *f;
	return 0;
}

int dp_nat_flows(struct dp_nat *nat, uint32_t net_id, struct dp_ct_flow **out, int *n)
{
	struct kvnet_ct_key *keys, rkey;
	struct dp_ct_flow f, *flows = NULL;
	uint64_t now = dp_now_ns();
	int nkeys, cap = 0, ret;

	*n = 0;
	ret = dpn_all_keys(nat, &keys, &nkeys);
	for (int i = 0; ret == 0 && i < nkeys; i++) {
		memset(&f, 0, sizeof(f));
		if (bpf_map_lookup_elem(nat->fd[DPN_CT], &keys[i], &f.val) < 0 ||
		    !(f.val.flags & KVNET_CT_ORIG) || (net_id && f.val.net_id != net_id) ||
		    f.val.expires_ns < now)
			continue;
		f.orig = keys[i];
		dpn_reverse(&f.val.xlate, &rkey);
		bpf_map_lookup_elem(nat->fd[DPN_CT], &rkey, &f.reply);
		f.expires_in_ns = (int64_t)(f.val.expires_ns - now);
		ret = dpn_flow_add(&flows, n, &cap, &f);
	}
	free(keys);
	if (ret < 0) {
		free(flows);
		return ret;
	}
	*out = flows;
	return 0;
}

int dp_nat_stats(struct dp_nat *nat, uint64_t out[KVNET_NAT_STAT_SLOTS])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *percpu;

	if (ncpu < 1)
		ncpu = 1;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (__u32 slot = 0; slot < KVNET_NAT_STAT_SLOTS; slot++) {
		out[slot] = 0;
		if (bpf_map_lookup_elem(nat->fd[DPN_STATS], &slot, percpu) < 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			out[slot] += percpu[c];
	}
	free(percpu);
	return 0;
}

void dp_nat_flush_fwd(struct dp_nat *nat, uint32_t net_id, uint8_t proto, uint16_t host_port,
		      uint32_t to_addr, uint16_t to_port)
{
	struct kvnet_ct_key *keys;
	struct kvnet_ct_val v;
	int n;

	if (!nat || dpn_all_keys(nat, &keys, &n) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const struct kvnet_ct_key *k = &keys[i];

		if (bpf_map_lookup_elem(nat->fd[DPN_CT], k, &v) == 0 &&
		    (v.flags & KVNET_CT_ORIG) && (v.flags & KVNET_CT_DNAT) &&
		    v.net_id == net_id && k->proto == proto && k->dport == htons(host_port) &&
		    v.xlate.daddr == to_addr && v.xlate.dport == htons(to_port))
			dpn_delete_flow(nat, k, &v);
	}
	free(keys);
}
