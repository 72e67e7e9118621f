// SPDX-License-Identifier: GPL-2.0-only
/* pktsink: the receiving end of a benchmark. Attaches ebpf/sink.bpf.c to a
 * device in the current network namespace (XDP, tcx ingress, or both; the
 * links die with the process), so every frame is counted and dropped at the
 * first point it touches the receiver. It waits for the first frame, skips a
 * warm-up, then counts over a fixed window and prints packets, bytes and
 * rates, as text or (--json) one JSON object. --ready-file names a file it
 * creates once the programs are attached, for scripts to poll.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sink.skel.h"

/* enum bpf_attach_type values that libbpf 1.1's headers may lack. */
#define PKTSINK_TCX_INGRESS 46
#define PKTSINK_POLL_NS (20 * 1000 * 1000L)
#define PKTSINK_SLOTS 2 /* SINK_SLOT_XDP, SINK_SLOT_TC in sink.bpf.c */

enum pktsink_hook {
	PKTSINK_HOOK_XDP = 1 << 0,
	PKTSINK_HOOK_TC = 1 << 1,
};
static const char *const pktsink_hook_names[] = {
	[PKTSINK_HOOK_XDP] = "xdp",
	[PKTSINK_HOOK_TC] = "tc",
	[PKTSINK_HOOK_XDP | PKTSINK_HOOK_TC] = "both",
};

struct pktsink_opts {
	const char *dev;
	const char *ready_file;
	unsigned int hooks; /* enum pktsink_hook bits */
	double duration;    /* counting window, seconds */
	double warmup;	    /* after the first frame, seconds */
	double wait;	    /* for the first frame, seconds; 0: start now */
	bool pass;
	bool json;
};

/* Counters summed over CPUs, per slot. */
struct pktsink_count {
	uint64_t packets[PKTSINK_SLOTS];
	uint64_t bytes[PKTSINK_SLOTS];
};

struct pktsink_ctx {
	const struct pktsink_opts *o;
	struct sink_bpf *skel;
	struct bpf_link *xdp_link;
	int tc_link_fd;
	int ncpus;
};

/* Set from the signal handler, which has no other way to reach main. */
static volatile sig_atomic_t pktsink_stop;

static void pktsink_on_signal(int sig)
{
	(void)sig;
	pktsink_stop = 1;
}

static double pktsink_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pktsink_usage(FILE *f)
{
	fprintf(f,
		"usage: pktsink --dev IF [options]\n"
		"  --dev IF          device to count on (current netns)\n"
		"  --hook xdp|tc|both  where to attach (default both)\n"
		"  --duration S      counting window (default 5)\n"
		"  --warmup S        skipped after the first frame (default 0.5)\n"
		"  --wait S          give up if no frame within S (default 10;\n"
		"                    0: no waiting, the window starts at once)\n"
		"  --pass            count and pass instead of dropping\n"
		"  --ready-file F    create F once attached\n"
		"  --json            print one JSON object\n");
}

static int pktsink_parse_secs(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (errno || end == s || *end || *out < 0) ? -EINVAL : 0;
}

static int pktsink_parse_hook(const char *s, unsigned int *hooks)
{
	for (unsigned int h = 1; h <= 3; h++) {
		if (!strcmp(s, pktsink_hook_names[h])) {
			*hooks = h;
			return 0;
		}
	}
	return -EINVAL;
}

static int pktsink_parse_args(struct pktsink_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "hook", required_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "wait", required_argument, NULL, 'W' },
		{ "pass", no_argument, NULL, 'p' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err = 0;

	*o = (struct pktsink_opts){ .hooks = PKTSINK_HOOK_XDP | PKTSINK_HOOK_TC,
				    .duration = 5, .warmup = 0.5, .wait = 10 };
	while (!err && (opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': o->dev = optarg; break;
		case 'k': err = pktsink_parse_hook(optarg, &o->hooks); break;
		case 't': err = pktsink_parse_secs(optarg, &o->duration); break;
		case 'w': err = pktsink_parse_secs(optarg, &o->warmup); break;
		case 'W': err = pktsink_parse_secs(optarg, &o->wait); break;
		case 'p': o->pass = true; break;
		case 'r': o->ready_file = optarg; break;
		case 'j': o->json = true; break;
		case 'h': pktsink_usage(stdout); exit(0);
		default: err = -EINVAL;
		}
	}
	if (err || optind < argc || !o->dev || o->duration <= 0) {
		if (err && optarg)
			fprintf(stderr, "pktsink: bad value: %s\n", optarg);
		pktsink_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int pktsink_attach(struct pktsink_ctx *c, unsigned int ifindex)
{
	struct sink_bpf *skel;
	int err, fd;

	skel = sink_bpf__open();
	if (!skel)
		return -errno;
	c->skel = skel;
	skel->rodata->pass = c->o->pass;
	bpf_program__set_expected_attach_type(skel->progs.sink_tc,
					      PKTSINK_TCX_INGRESS);
	err = sink_bpf__load(skel);
	if (err)
		return err;
	if (c->o->hooks & PKTSINK_HOOK_XDP) {
		c->xdp_link = bpf_program__attach_xdp(skel->progs.sink_xdp, ifindex);
		if (!c->xdp_link)
			return -errno;
	}
	if (c->o->hooks & PKTSINK_HOOK_TC) {
		/* libbpf 1.1 has no tcx API: a plain BPF_LINK_CREATE. */
		fd = bpf_link_create(bpf_program__fd(skel->progs.sink_tc), ifindex,
				     PKTSINK_TCX_INGRESS, NULL);
		if (fd < 0)
			return -errno;
		c->tc_link_fd = fd; /* closing it (or exiting) detaches */
	}
	return 0;
}

static int pktsink_read(const struct pktsink_ctx *c, struct pktsink_count *out)
{
	struct { uint64_t packets, bytes; } vals[c->ncpus];
	int fd = bpf_map__fd(c->skel->maps.counts);

	memset(out, 0, sizeof(*out));
	for (uint32_t slot = 0; slot < PKTSINK_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, vals) < 0)
			return -errno;
		for (int i = 0; i < c->ncpus; i++) {
			out->packets[slot] += vals[i].packets;
			out->bytes[slot] += vals[i].bytes;
		}
	}
	return 0;
}

