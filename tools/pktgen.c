// SPDX-License-Identifier: GPL-2.0-only
/* pktgen: a UDP frame generator for benchmarks (the kernel's pktgen module
 * is not available everywhere). The default mode runs ebpf/pktgen.bpf.c with
 * BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES: the kernel builds real
 * xdp_frames from one template, the program rewrites the header on each and
 * redirects it out of --dev, in batches, without any skb or syscall per
 * frame. `--mode afpacket` sends the same frames with sendmmsg() on an
 * AF_PACKET socket (qdisc bypassed) instead: slower, but the frames enter
 * the stack as skbs, as a guest's would. Prints the frames sent and the
 * rate, as text or (--json) one JSON object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/addr.h"
#include "pktgen.skel.h"

#define PKTGEN_HDR_LEN 42
#define PKTGEN_FCS_LEN 4
#define PKTGEN_MIN_SIZE 64   /* on the wire, FCS included */
#define PKTGEN_MAX_SIZE 1518 /* on the wire, FCS included */
#define PKTGEN_AFP_BATCH 64
#define PKTGEN_MAX_THREADS 64
#define PKTGEN_CHUNK_MIN 1024
#define PKTGEN_CHUNK_MAX (1u << 26)
#define PKTGEN_CHUNK_NS (250 * 1000 * 1000ULL)

enum pktgen_mode { PKTGEN_MODE_XDP, PKTGEN_MODE_AFPACKET };
static const char *const pktgen_mode_names[] = {
	[PKTGEN_MODE_XDP] = "xdp",
	[PKTGEN_MODE_AFPACKET] = "afpacket",
};

struct pktgen_opts {
	const char *dev;
	unsigned int ifindex;
	uint8_t src_mac[6], dst_mac[6];
	bool have_src_mac, have_dst_mac;
	struct in_addr src_ip, dst_ip;
	bool have_src_ip, have_dst_ip;
	uint16_t sport, dport, flows;
	unsigned int size; /* on the wire, FCS included */
	double duration;   /* seconds; 0 with count */
	uint64_t count;	   /* frames; 0 with duration */
	enum pktgen_mode mode;
	unsigned int batch;   /* frames per kernel batch (xdp), <= 256 */
	unsigned int threads; /* xdp mode only */
	int cpu;	      /* first CPU to pin to, -1 for none */
	bool json;
};

/* Run-time state shared by the sender threads. */
struct pktgen_ctx {
	const struct pktgen_opts *o;
	uint8_t frame[PKTGEN_MAX_SIZE];
	unsigned int len; /* frame bytes in memory (no FCS) */
	int prog_fd;
	uint64_t deadline_ns;	 /* duration mode */
	_Atomic int64_t left;	 /* count mode: frames not yet claimed */
	_Atomic uint64_t sent;	 /* frames handed to the kernel */
	_Atomic int error;	 /* first negative errno seen */
};

/* Set from the signal handler: the one writable global, as a handler has
 * no other way to reach the senders. */
static volatile sig_atomic_t pktgen_stop;

static void pktgen_on_signal(int sig)
{
	(void)sig;
	pktgen_stop = 1;
}

static uint64_t pktgen_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pktgen_usage(FILE *f)
{
	fprintf(f,
		"usage: pktgen --dev IF --dst-mac MAC --dst-ip IP [options]\n"
		"  --dev IF            egress device (in the current netns)\n"
		"  --src-mac MAC       default: the device's address\n"
		"  --dst-mac MAC       destination MAC (required)\n"
		"  --src-ip IP         default: the device's first IPv4 address\n"
		"  --dst-ip IP         destination IPv4 address (required)\n"
		"  --sport P           UDP source port (default 9000)\n"
		"  --dport P           UDP destination port (default 9)\n"
		"  --flows N           cycle the source port over P..P+N-1 (default 1)\n"
		"  --size BYTES        frame size on the wire with FCS, %d-%d (default 64)\n"
		"  --duration SECONDS  run this long (default 5)\n"
		"  --count N           send N frames instead\n"
		"  --mode xdp|afpacket XDP live frames (default) or AF_PACKET sendmmsg\n"
		"  --batch N           xdp: frames per kernel batch, 1-256 (default 64)\n"
		"  --threads N         xdp: sender threads (default 1)\n"
		"  --cpu C             pin sender thread i to CPU C+i\n"
		"  --json              print one JSON object\n",
		PKTGEN_MIN_SIZE, PKTGEN_MAX_SIZE);
}

