// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd's trace sessions (see trace.h): the slots of a network's trace
 * filter, the watch on its trace ring while a session runs, and each
 * client's stream of events as JSON lines ({"event": ...}, {"lost": N},
 * and a last {"end": WHY} when kvnetd ends it). Events are named here,
 * ports by their interface names, so that the client needs no other
 * request to read them. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <bpf/btf.h>
#include <jansson.h>

#include "switch/datapath.h"
#include "switch/log.h"
#include "switch/network_int.h"
#include "switch/trace.h"

/* What a slow client may have waiting before its events are dropped. */
#define TRACE_BUF_MAX (1024 * 1024)

struct trace_session {
	struct loop_watch w; /* the client's connection */
	struct kvnetd *d;
	struct kv_network *n;
	int slot;
	struct kvnet_trace_filter filter;
	char *buf; /* output not yet taken by the client */
	size_t len, cap;
	uint64_t lost;	     /* events this client did not get */
	uint64_t lost_told;  /* ... as last told */
	uint64_t ring_lost;  /* the datapath's loss counter, as last read */
	bool failed;	     /* the client is gone: end at the next chance */
};

static const char *const trace_stage_names[KVNET_TRACE_STAGE_MAX] = {
	[KVNET_TRACE_INGRESS] = "ingress", [KVNET_TRACE_SPOOF] = "spoof-check",
	[KVNET_TRACE_FDB] = "fdb",	   [KVNET_TRACE_GATEWAY] = "gateway",
	[KVNET_TRACE_ROUTE] = "route",	   [KVNET_TRACE_CT] = "conntrack",
	[KVNET_TRACE_NAT] = "nat",	   [KVNET_TRACE_DHCP] = "dhcp",
	[KVNET_TRACE_REDIRECT] = "redirect", [KVNET_TRACE_FLOOD] = "flood",
	[KVNET_TRACE_HOST] = "host",	   [KVNET_TRACE_DROP] = "drop",
	[KVNET_TRACE_KERNEL_DROP] = "kernel-drop", [KVNET_TRACE_SERVICE] = "service",
	[KVNET_TRACE_KERNEL_UNWATCHED] = "kernel-unwatched",
};

static const char *const trace_ingress_names[] = { NULL, "traced-flow", "from-host" };
static const char *const trace_service_names[] = { NULL, "dhcp-reply", "stp-bpdu" };

/* BPF_FIB_LKUP_RET_*, as the route stage reports them. */
static const char *const trace_fib_names[] = {
	"forward", "blackhole", "unreachable", "prohibit", "not-forwarded",
	"forwarding-off", "unsupported-lwt", "no-neighbour", "frag-needed",
};

static const char *const trace_fdb_names[] = { NULL, "hit", "miss", "group" };
static const char *const trace_ct_names[] = { NULL, "new", "original", "reply" };

/* ---- rendering ------------------------------------------------------ */

static const char *trace_name(const char *const *names, size_t n, unsigned i)
{
	return i < n && names[i] ? names[i] : NULL;
}

/* The kernel's name of a drop reason (enum skb_drop_reason, from its
 * BTF, without the SKB_DROP_REASON_ prefix), or NULL. */
static const char *trace_kernel_reason(unsigned reason)
{
	static struct btf *btf;
	static const struct btf_type *t;
	static bool tried;
	const struct btf_enum *e;
	const char *name;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (btf) {
			int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);

			t = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
		}
	}
	if (!t)
		return NULL;
	e = btf_enum(t);
	for (unsigned i = 0; i < btf_vlen(t); i++, e++) {
		if ((unsigned)e->val != reason)
			continue;
		name = btf__name_by_offset(btf, e->name_off);
		if (name && !strncmp(name, "SKB_DROP_REASON_", 16))
			name += 16;
		return name;
	}
	return NULL;
}