static uint64_t pktsink_total(const struct pktsink_count *n)
{
	return n->packets[0] + n->packets[1];
}

static void pktsink_nap(void)
{
	struct timespec ts = { 0, PKTSINK_POLL_NS };

	nanosleep(&ts, NULL);
}

/* Waits until `until` (a pktsink_now() time) or a signal. */
static void pktsink_wait_until(double until)
{
	while (!pktsink_stop && pktsink_now() < until)
		pktsink_nap();
}

/* Polls for the first frame; -ETIMEDOUT if none came within o->wait. */
static int pktsink_wait_first(const struct pktsink_ctx *c)
{
	struct pktsink_count n;
	double until = pktsink_now() + c->o->wait;

	if (c->o->wait == 0)
		return 0;
	while (!pktsink_stop) {
		if (pktsink_read(c, &n) < 0)
			return -errno;
		if (pktsink_total(&n))
			return 0;
		if (pktsink_now() >= until)
			return -ETIMEDOUT;
		pktsink_nap();
	}
	return -EINTR;
}

static void pktsink_print(const struct pktsink_ctx *c,
			  const struct pktsink_count *a,
			  const struct pktsink_count *b, double secs)
{
	uint64_t pk = pktsink_total(b) - pktsink_total(a);
	uint64_t by = b->bytes[0] + b->bytes[1] - a->bytes[0] - a->bytes[1];
	double pps = secs > 0 ? (double)pk / secs : 0;
	double bps = secs > 0 ? (double)by * 8 / secs : 0;

	if (c->o->json) {
		printf("{\"dev\": \"%s\", \"hook\": \"%s\", \"packets\": %llu, "
		       "\"bytes\": %llu, \"seconds\": %.6f, \"pps\": %.0f, "
		       "\"bps\": %.0f, \"xdp_packets\": %llu, \"tc_packets\": %llu}\n",
		       c->o->dev, pktsink_hook_names[c->o->hooks],
		       (unsigned long long)pk, (unsigned long long)by, secs, pps, bps,
		       (unsigned long long)b->packets[0],
		       (unsigned long long)b->packets[1]);
		return;
	}
	printf("pktsink: %s (%s): %llu packets, %llu bytes in %.3f s: %.0f pps "
	       "(%.2f Mpps, %.1f Mbit/s); totals xdp %llu tc %llu\n",
	       c->o->dev, pktsink_hook_names[c->o->hooks], (unsigned long long)pk,
	       (unsigned long long)by, secs, pps, pps / 1e6, bps / 1e6,
	       (unsigned long long)b->packets[0], (unsigned long long)b->packets[1]);
}

static int pktsink_measure(const struct pktsink_ctx *c)
{
	struct pktsink_count a, b;
	double t0, t1;
	int err;

	err = pktsink_wait_first(c);
	if (err == -ETIMEDOUT)
		fprintf(stderr, "pktsink: no frame on %s within %.1f s\n", c->o->dev,
			c->o->wait);
	if (err)
		return err;
	if (c->o->wait > 0)
		pktsink_wait_until(pktsink_now() + c->o->warmup);
	t0 = pktsink_now();
	if (pktsink_read(c, &a) < 0)
		return -errno;
	pktsink_wait_until(t0 + c->o->duration);
	t1 = pktsink_now();
	if (pktsink_read(c, &b) < 0)
		return -errno;
	pktsink_print(c, &a, &b, t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	struct pktsink_opts o;
	struct pktsink_ctx c = { .o = &o, .tc_link_fd = -1 };
	unsigned int ifindex;
	FILE *f;
	int err;

	if (pktsink_parse_args(&o, argc, argv) < 0)
		return 2;
	ifindex = if_nametoindex(o.dev);
	if (!ifindex) {
		fprintf(stderr, "pktsink: no device %s: %s\n", o.dev, strerror(errno));
		return 1;
	}
	c.ncpus = libbpf_num_possible_cpus();
	signal(SIGINT, pktsink_on_signal);
	signal(SIGTERM, pktsink_on_signal);
	err = pktsink_attach(&c, ifindex);
	if (err) {
		fprintf(stderr, "pktsink: attaching to %s: %s\n", o.dev, strerror(-err));
		goto out;
	}
	if (o.ready_file && (f = fopen(o.ready_file, "w")))
		fclose(f);
	err = pktsink_measure(&c);
out:
	if (c.tc_link_fd >= 0)
		close(c.tc_link_fd);
	bpf_link__destroy(c.xdp_link);
	sink_bpf__destroy(c.skel);
	return err ? 1 : 0;
}