static int pktgen_parse_ulong(const char *s, unsigned long min,
			      unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int pktgen_parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out <= 0)
		return -EINVAL;
	return 0;
}

enum {
	OPT_DEV = 256, OPT_SRC_MAC, OPT_DST_MAC, OPT_SRC_IP, OPT_DST_IP,
	OPT_SPORT, OPT_DPORT, OPT_FLOWS, OPT_SIZE, OPT_DURATION, OPT_COUNT,
	OPT_MODE, OPT_BATCH, OPT_THREADS, OPT_CPU, OPT_JSON, OPT_HELP,
};

static const struct option pktgen_longopts[] = {
	{ "dev", required_argument, NULL, OPT_DEV },
	{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
	{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
	{ "src-ip", required_argument, NULL, OPT_SRC_IP },
	{ "dst-ip", required_argument, NULL, OPT_DST_IP },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Numeric options: where each one goes and its range. */
static int pktgen_parse_num(struct pktgen_opts *o, int opt, const char *arg)
{
	unsigned long v = 0;
	int err;

	switch (opt) {
	case OPT_SPORT:
	case OPT_DPORT:
		err = pktgen_parse_ulong(arg, 1, 65535, &v);
		if (!err && opt == OPT_SPORT)
			o->sport = (uint16_t)v;
		else if (!err)
			o->dport = (uint16_t)v;
		return err;
	case OPT_FLOWS:
		err = pktgen_parse_ulong(arg, 1, 65535, &v);
		o->flows = (uint16_t)v;
		return err;
	case OPT_SIZE:
		err = pktgen_parse_ulong(arg, PKTGEN_MIN_SIZE, PKTGEN_MAX_SIZE, &v);
		o->size = (unsigned int)v;
		return err;
	case OPT_COUNT:
		err = pktgen_parse_ulong(arg, 1, ULONG_MAX, &v);
		o->count = v;
		o->duration = 0;
		return err;
	case OPT_BATCH:
		err = pktgen_parse_ulong(arg, 1, 256, &v);
		o->batch = (unsigned int)v;
		return err;
	case OPT_THREADS:
		err = pktgen_parse_ulong(arg, 1, PKTGEN_MAX_THREADS, &v);
		o->threads = (unsigned int)v;
		return err;
	case OPT_CPU:
		err = pktgen_parse_ulong(arg, 0, CPU_SETSIZE - 1, &v);
		o->cpu = (int)v;
		return err;
	case OPT_DURATION:
		o->count = 0;
		return pktgen_parse_double(arg, &o->duration);
	}
	return -EINVAL;
}

static int pktgen_parse_opt(struct pktgen_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_DEV:
		o->dev = arg;
		return 0;
	case OPT_SRC_MAC:
		o->have_src_mac = true;
		return kv_mac_parse(arg, o->src_mac);
	case OPT_DST_MAC:
		o->have_dst_mac = true;
		return kv_mac_parse(arg, o->dst_mac);
	case OPT_SRC_IP:
		o->have_src_ip = true;
		return inet_pton(AF_INET, arg, &o->src_ip) == 1 ? 0 : -EINVAL;
	case OPT_DST_IP:
		o->have_dst_ip = true;
		return inet_pton(AF_INET, arg, &o->dst_ip) == 1 ? 0 : -EINVAL;
	case OPT_MODE:
		if (!strcmp(arg, "xdp"))
			o->mode = PKTGEN_MODE_XDP;
		else if (!strcmp(arg, "afpacket"))
			o->mode = PKTGEN_MODE_AFPACKET;
		else
			return -EINVAL;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	}
	return pktgen_parse_num(o, opt, arg);
}

static int pktgen_parse_args(struct pktgen_opts *o, int argc, char **argv)
{
	int opt;

	*o = (struct pktgen_opts){ .sport = 9000, .dport = 9, .flows = 1,
				   .size = 64, .duration = 5, .batch = 64,
				   .threads = 1, .cpu = -1 };
	while ((opt = getopt_long(argc, argv, "h", pktgen_longopts, NULL)) != -1) {
		if (opt == 'h' || opt == OPT_HELP) {
			pktgen_usage(stdout);
			exit(0);
		}
		if (opt == '?' || pktgen_parse_opt(o, opt, optarg) < 0) {
			if (opt != '?')
				fprintf(stderr, "pktgen: bad value for --%s: %s\n",
					pktgen_longopts[opt - OPT_DEV].name, optarg);
			pktgen_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !o->dev || !o->have_dst_mac || !o->have_dst_ip) {
		fprintf(stderr, "pktgen: --dev, --dst-mac and --dst-ip are required\n");
		pktgen_usage(stderr);
		return -EINVAL;
	}
	if ((uint32_t)o->sport + o->flows - 1 > 65535) {
		fprintf(stderr, "pktgen: --sport + --flows exceeds port 65535\n");
		return -EINVAL;
	}
	return 0;
}

/* Fills in what the user left out from the device: ifindex, MAC, IPv4. */
static int pktgen_resolve_dev(struct pktgen_opts *o)
{
	struct ifaddrs *ifa, *it;
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	o->ifindex = if_nametoindex(o->dev);
	if (!o->ifindex) {
		fprintf(stderr, "pktgen: no device %s: %s\n", o->dev, strerror(errno));
		return -ENODEV;
	}
	if (!o->have_src_mac) {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->dev);
		if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			err = -errno;
		else
			memcpy(o->src_mac, ifr.ifr_hwaddr.sa_data, 6);
		if (fd >= 0)
			close(fd);
		if (err) {
			fprintf(stderr, "pktgen: MAC of %s: %s\n", o->dev, strerror(-err));
			return err;
		}
	}
	if (o->have_src_ip)
		return 0;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (it = ifa; it; it = it->ifa_next) {
		if (it->ifa_addr && it->ifa_addr->sa_family == AF_INET &&
		    !strcmp(it->ifa_name, o->dev)) {
			o->src_ip = ((struct sockaddr_in *)it->ifa_addr)->sin_addr;
			o->have_src_ip = true;
			break;
		}
	}
	freeifaddrs(ifa);
	if (!o->have_src_ip) {
		fprintf(stderr, "pktgen: %s has no IPv4 address; pass --src-ip\n", o->dev);
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static uint16_t pktgen_ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void pktgen_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ethernet + IPv4 + UDP with a zero UDP checksum, payload a byte ramp. */
static unsigned int pktgen_build_frame(const struct pktgen_opts *o, uint8_t *f)
{
	unsigned int len = o->size - PKTGEN_FCS_LEN;
	uint8_t *ip = f + 14, *udp = f + 34;
	uint16_t csum;

	memset(f, 0, len);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, o->src_mac, 6);
	pktgen_put16(f + 12, ETHERTYPE_IP);
	ip[0] = 0x45;
	pktgen_put16(ip + 2, (uint16_t)(len - 14));
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &o->src_ip, 4);
	memcpy(ip + 16, &o->dst_ip, 4);
	csum = pktgen_ip_csum(ip, 20);
	pktgen_put16(ip + 10, csum);
	pktgen_put16(udp, o->sport);
	pktgen_put16(udp + 2, o->dport);
	pktgen_put16(udp + 4, (uint16_t)(len - 34));
	for (unsigned int i = PKTGEN_HDR_LEN; i < len; i++)
		f[i] = (uint8_t)i;
	return len;
}

static void pktgen_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "pktgen: cannot pin to CPU %d\n", cpu);
}