/* The detail of ev, named, or NULL for a number (or nothing). */
static const char *trace_detail_name(const struct kvnet_trace_event *ev)
{
	switch (ev->stage) {
	case KVNET_TRACE_INGRESS:
		return trace_name(trace_ingress_names, 3, ev->detail);
	case KVNET_TRACE_SERVICE:
		return trace_name(trace_service_names, 3, ev->detail);
	case KVNET_TRACE_FDB:
		return trace_name(trace_fdb_names, 4, ev->detail);
	case KVNET_TRACE_CT:
		return trace_name(trace_ct_names, 4, ev->detail);
	case KVNET_TRACE_ROUTE:
		return trace_name(trace_fib_names, 9, ev->detail);
	case KVNET_TRACE_DROP:
		return dp_drop_name(ev->detail);
	case KVNET_TRACE_KERNEL_DROP:
		return trace_kernel_reason(ev->detail);
	}
	return NULL;
}

/* A device by name: the network's port, else the host's device. */
static json_t *trace_dev(struct kv_network *n, unsigned ifindex)
{
	struct kv_port *p = netw_port_by_ifindex(n, (int)ifindex);
	char name[IF_NAMESIZE];

	if (p)
		return json_string(p->iface);
	if (if_indextoname(ifindex, name))
		return json_string(name);
	return json_integer(ifindex);
}

/* The guest behind port ifindex under key (in_guest, out_guest), when
 * its name is known. */
static void trace_guest(json_t *o, const char *key, struct kv_network *n, unsigned ifindex)
{
	struct kv_port *p = netw_port_by_ifindex(n, (int)ifindex);
	char name[64];

	if (p && netw_port_guest(n, p, name, sizeof(name)))
		json_object_set_new(o, key, json_string(name));
}

static json_t *trace_tuple(const struct kvnet_ct_key *t)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &t->saddr, s, sizeof(s));
	inet_ntop(AF_INET, &t->daddr, d, sizeof(d));
	return json_pack("{s:i,s:s,s:i,s:s,s:i}", "proto", t->proto, "src", s, "sport",
			 ntohs(t->sport), "dst", d, "dport", ntohs(t->dport));
}

json_t *trace_hex_json(const uint8_t *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	json_t *o;

	if (!hex)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	hex[2 * n] = '\0';
	o = json_string(hex);
	free(hex);
	return o;
}

json_t *trace_event_json(struct kv_network *n, const struct kvnet_trace_event *ev)
{
	const char *detail = trace_detail_name(ev);
	char id[20];
	json_t *o;

	snprintf(id, sizeof(id), "%016llx", (unsigned long long)ev->trace_id);
	o = json_pack("{s:s,s:I,s:s,s:o,s:i,s:o}", "id", id, "ts", (json_int_t)ev->ts_ns,
		      "stage", trace_name(trace_stage_names, KVNET_TRACE_STAGE_MAX, ev->stage)
			       ?: "unknown",
		      "in", trace_dev(n, ev->in_ifindex), "len", (int)ev->len, "data",
		      trace_hex_json(ev->data, ev->cap < KVNET_TRACE_SNAP ? ev->cap :
							    KVNET_TRACE_SNAP));
	if (!o)
		return NULL;
	trace_guest(o, "in_guest", n, ev->in_ifindex);
	if (ev->out_ifindex) {
		json_object_set_new(o, "out", trace_dev(n, ev->out_ifindex));
		trace_guest(o, "out_guest", n, ev->out_ifindex);
	}
	if (detail)
		json_object_set_new(o, "detail", json_string(detail));
	else if (ev->detail)
		json_object_set_new(o, "detail", json_integer(ev->detail));
	if (ev->stage == KVNET_TRACE_NAT)
		json_object_set_new(o, "nat", json_pack("{s:o,s:o}", "before",
							trace_tuple(&ev->before), "after",
							trace_tuple(&ev->after)));
	return o;
}

static json_t *trace_render(struct kv_network *n, const struct kvnet_trace_event *ev)
{
	json_t *o = trace_event_json(n, ev);

	return o ? json_pack("{s:o}", "event", o) : NULL;
}

