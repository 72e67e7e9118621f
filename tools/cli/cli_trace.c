// SPDX-License-Identifier: GPL-2.0-only
/* `kvnet trace NET [--port P] [--count N] [--timeout S] [--json] [FILTER...]`:
 * asks kvnetd to trace the network (the `trace` request of
 * docs/protocol.md, with the coarse keys common/trace_keys.c derives from
 * FILTER), reads the events it streams back, keeps the packets whose
 * first event (their ingress, with the frame as it came in) passes the
 * exact FILTER (libpcap), and prints each packet as one block with a line
 * per stage once its last event (what became of it) is in; with --json,
 * every event as a JSON line as it arrives. A packet the datapath handed
 * on may still be dropped by the kernel, whose reason then comes as one
 * more event: such a packet is done TRACE_GRACE_MS after its handing on.
 * Ends after N packets, after S seconds, on Ctrl-C, or when kvnetd ends
 * the trace (exit status 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "cli_client.h"
#include "cli_dot.h"
#include "cli_pcapng.h"
#include "cli_pkt.h"
#include "cli_trace.h"
#include "cli_trace_int.h"
#include "common/trace_keys.h"

static volatile sig_atomic_t trace_stop;

static void trace_on_signal(int sig)
{
	(void)sig;
	trace_stop = 1;
}

static int trace_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvnet trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: kvnet trace NAME [--port P] [--count N] [--timeout S] [--json] "
			"[--pcap FILE] [--dot FILE] [--svg FILE] [FILTER...]\n"
			"       kvnet trace NAME --inject PORT [--json] [--pcap FILE] [--dot FILE] "
			"[--svg FILE] PACKET\n");
	return CLI_TRACE_EXIT_USAGE;
}

static int trace_number(const char *arg, double max, double *out)
{
	char *end;

	errno = 0;
	*out = arg ? strtod(arg, &end) : 0;
	return arg && !errno && end != arg && !*end && *out > 0 && *out <= max ? 0 : -1;
}

static int trace_add_word(struct trace_opts *o, const char *w)
{
	size_t n = strlen(o->filter);

	if (n + strlen(w) + 2 > sizeof(o->filter))
		return trace_usage("%s", "the filter is too long");
	snprintf(o->filter + n, sizeof(o->filter) - n, "%s%s", n ? " " : "", w);
	return 0;
}

static int trace_parse(struct trace_opts *o, bool json, int argc, char **argv)
{
	bool dashdash = false;
	double v;

	*o = (struct trace_opts){ .json = json };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (dashdash || a[0] != '-' || !a[1]) {
			if (!o->net)
				o->net = a;
			else if (trace_add_word(o, a))
				return CLI_TRACE_EXIT_USAGE;
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--port") && val) {
			o->port = argv[++i];
		} else if (!strcmp(a, "--inject") && val) {
			o->inject = argv[++i];
		} else if (!strcmp(a, "--pcap") && val) {
			o->pcap = argv[++i];
		} else if (!strcmp(a, "--dot") && val) {
			o->dot = argv[++i];
		} else if (!strcmp(a, "--svg") && val) {
			o->svg = argv[++i];
		} else if (!strcmp(a, "--count") && val) {
			if (trace_number(argv[++i], 1e9, &v) < 0 || v != (long)v)
				return trace_usage("--count takes a positive integer, not '%s'", val);
			o->count = (long)v;
		} else if (!strcmp(a, "--timeout") && val) {
			if (trace_number(argv[++i], 1e7, &v) < 0)
				return trace_usage("--timeout takes positive seconds, not '%s'", val);
			o->timeout = v;
		} else {
			return trace_usage(val || a[1] != '-' ? "unknown option '%s'" :
								  "option '%s' needs a value", a);
		}
	}
	if (!o->net)
		return trace_usage("%s", "missing NAME");
	if (o->inject && (o->port || o->count || o->timeout))
		return trace_usage("%s", "--inject runs one packet: no --port, --count or --timeout");
	if (o->inject && !o->filter[0])
		return trace_usage("%s", "--inject needs a PACKET, such as "
				   "'udp 10.0.0.5:68 > 255.255.255.255:67'");
	return 0;
}

/* The exact filter, compiled for Ethernet frames. */
static int trace_compile(struct trace_run *r)
{
	pcap_t *p;
	int ret;

	if (!r->o.filter[0])
		return 0;
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if (!p)
		return trace_usage("%s", "cannot set up libpcap");
	ret = pcap_compile(p, &r->prog, r->o.filter, 1, PCAP_NETMASK_UNKNOWN);
	if (ret < 0) {
		fprintf(stderr, "kvnet trace: bad filter '%s': %s\n", r->o.filter, pcap_geterr(p));
		pcap_close(p);
		return CLI_TRACE_EXIT_USAGE;
	}
	pcap_close(p);
	r->have_prog = true;
	return 0;
}