/* How many frames the next kernel call may send: 0 when done. per_ns is
 * the kernel's last measured cost of one frame (0 before the first call),
 * used so that the last call of a timed run ends near the deadline. */
static uint64_t pktgen_claim(struct pktgen_ctx *c, uint64_t want, uint64_t per_ns)
{
	uint64_t now;
	int64_t left;

	if (pktgen_stop || atomic_load(&c->error))
		return 0;
	if (!c->o->count) {
		now = pktgen_now_ns();
		if (now >= c->deadline_ns)
			return 0;
		/* Never more than asked for (the AF_PACKET batch is fixed). */
		if (per_ns && (c->deadline_ns - now) / per_ns < want) {
			want = (c->deadline_ns - now) / per_ns;
			if (want < PKTGEN_CHUNK_MIN)
				want = PKTGEN_CHUNK_MIN;
		}
		return want;
	}
	left = atomic_fetch_sub(&c->left, (int64_t)want);
	if (left <= 0)
		return 0;
	return (uint64_t)left < want ? (uint64_t)left : want;
}

/* One sender: BPF_PROG_RUN in live-frame mode. Every call sets up and
 * tears down a page pool, which costs milliseconds (an RCU grace period),
 * so the repeat count is sized from the kernel's per-frame time for calls
 * of about PKTGEN_CHUNK_NS; the deadline is checked between calls. */