/* ---- one session ---------------------------------------------------- */

/* Queue one line (o, stolen) for the client; counted as lost if too much
 * waits already. */
static void trace_queue(struct trace_session *s, json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t n = text ? strlen(text) + 1 : 0;
	char *nb;

	json_decref(o);
	if (!text || s->len + n > TRACE_BUF_MAX) {
		s->lost++;
		free(text);
		return;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;

		while (cap < s->len + n)
			cap *= 2;
		nb = realloc(s->buf, cap);
		if (!nb) {
			s->lost++;
			free(text);
			return;
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n - 1);
	s->buf[s->len + n - 1] = '\n';
	s->len += n;
	free(text);
}

/* Send what the socket takes, and watch for room for the rest. */
static void trace_flush(struct trace_session *s)
{
	size_t off = 0;

	/* the news of losses waits for room, and is not itself lost */
	if (s->lost != s->lost_told && s->len + 64 <= TRACE_BUF_MAX) {
		s->lost_told = s->lost;
		trace_queue(s, json_pack("{s:I}", "lost", (json_int_t)s->lost));
	}
	while (off < s->len) {
		ssize_t w = send(s->w.fd, s->buf + off, s->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->failed = errno != EAGAIN;
			break;
		}
		off += (size_t)w;
	}
	memmove(s->buf, s->buf + off, s->len - off);
	s->len -= off;
	loop_mod(&s->d->loop, &s->w, EPOLLIN | EPOLLRDHUP | (s->len ? EPOLLOUT : 0));
}

/* The filters of n's sessions, to the datapath. */
static void trace_sync(struct kv_network *n)
{
	struct kvnet_trace_filter f[KVNET_TRACE_SESSIONS] = { 0 };
	__u32 mask = 0;

	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++) {
		if (!n->traces[i])
			continue;
		f[i] = n->traces[i]->filter;
		mask |= 1u << i;
	}
	if (n->dp)
		dp_trace_set(n->dp, mask, f);
}

static bool trace_any(const struct kv_network *n)
{
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (n->traces[i])
			return true;
	return false;
}

/* End s; why (if any) is its last line. */
static void trace_end(struct trace_session *s, const char *why)
{
	struct kv_network *n = s->n;

	if (why && !s->failed) {
		trace_queue(s, json_pack("{s:s}", "end", why));
		trace_flush(s);
	}
	n->traces[s->slot] = NULL;
	log_info("network %s: trace %d ended (%s)", n->def.name, s->slot,
		 why ? why : "the client left");
	trace_sync(n);
	if (!trace_any(n))
		loop_del(&s->d->loop, &n->trace);
	loop_del(&s->d->loop, &s->w);
	close(s->w.fd);
	free(s->buf);
	free(s);
}

/* The client's connection: it hangs up (or sends, which it must not),
 * or has room for what waits. */
static void trace_client_ready(struct loop_watch *w)
{
	struct trace_session *s = (struct trace_session *)w;
	char junk[256];

	if (w->revents & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		trace_end(s, NULL);
		return;
	}
	if ((w->revents & EPOLLIN) && read(w->fd, junk, sizeof(junk)) <= 0) {
		trace_end(s, NULL);
		return;
	}
	if (w->revents & EPOLLOUT)
		trace_flush(s);
	if (s->failed)
		trace_end(s, NULL);
}

/* ---- the kernel's drops -------------------------------------------- */

/* The kernel's drop tracepoints (ebpf/lib/trace.h, kvnet_trace_kfree)
 * run for every skb the machine frees, traced or not: on while a session
 * is new or the datapath follows frames into the kernel, off after this
 * long without. A session that matches nothing (or only frames between
 * guests) then costs the datapath only its match. The first frame the
 * datapath then follows into the kernel says so (kernel-unwatched), and
 * they go back on for the next. */
#define TRACE_KERNEL_IDLE_NS (10ULL * 1000 * 1000 * 1000)

