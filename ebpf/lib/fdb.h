/* SPDX-License-Identifier: GPL-2.0-only */
/* Forwarding database, in two maps:
 *  - fdb_static: HASH {mac, vlan} -> {ifindex}: MACs the daemon pinned (a
 *    guest's --mac, the gateway's). Frames never change it; it has room
 *    for every port, so pinning never depends on what guests learned.
 *  - fdb: LRU_HASH {mac, vlan} -> {ifindex, last_seen}: learned from
 *    source MACs. When full, the least recently used entry makes room; an
 *    untrusted port may hold at most cfg->learn_max of them, so one guest
 *    with random source MACs cannot push the others' entries out.
 *
 * Timestamps are bpf_ktime_get_coarse_ns(), CLOCK_MONOTONIC_COARSE: a tick
 * behind CLOCK_MONOTONIC at most, and on this path much cheaper than
 * reading the TSC (which a VM may make slow). A learned entry
 * is written only when it is new, moves, or is more than
 * KVNET_FDB_REFRESH_NS old, so steady traffic reads the FDB and never
 * writes it. The learned map is looked up first both ways (a pinned MAC
 * that talks is learned too, on its own port), so a frame costs two FDB
 * lookups; fdb_static is read only on a miss or a move. Expired entries
 * are left for the daemon's sweep, which also recounts learned[].
 *
 * The learn cache: most frames of a port come from the one MAC behind it,
 * already learned there. port_state holds the MAC the port's frames last
 * learned or refreshed and when; for KVNET_FDB_LEARN_CACHE_NS after that,
 * frames from it skip the learned map's lookup. A MAC that moves away
 * clears the old port's cache (kvnet_fdb_count_move), so that moving back
 * is learned at once. Other CPUs may read it half written: a frame then
 * takes the lookup, or skips it for a MAC that was learned on this port
 * within the window either way.
 */
#ifndef KVNET_LIB_FDB_H
#define KVNET_LIB_FDB_H

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KVNET_FDB_MAX);
	__type(key, struct kvnet_fdb_key);
	__type(value, struct kvnet_fdb_val);
} fdb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KVNET_FDB_STATIC_MAX);
	__type(key, struct kvnet_fdb_key);
	__type(value, struct kvnet_fdb_val);
} fdb_static SEC(".maps");

static __always_inline void kvnet_fdb_key_make(struct kvnet_fdb_key *key,
					       const __u8 *mac)
{
	__builtin_memcpy(key->mac, mac, ETH_ALEN);
	key->vlan = 0;
}

/* Signed age, so that an entry another CPU refreshed a moment after this
 * CPU read the clock counts as fresh instead of wrapping to "ancient". */
static __always_inline __s64 kvnet_fdb_age(const struct kvnet_fdb_val *v,
					   __u64 now)
{
	return (__s64)(now - *(volatile const __u64 *)&v->last_seen_ns);
}

/* The port key is pinned to, or 0. */
static __always_inline __u32 kvnet_fdb_static(const struct kvnet_fdb_key *key)
{
	const struct kvnet_fdb_val *v = bpf_map_lookup_elem(&fdb_static, key);

	return v ? v->ifindex : 0;
}

/* Was src learned or refreshed on the port of st a moment ago, by a frame
 * checked under anti-spoofing generation gen (kvnet_config bind_gen)? */
static __always_inline int kvnet_fdb_cached(const struct kvnet_port_state *st, const __u8 *src,
					    __u64 now, __u32 gen)
{
	return st && now - *(volatile const __u64 *)&st->learn_ns < KVNET_FDB_LEARN_CACHE_NS &&
	       kvnet_mac_eq(st->learn_mac, src) &&
	       *(volatile const __u32 *)&st->learn_gen == gen;
}

/* Remember that mac is learned on the port of st, as of now, by a frame
 * checked under gen. The time is cleared first, so that a reader never
 * pairs the new MAC or generation with it. */
static __always_inline void kvnet_fdb_cache(struct kvnet_port_state *st, const __u8 *mac,
					    __u64 now, __u32 gen)
{
	if (!st)
		return;
	*(volatile __u64 *)&st->learn_ns = 0;
	__builtin_memcpy(st->learn_mac, mac, ETH_ALEN);
	*(volatile __u32 *)&st->learn_gen = gen;
	*(volatile __u64 *)&st->learn_ns = now;
}

/* Move the learned count of an entry (mac) from port old to port in, and
 * clear the old port's cache of it. */
