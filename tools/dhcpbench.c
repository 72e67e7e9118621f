// SPDX-License-Identifier: GPL-2.0-only
/* dhcpbench: how many DHCP exchanges per second the engine (dhcp/) serves
 * on one core, without sockets: N distinct clients (default 50,000) in a
 * /16 pool each do DISCOVER -> OFFER -> REQUEST -> ACK, then each renews
 * once. With --store DIR the lease changes also go through the journal,
 * flushed (one fdatasync) every --batch exchanges, as the daemon does
 * once per event-loop turn.
 *
 *   build/dhcpbench [--clients N] [--store DIR] [--batch N]
 *
 * Not a test: it prints numbers. Messages are built here byte by byte
 * the way a client sends them (DISCOVER with options 55, 57, 12 and 61;
 * REQUEST with 50 and 54), replies are parsed back to get the address.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dhcp/dhcp_server.h"
#include "dhcp/dhcp_store.h"

#define BENCH_T0 1700000000ull

struct bench_pkt {
	uint8_t b[400];
	size_t len;
	size_t req_ip_off; /* where option 50's value goes, 0 none */
};

static void bench_w32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void bench_opt(struct bench_pkt *p, uint8_t code, const void *v,
		      uint8_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = len;
	memcpy(p->b + p->len, v, len);
	p->len += len;
}

static void bench_mac(uint8_t mac[6], uint32_t n)
{
	mac[0] = 0x52, mac[1] = 0x54, mac[2] = 0x01;
	mac[3] = (uint8_t)(n >> 16), mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* A client's message of type; REQUEST gets 50 and 54 (SELECTING), or
 * ciaddr (RENEWING) when renew_ip is set. */
static void bench_build(struct bench_pkt *p, uint8_t type, uint32_t n,
			uint32_t renew_ip)
{
	static const uint8_t params[] = { 1, 3, 6, 12, 15, 26, 28, 119, 121 };
	uint8_t mac[6], cid[7], maxsz[2] = { 0x05, 0xc0 }, sid[4];
	char host[16];

	memset(p, 0, sizeof(*p));
	bench_mac(mac, n);
	p->b[0] = 1, p->b[1] = 1, p->b[2] = 6;
	bench_w32(p->b + 4, n);
	bench_w32(p->b + 12, renew_ip);
	memcpy(p->b + 28, mac, 6);
	bench_w32(p->b + 236, 0x63825363);
	p->len = 240;
	bench_opt(p, 53, &type, 1);
	cid[0] = 1;
	memcpy(cid + 1, mac, 6);
	bench_opt(p, 61, cid, 7);
	bench_opt(p, 55, params, sizeof(params));
	bench_opt(p, 57, maxsz, 2);
	snprintf(host, sizeof(host), "vm%u", n);
	bench_opt(p, 12, host, (uint8_t)strlen(host));
	if (type == DHCP_REQUEST && !renew_ip) {
		bench_w32(sid, 0x0a010001);
		bench_opt(p, 54, sid, 4);
		p->req_ip_off = p->len + 2;
		bench_opt(p, 50, sid, 4);
	}
	p->b[p->len++] = 255;
	if (p->len < 300)
		p->len = 300;
}

static struct dhcp_server *bench_server(void)
{
	struct dhcp_server *s;
	struct dhcp_config c;
	char err[DHCP_ERR_MAX];

	dhcp_config_init(&c);
	c.server_ip = 0x0a010001; /* 10.1.0.1/16 */
	c.subnet = 0x0a010000;
	c.prefix = 16;
	c.ranges[0] = (struct dhcp_range){ 0x0a010002, 0x0a01fffe, 0 };
	c.nranges = 1;
	c.dns[0] = c.server_ip;
	c.ndns = 1;
	strcpy(c.domain, "bench.lan");
	strcpy(c.search[0], "bench.lan");
	c.nsearch = 1;
	c.mtu = 1500;
	memset(c.hash_key, 0x5a, sizeof(c.hash_key));
	if (dhcp_server_new(&c, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "dhcpbench: %s\n", err);
		exit(1);
	}
	return s;
}

/* Wall clock and this process's CPU time: on a shared machine the
 * second says what the engine costs, the first what it got. */
struct bench_time {
	double wall, cpu;
};

static double bench_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct bench_time bench_now(void)
{
	return (struct bench_time){ bench_clock(CLOCK_MONOTONIC),
				    bench_clock(CLOCK_PROCESS_CPUTIME_ID) };
}

static void bench_print(const char *what, uint32_t n, struct bench_time a,
			struct bench_time b)
{
	printf("%-28s %8.0f/s wall, %8.0f/s per CPU second (%.2f us CPU "
	       "each)\n", what, n / (b.wall - a.wall), n / (b.cpu - a.cpu),
	       (b.cpu - a.cpu) * 1e6 / n);
}

struct bench {
	struct dhcp_server *s;
	struct dhcp_store *st;
	unsigned batch, pending;
	uint8_t reply[1500];
	struct dhcp_result res;
	struct dhcp_meta meta;
};

static int bench_serve(struct bench *b, const struct bench_pkt *p, uint32_t n,
		       uint8_t want)
{
	bench_mac(b->meta.src_mac, n);
	if (dhcp_server_handle(b->s, p->b, p->len, &b->meta, b->reply,
			       sizeof(b->reply), &b->res) < 0 ||
	    b->res.sent != want) {
		fprintf(stderr, "dhcpbench: client %u: %s, reason %s\n", n,
			dhcp_wire_type_name(b->res.sent),
			dhcp_reason_name(b->res.reason));
		return -1;
	}
	if (b->st && dhcp_store_append_changes(b->st, &b->res.changes) < 0)
		return -1;
	if (b->st && ++b->pending >= b->batch) {
		b->pending = 0;
		return dhcp_store_flush(b->st);
	}
	return 0;
}

/* Every client: DISCOVER, REQUEST. Their addresses into ips. */
static int bench_bind_all(struct bench *b, uint32_t clients, uint32_t *ips)
{
	struct bench_pkt d, r;
	uint32_t n;

	for (n = 0; n < clients; n++) {
		bench_build(&d, DHCP_DISCOVER, n, 0);
		bench_build(&r, DHCP_REQUEST, n, 0);
		if (bench_serve(b, &d, n, DHCP_OFFER) < 0)
			return -1;
		ips[n] = b->res.ip;
		bench_w32(r.b + r.req_ip_off, ips[n]);
		if (bench_serve(b, &r, n, DHCP_ACK) < 0)
			return -1;
	}
	return b->st ? dhcp_store_flush(b->st) : 0;
}

static int bench_renew_all(struct bench *b, uint32_t clients,
			   const uint32_t *ips)
{
	struct bench_pkt r;
	uint32_t n;

	b->meta.broadcast = false;
	for (n = 0; n < clients; n++) {
		bench_build(&r, DHCP_REQUEST, n, ips[n]);
		if (bench_serve(b, &r, n, DHCP_ACK) < 0)
			return -1;
	}
	return b->st ? dhcp_store_flush(b->st) : 0;
}

static void bench_usage(void)
{
	fprintf(stderr, "usage: dhcpbench [--clients N] [--store DIR] "
			"[--batch N]\n");
	exit(2);
}

static void bench_args(int argc, char **argv, uint32_t *clients,
		       const char **dir, unsigned *batch)
{
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "store", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:s:b:", opts, NULL)) != -1) {
		if (c == 'c')
			*clients = (uint32_t)strtoul(optarg, NULL, 10);
		else if (c == 's')
			*dir = optarg;
		else if (c == 'b')
			*batch = (unsigned)strtoul(optarg, NULL, 10);
		else
			bench_usage();
	}
	if (!*clients || *clients > 65000 || !*batch)
		bench_usage();
}