static void trace_kernel_watch(struct kv_network *n, bool on, const char *why)
{
	if (on)
		n->trace_watch_tried_ns = dp_now_ns();
	if (dp_trace_watch_kernel(n->dp, on) == 1)
		log_info("network %s: trace: kernel drops %s (%s)", n->def.name,
			 on ? "watched" : "not watched", why);
}

/* The tracepoints just went on: they stay on for TRACE_KERNEL_IDLE_NS. */
static void trace_busy(struct kv_network *n)
{
	n->trace_busy_ns = dp_now_ns();
}

void trace_tick(struct kv_network *n)
{
	uint64_t followed;

	if (!n->dp || !trace_any(n))
		return;
	/* the datapath's time of the last frame followed, seen within the
	 * second it keeps it */
	followed = dp_trace_followed_ns(n->dp);
	if (followed > n->trace_busy_ns)
		n->trace_busy_ns = followed;
	if (dp_now_ns() - n->trace_busy_ns > TRACE_KERNEL_IDLE_NS)
		trace_kernel_watch(n, false, "idle for 10 s");
}

/* ---- the ring ------------------------------------------------------- */

/* An event's line is at most this long (its 128 bytes in hex, names). */
#define TRACE_LINE_MAX 1024

static void trace_deliver(void *arg, const struct kvnet_trace_event *ev)
{
	struct kv_network *n = arg;

	/* at most a try a second (attaching may fail, and says so) */
	if (ev->stage == KVNET_TRACE_KERNEL_UNWATCHED &&
	    dp_now_ns() - n->trace_watch_tried_ns > 1000000000ULL) {
		trace_busy(n);
		trace_kernel_watch(n, true, "a frame was followed into the kernel");
	}
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++) {
		struct trace_session *s = n->traces[i];

		if (!(ev->sessions & (1u << i)) || !s)
			continue;
		if (s->len + TRACE_LINE_MAX > TRACE_BUF_MAX)
			s->lost++; /* the client is behind: no line made to be dropped */
		else
			trace_queue(s, trace_render(n, ev));
	}
}

static void trace_ring_ready(struct loop_watch *w)
{
	struct kv_network *n = (struct kv_network *)((char *)w - offsetof(struct kv_network, trace));
	uint64_t lost = 0;

	if (!n->dp)
		return;
	dp_trace_read(n->dp, trace_deliver, n, &lost);
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++) {
		struct trace_session *s = n->traces[i];

		if (!s)
			continue;
		/* a loss is every session's: the ring is shared */
		s->lost += lost - s->ring_lost;
		s->ring_lost = lost;
		trace_flush(s);
		if (s->failed)
			trace_end(s, NULL);
	}
}

