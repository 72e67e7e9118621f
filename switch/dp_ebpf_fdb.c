// SPDX-License-Identifier: GPL-2.0-only
/* The eBPF datapath's FDB from the daemon's side (see ebpf/lib/fdb.h):
 * pinning MACs in fdb_static, reading both maps (whole, or a page at a
 * time for a reader that must not hold the loop), flushing a port, and the
 * aging sweep of the learned map.
 *
 * The sweep runs in slices (a budget of entries per call), reading the
 * learned map in batches (BPF_MAP_LOOKUP_BATCH, resumable by its token), so
 * a large FDB never stalls the daemon's loop. An entry that looked expired
 * is read again right before it is deleted, and kept if the datapath
 * refreshed or moved it meanwhile. A whole pass also recounts the MACs each
 * port has learned (port_state.learned), which LRU evictions leave too
 * high.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "switch/dp_ebpf.h"
#include "switch/fault.h"
#include "switch/log.h"

#define DPE_BATCH 256

static void dpe_fdb_key(struct kvnet_fdb_key *k, const uint8_t mac[6])
{
	memset(k, 0, sizeof(*k));
	memcpy(k->mac, mac, 6);
}

int dpe_fdb_pin(struct dp *base, const uint8_t mac[6], int ifindex, struct kv_error *e)
{
	struct dp_ebpf *dp = dpe(base);
	struct kvnet_fdb_val v = { .ifindex = (__u32)ifindex, .flags = KVNET_FDB_STATIC };
	struct kvnet_fdb_key k;

	dpe_fdb_key(&k, mac);
	v.last_seen_ns = dp_now_ns();
	if (FAULT("dp.fdb_pin") < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot pin a MAC in the FDB: fault");
	if (bpf_map_update_elem(dp->fd[KVNET_MAPID_FDB_STATIC], &k, &v, BPF_ANY) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno,
			       "cannot pin %02x:%02x:%02x:%02x:%02x:%02x in the FDB: %s",
			       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
			       strerror(errno));
	/* a learned entry elsewhere would shadow the pin until it aged */
	bpf_map_delete_elem(dp->fd[KVNET_MAPID_FDB], &k);
	return 0;
}

int dpe_fdb_unpin(struct dp *base, const uint8_t mac[6])
{
	struct dp_ebpf *dp = dpe(base);
	struct kvnet_fdb_key k;

	dpe_fdb_key(&k, mac);
	bpf_map_delete_elem(dp->fd[KVNET_MAPID_FDB], &k);
	if (bpf_map_delete_elem(dp->fd[KVNET_MAPID_FDB_STATIC], &k) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* A growable list of entries. */
struct dpe_list {
	struct dp_fdb_entry *v;
	int n, cap;
};

static int dpe_list_add(struct dpe_list *l, const struct kvnet_fdb_key *k,
			const struct kvnet_fdb_val *val)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		struct dp_fdb_entry *nv = realloc(l->v, (size_t)cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].key = *k;
	l->v[l->n++].val = *val;
	return 0;
}

/* Call fn on every entry of map fd, a batch at a time. */
static int dpe_map_walk(int fd, int (*fn)(void *arg, const struct kvnet_fdb_key *k,
					  const struct kvnet_fdb_val *v),
			void *arg)
{
	struct kvnet_fdb_key keys[DPE_BATCH];
	struct kvnet_fdb_val vals[DPE_BATCH];
	__u64 in = 0, out = 0;
	bool first = true, last = false;
	int ret = 0;

	while (!last && ret == 0) {
		__u32 count = DPE_BATCH;

		if (bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &count,
					 NULL) < 0) {
			if (errno != ENOENT)
				return -errno;
			last = true;
		}
		for (__u32 i = 0; i < count && ret == 0; i++)
			ret = fn(arg, &keys[i], &vals[i]);
		in = out;
		first = false;
	}
	return ret;
}

static int dpe_collect(void *arg, const struct kvnet_fdb_key *k, const struct kvnet_fdb_val *v)
{
	return dpe_list_add(arg, k, v);
}

static int dpe_collect_static(void *arg, const struct kvnet_fdb_key *k,
			      const struct kvnet_fdb_val *v)
{
	struct kvnet_fdb_val s = *v;

	s.flags |= KVNET_FDB_STATIC;
	return dpe_list_add(arg, k, &s);
}

/* Every entry: the pinned ones, then the learned ones not pinned. */
int dpe_fdb_dump(struct dp *base, struct dp_fdb_entry **out, int *n)
{
	struct dp_ebpf *dp = dpe(base);
	struct dpe_list l = { 0 };
	int ret, nstatic;

	ret = dpe_map_walk(dp->fd[KVNET_MAPID_FDB_STATIC], dpe_collect_static, &l);
	nstatic = l.n;
	if (ret == 0)
		ret = dpe_map_walk(dp->fd[KVNET_MAPID_FDB], dpe_collect, &l);
	if (ret < 0) {
		free(l.v);
		return ret;
	}
	/* a pinned MAC that talks is learned on its own port too: list it once */
	for (int i = nstatic; i < l.n; i++)
		for (int j = 0; j < nstatic; j++)
			if (!memcmp(&l.v[i].key, &l.v[j].key, sizeof(l.v[i].key))) {
				l.v[i--] = l.v[--l.n];
				break;
			}
	*out = l.v;
	*n = l.n;
	return 0;
}