/* The request: the network, the port, the keys the filter implies. */
static json_t *trace_request(const struct trace_opts *o)
{
	struct kvnet_trace_filter f = { 0 };
	json_t *args = json_pack("{s:s}", "net", o->net), *keys = json_object();
	char mac[18], ip[16];

	if (o->port)
		json_object_set_new(args, "port", json_string(o->port));
	if (trace_keys_from_filter(o->filter, &f) > 0) {
		if (f.ethertype)
			json_object_set_new(keys, "ethertype", json_integer(f.ethertype));
		if (f.ip_proto)
			json_object_set_new(keys, "ip_proto", json_integer(f.ip_proto));
		if (f.l4_port)
			json_object_set_new(keys, "l4_port", json_integer(f.l4_port));
		if (f.ip && inet_ntop(AF_INET, &f.ip, ip, sizeof(ip)))
			json_object_set_new(keys, "ip", json_string(ip));
		if (f.has_mac) {
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f.mac[0],
				 f.mac[1], f.mac[2], f.mac[3], f.mac[4], f.mac[5]);
			json_object_set_new(keys, "mac", json_string(mac));
		}
	}
	json_object_set_new(args, "keys", keys);
	return args;
}

/* ---- packets ---------------------------------------------------------- */

static struct trace_pkt *trace_find(struct trace_run *r, const char *id)
{
	for (int i = 0; i < TRACE_OPEN_MAX; i++)
		if (r->open[i].used && !strcmp(r->open[i].id, id))
			return &r->open[i];
	return NULL;
}

/* A slot for a new packet (the oldest one goes if none is free). */
static struct trace_pkt *trace_new(struct trace_run *r, const char *id)
{
	struct trace_pkt *p = &r->open[r->next_slot];

	r->next_slot = (r->next_slot + 1) % TRACE_OPEN_MAX;
	json_decref(p->held);
	memset(p, 0, sizeof(*p));
	p->used = true;
	snprintf(p->id, sizeof(p->id), "%s", id);
	return p;
}

