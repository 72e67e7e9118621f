// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd's names socket (see names_sock.h): a listening Unix socket open
 * to every local user and a small table of clients waiting for their one
 * request line, driven by an epoll set of its own with a timerfd for the
 * clients' deadlines. A client is read as soon as it is accepted (the NSS
 * module writes its request right after connecting, so most are answered
 * there and then); the reply goes out in one non-blocking send. Clients
 * dropped for bad or missing requests are logged when first seen, then at
 * most every NAMES_LOG_INTERVAL_MS with a count. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include "dns/dns_hosts.h"
#include "switch/dnsd.h"
#include "switch/log.h"
#include "switch/names_sock.h"
#include "switch/network_int.h"

#define NAMES_LOG_INTERVAL_MS 10000
#define NAMES_ACCEPT_BATCH 16
#define NAMES_NO_DEADLINE UINT64_MAX

#define TAG_LISTEN ((uint64_t)-1)
#define TAG_TIMER ((uint64_t)-2)

/* Why a client was closed unanswered. */
enum names_drop {
	NAMES_DROP_BAD,	    /* its request was no request */
	NAMES_DROP_SLOW,    /* no whole request within NAMES_SOCK_REQUEST_MS */
	NAMES_DROP_EVICTED, /* still waiting when its slot went to a newcomer */
	NAMES_DROP_MAX,
};

static const char *const names_drop_what[NAMES_DROP_MAX] = {
	[NAMES_DROP_BAD] = "closed for a malformed request",
	[NAMES_DROP_SLOW] = "closed for sending no whole request in time",
	[NAMES_DROP_EVICTED] = "closed while waiting, to make room for new ones",
};

/* Counted, and logged when first seen, then at most once per interval. */
struct names_note {
	uint64_t last_ms;
	unsigned count;
};

struct names_client {
	int fd; /* -1: a free slot */
	uint64_t since_ms;
	size_t len;
	char buf[DNS_NAMES_REQUEST_MAX];
};

struct names_sock {
	char path[108];
	int listen_fd, epfd, timer_fd;
	uint64_t armed_ms;  /* the timer's expiry, NAMES_NO_DEADLINE when off */
	bool accepting;	    /* listen_fd is in the epoll set */
	uint64_t resume_ms; /* when not accepting: when to start again */
	int nclients;
	struct names_note notes[NAMES_DROP_MAX];
	struct names_note out_of_fds;
	struct dns_zone *zone; /* room for one network's names at a time */
	struct names_client clients[NAMES_SOCK_MAX_CLIENTS];
};

static uint64_t names_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Count one event; returns how many to report now (0: not yet). */
static unsigned names_note(struct names_note *n)
{
	uint64_t now = names_now();
	unsigned count = ++n->count;

	if (n->last_ms && now - n->last_ms < NAMES_LOG_INTERVAL_MS)
		return 0;
	n->count = 0;
	n->last_ms = now;
	return count;
}

static void names_note_drop(struct names_sock *s, enum names_drop why)
{
	unsigned count = names_note(&s->notes[why]);

	if (count)
		log_warn("names socket: %u client(s) %s", count, names_drop_what[why]);
}