struct dpe_flush {
	struct dpe_list keys;
	__u32 ifindex;
};

static int dpe_collect_port(void *arg, const struct kvnet_fdb_key *k,
			    const struct kvnet_fdb_val *v)
{
	struct dpe_flush *f = arg;

	return v->ifindex == f->ifindex ? dpe_list_add(&f->keys, k, v) : 0;
}

/* Delete every entry, pinned or learned, that points at ifindex. */
int dpe_fdb_flush_port(struct dp *base, int ifindex)
{
	static const enum kvnet_map_id maps[] = { KVNET_MAPID_FDB, KVNET_MAPID_FDB_STATIC };
	struct dp_ebpf *dp = dpe(base);
	int ret = 0;

	for (unsigned m = 0; m < 2 && ret == 0; m++) {
		struct dpe_flush f = { .ifindex = (__u32)ifindex };
		int fd = dp->fd[maps[m]];

		ret = dpe_map_walk(fd, dpe_collect_port, &f);
		for (int i = 0; i < f.keys.n; i++)
			bpf_map_delete_elem(fd, &f.keys.v[i].key);
		free(f.keys.v);
	}
	return ret;
}

/* Delete key if it is still expired now (the datapath may have refreshed
 * or moved it since the batch was read). Returns 1 if deleted. */
static int dpe_expire_one(struct dp_ebpf *dp, const struct kvnet_fdb_key *k, uint64_t now)
{
	int fd = dp->fd[KVNET_MAPID_FDB];
	struct kvnet_fdb_val v;

	if (bpf_map_lookup_elem(fd, k, &v) < 0 || !dp_fdb_entry_expired(&dp->base, &v, now))
		return 0;
	return bpf_map_delete_elem(fd, k) == 0;
}

/* One entry of the sweep: delete it if expired, else count it. */
static int dpe_sweep_entry(struct dp_ebpf *dp, const struct kvnet_fdb_key *k,
			   const struct kvnet_fdb_val *v, uint64_t now)
{
	int slot;

	if (dp_fdb_entry_expired(&dp->base, v, now))
		return dpe_expire_one(dp, k, now);
	slot = dpe_port_slot(dp, v->ifindex);
	if (slot >= 0)
		dp->sweep_learned[slot]++;
	return 0;
}

/* End of a pass: write each port's recount of learned MACs. */
static void dpe_sweep_finish(struct dp_ebpf *dp)
{
	dpe_state_publish(dp, dp->sweep_learned, offsetof(struct kvnet_port_state, learned));
	dp->sweeping = false;
}

int dpe_fdb_sweep(struct dp *base, unsigned budget, struct dp_sweep *out)
{
	struct dp_ebpf *dp = dpe(base);
	struct kvnet_fdb_key keys[DPE_BATCH];
	struct kvnet_fdb_val vals[DPE_BATCH];
	uint64_t now = dp_now_ns();
	unsigned seen = 0;
	__u64 next = 0;

	memset(out, 0, sizeof(*out));
	while (seen < budget && !out->done) {
		__u32 count = DPE_BATCH;

		if (bpf_map_lookup_batch(dp->fd[KVNET_MAPID_FDB],
					 dp->sweeping ? &dp->sweep_token : NULL, &next, keys,
					 vals, &count, NULL) < 0) {
			if (errno != ENOENT)
				return -errno;
			out->done = true;
		}
		for (__u32 i = 0; i < count; i++)
			out->deleted += dpe_sweep_entry(dp, &keys[i], &vals[i], now);
		seen += count;
		dp->sweep_token = next;
		dp->sweeping = true;
		if (out->done)
			dpe_sweep_finish(dp);
	}
	out->seen = seen;
	return 0;
}

/* ---- paged reading --------------------------------------------------------
 *
 * A cursor is phase << 32 | bucket: the map being read (fdb_static, then
 * fdb) and the hash bucket to go on from, as BPF_MAP_LOOKUP_BATCH numbers
 * them. A batch holds whole buckets, and a key always hashes to the same
 * bucket, so an entry that stays in the map is listed exactly once however
 * the map changes between pages. */

#define DPE_PAGE_BATCH 1024

enum dpe_phase { DPE_PHASE_STATIC = 1, DPE_PHASE_LEARNED = 2 };

struct dpe_page {
	struct dpe_list l; /* the page so far */
	int max;
	struct kvnet_fdb_key *keys; /* batch buffers, cap entries each */
	struct kvnet_fdb_val *vals;
	__u32 cap;
	struct kvnet_fdb_key *pinned; /* fdb_static's keys, sorted */
	int npinned;
};

