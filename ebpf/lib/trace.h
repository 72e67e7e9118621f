/* SPDX-License-Identifier: GPL-2.0-only */
/* Packet-path tracing (ebpf/kvnet_trace.h): kvnetd writes the sessions'
 * coarse filters into this program's globals and sets their bits in
 * kvnet_trace_sessions; a frame that enters a port and matches one is
 * marked (trace_cur, per CPU: the sessions and the frame's id), and each
 * stage it passes then emits a struct kvnet_trace_event to trace_ring.
 * The globals live in the program's .bss, which the daemon maps: a new
 * program starts with no session, so a trace never outlives the daemon
 * that ran it.
 *
 * A frame's events are sent twice over: its ingress when it enters (the
 * match decides there), and the rest once the switch has decided, from
 * what the stages noted as it went (fr->stages, the NAT scratch). A frame
 * that no session follows pays, at its start, a test of
 * kvnet_trace_sessions and, with a session, of the slots' summary, inline
 * (kvnet_trace_refused), or the match's call where the summary cannot
 * tell; and at its end one read of this CPU's mark, which only a followed
 * frame sets and clears (kvnet_trace_followed). The events of
 * one program run share its time;
 * what takes time is between runs (the reply, the kernel's drop). A mark
 * tested in the frame's context at each stage would make the verifier
 * walk the switch twice, traced and untraced, as its states would no
 * longer merge.
 */
#ifndef KVNET_LIB_TRACE_H
#define KVNET_LIB_TRACE_H

#include "kvnet_trace.h"
#include "lib/trace_flow.h"

/* The stages a frame passed, noted in its context as it goes (fr->stages,
 * an OR each: no test, no call), for its trace's events, which are sent
 * once the switch is done with it (kvnet_trace_verdict). */
#define KVNET_TR_SPOOF 1	 /* passed the anti-spoofing check */
#define KVNET_TR_FDB_HIT 2	 /* its destination MAC was known */
#define KVNET_TR_FDB_MISS 4	 /* ... was not (flooded) */
#define KVNET_TR_FDB_GROUP 8	 /* it was to a group (flooded) */
#define KVNET_TR_GATEWAY 16	 /* it crossed the gateway port */
#define KVNET_TR_ROUTED 32	 /* the routing stage took it (its notes:
				    lib/gwroute.h, in the NAT scratch) */

/* A build with no tracing code at all (KVNET_NO_TRACE) takes no notes
 * and never finds a session on. kvnetd embeds this program built so too,
 * as its untraced copy (build/switch_untraced.bpf.o), which the network's
 * ports run while no trace session runs (switch/dp_ebpf_untraced.c); it
 * is also make bench's baseline for what tracing costs
 * (build/kvnetd-notrace). */
#ifdef KVNET_NO_TRACE
#define KVNET_TR_NOTE(fr, bits) ((void)0)
#else
#define KVNET_TR_NOTE(fr, bits) ((fr)->stages |= (bits))
#endif

/* Written by kvnetd through the skeleton's .bss. */
volatile __u32 kvnet_trace_sessions;
/* Are the kernel's drop tracepoints (kvnet_trace_kfree) attached? kvnetd
 * takes them off while a trace is idle (switch/trace.c): they run for
 * every skb the machine frees. */
volatile __u32 kvnet_trace_kernel_on;
struct kvnet_trace_filter kvnet_trace_filters[KVNET_TRACE_SESSIONS];
/* The slots' summary, kvnet_trace_summary[kvnet_trace_summary_cur]: kvnetd
 * writes the other one, then makes it current. */
struct kvnet_trace_summary kvnet_trace_summary[2];
volatile __u32 kvnet_trace_summary_cur;
/* Events the ring had no room for. */
__u64 kvnet_trace_lost;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 512 * 1024); /* ~2,000 events */
} trace_ring SEC(".maps");

/* The frame this CPU runs the switch for: the sessions that follow it
 * (0: none) and its id. Written at every port ingress while a session
 * runs. */
struct kvnet_trace_cur {
	__u64 id;
	__u32 sessions;
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kvnet_trace_cur);
} trace_cur SEC(".maps");

