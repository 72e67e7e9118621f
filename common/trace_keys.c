// SPDX-License-Identifier: GPL-2.0-only
/* Coarse trace keys from a pcap filter's text (see trace_keys.h). A small
 * tokenizer, not a pcap parser: it recognises a conjunction of known
 * primitives and gives up on anything else. libpcap still compiles and
 * applies the whole filter; this only decides what the datapath may skip. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/trace_keys.h"

#define TK_MAX_WORDS 32
#define TK_ETH_IP 0x0800
#define TK_ETH_ARP 0x0806

struct tk_state {
	char *w[TK_MAX_WORDS];
	int n, i;
	struct kvnet_trace_filter k; /* what the primitives imply */
	int nkeys;
};

static const char *tk_peek(const struct tk_state *s, int ahead)
{
	return s->i + ahead < s->n ? s->w[s->i + ahead] : NULL;
}

static bool tk_is(const struct tk_state *s, int ahead, const char *word)
{
	const char *w = tk_peek(s, ahead);

	return w && !strcmp(w, word);
}

/* One key at a time: a second, different value for the same key would
 * need both, which one key cannot say; the first stays (still implied). */
static bool tk_set_ethertype(struct tk_state *s, __u16 et)
{
	if (s->k.ethertype && s->k.ethertype != et)
		return false; /* "ip and arp": never true; let pcap say so */
	if (!s->k.ethertype)
		s->nkeys++;
	s->k.ethertype = et;
	return true;
}

static void tk_set_proto(struct tk_state *s, __u8 proto)
{
	if (!s->k.ip_proto) {
		s->k.ip_proto = proto;
		s->nkeys++;
	}
}

static bool tk_host(struct tk_state *s, const char *arg)
{
	struct in_addr a;

	if (!arg || inet_pton(AF_INET, arg, &a) != 1)
		return false;
	if (!s->k.ip) {
		s->k.ip = a.s_addr;
		s->nkeys++;
	}
	return true;
}

static bool tk_port(struct tk_state *s, const char *arg)
{
	char *end;
	unsigned long p = arg ? strtoul(arg, &end, 10) : 0;

	if (!arg || *end || p == 0 || p > 65535)
		return false;
	if (!s->k.l4_port) {
		s->k.l4_port = (__u16)p;
		s->nkeys++;
	}
	return true;
}

static bool tk_mac(struct tk_state *s, const char *arg)
{
	uint8_t mac[6];

	if (!arg || kv_mac_parse(arg, mac) < 0)
		return false;
	if (!s->k.has_mac) {
		memcpy(s->k.mac, mac, sizeof(mac));
		s->k.has_mac = 1;
		s->nkeys++;
	}
	return true;
}

/* A protocol word alone, or followed by "port N" ("tcp port 80"). */
static bool tk_proto(struct tk_state *s, const char *w)
{
	__u8 proto = !strcmp(w, "tcp") ? 6 : !strcmp(w, "udp") ? 17 : 1;

	tk_set_proto(s, proto);
	if (proto == 1 && !tk_set_ethertype(s, TK_ETH_IP)) /* icmp is IPv4's */
		return false;
	if (proto != 1 && tk_is(s, 1, "port")) {
		s->i += 2;
		return tk_port(s, tk_peek(s, 0));
	}
	return true;
}

/* The primitive at s->i; leaves s->i on its last word. */
static bool tk_primitive(struct tk_state *s)
{
	const char *w = tk_peek(s, 0);

	if (!strcmp(w, "ip"))
		return tk_set_ethertype(s, TK_ETH_IP);
	if (!strcmp(w, "arp"))
		return tk_set_ethertype(s, TK_ETH_ARP);
	if (!strcmp(w, "tcp") || !strcmp(w, "udp") || !strcmp(w, "icmp"))
		return tk_proto(s, w);
	if (!strcmp(w, "src") || !strcmp(w, "dst")) {
		s->i++;
		w = tk_peek(s, 0);
		if (!w || (strcmp(w, "host") && strcmp(w, "port")))
			return false;
	}
	if (!strcmp(w, "host") || !strcmp(w, "port")) {
		s->i++;
		return !strcmp(w, "host") ? tk_host(s, tk_peek(s, 0)) : tk_port(s, tk_peek(s, 0));
	}
	if (!strcmp(w, "ether") && (tk_is(s, 1, "host") || tk_is(s, 1, "src") ||
				    tk_is(s, 1, "dst"))) {
		s->i += 2;
		return tk_mac(s, tk_peek(s, 0));
	}
	return false;
}

int trace_keys_from_filter(const char *expr, struct kvnet_trace_filter *f)
{
	struct tk_state s = { 0 };
	char *copy = strdup(expr ? expr : ""), *save = NULL, *t;
	bool ok = copy != NULL;

	for (t = copy ? strtok_r(copy, " \t\n", &save) : NULL; t && ok;
	     t = strtok_r(NULL, " \t\n", &save))
		if (s.n == TK_MAX_WORDS)
			ok = false;
		else
			s.w[s.n++] = t;
	/* primitive ("and"|"&&" primitive)* */
	for (s.i = 0; ok && s.i < s.n; s.i++) {
		ok = tk_primitive(&s);
		if (ok && s.i + 1 < s.n) {
			s.i++;
			ok = (tk_is(&s, 0, "and") || tk_is(&s, 0, "&&")) && s.i + 1 < s.n;
		}
	}
	free(copy);
	if (!ok || !s.nkeys)
		return 0;
	f->ethertype = s.k.ethertype;
	f->ip_proto = s.k.ip_proto;
	f->ip = s.k.ip;
	f->l4_port = s.k.l4_port;
	f->has_mac = s.k.has_mac;
	memcpy(f->mac, s.k.mac, sizeof(f->mac));
	return s.nkeys;
}
