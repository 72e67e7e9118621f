/* SPDX-License-Identifier: GPL-2.0-only */
/* Connection tracking: the daemon-wide maps (layout and rules in
 * nat/nat_shared.h), looking a packet's flow up, and keeping the flow's
 * state and timer. Both the switch (from guests) and the uplink program
 * (from outside) share these maps; kvnetd loads them once and hands the
 * same fds to every program.
 */
#ifndef KVNET_LIB_CT_H
#define KVNET_LIB_CT_H

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KVNET_CT_MAX);
	__type(key, struct kvnet_ct_key);
	__type(value, struct kvnet_ct_val);
} ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kvnet_nat_cfg);
} nat_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KVNET_NAT_STAT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} nat_stats SEC(".maps");

static __always_inline void kvnet_nat_count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&nat_stats, &slot);

	if (c)
		(*c)++;
}

/* A packet's flow: the entry its tuple hit, and the flow's original
 * entry (the same one for the original direction). */
struct kvnet_ct_hit {
	struct kvnet_ct_val *e;
	struct kvnet_ct_val *orig;
	int reply; /* the packet goes in the reply direction */
};

static __always_inline void kvnet_ct_reverse(const struct kvnet_ct_key *k,
					     struct kvnet_ct_key *r)
{
	r->saddr = k->daddr;
	r->daddr = k->saddr;
	r->sport = k->dport;
	r->dport = k->sport;
	r->proto = k->proto;
	r->pad[0] = r->pad[1] = r->pad[2] = 0;
}

static __always_inline int kvnet_ct_key_eq(const struct kvnet_ct_key *a,
					   const struct kvnet_ct_key *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

/* The timeout of a flow in state, in seconds. */
static __always_inline __u64 kvnet_ct_timeout_s(__u8 proto, __u8 state)
{
	const struct kvnet_nat_cfg *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&nat_cfg, &zero);
	if (!c)
		return KVNET_CT_ICMP_S;
	if (proto == KVNET_IPPROTO_TCP) {
		if (state == KVNET_CT_NEW)
			return c->tcp_syn_s;
		if (state == KVNET_CT_ESTABLISHED)
			return c->tcp_est_s;
		return state == KVNET_CT_CLOSING ? c->tcp_closing_s : c->tcp_closed_s;
	}
	if (proto == KVNET_IPPROTO_UDP)
		return state == KVNET_CT_NEW ? c->udp_s : c->udp_stream_s;
	return c->icmp_s;
}

/* Find the flow of the packet whose tuple is key. Returns 0 (hit filled),
 * or -1 for no live flow. A reply entry counts only while its original
 * entry is alive and still points back at it (one left behind by a lost
 * race or an expired flow is a miss). */
static __always_inline int kvnet_ct_lookup(const struct kvnet_ct_key *key, __u64 now,
					   struct kvnet_ct_hit *hit)
{
	struct kvnet_ct_key okey, back;
	struct kvnet_ct_val *e, *o;

	e = bpf_map_lookup_elem(&ct, key);
	if (!e)
		return -1;
	o = e;
	if (!(e->flags & KVNET_CT_ORIG)) {
		kvnet_ct_reverse(&e->xlate, &okey);
		o = bpf_map_lookup_elem(&ct, &okey);
		if (!o || !(o->flags & KVNET_CT_ORIG))
			return -1;
		kvnet_ct_reverse(&o->xlate, &back);
		if (!kvnet_ct_key_eq(&back, key))
			return -1;
	}
	if (o->expires_ns < now)
		return -1;
	hit->e = e;
	hit->orig = o;
	hit->reply = e != o;
	return 0;
}

/* The flow's next state after a packet with these TCP flags (0 for UDP
 * and ICMP) in this direction. */