static int names_watch(struct names_sock *s, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static void names_accept_resume(struct names_sock *s)
{
	if (!s->accepting && names_watch(s, s->listen_fd, TAG_LISTEN) == 0)
		s->accepting = true;
}

/* Closing the fd takes it out of the epoll set too (it has no dup). */
static void names_client_drop(struct names_sock *s, struct names_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	s->nclients--;
	names_accept_resume(s); /* a descriptor is free again */
}

/* ---- the answer --------------------------------------------------------- */

/* n's names: its DNS service's zone, built once each time they change,
 * or (no DNS served) built into room. */
static const struct dns_zone *names_zone(struct kv_network *n, struct dns_zone *room)
{
	if (n->dns)
		return dnsd_zone(n->dns);
	netw_dns_zone(n, room);
	return room;
}

int names_sock_answer(struct kvnetd *d, struct dns_zone *zone, const char *buf, size_t len,
		      struct dns_names_reply *r)
{
	struct dns_names_req q;
	int n = 0;

	if (dns_names_request_parse(buf, len, &q) < 0)
		return -EINVAL;
	dns_names_reply_init(r);
	for (int i = 0; i < d->nnets && n == 0; i++) {
		if (!d->nets[i]->active)
			continue;
		n = dns_hosts_answer(names_zone(d->nets[i], zone), &q, r);
	}
	dns_names_reply_end(r);
	return n;
}

/* ---- one client --------------------------------------------------------- */

/* Read what is there. 1: the request is in (a newline came, the buffer
 * is full, or the client hung up after some bytes: the parser judges),
 * 0: wait for more, -1: gone without a word. */
static int names_client_read(struct names_client *c)
{
	for (;;) {
		ssize_t r;

		if (c->len == sizeof(c->buf))
			return 1;
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		if (r == 0)
			return c->len ? 1 : -1;
		c->len += (size_t)r;
		if (memchr(c->buf + c->len - (size_t)r, '\n', (size_t)r))
			return 1;
	}
}

/* The reply fits any socket's buffer at once; a client whose buffer is
 * full of its own making loses it. */
static void names_client_answer(struct names_sock *s, struct names_client *c,
				struct kvnetd *d)
{
	struct dns_names_reply r;

	if (names_sock_answer(d, s->zone, c->buf, c->len, &r) < 0) {
		names_note_drop(s, NAMES_DROP_BAD);
		return;
	}
	if (send(c->fd, r.text, r.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("names socket: a reply was not sent: %s", strerror(errno));
}

/* Read, and once the request is in, answer and close. */
static void names_client_event(struct names_sock *s, struct names_client *c, struct kvnetd *d)
{
	int ret = names_client_read(c);

	if (ret == 0)
		return;
	if (ret > 0)
		names_client_answer(s, c, d);
	names_client_drop(s, c);
}

/* ---- admission ---------------------------------------------------------- */

static struct names_client *names_oldest(struct names_sock *s)
{
	struct names_client *best = NULL;

	for (int i = 0; i < NAMES_SOCK_MAX_CLIENTS; i++) {
		struct names_client *c = &s->clients[i];

		if (c->fd >= 0 && (!best || c->since_ms < best->since_ms))
			best = c;
	}
	return best;
}

/* A free slot: the first one, else the oldest client's, which gets a last
 * look (its request may have come meanwhile) and is closed. */
static struct names_client *names_free_slot(struct names_sock *s, struct kvnetd *d)
{
	struct names_client *c;

	if (s->nclients >= NAMES_SOCK_MAX_CLIENTS) {
		c = names_oldest(s);
		names_client_event(s, c, d);
		if (c->fd >= 0) {
			names_note_drop(s, NAMES_DROP_EVICTED);
			names_client_drop(s, c);
		}
		return c;
	}
	for (int i = 0; i < NAMES_SOCK_MAX_CLIENTS; i++)
		if (s->clients[i].fd < 0)
			return &s->clients[i];
	return NULL; /* not reached: nclients counts the slots taken */
}

static void names_admit(struct names_sock *s, struct kvnetd *d, int fd)
{
	struct names_client *c = names_free_slot(s, d);
	struct epoll_event ev = { .events = EPOLLIN };

	if (!c) {
		close(fd);
		return;
	}
	*c = (struct names_client){ .fd = fd, .since_ms = names_now() };
	s->nclients++;
	names_client_event(s, c, d); /* most requests are in already */
	if (c->fd < 0)
		return;
	ev.data.u64 = (uint64_t)(c - s->clients);
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("names socket: cannot watch a new client: %s", strerror(errno));
		names_client_drop(s, c);
	}
}

/* accept() has no descriptor (or memory) for a new client: stop watching
 * the listening socket for a while instead of spinning on it. */
static void names_accept_pause(struct names_sock *s, int err)
{
	unsigned count = names_note(&s->out_of_fds);

	if (s->accepting && epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL) == 0)
		s->accepting = false;
	s->resume_ms = names_now() + NAMES_SOCK_ACCEPT_PAUSE_MS;
	if (count)
		log_warn("names socket: cannot accept clients: %s (%u time(s)); pausing for "
			 "up to %d ms at a time", strerror(err), count, NAMES_SOCK_ACCEPT_PAUSE_MS);
}

static void names_accept(struct names_sock *s, struct kvnetd *d)
{
	for (int i = 0; i < NAMES_ACCEPT_BATCH && s->accepting; i++) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM))
			names_accept_pause(s, errno);
		if (fd < 0)
			return;
		names_admit(s, d, fd);
	}
}

/* ---- deadlines ---------------------------------------------------------- */

