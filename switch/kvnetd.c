// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd: the kvnet daemon. One process, one event loop (loop.c) over the
 * control socket, the names socket (the host's NSS module asks it for the
 * guests' names), link notifications, a one-second timer (FDB aging, STP),
 * signals, and whatever the networks watch (their punted frames).
 * Stopping kvnetd leaves every network running in the kernel; the next
 * kvnetd adopts them (see network.c, netw_restore). Once its sockets are
 * open, kvnetd drops the capabilities it does not need (caps.c). */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "switch/caps.h"
#include "switch/ctlsock.h"
#include "switch/guestd.h"
#include "switch/log.h"
#include "switch/names_sock.h"
#include "nat/ct_text.h"
#include "switch/dp_nat.h"
#include "switch/network.h"

struct kvnetd_opts {
	const char *state_dir, *run_dir, *bpffs, *status_dir, *resolv_conf;
	const char *sandbox_user; /* NULL: kvnet, else nobody */
	gid_t socket_group; /* --socket-group; CTLSOCK_ROOT_ONLY without */
	int log_level;
	struct kvnet_nat_cfg timeouts; /* --conntrack-timeouts; 0: default */
	struct dns_rate_cfg dns_rate;  /* --dns-rate, else $KVNET_DNS_RATE */
};

/* The daemon's own watches on the loop. */
struct kvnetd_main {
	struct kvnetd *d;
	struct ctlsock *ctl;
	struct names_sock *names_sock;
	struct loop_watch control, names, link, timer, signal;
	bool quit;
};

static void kvnetd_usage(FILE *f)
{
	fprintf(f, "usage: kvnetd [--state-dir D] [--run-dir R] [--bpffs DIR] "
		   "[--status-dir DIR] [--log-level err|warn|info|debug]\n"
		   "              [--conntrack-timeouts NAME=SECONDS,...] [--resolv-conf FILE]\n"
		   "              [--dns-rate QPS[:BURST]] [--socket-group GROUP]\n"
		   "              [--sandbox-user USER]\n"
		   "  defaults: /var/lib/kvnet, $KVNET_RUN_DIR or /run/kvnet, /sys/fs/bpf,\n"
		   "  <state-dir>/status (libvirt's leases: /var/lib/libvirt/dnsmasq),\n"
		   "  /etc/resolv.conf (the guests' DNS upstreams without a <forwarder>)\n"
		   "  DNS queries per guest address: $KVNET_DNS_RATE or 250:500 (0: no limit)\n"
		   "  the user 'kvnet' if there is one, else 'nobody' (who parses guests' bytes)\n"
		   "  timeouts (netfilter's): tcp-syn=120,tcp-established=432000,"
		   "tcp-closing=120,\n  tcp-closed=10,udp=30,udp-stream=120,icmp=30\n"
		   "  --socket-group: its members may use the read-only commands\n");
}

/* A group by name or number, which must exist. */
static int kvnetd_group(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long n;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name && !*end && !errno && n < CTLSOCK_ROOT_ONLY && getgrgid((gid_t)n)) {
		*gid = (gid_t)n;
		return 0;
	}
	fprintf(stderr, "kvnetd: --socket-group: no group '%s'\n", name);
	return -EINVAL;
}

