/* SPDX-License-Identifier: GPL-2.0-only */
/* Forwarding database (fdb: HASH {mac, vlan} -> {ifindex, flags,
 * last_seen}): learning from source MACs and destination lookup with aging.
 * Timestamps are bpf_ktime_get_ns(), i.e. CLOCK_MONOTONIC. A learned entry
 * is written only when it is new, moves, or is more than
 * KVNET_FDB_REFRESH_NS old, so steady traffic reads the FDB and never
 * writes it. Static entries (the daemon's pinned guest MACs) are never
 * touched. Expired entries are left for the daemon to delete.
 */
#ifndef KVNET_LIB_FDB_H
#define KVNET_LIB_FDB_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, KVNET_FDB_MAX);
	__type(key, struct kvnet_fdb_key);
	__type(value, struct kvnet_fdb_val);
} fdb SEC(".maps");

static __always_inline void kvnet_fdb_key_make(struct kvnet_fdb_key *key,
					       const __u8 *mac, __u16 vlan)
{
	__builtin_memcpy(key->mac, mac, ETH_ALEN);
	key->vlan = vlan;
}

/* Signed age, so that an entry another CPU refreshed a moment after this
 * CPU read the clock counts as fresh instead of wrapping to "ancient". */
static __always_inline __s64 kvnet_fdb_age(const struct kvnet_fdb_val *v,
					   __u64 now)
{
	return (__s64)(now - *(volatile const __u64 *)&v->last_seen_ns);
}

/* Learn that key lives behind ifindex. Returns KVNET_DROP_NONE, or
 * KVNET_DROP_FDB_FULL if a new entry could not be stored (the frame is
 * still forwarded; the caller only counts it). */
static __always_inline __u32 kvnet_fdb_learn(const struct kvnet_fdb_key *key,
					     __u32 ifindex, __u64 now)
{
	struct kvnet_fdb_val *v = bpf_map_lookup_elem(&fdb, key);
	struct kvnet_fdb_val nv = {};
	long err;

	if (v) {
		if (v->flags & KVNET_FDB_STATIC)
			return KVNET_DROP_NONE;
		if (*(volatile __u32 *)&v->ifindex != ifindex) {
			/* MAC move: stamp first, so a reader that sees the
			 * new port never pairs it with a stale time. */
			*(volatile __u64 *)&v->last_seen_ns = now;
			*(volatile __u32 *)&v->ifindex = ifindex;
		} else if (kvnet_fdb_age(v, now) >
			   (__s64)KVNET_FDB_REFRESH_NS) {
			*(volatile __u64 *)&v->last_seen_ns = now;
		}
		return KVNET_DROP_NONE;
	}
	nv.ifindex = ifindex;
	nv.last_seen_ns = now;
	err = bpf_map_update_elem(&fdb, key, &nv, BPF_NOEXIST);
	/* -E2BIG: the map is full; -EEXIST: another CPU learned it first. */
	if (err && err != -KVNET_EEXIST)
		return KVNET_DROP_FDB_FULL;
	return KVNET_DROP_NONE;
}

/* Port the key lives behind, or 0 if unknown or aged out (flood). */
static __always_inline __u32 kvnet_fdb_lookup(const struct kvnet_fdb_key *key,
					      __u64 now, __u64 aging_ns)
{
	const struct kvnet_fdb_val *v = bpf_map_lookup_elem(&fdb, key);
	__u32 ifindex;

	if (!v)
		return 0;
	ifindex = *(volatile const __u32 *)&v->ifindex;
	if (v->flags & KVNET_FDB_STATIC)
		return ifindex;
	if (kvnet_fdb_age(v, now) > (__s64)aging_ns)
		return 0;
	return ifindex;
}

#endif /* KVNET_LIB_FDB_H */
