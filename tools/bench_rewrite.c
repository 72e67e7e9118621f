// SPDX-License-Identifier: GPL-2.0-only
/* bench_rewrite: loads ebpf/bench_rewrite.bpf.c, the bare NAT rewrite that
 * `make bench` measures kvnet's NAT against, on one device's XDP or tcx
 * ingress hook, set to rewrite the source to the uplink's address and
 * redirect out of it. The attachment is a bpf_link held by this process:
 * it lasts until SIGINT/SIGTERM, then the tool prints the frames the
 * program rewrote and passed and exits. --ready-file names a file it
 * creates once attached, for scripts to poll.
 *
 * With --guest-ip and --guest-mac (tc only), a second program on the
 * uplink's tcx ingress undoes the rewrite for frames to the uplink's
 * address and sends them back to the guest through --dev: a stateless
 * two-way NAT for one guest, the tc side of the connections/s ceiling.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/addr.h"
#include "bench_rewrite.skel.h"

#define BRW_TCX_INGRESS 46 /* BPF_TCX_INGRESS; not in Debian 12's uapi */
#define BRW_SLOTS 2	   /* RW_SLOT_REWRITTEN, RW_SLOT_PASSED */

enum brw_hook { BRW_HOOK_XDP, BRW_HOOK_TC };
static const char *const brw_hook_names[] = {
	[BRW_HOOK_XDP] = "xdp",
	[BRW_HOOK_TC] = "tc",
};

struct brw_opts {
	const char *dev, *to, *ready_file;
	unsigned int dev_ifindex, to_ifindex;
	enum brw_hook hook;
	uint8_t src_mac[6], dst_mac[6], guest_mac[6], dev_mac[6];
	bool have_src_mac, have_dst_mac, have_ip, have_guest_ip, have_guest_mac;
	struct in_addr snat_ip, guest_ip;
	uint16_t port_shift;
};

/* Set from the signal handler, which has no other way to reach main. */
static volatile sig_atomic_t brw_stop;

static void brw_on_signal(int sig)
{
	(void)sig;
	brw_stop = 1;
}

static void brw_usage(FILE *f)
{
	fprintf(f,
		"usage: bench_rewrite --dev IF --to UPLINK --dst-mac MAC [options]\n"
		"  --dev IF          where the guest's frames come in (current netns)\n"
		"  --to UPLINK       where they leave\n"
		"  --hook xdp|tc     XDP or tcx ingress on --dev (default tc)\n"
		"  --dst-mac MAC     the uplink's next hop (required)\n"
		"  --src-mac MAC     default: the uplink's address\n"
		"  --snat-ip IP      default: the uplink's first IPv4 address\n"
		"  --port-shift N    new source port = 1024 + (old + N) %% 64512\n"
		"                    (default 1)\n"
		"  --guest-ip IP     with --guest-mac (tc only): also the way back,\n"
		"  --guest-mac MAC   frames to the uplink's address sent to IP, MAC\n"
		"                    through --dev\n"
		"  --ready-file F    create F once attached\n");
}

static int brw_parse_opt(struct brw_opts *o, int opt, const char *arg)
{
	char *end;
	unsigned long v;

	switch (opt) {
	case 'd': o->dev = arg; return 0;
	case 'o': o->to = arg; return 0;
	case 'r': o->ready_file = arg; return 0;
	case 'k':
		if (!strcmp(arg, "xdp"))
			o->hook = BRW_HOOK_XDP;
		else if (!strcmp(arg, "tc"))
			o->hook = BRW_HOOK_TC;
		else
			return -EINVAL;
		return 0;
	case 'm':
		o->have_dst_mac = true;
		return kv_mac_parse(arg, o->dst_mac);
	case 's':
		o->have_src_mac = true;
		return kv_mac_parse(arg, o->src_mac);
	case 'i':
		o->have_ip = true;
		return inet_pton(AF_INET, arg, &o->snat_ip) == 1 ? 0 : -EINVAL;
	case 'g':
		o->have_guest_ip = true;
		return inet_pton(AF_INET, arg, &o->guest_ip) == 1 ? 0 : -EINVAL;
	case 'G':
		o->have_guest_mac = true;
		return kv_mac_parse(arg, o->guest_mac);
	case 'p':
		errno = 0;
		v = strtoul(arg, &end, 0);
		if (errno || end == arg || *end || v > 65535)
			return -EINVAL;
		o->port_shift = (uint16_t)v;
		return 0;
	}
	return -EINVAL;
}