/* Watch n's ring, if no session did yet. */
static int trace_watch_ring(struct kvnetd *d, struct kv_network *n, struct kv_error *e)
{
	int fd;

	if (n->trace.fd >= 0)
		return 0;
	n->trace.fn = trace_ring_ready;
	fd = dp_trace_fd(n->dp);
	if (fd < 0 || loop_add(&d->loop, &n->trace, fd) < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot read the datapath's trace events");
	return 0;
}

int trace_open(struct kvnetd *d, struct kv_network *n, const struct kvnet_trace_filter *f,
	       int fd, struct kv_error *e)
{
	struct trace_session *s;
	uint64_t lost = 0;
	int slot = 0;

	while (slot < KVNET_TRACE_SESSIONS && n->traces[slot])
		slot++;
	if (!n->dp || slot == KVNET_TRACE_SESSIONS || !(s = calloc(1, sizeof(*s)))) {
		close(fd);
		return kv_fail(e, KV_ERR_STATE, -EBUSY,
			       !n->dp ? "network '%s' is not active" :
					"network '%s' has %d traces running already",
			       n->def.name, KVNET_TRACE_SESSIONS);
	}
	s->d = d;
	s->n = n;
	s->slot = slot;
	s->filter = *f;
	s->w.fn = trace_client_ready;
	if (trace_watch_ring(d, n, e) < 0 ||
	    loop_add_events(&d->loop, &s->w, fd, EPOLLIN | EPOLLRDHUP) < 0) {
		if (!trace_any(n))
			loop_del(&d->loop, &n->trace);
		close(fd);
		free(s);
		return e->code ? -EIO : kv_fail(e, KV_ERR_SYSTEM, -EIO, "cannot watch the client");
	}
	/* losses before the session are not its own */
	dp_trace_read(n->dp, trace_deliver, n, &lost);
	s->ring_lost = lost;
	n->traces[slot] = s;
	/* the tracepoints first: the session's first frame may be followed
	 * into the kernel as soon as its bit is set */
	trace_busy(n);
	trace_kernel_watch(n, true, "a trace started");
	trace_sync(n);
	log_info("network %s: trace %d started", n->def.name, slot);
	return 0;
}

/* ---- kvnetd's own frames --------------------------------------------- */

/* What the coarse keys look at in frame (as the datapath reads it,
 * ebpf/lib/trace.h), for port ifindex. */
static void trace_frame_keys(const uint8_t *f, size_t len, int ifindex,
			     struct kvnet_trace_frame *x)
{
	size_t ihl;

	memset(x, 0, sizeof(*x));
	x->ifindex = (__u32)ifindex;
	if (len < 14)
		return;
	memcpy(x->dst, f, 6);
	memcpy(x->src, f + 6, 6);
	x->ethertype = (__u16)(f[12] << 8 | f[13]);
	if (x->ethertype != KVNET_TRACE_ETH_IP || len < 14 + 20 || (f[14] >> 4) != 4)
		return;
	ihl = (size_t)(f[14] & 0xf) * 4;
	if (ihl < 20)
		return;
	x->is_ip4 = 1;
	x->proto = f[14 + 9];
	memcpy(&x->saddr, f + 14 + 12, 4);
	memcpy(&x->daddr, f + 14 + 16, 4);
	if (((f[14 + 6] & 0x3f) | f[14 + 7]) || (x->proto != 6 && x->proto != 17) ||
	    len < 14 + ihl + 4)
		return;
	x->l4_ok = 1;
	x->sport = (__u16)(f[14 + ihl] << 8 | f[14 + ihl + 1]);
	x->dport = (__u16)(f[14 + ihl + 2] << 8 | f[14 + ihl + 3]);
}

void trace_service_tx(struct kv_network *n, int ifindex, const uint8_t *frame, size_t len,
		      enum kvnet_trace_service what)
{
	static uint64_t seq;
	struct kvnet_trace_event ev = { 0 };
	struct kvnet_trace_frame x;
	struct timespec now;

	if (!trace_any(n))
		return;
	trace_frame_keys(frame, len, ifindex, &x);
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (n->traces[i] && kvnet_trace_filter_takes(&n->traces[i]->filter, &x))
			ev.sessions |= 1u << i;
	if (!ev.sessions)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now); /* bpf_ktime_get_ns()'s clock */
	ev.ts_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	/* the datapath's ids start with the CPU's number: never 0xff */
	ev.trace_id = 0xffULL << 56 | (++seq & ((1ULL << 56) - 1));
	ev.out_ifindex = (__u32)ifindex;
	ev.stage = KVNET_TRACE_SERVICE;
	ev.detail = what;
	ev.len = (__u32)len;
	ev.cap = (__u32)(len < KVNET_TRACE_SNAP ? len : KVNET_TRACE_SNAP);
	memcpy(ev.data, frame, ev.cap);
	trace_deliver(n, &ev);
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (n->traces[i] && (ev.sessions & (1u << i)))
			trace_flush(n->traces[i]);
}

void trace_net_end(struct kvnetd *d, struct kv_network *n, const char *why)
{
	(void)d;
	for (int i = 0; i < KVNET_TRACE_SESSIONS; i++)
		if (n->traces[i])
			trace_end(n->traces[i], why);
}
