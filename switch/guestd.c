// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd's side of privilege separation (see guestd.h): start the
 * sandboxed child, watch it, start it again, and call it. */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "switch/guestd.h"
#include "switch/log.h"
#include "switch/loop.h"

struct guestd {
	struct loop *loop;
	struct guestd_user user;
	struct loop_watch exit;	/* the child's pidfd */
	pid_t pid;		/* 0: none */
	int sock;		/* -1: none (or being killed) */
	uint32_t seq;
	uint64_t started_ms;
	uint64_t restart_ms;	/* no new child before (CLOCK_MONOTONIC) */
	unsigned young_deaths;	/* in a row */
};

static uint64_t guestd_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int guestd_user_lookup(const char *name, struct guestd_user *u, char *err, size_t errlen)
{
	const struct passwd *pw = name ? getpwnam(name) : getpwnam("kvnet");

	if (!name && !pw)
		pw = getpwnam(name = "nobody");
	if (!pw)
		return snprintf(err, errlen, "no user '%s' for the sandbox", name ? name : "kvnet"),
		       -ENOENT;
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return snprintf(err, errlen, "the sandbox user '%s' is root (uid or gid 0)",
				pw->pw_name), -EPERM;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

/* ---- starting ------------------------------------------------------------ */

static int guestd_spawn_attrs(posix_spawnattr_t *a, posix_spawn_file_actions_t *fa, int fd)
{
	sigset_t none, dfl;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if (posix_spawnattr_init(a) || posix_spawn_file_actions_init(fa))
		return -ENOMEM;
	/* kvnetd blocks and ignores signals the child must not inherit so */
	posix_spawnattr_setflags(a, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(a, &none);
	posix_spawnattr_setsigdefault(a, &dfl);
	/* fd 3 is its socket; nothing of kvnetd's above it */
	if (posix_spawn_file_actions_adddup2(fa, fd, 3) ||
	    posix_spawn_file_actions_addclosefrom_np(fa, 4))
		return -ENOMEM;
	return 0;
}

static int guestd_exec(struct guestd *g, int fd)
{
	char uid[16], gid[16];
	char *argv[] = { "kvnetd", "--guestd", "3", uid, gid, NULL };
	char *envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t a;
	int ret;

	snprintf(uid, sizeof(uid), "%u", (unsigned)g->user.uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)g->user.gid);
	ret = guestd_spawn_attrs(&a, &fa, fd);
	if (!ret)
		ret = -posix_spawn(&g->pid, "/proc/self/exe", &fa, &a, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&a);
	return ret;
}

static void guestd_exited(struct loop_watch *w);

static int guestd_spawn(struct guestd *g)
{
	int sv[2], pidfd, ret;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	ret = guestd_exec(g, sv[1]);
	close(sv[1]);
	if (ret < 0) {
		close(sv[0]);
		g->pid = 0;
		return ret;
	}
	pidfd = pidfd_open(g->pid, 0);
	if (pidfd < 0 || loop_add(g->loop, &g->exit, pidfd) < 0) {
		ret = -errno;
		kill(g->pid, SIGKILL);
		waitpid(g->pid, NULL, 0);
		if (pidfd >= 0)
			close(pidfd);
		close(sv[0]);
		g->pid = 0;
		return ret;
	}
	g->sock = sv[0];
	g->started_ms = guestd_now_ms();
	log_info("sandboxed parser started: pid %d, user %s", (int)g->pid, g->user.name);
	return 0;
}

/* Start a child if there is none and its delay has passed. */
static void guestd_ensure(struct guestd *g)
{
	int ret;

	if (g->pid || guestd_now_ms() < g->restart_ms)
		return;
	ret = guestd_spawn(g);
	if (ret < 0) {
		g->restart_ms = guestd_now_ms() + GUESTD_BACKOFF_MAX_MS;
		log_err("cannot start the sandboxed parser: %s (again in %d s)", strerror(-ret),
			GUESTD_BACKOFF_MAX_MS / 1000);
	}
}

int guestd_open(struct loop *l, const struct guestd_user *u, struct guestd **out)
{
	struct guestd *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->loop = l;
	g->user = *u;
	g->sock = -1;
	g->exit.fd = -1;
	g->exit.fn = guestd_exited;
	guestd_ensure(g);
	*out = g;
	return 0;
}

/* ---- dying --------------------------------------------------------------- */

static void guestd_describe(const siginfo_t *si, char *buf, size_t len)
{
	if (si->si_code == CLD_EXITED)
		snprintf(buf, len, "exited with status %d", si->si_status);
	else if (si->si_status == SIGSYS)
		snprintf(buf, len, "was killed by SIGSYS: a system call the sandbox forbids");
	else
		snprintf(buf, len, "was killed by signal %d (%s)", si->si_status,
			 strsignal(si->si_status));
}

/* When the next child may start: at once, unless they keep dying young. */
static void guestd_backoff(struct guestd *g, uint64_t now)
{
	uint64_t delay = 0;
	unsigned over;

	if (now - g->started_ms < GUESTD_YOUNG_MS)
		g->young_deaths++;
	else
		g->young_deaths = 0;
	if (g->young_deaths > GUESTD_FREE_RESTARTS) {
		over = g->young_deaths - GUESTD_FREE_RESTARTS - 1;
		delay = over >= 8 ? GUESTD_BACKOFF_MAX_MS : (uint64_t)GUESTD_BACKOFF_MS << over;
		if (delay > GUESTD_BACKOFF_MAX_MS)
			delay = GUESTD_BACKOFF_MAX_MS;
	}
	g->restart_ms = now + delay;
}

static void guestd_reap(struct guestd *g, siginfo_t *si)
{
	int fd = g->exit.fd;

	memset(si, 0, sizeof(*si));
	if (waitid(P_PIDFD, (id_t)fd, si, WEXITED) < 0)
		si->si_code = 0;
	loop_del(g->loop, &g->exit);
	close(fd);
	if (g->sock >= 0)
		close(g->sock);
	g->sock = -1;
	g->pid = 0;
}

static void guestd_exited(struct loop_watch *w)
{
	struct guestd *g = (struct guestd *)((char *)w - offsetof(struct guestd, exit));
	pid_t pid = g->pid;
	uint64_t now = guestd_now_ms();
	char how[96];
	siginfo_t si;

	guestd_reap(g, &si);
	guestd_describe(&si, how, sizeof(how));
	guestd_backoff(g, now);
	if (g->restart_ms > now)
		log_err("sandboxed parser (pid %d) %s; %u young deaths in a row: restart in %llu ms",
			(int)pid, how, g->young_deaths,
			(unsigned long long)(g->restart_ms - now));
	else
		log_err("sandboxed parser (pid %d) %s; restarting it", (int)pid, how);
	guestd_ensure(g);
}

/* Kill the child; its pidfd reports the death (guestd_exited). */
static void guestd_kill(struct guestd *g)
{
	if (!g->pid)
		return;
	if (pidfd_send_signal(g->exit.fd, SIGKILL, NULL, 0) < 0)
		log_err("cannot kill the sandboxed parser: %s", strerror(errno));
	if (g->sock >= 0)
		close(g->sock);
	g->sock = -1;
}

void guestd_close(struct guestd *g)
{
	siginfo_t si;

	if (!g)
		return;
	if (g->pid) {
		guestd_kill(g);
		guestd_reap(g, &si);
	}
	free(g);
}

void guestd_tick(struct guestd *g)
{
	if (g)
		guestd_ensure(g);
}

pid_t guestd_pid(const struct guestd *g)
{
	return g ? g->pid : 0;
}

/* ---- calling ------------------------------------------------------------- */

void guestd_reject(struct guestd *g, const char *what, const char *why)
{
	log_err("sandboxed parser (pid %d): %s rejected: %s; replacing it", (int)g->pid, what,
		why);
	guestd_kill(g);
}

static const char *guestd_hdr_check(const struct guestd_hdr *h, ssize_t n, uint16_t want,
				    size_t want_len, uint32_t seq)
{
	if ((size_t)n < sizeof(*h))
		return "shorter than a header";
	if (h->version != GUESTD_VERSION)
		return "wrong version";
	if (h->type != want)
		return "wrong type";
	if (h->len != want_len || (size_t)n != want_len)
		return "wrong length";
	if (h->seq != seq)
		return "wrong sequence number";
	if (h->reserved)
		return "reserved field set";
	return NULL;
}

static int guestd_wait(struct guestd *g)
{
	struct pollfd p = { .fd = g->sock, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, GUESTD_REPLY_MS);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return 0;
	log_err("sandboxed parser (pid %d): no reply within %d ms; replacing it", (int)g->pid,
		GUESTD_REPLY_MS);
	guestd_kill(g);
	return -ETIMEDOUT;
}

int guestd_send(struct guestd *g, struct guestd_hdr *req)
{
	ssize_t n;

	if (!g)
		return -EAGAIN;
	guestd_ensure(g);
	if (g->sock < 0)
		return -EAGAIN;
	req->version = GUESTD_VERSION;
	req->seq = ++g->seq;
	req->reserved = 0;
	n = send(g->sock, req, req->len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == (ssize_t)req->len)
		return 0;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -EAGAIN : -EPIPE;
}

int guestd_recv(struct guestd *g, const struct guestd_hdr *req, uint16_t want,
		struct guestd_hdr *reply, size_t want_len)
{
	const char *why;
	ssize_t n;
	int ret;

	if (!g || g->sock < 0)
		return -EPIPE; /* killed meanwhile */
	ret = guestd_wait(g);
	if (ret < 0)
		return ret;
	n = recv(g->sock, reply, want_len, MSG_TRUNC | MSG_DONTWAIT);
	if (n <= 0)
		return -EPIPE;
	why = guestd_hdr_check(reply, n, want, want_len, req->seq);
	if (why) {
		guestd_reject(g, "a reply", why);
		return -EPROTO;
	}
	return 0;
}

int guestd_call(struct guestd *g, struct guestd_hdr *req, uint16_t want, struct guestd_hdr *reply,
		size_t want_len)
{
	int ret = guestd_send(g, req);

	return ret < 0 ? ret : guestd_recv(g, req, want, reply, want_len);
}