static int brw_parse_args(struct brw_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 'o' },
		{ "hook", required_argument, NULL, 'k' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "src-mac", required_argument, NULL, 's' },
		{ "snat-ip", required_argument, NULL, 'i' },
		{ "port-shift", required_argument, NULL, 'p' },
		{ "guest-ip", required_argument, NULL, 'g' },
		{ "guest-mac", required_argument, NULL, 'G' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct brw_opts){ .hook = BRW_HOOK_TC, .port_shift = 1 };
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (opt == 'h') {
			brw_usage(stdout);
			exit(0);
		}
		if (opt == '?' || brw_parse_opt(o, opt, optarg) < 0) {
			if (opt != '?')
				fprintf(stderr, "bench_rewrite: bad value: %s\n", optarg);
			brw_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || !o->dev || !o->to || !o->have_dst_mac) {
		fprintf(stderr, "bench_rewrite: --dev, --to and --dst-mac are required\n");
		brw_usage(stderr);
		return -EINVAL;
	}
	if (o->have_guest_ip != o->have_guest_mac ||
	    (o->have_guest_ip && o->hook != BRW_HOOK_TC)) {
		fprintf(stderr, "bench_rewrite: the way back takes --guest-ip and --guest-mac, "
				"and --hook tc\n");
		return -EINVAL;
	}
	return 0;
}

/* A device's MAC address. */
static int brw_dev_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	return err;
}

/* The uplink's MAC and first IPv4 address, where the user gave none. */
static int brw_resolve_uplink(struct brw_opts *o)
{
	struct ifaddrs *ifa, *it;
	int err;

	if (!o->have_src_mac && (err = brw_dev_mac(o->to, o->src_mac)) < 0)
		return err;
	if (o->have_guest_ip && (err = brw_dev_mac(o->dev, o->dev_mac)) < 0)
		return err;
	if (o->have_ip)
		return 0;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (it = ifa; it && !o->have_ip; it = it->ifa_next) {
		if (it->ifa_addr && it->ifa_addr->sa_family == AF_INET &&
		    !strcmp(it->ifa_name, o->to)) {
			o->snat_ip = ((struct sockaddr_in *)it->ifa_addr)->sin_addr;
			o->have_ip = true;
		}
	}
	freeifaddrs(ifa);
	return o->have_ip ? 0 : -EADDRNOTAVAIL;
}

/* Attaches prog to ifindex's tcx ingress; returns the link's fd or
 * -errno. libbpf 1.1 has no tcx API: a plain BPF_LINK_CREATE. */
static int brw_attach_tcx(struct bpf_program *prog, unsigned int ifindex)
{
	int fd = bpf_link_create(bpf_program__fd(prog), (int)ifindex, BRW_TCX_INGRESS, NULL);

	return fd < 0 ? -errno : fd;
}

/* Loads the program for o->hook (and the way back, if asked) and attaches
 * them; link_fds are the tcx links (tc), *xdp_link the XDP one. */
static int brw_attach(const struct brw_opts *o, struct bench_rewrite_bpf **skelp,
		      struct bpf_link **xdp_link, int link_fds[2])
{
	struct bench_rewrite_bpf *skel;
	int err;