static int kvnetd_dns_rate(const char *spec, struct kvnetd_opts *o)
{
	char err[256];

	if (dns_rate_cfg_parse(spec, &o->dns_rate, err, sizeof(err)) < 0) {
		fprintf(stderr, "kvnetd: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int kvnetd_parse(int argc, char **argv, struct kvnetd_opts *o)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "status-dir", required_argument, NULL, 'S' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "conntrack-timeouts", required_argument, NULL, 'T' },
		{ "resolv-conf", required_argument, NULL, 'R' },
		{ "dns-rate", required_argument, NULL, 'D' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "sandbox-user", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 } };
	const char *env = getenv("KVNET_RUN_DIR");
	char err[256];
	int c;

	*o = (struct kvnetd_opts){ "/var/lib/kvnet", env && *env ? env : "/run/kvnet",
				   "/sys/fs/bpf", NULL, "/etc/resolv.conf", NULL, CTLSOCK_ROOT_ONLY,
				   LOG_LVL_INFO, { 0 }, { 0 } };
	dns_rate_cfg_default(&o->dns_rate);
	env = getenv("KVNET_DNS_RATE");
	if (env && *env && kvnetd_dns_rate(env, o) < 0)
		return -EINVAL;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->state_dir = optarg; break;
		case 'r': o->run_dir = optarg; break;
		case 'b': o->bpffs = optarg; break;
		case 'S': o->status_dir = optarg; break;
		case 'R': o->resolv_conf = optarg; break;
		case 'U': o->sandbox_user = optarg; break;
		case 'g':
			if (kvnetd_group(optarg, &o->socket_group) < 0)
				return -EINVAL;
			break;
		case 'l':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "kvnetd: unknown log level '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'D':
			if (kvnetd_dns_rate(optarg, o) < 0)
				return -EINVAL;
			break;
		case 'T':
			if (nat_timeouts_parse(optarg, &o->timeouts, err, sizeof(err)) < 0) {
				fprintf(stderr, "kvnetd: %s\n", err);
				return -EINVAL;
			}
			break;
		case 'h': kvnetd_usage(stdout); exit(0);
		default: kvnetd_usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc) {
		kvnetd_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void kvnetd_on_link(void *arg, const struct link_event *ev)
{
	netw_link_changed(arg, ev);
}

#define KVNETD_MAIN(w, field) \
	((struct kvnetd_main *)((char *)(w) - offsetof(struct kvnetd_main, field)))

static int kvnetd_make_fds(int *timer, int *sig)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	*sig = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	*timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (*sig < 0 || *timer < 0 || timerfd_settime(*timer, 0, &its, NULL) < 0)
		return -errno;
	return 0;
}

static void kvnetd_control_ready(struct loop_watch *w)
{
	struct kvnetd_main *m = KVNETD_MAIN(w, control);

	ctlsock_run(m->ctl, m->d);
}

static void kvnetd_names_ready(struct loop_watch *w)
{
	struct kvnetd_main *m = KVNETD_MAIN(w, names);

	names_sock_run(m->names_sock, m->d);
}

static void kvnetd_link_ready(struct loop_watch *w)
{
	link_monitor_read(&KVNETD_MAIN(w, link)->d->link);
}

static void kvnetd_timer_ready(struct loop_watch *w)
{
	struct kvnetd_main *m = KVNETD_MAIN(w, timer);
	uint64_t ticks;

	if (read(w->fd, &ticks, sizeof(ticks)) > 0) {
		guestd_tick(m->d->guestd);
		netw_tick(m->d);
	}
}

static void kvnetd_signal_ready(struct loop_watch *w)
{
	struct kvnetd_main *m = KVNETD_MAIN(w, signal);
	struct signalfd_siginfo si;

	if (read(w->fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		log_info("SIGHUP: nothing to reload; definitions are read on request");
		return;
	}
	log_info("exiting on signal %u; networks keep running", si.ssi_signo);
	m->quit = true;
}

static int kvnetd_watch(struct kvnetd_main *m, struct loop_watch *w,
			void (*fn)(struct loop_watch *), int fd)
{
	w->fn = fn;
	return loop_add(&m->d->loop, w, fd);
}

static int kvnetd_loop(struct kvnetd_main *m, int timer, int sig)
{
	int ret;

	if (kvnetd_watch(m, &m->control, kvnetd_control_ready, ctlsock_fd(m->ctl)) ||
	    kvnetd_watch(m, &m->names, kvnetd_names_ready, names_sock_fd(m->names_sock)) ||
	    kvnetd_watch(m, &m->timer, kvnetd_timer_ready, timer) ||
	    kvnetd_watch(m, &m->signal, kvnetd_signal_ready, sig) ||
	    kvnetd_watch(m, &m->link, kvnetd_link_ready, link_monitor_fd(&m->d->link))) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	log_info("ready");
	while (!m->quit) {
		/* adoptions and autostarts left from start-up: one per turn,
		 * so requests are answered meanwhile */
		bool pending = netw_restore_step(m->d);

		ret = loop_run_once(&m->d->loop, pending ? 0 : -1);
		if (ret < 0) {
			log_err("epoll_wait: %s", strerror(-ret));
			return 1;
		}
	}
	return 0;
}

/* One kvnetd per state dir: two would fight over the same networks. The
 * lock lives as long as the process (the fd is never closed). */
static int kvnetd_lock_state(const char *state_dir)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/kvnetd.lock", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_err("another kvnetd is using the state dir %s", state_dir);
		close(fd);
		return -1;
	}
	return fd;
}