size_t trace_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned b;

	while (hex && hex[0] && hex[1] && n < max && sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

/* Does the frame of event ev pass the exact filter? */
static bool trace_passes(const struct trace_run *r, json_t *ev)
{
	uint8_t data[KVNET_TRACE_SNAP];
	struct pcap_pkthdr h = { 0 };
	size_t cap = trace_unhex(json_string_value(json_object_get(ev, "data")), data,
				 sizeof(data));

	h.caplen = (bpf_u_int32)cap;
	h.len = (bpf_u_int32)json_integer_value(json_object_get(ev, "len"));
	return !r->have_prog || pcap_offline_filter(&r->prog, &h, data);
}

static bool trace_str_eq(json_t *a, const char *ka, json_t *b, const char *kb)
{
	const char *x = trace_str(a, ka), *y = trace_str(b, kb);

	return x && y && !strcmp(x, y);
}

static bool trace_int_eq(json_t *a, const char *ka, json_t *b, const char *kb)
{
	return json_integer_value(json_object_get(a, ka)) ==
	       json_integer_value(json_object_get(b, kb));
}

/* Is tuple back (a reply, as NAT left it) the reverse of tuple out (what
 * an earlier packet was before NAT)? ICMP's identifier may sit on
 * either side. */
static bool trace_tuple_reverse(json_t *back, json_t *out)
{
	if (!trace_int_eq(back, "proto", out, "proto") || !trace_str_eq(back, "src", out, "dst") ||
	    !trace_str_eq(back, "dst", out, "src"))
		return false;
	if (json_integer_value(json_object_get(out, "proto")) == 1)
		return true;
	return trace_int_eq(back, "sport", out, "dport") && trace_int_eq(back, "dport", out, "sport");
}

/* A packet that went through NAT: remember its tuple before, so that its
 * reply can name it. */
static void trace_remember_flow(struct trace_run *r, const struct trace_pkt *p, json_t *ev)
{
	json_t *before = json_object_get(json_object_get(ev, "nat"), "before");
	struct trace_flow *f = &r->flows[r->next_flow];

	if (!before || p->reply_to)
		return;
	r->next_flow = (r->next_flow + 1) % TRACE_FLOWS;
	json_decref(f->before);
	f->before = json_incref(before);
	f->number = p->number;
}

/* The packet an earlier one's reply answers (its NAT event ev), or 0. */
static long trace_reply_of(const struct trace_run *r, json_t *ev)
{
	json_t *after = json_object_get(json_object_get(ev, "nat"), "after");

	for (int i = 0; after && i < TRACE_FLOWS; i++)
		if (r->flows[i].before && trace_tuple_reverse(after, r->flows[i].before))
			return r->flows[i].number;
	return 0;
}

/* The packet is wanted: its number, and its block's first line, from its
 * first event ev (the frame as it came in). */
/* What the header says of where a packet came from: the ingress detail. */
static const char *trace_ingress_note(const char *detail)
{
	if (detail && !strcmp(detail, "traced-flow"))
		return " (a traced flow's reply)";
	if (detail && !strcmp(detail, "from-host"))
		return " (sent by the host, at the uplink's egress)";
	return "";
}

static void trace_take(struct trace_run *r, struct trace_pkt *p, json_t *ev)
{
	uint8_t data[KVNET_TRACE_SNAP];
	size_t cap = trace_unhex(json_string_value(json_object_get(ev, "data")), data,
				 sizeof(data));
	const char *detail = trace_str(ev, "detail");
	char sum[256];
	int n;

	p->taken = true;
	p->number = ++r->numbered;
	cli_pkt_summary(data, cap, (size_t)json_integer_value(json_object_get(ev, "len")), sum,
			sizeof(sum));
	if (p->reply_to)
		n = snprintf(p->block, sizeof(p->block), "#%ld %s (reply to #%ld)\n", p->number,
			     sum, p->reply_to);
	else
		n = snprintf(p->block, sizeof(p->block), "#%ld %s%s\n", p->number, sum,
			     trace_ingress_note(detail));
	p->len = n > 0 ? (size_t)n : 0;
}

const char *trace_str(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "a:p > b:q", or for ICMP "a > b id N" (its echo identifier). */
static void trace_tuple_text(json_t *t, char *out, size_t n)
{
	long long sport = json_integer_value(json_object_get(t, "sport"));
	long long dport = json_integer_value(json_object_get(t, "dport"));
	const char *src = trace_str(t, "src") ?: "?", *dst = trace_str(t, "dst") ?: "?";

	if (json_integer_value(json_object_get(t, "proto")) == 1)
		snprintf(out, n, "%s > %s id %lld", src, dst, sport ? sport : dport);
	else
		snprintf(out, n, "%s:%lld > %s:%lld", src, sport, dst, dport);
}

/* The stage's own words: the detail, the port, NAT's before and after. */
void trace_stage_text(json_t *ev, char *out, size_t n)
{
	json_t *d = json_object_get(ev, "detail"), *nat = json_object_get(ev, "nat");
	const char *stage = trace_str(ev, "stage") ?: "?", *port = trace_str(ev, "out");
	const char *guest = trace_str(ev, "out_guest");
	char before[64], after[64];
	size_t len = 0;

	out[0] = '\0';
	if (nat) {
		trace_tuple_text(json_object_get(nat, "before"), before, sizeof(before));
		trace_tuple_text(json_object_get(nat, "after"), after, sizeof(after));
		snprintf(out, n, "%s -> %s", before, after);
		return;
	}
	if (!strcmp(stage, "ingress")) {
		port = trace_str(ev, "in");
		guest = trace_str(ev, "in_guest");
	}
	if (!strcmp(stage, "spoof-check"))
		len = (size_t)snprintf(out, n, "pass");
	if (!strcmp(stage, "dhcp"))
		len = (size_t)snprintf(out, n, "-> kvnetd's DHCP server");
	if (!strcmp(stage, "service"))
		len = (size_t)snprintf(out, n, "sent by kvnetd: ");
	if (!strcmp(stage, "kernel-unwatched")) {
		snprintf(out, n, "its fate in the kernel is not known: the trace was idle, "
				 "and watches the kernel again from the next frame");
		return;
	}
	if (json_is_string(d) && strcmp(stage, "ingress") != 0) /* ingress: in the header */
		len += (size_t)snprintf(out + len, n - len, "%s", json_string_value(d));
	else if (json_is_integer(d) && !strcmp(stage, "flood"))
		len = (size_t)snprintf(out, n, "%lld port%s", (long long)json_integer_value(d),
				       json_integer_value(d) == 1 ? "" : "s");
	else if (json_is_integer(d))
		len = (size_t)snprintf(out, n, "%lld", (long long)json_integer_value(d));
	if (port && len < n && !strcmp(stage, "kernel-drop"))
		snprintf(out + len, n - len, " (on %s)", port);
	else if (port && len < n)
		len += (size_t)snprintf(out + len, n - len, "%s%s%s", len ? " " : "",
					strcmp(stage, "ingress") ? "-> " : "", port);
	if (port && guest && len < n) /* the guest's name, when kvnetd knows it */
		snprintf(out + len, n - len, " (%s)", guest);
}

/* Where the datapath's part ends: "final" stages end the packet, "handed"
 * ones leave it to the kernel, which may still drop it. */
static bool trace_stage_in(const char *stage, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (stage && !strcmp(stage, set[i]))
			return true;
	return false;
}

static bool trace_is_final(const char *stage)
{
	static const char *const final[] = { "drop",	"flood",   "dhcp",
					     "kernel-drop", "service", "kernel-unwatched" };

	return trace_stage_in(stage, final, sizeof(final) / sizeof(*final));
}

static bool trace_is_handed(const char *stage)
{
	static const char *const handed[] = { "redirect", "host" };

	return trace_stage_in(stage, handed, sizeof(handed) / sizeof(*handed));
}

static void trace_add_line(struct trace_pkt *p, json_t *ev)
{
	long long ts = json_integer_value(json_object_get(ev, "ts"));
	char words[256];
	int n;

	trace_stage_text(ev, words, sizeof(words));
	n = snprintf(p->block + p->len, sizeof(p->block) - p->len, "  %+10.3f us  %-12s %s\n",
		     (double)(ts - p->t0) / 1000.0, trace_str(ev, "stage") ?: "?", words);
	if (n > 0 && p->len + (size_t)n < sizeof(p->block))
		p->len += (size_t)n;
}

static long long trace_now_ms(void);

/* Print a finished packet. Returns true once the packets asked for are out. */
static bool trace_done(struct trace_run *r, struct trace_pkt *p)
{
	if (!r->o.json)
		fwrite(p->block, 1, p->len, stdout);
	fflush(stdout);
	p->used = false;
	r->packets++;
	return r->o.count && r->packets >= r->o.count;
}

/* Print the packets that are done, in the order they came: the first
 * one not done holds back those after it, for at most TRACE_STALE_MS
 * after its first event (its last ones may have been lost). With force,
 * all. Returns true once the packets asked for are out. */
bool trace_flush_handed(struct trace_run *r, bool force)
{
	long long now = trace_now_ms();
	struct trace_pkt *first;

	for (;;) {
		first = NULL;
		for (int i = 0; i < TRACE_OPEN_MAX; i++) {
			struct trace_pkt *p = &r->open[i];

			if (p->used && p->taken && (!first || p->number < first->number))
				first = p;
		}
		if (!first)
			return false;
		if (!force && !(first->done_ms && now - first->done_ms >= TRACE_GRACE_MS) &&
		    now - first->seen_ms < TRACE_STALE_MS)
			return false;
		if (trace_done(r, first))
			return true;
	}
}

/* Is a packet waiting to be printed? */
static bool trace_any_handed(const struct trace_run *r)
{
	for (int i = 0; i < TRACE_OPEN_MAX; i++)
		if (r->open[i].used && r->open[i].taken)
			return true;
	return false;
}

/* The event of a wanted packet, out. */
static void trace_out(struct trace_run *r, struct trace_pkt *p, json_t *ev)
{
	const char *stage = trace_str(ev, "stage");

	if (r->pcap)
		trace_pcap(r, p, ev);
	if (r->dot)
		trace_dot(r, p, ev);
	if (!strcmp(stage ?: "", "nat"))
		trace_remember_flow(r, p, ev);
	if (r->o.json) {
		json_object_set_new(ev, "packet", json_integer(p->number));
		if (p->reply_to)
			json_object_set_new(ev, "reply_to", json_integer(p->reply_to));
		json_dumpf(ev, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
	} else {
		trace_add_line(p, ev);
	}
	/* done: in turn with the packets before it (printed in order) */
	if (trace_is_handed(stage))
		p->done_ms = trace_now_ms();
	else if (trace_is_final(stage))
		p->done_ms = trace_now_ms() - TRACE_GRACE_MS;
}

/* A packet the filter did not take as it came in, but which may still be
 * wanted: a traced flow's reply from outside (its ingress detail says
 * so), which the filter may take once NAT has turned it back into the
 * guest's, or as it enters the network. Its events wait in p->held until
 * one of them passes. Returns true once it does. */
static bool trace_hold(struct trace_run *r, struct trace_pkt *p, json_t *ev)
{
	const char *stage = trace_str(ev, "stage") ?: "";
	size_t i;
	json_t *h;

	json_array_append(p->held, ev);
	if (strcmp(stage, "nat") != 0 && strcmp(stage, "ingress") != 0)
		return false;
	if (!trace_passes(r, ev))
		return false;
	if (!strcmp(stage, "nat"))
		p->reply_to = trace_reply_of(r, ev);
	trace_take(r, p, json_array_get(p->held, 0));
	if (!r->o.count || p->number <= r->o.count)
		json_array_foreach(p->held, i, h)
			trace_out(r, p, h);
	json_decref(p->held);
	p->held = NULL;
	return true;
}

/* One event (the packets asked for are out when trace_flush_handed says
 * so). Returns false. */
bool trace_event(struct trace_run *r, json_t *ev)
{
	const char *id = trace_str(ev, "id"), *stage = trace_str(ev, "stage");
	const char *detail = trace_str(ev, "detail");
	struct trace_pkt *p;

	if (!id)
		return false;
	p = trace_find(r, id);
	if (!p) {
		if (!strcmp(stage ?: "", "kernel-drop"))
			return false; /* of a packet done or not followed */
		p = trace_new(r, id);
		p->t0 = json_integer_value(json_object_get(ev, "ts"));
		p->seen_ms = trace_now_ms();
		if (trace_passes(r, ev))
			trace_take(r, p, ev);
		else if (detail && !strcmp(detail, "traced-flow"))
			p->held = json_array();
	}
	if (p->held) {
		trace_hold(r, p, ev); /* out with the others once one passes */
		return false;
	}
	if (!p->taken || (r->o.count && p->number > r->o.count))
		return false; /* not wanted, or past the packets asked for */
	trace_out(r, p, ev);
	return false;
}

/* ---- the stream ------------------------------------------------------- */

/* kvnetd took the session: say so, as tcpdump says "listening on". */
static void trace_started(const json_t *res)
{
	const char *net = json_string_value(json_object_get(res, "net"));
	const char *port = json_string_value(json_object_get(res, "port"));

	bool all = !port || !strcmp(port, "*");

	fprintf(stderr, "kvnet trace: following network '%s', %s%s; Ctrl-C to stop\n",
		net ?: "?", all ? "all ports" : "port ", all ? "" : port);
}

/* One line from kvnetd. Returns 1 to go on, 0 when done, or an exit
 * status + 2 (kvnetd ended the trace, or said something wrong). */
static int trace_line(struct trace_run *r, const char *line, size_t len)
{
	json_t *doc = json_loadb(line, len, 0, NULL), *v;
	int ret = 1;

	if (!json_is_object(doc)) {
		fprintf(stderr, "kvnet trace: kvnetd sent something that is not JSON\n");
		ret = CLI_TRACE_EXIT_FAIL + 2;
	} else if ((v = json_object_get(doc, "event"))) {
		ret = trace_event(r, v) ? 0 : 1;
	} else if ((v = json_object_get(doc, "lost"))) {
		r->lost = json_integer_value(v);
		if (r->o.json)
			printf("{\"lost\":%lld}\n", (long long)r->lost);
		else
			printf("-- %lld events lost so far (the datapath or this reader was too "
			       "slow)\n", (long long)r->lost);
		fflush(stdout);
	} else if ((v = json_object_get(doc, "end"))) {
		fprintf(stderr, "kvnet trace: kvnetd ended the trace: %s\n",
			json_string_value(v) ?: "?");
		ret = CLI_TRACE_EXIT_FAIL + 2;
	} else if (json_is_true(json_object_get(doc, "ok"))) {
		trace_started(json_object_get(doc, "result"));
	} else if (json_is_false(json_object_get(doc, "ok"))) {
		v = json_object_get(doc, "error");
		fprintf(stderr, "kvnet: %s\n",
			json_string_value(json_object_get(v, "message")) ?: "kvnetd refused");
		ret = !strcmp(json_string_value(json_object_get(v, "code")) ?: "", "permission") ?
			CLI_TRACE_EXIT_DENIED + 2 : CLI_TRACE_EXIT_FAIL + 2;
	}
	json_decref(doc);
	return ret;
}

static long long trace_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read lines until done. Returns the exit status. */
static int trace_follow(struct trace_run *r, int fd)
{
	static char buf[TRACE_LINE_MAX];
	long long end = r->o.timeout ? trace_now_ms() + (long long)(r->o.timeout * 1000) : 0;
	size_t len = 0;

	while (!trace_stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = end ? end - trace_now_ms() : 1000;
		char *nl;
		ssize_t n;
		int ret;

		int wait = trace_any_handed(r) ? TRACE_GRACE_MS / 2 : 1000;

		if (trace_flush_handed(r, false))
			return CLI_TRACE_EXIT_OK;
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)(left < wait ? left : wait)) <= 0)
			continue;
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n <= 0) {
			fprintf(stderr, "kvnet trace: kvnetd closed the connection\n");
			return CLI_TRACE_EXIT_FAIL;
		}
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			ret = trace_line(r, buf, (size_t)(nl - buf));
			if (ret != 1)
				return ret ? ret - 2 : CLI_TRACE_EXIT_OK;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf)) {
			fprintf(stderr, "kvnet trace: a line from kvnetd is too long\n");
			return CLI_TRACE_EXIT_FAIL;
		}
	}
	trace_flush_handed(r, true);
	return CLI_TRACE_EXIT_OK;
}