	skel = bench_rewrite_bpf__open();
	if (!skel)
		return -errno;
	*skelp = skel;
	skel->rodata->out_ifindex = o->to_ifindex;
	skel->rodata->snat_ip = o->snat_ip.s_addr;
	skel->rodata->port_shift = o->port_shift;
	memcpy((void *)skel->rodata->out_src_mac, o->src_mac, 6);
	memcpy((void *)skel->rodata->out_dst_mac, o->dst_mac, 6);
	skel->rodata->back_ifindex = o->dev_ifindex;
	skel->rodata->guest_ip = o->guest_ip.s_addr;
	memcpy((void *)skel->rodata->back_src_mac, o->dev_mac, 6);
	memcpy((void *)skel->rodata->back_dst_mac, o->guest_mac, 6);
	/* Only the programs for the chosen hook and direction are loaded. */
	bpf_program__set_autoload(skel->progs.bench_rewrite_xdp, o->hook == BRW_HOOK_XDP);
	bpf_program__set_autoload(skel->progs.bench_rewrite_tc, o->hook == BRW_HOOK_TC);
	bpf_program__set_autoload(skel->progs.bench_unrewrite_tc, o->have_guest_ip);
	bpf_program__set_expected_attach_type(skel->progs.bench_rewrite_tc,
					      BRW_TCX_INGRESS);
	bpf_program__set_expected_attach_type(skel->progs.bench_unrewrite_tc,
					      BRW_TCX_INGRESS);
	err = bench_rewrite_bpf__load(skel);
	if (err)
		return err;
	if (o->hook == BRW_HOOK_XDP) {
		*xdp_link = bpf_program__attach_xdp(skel->progs.bench_rewrite_xdp,
						    (int)o->dev_ifindex);
		return *xdp_link ? 0 : -errno;
	}
	link_fds[0] = brw_attach_tcx(skel->progs.bench_rewrite_tc, o->dev_ifindex);
	if (link_fds[0] < 0 || !o->have_guest_ip)
		return link_fds[0] < 0 ? link_fds[0] : 0;
	link_fds[1] = brw_attach_tcx(skel->progs.bench_unrewrite_tc, o->to_ifindex);
	return link_fds[1] < 0 ? link_fds[1] : 0;
}

static void brw_print_counts(const struct bench_rewrite_bpf *skel)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.counts);
	uint64_t sum[BRW_SLOTS] = { 0 };

	if (ncpus <= 0)
		return;
	uint64_t vals[ncpus];

	for (uint32_t slot = 0; slot < BRW_SLOTS; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, vals) < 0)
			return;
		for (int i = 0; i < ncpus; i++)
			sum[slot] += vals[i];
	}
	printf("{\"rewritten\": %llu, \"passed\": %llu}\n",
	       (unsigned long long)sum[0], (unsigned long long)sum[1]);
}

int main(int argc, char **argv)
{
	struct bench_rewrite_bpf *skel = NULL;
	struct bpf_link *xdp_link = NULL;
	struct brw_opts o;
	int err, link_fds[2] = { -1, -1 };
	FILE *f;

	if (brw_parse_args(&o, argc, argv) < 0)
		return 2;
	o.dev_ifindex = if_nametoindex(o.dev);
	o.to_ifindex = if_nametoindex(o.to);
	if (!o.dev_ifindex || !o.to_ifindex) {
		fprintf(stderr, "bench_rewrite: no device %s\n", o.dev_ifindex ? o.to : o.dev);
		return 1;
	}
	err = brw_resolve_uplink(&o);
	if (err) {
		fprintf(stderr, "bench_rewrite: %s: no MAC or IPv4 address: %s\n", o.to,
			strerror(-err));
		return 1;
	}
	signal(SIGINT, brw_on_signal);
	signal(SIGTERM, brw_on_signal);
	err = brw_attach(&o, &skel, &xdp_link, link_fds);
	if (err) {
		fprintf(stderr, "bench_rewrite: attaching to %s (%s): %s\n", o.dev,
			brw_hook_names[o.hook], strerror(-err));
		goto out;
	}
	if (o.ready_file && (f = fopen(o.ready_file, "w")))
		fclose(f);
	while (!brw_stop)
		usleep(50 * 1000); /* a signal cuts it short */
	brw_print_counts(skel);
out:
	for (int i = 0; i < 2; i++)
		if (link_fds[i] >= 0)
			close(link_fds[i]);
	bpf_link__destroy(xdp_link);
	bench_rewrite_bpf__destroy(skel);
	return err ? 1 : 0;
}