/* Close the clients past their deadline, each after a last look. */
static void names_expire(struct names_sock *s, struct kvnetd *d)
{
	uint64_t now = names_now();

	for (int i = 0; i < NAMES_SOCK_MAX_CLIENTS; i++) {
		struct names_client *c = &s->clients[i];

		if (c->fd < 0 || now < c->since_ms + NAMES_SOCK_REQUEST_MS)
			continue;
		names_client_event(s, c, d);
		if (c->fd < 0)
			continue;
		names_note_drop(s, NAMES_DROP_SLOW);
		names_client_drop(s, c);
	}
}

/* Set the timer to the earliest deadline. */
static void names_arm(struct names_sock *s)
{
	struct itimerspec its = { 0 };
	uint64_t next = NAMES_NO_DEADLINE;

	for (int i = 0; i < NAMES_SOCK_MAX_CLIENTS && s->nclients; i++) {
		const struct names_client *c = &s->clients[i];

		if (c->fd >= 0 && c->since_ms + NAMES_SOCK_REQUEST_MS < next)
			next = c->since_ms + NAMES_SOCK_REQUEST_MS;
	}
	if (!s->accepting && s->resume_ms < next)
		next = s->resume_ms;
	if (next == s->armed_ms)
		return;
	if (next != NAMES_NO_DEADLINE) {
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
	}
	if (timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		s->armed_ms = next;
}

static void names_timer(struct names_sock *s, struct kvnetd *d)
{
	uint64_t ticks;

	if (read(s->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_warn("names socket: reading its timer: %s", strerror(errno));
	s->armed_ms = NAMES_NO_DEADLINE; /* a one-shot timer that fired is off */
	names_expire(s, d);
	if (!s->accepting && names_now() >= s->resume_ms)
		names_accept_resume(s);
}

void names_sock_run(struct names_sock *s, struct kvnetd *d)
{
	struct epoll_event evs[16];
	int n = epoll_wait(s->epfd, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == TAG_LISTEN)
			names_accept(s, d);
		else if (tag == TAG_TIMER)
			names_timer(s, d);
		else if (tag < NAMES_SOCK_MAX_CLIENTS && s->clients[tag].fd >= 0)
			names_client_event(s, &s->clients[tag], d);
	}
	names_arm(s);
}

int names_sock_fd(const struct names_sock *s)
{
	return s->epfd;
}

/* ---- set-up ------------------------------------------------------------- */

/* Only kvnetd's control socket refuses a second daemon; this one follows
 * it and takes over whatever file is left at path. */
static int names_listen(const char *path, struct kv_error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kv_fail(e, KV_ERR_INVALID, -ENAMETOOLONG, "socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, SOMAXCONN) < 0) {
		err = errno;
		close(fd);
		return kv_fail(e, KV_ERR_SYSTEM, -err, "cannot listen on %s: %s", path,
			       strerror(err));
	}
	return fd;
}

int names_sock_open(struct names_sock **out, const char *path, struct kv_error *e)
{
	struct names_sock *s = calloc(1, sizeof(*s));
	int ret = 0;

	if (!s)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	snprintf(s->path, sizeof(s->path), "%s", path);
	for (int i = 0; i < NAMES_SOCK_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	s->armed_ms = NAMES_NO_DEADLINE;
	s->zone = calloc(1, sizeof(*s->zone));
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	s->listen_fd = -1;
	if (!s->zone || s->epfd < 0 || s->timer_fd < 0)
		ret = kv_fail(e, KV_ERR_SYSTEM, s->zone ? -errno : -ENOMEM,
			      "cannot set up the names socket: %s",
			      s->zone ? strerror(errno) : "out of memory");
	if (ret == 0)
		ret = s->listen_fd = names_listen(path, e);
	if (ret >= 0)
		ret = names_watch(s, s->listen_fd, TAG_LISTEN);
	s->accepting = ret >= 0;
	if (ret >= 0)
		ret = names_watch(s, s->timer_fd, TAG_TIMER);
	if (ret < 0) {
		kv_fail(e, KV_ERR_SYSTEM, ret, "cannot set up the names socket: %s", strerror(-ret));
		names_sock_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

void names_sock_close(struct names_sock *s)
{
	if (!s)
		return;
	for (int i = 0; i < NAMES_SOCK_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			names_client_drop(s, &s->clients[i]);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->path);
	}
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->zone);
	free(s);
}