static int kvnetd_write_pid(struct kvnetd *d)
{
	char path[PATH_MAX], buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	store_pid_path(&d->store, path, sizeof(path));
	return store_write_atomic(path, buf, (size_t)n, 0644);
}

int main(int argc, char **argv)
{
	struct kvnetd d = { 0 };
	struct kvnetd_main m = { .d = &d };
	struct kvnetd_opts o;
	struct kv_error e = { 0 };
	char sock[PATH_MAX], names[PATH_MAX];
	struct guestd_user user;
	int ret, timer, sig;

	/* the sandboxed child, before anything of the daemon's is set up */
	if (argc > 1 && !strcmp(argv[1], "--guestd"))
		return guestd_main(argc, argv);
	if (kvnetd_parse(argc, argv, &o) < 0)
		return 2;
	if (guestd_user_lookup(o.sandbox_user, &user, e.msg, sizeof(e.msg)) < 0) {
		fprintf(stderr, "kvnetd: %s\n", e.msg);
		return 2;
	}
	log_set_level((enum log_level)o.log_level);
	snprintf(d.bpffs, sizeof(d.bpffs), "%s", o.bpffs);
	snprintf(d.resolv_conf, sizeof(d.resolv_conf), "%s", o.resolv_conf);
	d.dns_rate = o.dns_rate;
	if (o.status_dir)
		snprintf(d.status_dir, sizeof(d.status_dir), "%s", o.status_dir);
	else
		snprintf(d.status_dir, sizeof(d.status_dir), "%s/status", o.state_dir);
	if (store_init(&d.store, o.state_dir, o.run_dir) < 0) {
		log_err("cannot create %s or %s: %s", o.state_dir, o.run_dir, strerror(errno));
		return 1;
	}
	if (kvnetd_lock_state(o.state_dir) < 0)
		return 1;
	if (mkdir(d.status_dir, 0755) < 0 && errno != EEXIST)
		log_warn("cannot create %s: %s", d.status_dir, strerror(errno));
	store_sock_path(&d.store, sock, sizeof(sock));
	store_names_sock_path(&d.store, names, sizeof(names));
	/* signals are blocked before anything else, so a SIGTERM during the
	 * restore (autostart) waits for the loop, which exits cleanly */
	if (kvnetd_make_fds(&timer, &sig) < 0 || loop_open(&d.loop) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	/* the names socket only after the control socket, which refuses to
	 * start beside another kvnetd: it takes over its path unasked */
	if (ctlsock_open(&m.ctl, sock, o.socket_group, &e) < 0 || names_sock_open(&m.names_sock, names, &e) < 0 ||
	    dp_ebpf_ensure_bpffs(d.bpffs, &e) < 0 ||
	    link_open(&d.link, kvnetd_on_link, &d, &e) < 0 || caps_drop(&e) < 0) {
		log_err("%s", e.msg);
		return 1;
	}
	if (guestd_open(&d.loop, &user, &d.guestd) < 0) {
		log_err("out of memory");
		return 1;
	}
	kvnetd_write_pid(&d);
	d.nat_timeouts = o.timeouts; /* the NAT maps load with the first datapath */
	netw_restore(&d);
	ret = kvnetd_loop(&m, timer, sig);
	ctlsock_close(m.ctl);
	names_sock_close(m.names_sock);
	store_pid_path(&d.store, sock, sizeof(sock));
	unlink(sock);
	netw_free_all(&d);
	guestd_close(d.guestd);
	dp_nat_close(d.nat);
	link_close(&d.link);
	loop_close(&d.loop);
	return ret;
}
