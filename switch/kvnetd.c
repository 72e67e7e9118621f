// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd: the kvnet daemon. One process, one epoll loop over the control
 * socket, link notifications, a one-second timer (FDB aging) and signals.
 * Stopping kvnetd leaves every network running in the kernel; the next
 * kvnetd adopts them (see network.c, netw_restore). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "switch/ctlsock.h"
#include "switch/log.h"
#include "switch/network.h"

struct kvnetd_opts {
	const char *state_dir, *run_dir, *bpffs;
	int log_level;
};

enum { EV_CONTROL = 1, EV_LINK, EV_TIMER, EV_SIGNAL };

static void kvnetd_usage(FILE *f)
{
	fprintf(f, "usage: kvnetd [--state-dir D] [--run-dir R] [--bpffs DIR] "
		   "[--log-level err|warn|info|debug]\n"
		   "  defaults: /var/lib/kvnet, $KVNET_RUN_DIR or /run/kvnet, /sys/fs/bpf\n");
}

static int kvnetd_parse(int argc, char **argv, struct kvnetd_opts *o)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 } };
	const char *env = getenv("KVNET_RUN_DIR");
	int c;

	*o = (struct kvnetd_opts){ "/var/lib/kvnet", env && *env ? env : "/run/kvnet",
				   "/sys/fs/bpf", LOG_LVL_INFO };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->state_dir = optarg; break;
		case 'r': o->run_dir = optarg; break;
		case 'b': o->bpffs = optarg; break;
		case 'l':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "kvnetd: unknown log level '%s'\n", optarg);
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

static void kvnetd_on_link(void *arg, int ifindex, bool gone)
{
	netw_link_changed(arg, ifindex, gone);
}

static int kvnetd_add_fd(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

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

/* A signal: 0 to go on, 1 to leave the loop. */
static int kvnetd_signal(int sig)
{
	struct signalfd_siginfo si;

	if (read(sig, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		log_info("SIGHUP: nothing to reload; definitions are read on request");
		return 0;
	}
	log_info("exiting on signal %u; networks keep running", si.ssi_signo);
	return 1;
}

static int kvnetd_loop(struct kvnetd *d, struct ctlsock *ctl)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), timer, sig;
	struct epoll_event evs[8];
	uint64_t ticks;

	if (ep < 0 || kvnetd_make_fds(&timer, &sig) < 0 ||
	    kvnetd_add_fd(ep, ctlsock_fd(ctl), EV_CONTROL) ||
	    kvnetd_add_fd(ep, timer, EV_TIMER) ||
	    kvnetd_add_fd(ep, sig, EV_SIGNAL) ||
	    kvnetd_add_fd(ep, link_monitor_fd(&d->link), EV_LINK)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}
	log_info("ready");
	for (;;) {
		int n = epoll_wait(ep, evs, 8, -1);

		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case EV_CONTROL: ctlsock_run(ctl, d); break;
			case EV_LINK: link_monitor_read(&d->link); break;
			case EV_TIMER:
				if (read(timer, &ticks, sizeof(ticks)) > 0) {
					netw_tick(d);
					ctlsock_expire(ctl);
				}
				break;
			case EV_SIGNAL:
				if (kvnetd_signal(sig))
					return 0;
				break;
			}
		}
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
	}
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
	struct kvnetd_opts o;
	struct kv_error e = { 0 };
	struct ctlsock *ctl = NULL;
	char sock[PATH_MAX];
	int ret;

	if (kvnetd_parse(argc, argv, &o) < 0)
		return 2;
	log_set_level((enum log_level)o.log_level);
	snprintf(d.bpffs, sizeof(d.bpffs), "%s", o.bpffs);
	if (store_init(&d.store, o.state_dir, o.run_dir) < 0) {
		log_err("cannot create %s or %s: %s", o.state_dir, o.run_dir, strerror(errno));
		return 1;
	}
	if (kvnetd_lock_state(o.state_dir) < 0)
		return 1;
	store_sock_path(&d.store, sock, sizeof(sock));
	if (ctlsock_open(&ctl, sock, &e) < 0 || dp_ensure_bpffs(d.bpffs, &e) < 0 ||
	    link_open(&d.link, kvnetd_on_link, &d, &e) < 0) {
		log_err("%s", e.msg);
		return 1;
	}
	kvnetd_write_pid(&d);
	netw_restore(&d);
	ret = kvnetd_loop(&d, ctl);
	ctlsock_close(ctl);
	store_pid_path(&d.store, sock, sizeof(sock));
	unlink(sock);
	netw_free_all(&d);
	link_close(&d.link);
	return ret;
}