static __always_inline __u8 kvnet_ct_next_state(__u8 state, __u8 proto, __u8 tcp_flags,
						int reply)
{
	if (proto == KVNET_IPPROTO_TCP) {
		if (tcp_flags & KVNET_TCP_RST)
			return KVNET_CT_CLOSED;
		if (state == KVNET_CT_CLOSED)
			return state;
		if (tcp_flags & KVNET_TCP_FIN)
			return KVNET_CT_CLOSING;
	}
	if (reply && state == KVNET_CT_NEW)
		return KVNET_CT_ESTABLISHED;
	return state;
}

/* Account a packet of len bytes to its flow: counters, state, timer. The
 * timer is written when the state changes, or when it would move by more
 * than KVNET_CT_REFRESH_NS, so that a busy flow does not write it on
 * every packet. Concurrent packets of one flow may race here; the result
 * is still a valid state and a timer at most a refresh old.
 *
 * The counters are plain adds, as Cilium's are unless it is built with
 * CONNTRACK_ACCOUNTING: the two locked adds they were cost 8-13 ns of a
 * NATed frame's 140 (bpf_stats, make bench's UDP flows), more than the
 * whole lookup of a port. Each direction has an entry of its own, and one
 * direction's packets come from one queue of one device, so two CPUs
 * count into one entry at once only for a flow spread over queues; an
 * increment is then lost, never a count torn (aligned 64-bit stores). The
 * counters are for `kvnet conntrack`, never for a decision. */
static __always_inline void kvnet_ct_account(struct kvnet_ct_hit *hit, __u8 proto,
					     __u8 tcp_flags, __u32 len, __u64 now)
{
	struct kvnet_ct_val *o = hit->orig;
	__u8 state = o->state, next;
	__u64 expires;

	hit->e->packets++;
	hit->e->bytes += len;
	next = kvnet_ct_next_state(state, proto, tcp_flags, hit->reply);
	if (hit->reply && !(o->flags & KVNET_CT_SEEN_REPLY))
		o->flags |= KVNET_CT_SEEN_REPLY;
	expires = now + kvnet_ct_timeout_s(proto, next) * 1000000000ULL;
	if (next != state) {
		o->state = next;
		o->expires_ns = expires;
	} else if (expires > o->expires_ns + KVNET_CT_REFRESH_NS) {
		o->expires_ns = expires;
	}
}

/* Is the reply entry at key free to take for a new flow: absent, or left
 * from a flow that is gone (its original entry missing, expired, or
 * pointing elsewhere)? tmp is room for two keys (off the stack). */
static __always_inline int kvnet_ct_slot_free(const struct kvnet_ct_key *key, __u64 now,
					      struct kvnet_ct_key *tmp)
{
	const struct kvnet_ct_val *e, *o;

	e = bpf_map_lookup_elem(&ct, key);
	if (!e)
		return 1;
	if (e->flags & KVNET_CT_ORIG)
		return e->expires_ns < now;
	kvnet_ct_reverse(&e->xlate, &tmp[0]);
	o = bpf_map_lookup_elem(&ct, &tmp[0]);
	if (!o || !(o->flags & KVNET_CT_ORIG) || o->expires_ns < now)
		return 1;
	kvnet_ct_reverse(&o->xlate, &tmp[1]);
	return !kvnet_ct_key_eq(&tmp[1], key);
}

/* Claim the reply entry rkey for a new flow (port allocation). Returns 0,
 * or -1 if a live flow holds it. */
static __always_inline int kvnet_ct_claim(const struct kvnet_ct_key *rkey,
					  const struct kvnet_ct_val *rval, __u64 now,
					  struct kvnet_ct_key *tmp)
{
	if (bpf_map_update_elem(&ct, rkey, rval, BPF_NOEXIST) == 0)
		return 0;
	if (!kvnet_ct_slot_free(rkey, now, tmp))
		return -1;
	return bpf_map_update_elem(&ct, rkey, rval, BPF_ANY) == 0 ? 0 : -1;
}

#endif /* KVNET_LIB_CT_H */