static void *pktgen_xdp_thread(void *arg)
{
	struct pktgen_ctx *c = arg;
	uint64_t chunk = PKTGEN_CHUNK_MIN, n, per = 0;
	struct bpf_test_run_opts ro = {
		.sz = sizeof(ro),
		.data_in = c->frame,
		.data_size_in = c->len,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.batch_size = c->o->batch,
	};

	while ((n = pktgen_claim(c, chunk, per))) {
		ro.repeat = (uint32_t)n;
		if (bpf_prog_test_run_opts(c->prog_fd, &ro) < 0) {
			int zero = 0;

			atomic_compare_exchange_strong(&c->error, &zero, -errno);
			break;
		}
		atomic_fetch_add(&c->sent, n);
		per = ro.duration ? ro.duration : 1;
		chunk = PKTGEN_CHUNK_NS / per;
		if (chunk < PKTGEN_CHUNK_MIN)
			chunk = PKTGEN_CHUNK_MIN;
		if (chunk > PKTGEN_CHUNK_MAX)
			chunk = PKTGEN_CHUNK_MAX;
	}
	return NULL;
}

struct pktgen_thread {
	pthread_t tid;
	struct pktgen_ctx *c;
	int cpu;
};

static void *pktgen_thread_main(void *arg)
{
	struct pktgen_thread *t = arg;

	pktgen_pin(t->cpu);
	return pktgen_xdp_thread(t->c);
}

static int pktgen_load_xdp(struct pktgen_ctx *c, struct pktgen_bpf **skelp)
{
	const struct pktgen_opts *o = c->o;
	struct pktgen_bpf *skel;
	int err;

	skel = pktgen_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->ifindex = o->ifindex;
	skel->rodata->sport_base = o->sport;
	skel->rodata->nflows = o->flows;
	/* hdr[5] holds the last 2 bytes in its low-order (first) bytes. */
	memcpy((void *)skel->rodata->hdr, c->frame, PKTGEN_HDR_LEN);
	err = pktgen_bpf__load(skel);
	if (err) {
		pktgen_bpf__destroy(skel);
		return err;
	}
	c->prog_fd = bpf_program__fd(skel->progs.pktgen_xdp);
	*skelp = skel;
	return 0;
}

static int pktgen_run_xdp(struct pktgen_ctx *c)
{
	struct pktgen_thread th[PKTGEN_MAX_THREADS];
	struct pktgen_bpf *skel = NULL;
	unsigned int i, started = 0;
	int err;

	err = pktgen_load_xdp(c, &skel);
	if (err) {
		fprintf(stderr, "pktgen: loading the XDP program: %s\n", strerror(-err));
		return err;
	}
	for (i = 0; i < c->o->threads; i++) {
		th[i] = (struct pktgen_thread){
			.c = c, .cpu = c->o->cpu < 0 ? -1 : c->o->cpu + (int)i };
		if (pthread_create(&th[i].tid, NULL, pktgen_thread_main, &th[i])) {
			pktgen_stop = 1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i].tid, NULL);
	pktgen_bpf__destroy(skel);
	err = atomic_load(&c->error);
	if (err)
		fprintf(stderr, "pktgen: BPF_PROG_RUN: %s\n", strerror(-err));
	return err;
}