static __always_inline struct kvnet_trace_cur *kvnet_trace_cur(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&trace_cur, &zero);
}

/* Is any session running on the network? The first test every stage
 * makes. */
static __always_inline int kvnet_trace_on(void)
{
#ifdef KVNET_NO_TRACE
	return 0;
#else
	return kvnet_dry_run || kvnet_trace_sessions != 0;
#endif
}

/* This CPU's frame's mark, if a session follows the frame, else NULL: the
 * second test, made by the noinline writers themselves (as a test at each
 * stage, it would cost the verifier a third more work). */
static __always_inline const struct kvnet_trace_cur *kvnet_trace_marked(void)
{
	const struct kvnet_trace_cur *c = kvnet_trace_cur();

	return c && c->sessions ? c : NULL;
}



/* What the keys look at of an IPv4 packet at off, into x. */
static __always_inline void kvnet_trace_read_ip4(struct __sk_buff *skb, __u32 off,
						 struct kvnet_trace_frame *x)
{
	__u8 h[20] KVNET_PKT_BUF;
	__be16 ports[2] KVNET_PKT_BUF;
	__u32 ihl;

	if (kvnet_pkt_load(skb, off, h, sizeof(h)) < 0 || (h[0] >> 4) != 4)
		return;
	ihl = (h[0] & 0xf) * 4;
	if (ihl < sizeof(h))
		return;
	x->is_ip4 = 1;
	x->proto = h[9];
	__builtin_memcpy(&x->saddr, h + 12, 4);
	__builtin_memcpy(&x->daddr, h + 16, 4);
	if ((h[6] & 0x3f) || h[7] || (x->proto != KVNET_IPPROTO_TCP && x->proto != KVNET_IPPROTO_UDP))
		return; /* a fragment, or no ports to read */
	if (kvnet_pkt_load(skb, off + (ihl & 0x3c), ports, sizeof(ports)) < 0)
		return;
	x->l4_ok = 1;
	x->sport = bpf_ntohs(ports[0]);
	x->dport = bpf_ntohs(ports[1]);
}

/* What the match and the ingress event need of a frame entering a port:
 * a copy, handed to the global kvnet_trace_begin instead of the frame
 * context. The verifier takes memory a global function gets as written
 * over (scalars of any value), so the switch's paths that called it
 * would no longer merge with those that did not (a trace refused inline,
 * no trace): its walk of the switch would grow by 40%. */
struct kvnet_trace_entry {
	__u32 ifindex;
	__u32 flags; /* the port's KVNET_PORT_* */
	__be16 proto;
	__u16 hlen;
	__u8 src[ETH_ALEN], dst[ETH_ALEN];
};

/* Does slot i's filter take the frame? A function of its own, so that
 * its temporaries are not on the stack while the frame is read. */
static __noinline int kvnet_trace_slot_takes(__u32 i, const struct kvnet_trace_frame *x)
{
	if (i >= KVNET_TRACE_SESSIONS)
		return 0;
	return kvnet_trace_filter_takes(&kvnet_trace_filters[i], x);
}

/* The sessions (bits) whose filter takes the frame: none, if the slots'
 * summary refuses it (the usual end of a frame a trace does not want). */