int cli_trace_main(const char *sock, bool json, int argc, char **argv)
{
	static struct trace_run r;
	int fd, ret;

	ret = trace_parse(&r.o, json, argc, argv);
	if (ret || (!r.o.inject && (ret = trace_compile(&r))))
		return ret;
	if (r.o.pcap && trace_pcap_open(&r) < 0)
		return CLI_TRACE_EXIT_FAIL;
	if ((r.o.dot || r.o.svg) && !(r.dot = cli_dot_new()))
		return CLI_TRACE_EXIT_FAIL;
	if (r.dot)
		trace_dot_ports(&r, sock);
	fd = cli_client_connect(sock, CLI_CLIENT_TIMEOUT_S);
	if (fd < 0) {
		fprintf(stderr, "kvnet: cannot reach kvnetd at %s: %s\n", sock, strerror(-fd));
		return CLI_TRACE_EXIT_UNREACHABLE;
	}
	signal(SIGINT, trace_on_signal);
	signal(SIGTERM, trace_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (r.o.inject)
		ret = trace_inject(&r, fd);
	else if ((ret = cli_client_send(fd, "trace", trace_request(&r.o))) < 0) {
		fprintf(stderr, "kvnet: cannot send to kvnetd: %s\n", strerror(-ret));
		ret = CLI_TRACE_EXIT_UNREACHABLE;
	} else {
		ret = trace_follow(&r, fd);
	}
	close(fd);
	if (r.have_prog)
		pcap_freecode(&r.prog);
	if (r.dot && trace_dot_finish(&r) < 0)
		ret = CLI_TRACE_EXIT_FAIL;
	cli_dot_free(r.dot);
	if (r.pcap && (fd = cli_pcapng_close(r.pcap)) < 0) {
		fprintf(stderr, "kvnet trace: %s: %s\n", r.o.pcap, strerror(-fd));
		ret = CLI_TRACE_EXIT_FAIL;
	}
	return ret;
}