static int pktgen_afp_open(const struct pktgen_opts *o)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = (int)o->ifindex };
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* Skip the qdisc as pktgen does; harmless where unsupported. */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	return fd;
}

/* AF_PACKET fallback: batches of PKTGEN_AFP_BATCH frames per sendmmsg(),
 * each with its own copy so that the flows differ within a batch. */
static int pktgen_run_afpacket(struct pktgen_ctx *c)
{
	static uint8_t bufs[PKTGEN_AFP_BATCH][PKTGEN_MAX_SIZE];
	struct mmsghdr msgs[PKTGEN_AFP_BATCH];
	struct iovec iov[PKTGEN_AFP_BATCH];
	unsigned int flow = 0, i;
	uint64_t n;
	int fd, r;

	fd = pktgen_afp_open(c->o);
	if (fd < 0) {
		fprintf(stderr, "pktgen: AF_PACKET socket on %s: %s\n", c->o->dev,
			strerror(-fd));
		return fd;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < PKTGEN_AFP_BATCH; i++) {
		memcpy(bufs[i], c->frame, c->len);
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = c->len };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while ((n = pktgen_claim(c, PKTGEN_AFP_BATCH, 0))) {
		for (i = 0; i < n && c->o->flows > 1; i++) {
			pktgen_put16(bufs[i] + 34, (uint16_t)(c->o->sport + flow));
			if (++flow >= c->o->flows)
				flow = 0;
		}
		r = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
			atomic_store(&c->error, -errno);
			break;
		}
		if (r > 0)
			atomic_fetch_add(&c->sent, (uint64_t)r);
		if (c->o->count && r < (int)n)
			atomic_fetch_add(&c->left, (int64_t)n - (r > 0 ? r : 0));
	}
	close(fd);
	if (c->error)
		fprintf(stderr, "pktgen: sendmmsg: %s\n", strerror(-c->error));
	return c->error;
}

static void pktgen_print(const struct pktgen_ctx *c, double secs)
{
	const struct pktgen_opts *o = c->o;
	uint64_t sent = atomic_load(&c->sent);
	double pps = secs > 0 ? (double)sent / secs : 0;
	/* Bits on the wire: frame, FCS, preamble and inter-frame gap. */
	double bps = pps * (o->size + 20) * 8;

	if (o->json) {
		printf("{\"mode\": \"%s\", \"dev\": \"%s\", \"size\": %u, "
		       "\"flows\": %u, \"threads\": %u, \"packets\": %llu, "
		       "\"seconds\": %.6f, \"pps\": %.0f, \"bps\": %.0f}\n",
		       pktgen_mode_names[o->mode], o->dev, o->size, o->flows,
		       o->mode == PKTGEN_MODE_XDP ? o->threads : 1,
		       (unsigned long long)sent, secs, pps, bps);
		return;
	}
	printf("pktgen: %s on %s, %u-byte frames, %u flow(s): sent %llu in %.3f s: "
	       "%.0f pps (%.1f Mpps, %.1f Mbit/s on the wire)\n",
	       pktgen_mode_names[o->mode], o->dev, o->size, o->flows,
	       (unsigned long long)sent, secs, pps, pps / 1e6, bps / 1e6);
}

int main(int argc, char **argv)
{
	static struct pktgen_opts o;
	static struct pktgen_ctx c;
	uint64_t t0;
	int err;

	if (pktgen_parse_args(&o, argc, argv) < 0)
		return 2;
	if (pktgen_resolve_dev(&o) < 0)
		return 1;
	c.o = &o;
	c.len = pktgen_build_frame(&o, c.frame);
	signal(SIGINT, pktgen_on_signal);
	signal(SIGTERM, pktgen_on_signal);
	t0 = pktgen_now_ns();
	c.deadline_ns = t0 + (uint64_t)(o.duration * 1e9);
	atomic_store(&c.left, (int64_t)o.count);
	if (o.mode == PKTGEN_MODE_XDP) {
		err = pktgen_run_xdp(&c);
	} else {
		pktgen_pin(o.cpu);
		err = pktgen_run_afpacket(&c);
	}
	pktgen_print(&c, (double)(pktgen_now_ns() - t0) / 1e9);
	return err ? 1 : 0;
}