static __noinline __u32 kvnet_trace_match(struct __sk_buff *skb,
					 const struct kvnet_trace_entry *in, __u32 sessions)
{
	const struct kvnet_trace_summary *s = &kvnet_trace_summary[kvnet_trace_summary_cur & 1];
	struct kvnet_trace_frame x = {
		.ifindex = in->ifindex, .ethertype = bpf_ntohs(in->proto),
	};
	__u32 mask = 0;

	/* the port first, before any read (x has no IPv4 yet) */
	if (kvnet_trace_summary_refuses(s, &x))
		return 0;
	if (in->proto == bpf_htons(ETH_P_IP))
		kvnet_trace_read_ip4(skb, in->hlen, &x);
	if (x.is_ip4 && kvnet_trace_summary_refuses(s, &x))
		return 0;
	__builtin_memcpy(x.src, in->src, 6);
	__builtin_memcpy(x.dst, in->dst, 6);
	for (__u32 i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if ((sessions & (1u << i)) && kvnet_trace_slot_takes(i, &x))
			mask |= 1u << i;
	return mask;
}

/* A traced frame the datapath handed on (to a port, or to the host's
 * stack), by the kernel's skb address, for kvnet_trace_kfree: if the
 * kernel then drops it, its reason joins the frame's trace. An entry
 * goes when the skb is freed; one whose skb was freed where no tracepoint
 * fires is ignored after KVNET_TRACE_SKB_NS (by then the memory may hold
 * another skb). Within that time a new skb at the same address is told
 * apart by its data buffer (head) and, as that may be reused with it, by
 * the packet's print (kvnet_trace_skb_print). */
#define KVNET_TRACE_SKB_NS (1000ULL * 1000 * 1000)

struct kvnet_trace_skb {
	__u64 trace_id;
	__u64 ts_ns;
	__u64 head;  /* the skb's data buffer when it was followed */
	__u64 print; /* and its packet's print (kvnet_trace_skb_print) */
	__u32 sessions;
	__u32 in_ifindex;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kvnet_trace_skb);
} trace_skbs SEC(".maps");

/* When a frame was last followed into the kernel (ns; 0: never).
 * The tracepoint programs run for every skb the machine frees while a
 * session runs; they look no further than this while no entry of
 * trace_skbs can still count (a session whose filter takes nothing): one
 * load, once the first of them to find it stale has set it to 0. kvnetd
 * reads it once a second (before it can go stale), for when to take the
 * tracepoints off (switch/trace.c). */
volatile __u64 kvnet_trace_followed_ns;

static __always_inline int kvnet_trace_none_followed(void)
{
	__u64 f = kvnet_trace_followed_ns;

	if (!f)
		return 1;
	if (bpf_ktime_get_ns() - f <= KVNET_TRACE_SKB_NS)
		return 0;
	/* stale: the next runs stop at the load, not at a clock read too
	 * (unless a frame was followed meanwhile) */
	__sync_val_compare_and_swap(&kvnet_trace_followed_ns, f, 0);
	return 1;
}

/* Follow the traced frame into the kernel (see trace_skbs). */
static __noinline void kvnet_trace_follow(struct __sk_buff *skb, const struct kvnet_frame *fr)
{
	struct kvnet_trace_cur *c = kvnet_trace_cur();
	struct kvnet_trace_skb t = { .in_ifindex = fr->in.ifindex };
	__u64 key = kvnet_trace_skb_key(skb);

	if (!c || !c->sessions)
		return;
	t.trace_id = c->id;
	t.sessions = c->sessions;
	t.head = kvnet_trace_skb_head(skb);
	t.print = kvnet_trace_skb_print(bpf_cast_to_kern_ctx(skb));
	t.ts_ns = bpf_ktime_get_ns();
	kvnet_trace_followed_ns = t.ts_ns;
	bpf_map_update_elem(&trace_skbs, &key, &t, BPF_ANY);
}

static __noinline void kvnet_trace_emit_at(struct __sk_buff *skb, __u32 in_ifindex,
					   __u32 stage, __u32 detail, __u32 out);

/* A traced flow's reply the uplink program sent in through the gateway
 * goes on with its trace (lib/trace_flow.h). */
static __always_inline void kvnet_trace_handed_on(struct __sk_buff *skb,
						  const struct kvnet_trace_entry *in,
						  struct kvnet_trace_cur *c)
{
	struct kvnet_trace_handoff *h;
	__u64 key;

	if (!(in->flags & KVNET_PORT_GATEWAY) || kvnet_dry_run)
		return;
	key = kvnet_trace_skb_key(skb);
	h = bpf_map_lookup_elem(&trace_handoff, &key);
	if (!h)
		return;
	if (bpf_ktime_get_ns() - h->ts_ns < KVNET_TRACE_HANDOFF_NS &&
	    h->print == kvnet_trace_skb_print(bpf_cast_to_kern_ctx(skb))) {
		c->id = h->trace_id;
		c->sessions |= h->sessions;
	}
	bpf_map_delete_elem(&trace_handoff, &key);
}