static __always_inline void kvnet_fdb_count_move(__u32 old, const __u8 *mac,
						 const struct kvnet_port *in)
{
	struct kvnet_port_state *st;
	struct kvnet_port p;

	if (kvnet_port_get(old, &p) == 0 && (st = kvnet_state_get(&p))) {
		__sync_fetch_and_add(&st->learned, -1);
		if (kvnet_mac_eq(st->learn_mac, mac))
			*(volatile __u64 *)&st->learn_ns = 0;
	}
	st = kvnet_state_get(in);
	if (st)
		__sync_fetch_and_add(&st->learned, 1);
}

/* A new entry for key behind in. Returns a drop reason to count (the frame
 * goes on either way), or KVNET_DROP_NONE. */
static __always_inline __u32 kvnet_fdb_learn_new(const struct kvnet_fdb_key *key,
						 const struct kvnet_frame *fr)
{
	struct kvnet_fdb_val nv = { .ifindex = fr->in.ifindex, .last_seen_ns = fr->now };
	struct kvnet_port_state *st = kvnet_state_get(&fr->in);
	long err;

	if (st && fr->cfg.learn_max && !(fr->in.flags & KVNET_PORT_TRUSTED) &&
	    *(volatile __u32 *)&st->learned >= fr->cfg.learn_max)
		return KVNET_DROP_LEARN_LIMIT;
	err = bpf_map_update_elem(&fdb, key, &nv, BPF_NOEXIST);
	if (err == -KVNET_EEXIST)
		return KVNET_DROP_NONE; /* another CPU learned it first */
	if (err)
		return KVNET_DROP_FDB_FULL;
	if (st)
		__sync_fetch_and_add(&st->learned, 1);
	kvnet_fdb_cache(st, key->mac, fr->now, fr->cfg.bind_gen);
	return KVNET_DROP_NONE;
}

/* Learn that the frame's source lives behind its ingress port. Returns a
 * reason to count, or KVNET_DROP_NONE. A MAC pinned to another port is not
 * learned here (it stays where the daemon put it). */
static __always_inline __u32 kvnet_fdb_learn(const struct kvnet_frame *fr)
{
	struct kvnet_port_state *st = kvnet_state_get(&fr->in);
	struct kvnet_fdb_key key;
	struct kvnet_fdb_val *v;
	__u32 pinned, old;

	if (kvnet_fdb_cached(st, fr->eth.src, fr->now, fr->cfg.bind_gen))
		return KVNET_DROP_NONE;
	kvnet_fdb_key_make(&key, fr->eth.src);
	v = bpf_map_lookup_elem(&fdb, &key);
	if (v) {
		old = *(volatile __u32 *)&v->ifindex;
		if (old == fr->in.ifindex) {
			if (kvnet_fdb_age(v, fr->now) > (__s64)KVNET_FDB_REFRESH_NS)
				*(volatile __u64 *)&v->last_seen_ns = fr->now;
			kvnet_fdb_cache(st, key.mac, fr->now, fr->cfg.bind_gen);
			return KVNET_DROP_NONE;
		}
	}
	pinned = kvnet_fdb_static(&key);
	if (pinned && pinned != fr->in.ifindex)
		return KVNET_DROP_NONE;
	if (!v)
		return kvnet_fdb_learn_new(&key, fr);
	/* MAC move: stamp first, so a reader that sees the new port never
	 * pairs it with a stale time. */
	*(volatile __u64 *)&v->last_seen_ns = fr->now;
	*(volatile __u32 *)&v->ifindex = fr->in.ifindex;
	kvnet_fdb_count_move(old, key.mac, &fr->in);
	kvnet_fdb_cache(st, key.mac, fr->now, fr->cfg.bind_gen);
	return KVNET_DROP_NONE;
}

/* Port the frame's destination lives behind, or 0 if unknown or aged out
 * (flood). */
static __always_inline __u32 kvnet_fdb_lookup(const struct kvnet_frame *fr)
{
	const struct kvnet_fdb_val *v;
	struct kvnet_fdb_key key;

	kvnet_fdb_key_make(&key, fr->eth.dst);
	v = bpf_map_lookup_elem(&fdb, &key);
	if (v && kvnet_fdb_age(v, fr->now) <= (__s64)fr->cfg.aging_ns)
		return *(volatile const __u32 *)&v->ifindex;
	return kvnet_fdb_static(&key);
}

#endif /* KVNET_LIB_FDB_H */