int main(int argc, char **argv)
{
	struct bench b = { .batch = 256, .meta = { .port = 1, .now = BENCH_T0,
						   .broadcast = true } };
	uint32_t clients = 50000, *ips;
	const char *dir = NULL;
	struct bench_time t0, t1, t2;
	int rc = 1;

	bench_args(argc, argv, &clients, &dir, &b.batch);
	ips = calloc(clients, sizeof(*ips));
	b.s = bench_server();
	if (!ips || (dir && dhcp_store_open(dir, "dhcpbench", &b.st) < 0)) {
		fprintf(stderr, "dhcpbench: cannot set up\n");
		goto out;
	}
	t0 = bench_now();
	if (bench_bind_all(&b, clients, ips) < 0)
		goto out;
	t1 = bench_now();
	if (bench_renew_all(&b, clients, ips) < 0)
		goto out;
	t2 = bench_now();
	printf("clients %u, pool 10.1.0.0/16, journal %s\n", clients,
	       dir ? dir : "off");
	bench_print("DISCOVER+REQUEST exchanges:", clients, t0, t1);
	bench_print("renewals:", clients, t1, t2);
	printf("leases %u\n", dhcp_server_lease_count(b.s));
	rc = 0;
out:
	dhcp_store_close(b.st);
	dhcp_server_free(b.s);
	free(ips);
	return rc;
}