/* Mark this CPU's frame: which sessions take it, and a new id, unique as
 * no two frames start in the same nanosecond on one CPU; and if one does,
 * its ingress event. A global function, verified once on its own: as a
 * static one, the match's tests of the frame's fields would make them
 * precise in the switch, whose paths would then no longer merge (0.25 s
 * more to load a network's program). Returns 0. */
__noinline int kvnet_trace_begin(struct __sk_buff *skb, const struct kvnet_trace_entry *in,
				 __u32 detail)
{
	struct kvnet_trace_cur *c = kvnet_trace_cur();
	__u32 sessions = kvnet_trace_sessions;

	if (!c || !in)
		return 0;
	if (kvnet_dry_run)
		c->sessions = KVNET_TRACE_DRY;
	else
		c->sessions = sessions ? kvnet_trace_match(skb, in, sessions) : 0;
	if (c->sessions)
		c->id = kvnet_trace_new_id();
	kvnet_trace_handed_on(skb, in, c);
	if (c->sessions)
		kvnet_trace_emit_at(skb, in->ifindex, KVNET_TRACE_INGRESS, detail, 0);
	return 0;
}

/* The flow of the followed frame, whose conntrack entry it hit, e: the
 * entry of the other direction (the packets that come back) is marked
 * with the frame's sessions, so that the uplink program reports them
 * (lib/trace_flow.h). A global function. Returns 0. */
__noinline int kvnet_trace_mark_flow(struct kvnet_ct_val *e)
{
	const struct kvnet_trace_cur *c = kvnet_trace_marked();
	struct kvnet_ct_key back;
	struct kvnet_ct_val *b;

	if (!e || !c || !(c->sessions & ((1u << KVNET_TRACE_SESSIONS) - 1)))
		return 0;
	kvnet_ct_reverse(&e->xlate, &back);
	b = bpf_map_lookup_elem(&ct, &back);
	if (b)
		b->trace = (__u8)(c->sessions & ((1u << KVNET_TRACE_SESSIONS) - 1));
	return 0;
}

/* Does a trace follow this CPU's frame? Both tests inline (the verifier
 * inlines the mark's per-CPU lookup): a frame no session takes then
 * costs no call after its match. Made where the switch's paths have
 * joined, it adds next to nothing to the verifier's walk. */
static __always_inline int kvnet_trace_follows(void)
{
	/* unlikely: the compiler puts what a followed frame does out of
	 * the way of the others, which run straight through */
	return __builtin_expect(kvnet_trace_on() && kvnet_trace_marked(), 0);
}

/* At the end of a port's program: this CPU's frame's mark, if a session
 * follows the frame, else NULL. The caller sends the frame's last events
 * (while its session still runs), then clears the mark: every run that
 * marks its frame ends so, and the next frame's start need write nothing
 * when it refuses that frame inline (kvnet_trace_refused). A mark left by
 * a frame whose session stopped meanwhile is cleared too, so it never
 * outlives its frame. */
static __always_inline struct kvnet_trace_cur *kvnet_trace_followed(void)
{
#ifdef KVNET_NO_TRACE
	return NULL;
#else
	struct kvnet_trace_cur *c = kvnet_trace_cur();

	if (__builtin_expect(c && c->sessions, 0))
		return c;
	return NULL;
#endif
}

/* Does the slots' summary refuse the frame by its ingress port or its
 * IPv4 addresses? The first part of the match (kvnet_trace_match, which
 * makes the same tests, then the rest), inline: the usual frame of a
 * trace that does not want it costs no call. A frame in through the
 * gateway port may carry a traced flow's reply (kvnet_trace_handed_on):
 * never refused here. */