static int dpe_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct kvnet_fdb_key));
}

static int dpe_page_grow(struct dpe_page *pg, __u32 cap)
{
	struct kvnet_fdb_key *k = realloc(pg->keys, cap * sizeof(*k));
	struct kvnet_fdb_val *v;

	if (!k)
		return -ENOMEM;
	pg->keys = k;
	v = realloc(pg->vals, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	pg->vals = v;
	pg->cap = cap;
	return 0;
}

/* The pinned keys, sorted: a learned entry for one of them is not listed
 * (the pin is). */
static int dpe_page_pinned(struct dp_ebpf *dp, struct dpe_page *pg)
{
	struct dpe_list l = { 0 };
	int ret = dpe_map_walk(dp->fd[KVNET_MAPID_FDB_STATIC], dpe_collect, &l);

	if (ret == 0 && l.n) {
		pg->pinned = malloc((size_t)l.n * sizeof(*pg->pinned));
		ret = pg->pinned ? 0 : -ENOMEM;
	}
	for (int i = 0; ret == 0 && i < l.n; i++)
		pg->pinned[i] = l.v[i].key;
	if (ret == 0 && l.n) {
		pg->npinned = l.n;
		qsort(pg->pinned, (size_t)l.n, sizeof(*pg->pinned), dpe_key_cmp);
	}
	free(l.v);
	return ret;
}

static int dpe_page_add(struct dpe_page *pg, enum dpe_phase ph, __u32 count)
{
	for (__u32 i = 0; i < count; i++) {
		struct kvnet_fdb_val v = pg->vals[i];
		int ret;

		if (ph == DPE_PHASE_STATIC)
			v.flags |= KVNET_FDB_STATIC;
		else if (pg->npinned && bsearch(&pg->keys[i], pg->pinned, (size_t)pg->npinned,
						sizeof(*pg->pinned), dpe_key_cmp))
			continue;
		ret = dpe_list_add(&pg->l, &pg->keys[i], &v);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* One batch of the phase's map, from *bucket on, into the page. Returns 1
 * at the end of the map, 0 to go on, 2 when the page is full, or -errno.
 * A bucket larger than what is left of the page ends it, unless the page
 * is still empty: then it is read whole, so every page moves on. */
static int dpe_page_batch(struct dp_ebpf *dp, struct dpe_page *pg, enum dpe_phase ph,
			  __u32 *bucket)
{
	int fd = dp->fd[ph == DPE_PHASE_STATIC ? KVNET_MAPID_FDB_STATIC : KVNET_MAPID_FDB];
	__u32 room = pg->l.n < pg->max ? (__u32)(pg->max - pg->l.n) : 0;
	__u32 want = room < pg->cap ? room : pg->cap;

	if (!room)
		return 2;
	for (;;) {
		__u32 count = want, next = 0;
		int ret = bpf_map_lookup_batch(fd, bucket, &next, pg->keys, pg->vals, &count, NULL);
		bool end = ret < 0 && errno == ENOENT;

		if (ret < 0 && errno == ENOSPC && pg->l.n)
			return 2;
		if (ret < 0 && errno == ENOSPC) {
			ret = want < pg->cap ? 0 : dpe_page_grow(pg, pg->cap * 2);
			want = pg->cap;
			if (ret < 0)
				return ret;
			continue;
		}
		if (ret < 0 && !end)
			return -errno;
		ret = dpe_page_add(pg, ph, count);
		*bucket = next;
		return ret < 0 ? ret : end;
	}
}

int dpe_fdb_page(struct dp *base, uint64_t *cursor, int max, struct dp_fdb_entry **out, int *n)
{
	struct dp_ebpf *dp = dpe(base);
	struct dpe_page pg = { .max = max > 0 ? max : 1 };
	enum dpe_phase ph = *cursor ? (enum dpe_phase)(*cursor >> 32) : DPE_PHASE_STATIC;
	__u32 bucket = (__u32)*cursor;
	int ret;

	if (ph != DPE_PHASE_STATIC && ph != DPE_PHASE_LEARNED)
		return -EINVAL;
	ret = dpe_page_grow(&pg, (__u32)pg.max < DPE_PAGE_BATCH ? (__u32)pg.max : DPE_PAGE_BATCH);
	if (ret == 0)
		ret = dpe_page_pinned(dp, &pg);
	while (ret == 0 || (ret == 1 && ph == DPE_PHASE_STATIC)) {
		if (ret == 1) {
			ph = DPE_PHASE_LEARNED;
			bucket = 0;
		}
		ret = dpe_page_batch(dp, &pg, ph, &bucket);
	}
	free(pg.keys);
	free(pg.vals);
	free(pg.pinned);
	if (ret < 0) {
		free(pg.l.v);
		return ret;
	}
	*cursor = ret == 1 ? 0 : (uint64_t)ph << 32 | bucket;
	*out = pg.l.v;
	*n = pg.l.n;
	return 0;
}