static __always_inline int kvnet_trace_refused(struct __sk_buff *skb, const struct kvnet_frame *fr)
{
	const struct kvnet_trace_summary *s = &kvnet_trace_summary[kvnet_trace_summary_cur & 1];
	const __u8 *data = (const void *)(long)skb->data;
	const __u8 *end = (const void *)(long)skb->data_end;
	__be32 saddr, daddr;

	if (fr->in.flags & KVNET_PORT_GATEWAY)
		return 0;
	if (s->has_in && !kvnet_trace_in4(s->in, fr->in.ifindex))
		return 1;
	/* Ethernet and struct iphdr, read in place: three fields, not a
	 * copy of all 34 bytes (a frame whose head is shorter: the match
	 * decides, as for a tagged one) */
	if (!s->has_ip || data + ETH_HLEN + 20 > end ||
	    *(const __be16 *)(data + 12) != bpf_htons(ETH_P_IP))
		return 0;
	if ((data[ETH_HLEN] >> 4) != 4 || (data[ETH_HLEN] & 0xf) < 5)
		return 0; /* not IPv4 to the match either */
	saddr = *(const __be32 *)(data + ETH_HLEN + 12);
	daddr = *(const __be32 *)(data + ETH_HLEN + 16);
	return !kvnet_trace_in4(s->ip, saddr) && !kvnet_trace_in4(s->ip, daddr);
}

/* Does a session want the frame, at its port's ingress (fr->in known)?
 * Never in a build without tracing code. */
static __always_inline int kvnet_trace_wants(struct __sk_buff *skb, const struct kvnet_frame *fr)
{
	if (__builtin_expect(!kvnet_trace_on(), 1))
		return 0;
	/* refused: this CPU's mark is already clear (kvnet_trace_followed) */
	return kvnet_dry_run || !kvnet_trace_refused(skb, fr);
}

/* At a port's ingress, before any stage, for a frame a session wants
 * (kvnet_trace_wants); detail: the ingress event's (enum
 * kvnet_trace_ingress, 0 for a frame that entered the port). */
static __always_inline void kvnet_trace_start_wanted(struct __sk_buff *skb,
						     struct kvnet_frame *fr, __u32 detail)
{
	struct kvnet_trace_entry in;

	in.ifindex = fr->in.ifindex;
	in.flags = fr->in.flags;
	in.proto = fr->eth.proto;
	in.hlen = fr->eth.hlen;
	__builtin_memcpy(in.src, fr->eth.src, ETH_ALEN);
	__builtin_memcpy(in.dst, fr->eth.dst, ETH_ALEN);
	kvnet_trace_begin(skb, &in, detail);
}

static __always_inline void kvnet_trace_start(struct __sk_buff *skb, struct kvnet_frame *fr,
					      __u32 detail)
{
	if (kvnet_trace_wants(skb, fr))
		kvnet_trace_start_wanted(skb, fr, detail);
}

/* Fill and send one event for the frame (marked c) as it is now. */
static __always_inline void kvnet_trace_send(struct __sk_buff *skb, const struct kvnet_frame *fr,
					     const struct kvnet_trace_cur *c,
					     struct kvnet_trace_event *ev, __u32 stage,
					     __u32 detail, __u32 out)
{
	kvnet_trace_fill(skb, ev, c->id, c->sessions, fr->in.ifindex, out, stage, detail);
}

/* Room for one event, or NULL (counted as lost). */
static __always_inline struct kvnet_trace_event *kvnet_trace_reserve(void)
{
	struct kvnet_trace_event *ev = bpf_ringbuf_reserve(&trace_ring, sizeof(*ev), 0);

	if (!ev)
		__sync_fetch_and_add(&kvnet_trace_lost, 1);
	return ev;
}

/* One event of a stage that rewrites nothing, if the frame is followed. */
static __noinline void kvnet_trace_emit_at(struct __sk_buff *skb, __u32 in_ifindex,
					   __u32 stage, __u32 detail, __u32 out)
{
	const struct kvnet_trace_cur *c = kvnet_trace_marked();
	struct kvnet_trace_event *ev;

	if (!c || !(ev = kvnet_trace_reserve()))
		return;
	__builtin_memset(&ev->before, 0, sizeof(ev->before));
	__builtin_memset(&ev->after, 0, sizeof(ev->after));
	kvnet_trace_fill(skb, ev, c->id, c->sessions, in_ifindex, out, stage, detail);
}

static __always_inline void kvnet_trace_emit(struct __sk_buff *skb, const struct kvnet_frame *fr,
					     __u32 stage, __u32 detail, __u32 out)
{
	kvnet_trace_emit_at(skb, fr->in.ifindex, stage, detail, out);
}

/* The NAT stage's event: the tuple before and after. */
static __noinline void kvnet_trace_emit_nat(struct __sk_buff *skb, const struct kvnet_frame *fr,
					    const struct kvnet_ct_key *before,
					    const struct kvnet_ct_key *after, __u32 out)
{
	const struct kvnet_trace_cur *c = kvnet_trace_marked();
	struct kvnet_trace_event *ev;

	if (!c || !(ev = kvnet_trace_reserve()))
		return;
	ev->before = *before;
	ev->after = *after;
	kvnet_trace_send(skb, fr, c, ev, KVNET_TRACE_NAT, 0, out);
}

/* The inode number of the network namespace the network lives in,
 * written by kvnetd (0: not known). A followed skb the kernel drops in
 * another namespace left the host's: through an uplink that is a veth,
 * say, into a namespace standing in for the outside, whose TCP purges a
 * FIN it had processed (QUEUE_PURGE) as a drop. What becomes of it there
 * is the far side's business, as in a guest's namespace. */
__u32 kvnet_trace_netns;

/* The namespace skb is dropped in: its socket's, else its device's; 0
 * if neither is known. */
static __always_inline __u32 kvnet_trace_drop_netns(struct sk_buff *skb)
{
	struct sock *sk = BPF_CORE_READ(skb, sk);
	struct net_device *dev;

	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	dev = BPF_CORE_READ(skb, dev);
	return dev ? BPF_CORE_READ(dev, nd_net.net, ns.inum) : 0;
}

/* Was skb dropped outside the network's namespace? */
static __always_inline int kvnet_trace_dropped_elsewhere(struct sk_buff *skb)
{
	__u32 here = kvnet_trace_netns, there;

	if (!here)
		return 0;
	there = kvnet_trace_drop_netns(skb);
	return there && there != here;
}

/* tp_btf/kfree_skb: a followed skb the kernel drops. Attached only
 * while a trace runs on the network (switch/dp_ebpf_trace.c). */
static __always_inline int kvnet_trace_kfree(struct sk_buff *skb, enum skb_drop_reason reason)
{
	__u64 key = (__u64)(unsigned long)skb;
	struct kvnet_trace_skb *t;
	struct kvnet_trace_event *ev;
	__u64 now;

	if (kvnet_trace_none_followed())
		return 0;
	t = bpf_map_lookup_elem(&trace_skbs, &key);
	if (!t)
		return 0;
	now = bpf_ktime_get_ns();
	if (reason != SKB_CONSUMED && now - t->ts_ns < KVNET_TRACE_SKB_NS &&
	    t->head == (__u64)(unsigned long)BPF_CORE_READ(skb, head) &&
	    t->print == kvnet_trace_skb_print(skb) &&
	    !kvnet_trace_dropped_elsewhere(skb) && (ev = kvnet_trace_reserve())) {
		__builtin_memset(ev, 0, sizeof(*ev));
		ev->ts_ns = now;
		ev->trace_id = t->trace_id;
		ev->sessions = t->sessions;
		ev->in_ifindex = t->in_ifindex;
		ev->out_ifindex = BPF_CORE_READ(skb, dev, ifindex);
		ev->stage = KVNET_TRACE_KERNEL_DROP;
		ev->detail = reason;
		ev->len = BPF_CORE_READ(skb, len);
		bpf_ringbuf_submit(ev, 0);
	}
	bpf_map_delete_elem(&trace_skbs, &key);
	return 0;
}

/* tp_btf/consume_skb: a followed skb that arrived: forget it. */
static __always_inline int kvnet_trace_consumed(struct sk_buff *skb)
{
	__u64 key = (__u64)(unsigned long)skb;

	if (!kvnet_trace_none_followed())
		bpf_map_delete_elem(&trace_skbs, &key);
	return 0;
}

#endif /* KVNET_LIB_TRACE_H */
