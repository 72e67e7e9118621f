// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd's control socket (see ctlsock.h): a listening Unix socket and a
 * table of clients, each a non-blocking state machine (reading the
 * request, then writing the response), driven by an epoll set of its own
 * that the daemon's loop watches as one fd. A timerfd in the same set fires
 * at the earliest client deadline. Trouble (clients refused, evicted or
 * timed out) is logged when first seen and then at most every
 * CTL_LOG_INTERVAL_MS, with how often it happened, so a flood of bad
 * clients cannot flood the log. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "switch/control.h"
#include "switch/ctlsock.h"
#include "switch/log.h"

#define CTL_LOG_INTERVAL_MS 10000
#define CTL_ACCEPT_BATCH 16
#define CTL_EVICT_TRIES 8
#define CTL_NO_DEADLINE UINT64_MAX

enum client_state { CLIENT_FREE, CLIENT_READING, CLIENT_WRITING };

struct ctl_client {
	enum client_state state;
	int fd;
	uint64_t since_ms;    /* connected */
	uint64_t progress_ms; /* last byte read or written, or connected */
	char *buf;	      /* request, then (a piece of) the response */
	size_t len, cap, off;
	struct control_stream *more; /* the rest of a response, if it streams */
	enum control_access who;     /* from its credentials (SO_PEERCRED) */
	struct control_fds fds;	     /* go with the response's first byte */
};

/* A condition worth a warning: counted, and logged when first seen, then
 * at most once per CTL_LOG_INTERVAL_MS. */
struct ctl_note {
	uint64_t last_ms;
	unsigned count;
};

/* Why a client was dropped before it got its answer. */
enum ctl_drop {
	CTL_DROP_BUSY,	  /* refused: every slot is writing a response */
	CTL_DROP_EVICTED, /* idle reader, its slot given to a newcomer */
	CTL_DROP_SILENT,  /* no byte within CTLSOCK_FIRST_BYTE_MS */
	CTL_DROP_SLOW,	  /* no whole request within CTLSOCK_REQUEST_MS */
	CTL_DROP_STALLED, /* took none of its response for CTLSOCK_STALL_MS */
	CTL_DROP_MAX,
};

static const char *const ctl_drop_what[CTL_DROP_MAX] = {
	[CTL_DROP_BUSY] = "refused as busy (every slot was writing a response)",
	[CTL_DROP_EVICTED] = "dropped while idle to make room for new ones",
	[CTL_DROP_SILENT] = "dropped for sending nothing",
	[CTL_DROP_SLOW] = "dropped for sending no whole request in time",
	[CTL_DROP_STALLED] = "dropped for taking none of their response",
};

struct ctlsock {
	char path[108];
	int listen_fd;
	int epfd;
	int timer_fd;
	uint64_t armed_ms; /* the timer's expiry, CTL_NO_DEADLINE when off */
	bool accepting;	   /* listen_fd is in the epoll set */
	uint64_t resume_ms; /* when not accepting: when to start again */
	int nclients;
	struct ctl_note notes[CTL_DROP_MAX];
	struct ctl_note out_of_fds;
	struct ctl_client clients[CTLSOCK_MAX_CLIENTS];
};

#define TAG_LISTEN ((uint64_t)-1)
#define TAG_TIMER ((uint64_t)-2)

static uint64_t ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Count one event; returns how many to report now (0: not yet). */
static unsigned ctl_note(struct ctl_note *n)
{
	uint64_t now = ctl_now();
	unsigned count = ++n->count;

	if (n->last_ms && now - n->last_ms < CTL_LOG_INTERVAL_MS)
		return 0;
	n->count = 0;
	n->last_ms = now;
	return count;
}

static void ctl_note_drop(struct ctlsock *c, enum ctl_drop why)
{
	unsigned count = ctl_note(&c->notes[why]);

	if (count)
		log_warn("control socket: %u client(s) %s", count, ctl_drop_what[why]);
}

/* Best effort: tell a client we are about to close why, as an error
 * response. msg is our own text (no quotes or backslashes). */
__attribute__((format(printf, 3, 4)))
static void ctl_say(int fd, const char *code, const char *fmt, ...)
{
	char msg[256], out[400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(out, sizeof(out),
		     "{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code, msg);
	if (send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		return; /* it is gone or not reading: nothing more to do */
}

static int ctl_watch(struct ctlsock *c, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Watch the listening socket again (after a pause for lack of fds). */
static void ctl_accept_resume(struct ctlsock *c)
{
	if (!c->accepting && ctl_watch(c, c->listen_fd, TAG_LISTEN) == 0)
		c->accepting = true;
}

static void client_drop(struct ctlsock *c, struct ctl_client *cl)
{
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	free(cl->buf);
	control_stream_free(cl->more);
	control_fds_close(&cl->fds);
	memset(cl, 0, sizeof(*cl));
	cl->state = CLIENT_FREE;
	c->nclients--;
	ctl_accept_resume(c); /* a descriptor is free again */
}

static uint64_t client_deadline(const struct ctl_client *cl)
{
	if (cl->state == CLIENT_WRITING)
		return cl->progress_ms + CTLSOCK_STALL_MS;
	return cl->since_ms + (cl->len ? CTLSOCK_REQUEST_MS : CTLSOCK_FIRST_BYTE_MS);
}

/* ---- one client --------------------------------------------------------- */

static const char ctl_too_large[] =
	"{\"ok\": false, \"error\": {\"code\": \"invalid\", \"message\": "
	"\"request larger than 2 MiB\"}}\n";

/* Room for more request bytes. Returns 0, 2 when the request is too large
 * (the buffer then holds the error reply), or -1 to drop the client. */
static int client_grow(struct ctl_client *cl)
{
	size_t cap = cl->cap ? cl->cap * 2 : 4096;
	char *nb;

	if (cap > CTLSOCK_MAX_REQUEST) {
		free(cl->buf);
		cl->buf = strdup(ctl_too_large);
		return cl->buf ? 2 : -1;
	}
	nb = realloc(cl->buf, cap);
	if (!nb)
		return -1;
	cl->buf = nb;
	cl->cap = cap;
	return 0;
}

/* Read what is there. Returns 1 when the request is complete (a newline,
 * or EOF after some bytes), 0 to wait for more, 2 if it is too large (the
 * buffer then holds the error reply), -1 to drop the client. */
static int client_read(struct ctl_client *cl)
{
	for (;;) {
		ssize_t r;
		int g = cl->len == cl->cap ? client_grow(cl) : 0;

		if (g)
			return g;
		r = read(cl->fd, cl->buf + cl->len, cl->cap - cl->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		if (r == 0)
			return cl->len ? 1 : -1;
		cl->progress_ms = ctl_now();
		cl->len += (size_t)r;
		if (memchr(cl->buf + cl->len - (size_t)r, '\n', (size_t)r))
			return 1;
	}
}

/* Switch the client to writing resp (malloc'd; NULL sends nothing). */
static void client_reply(struct ctlsock *c, struct ctl_client *cl, char *resp)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)(cl - c->clients) };

	cl->buf = resp;
	cl->len = resp ? strlen(resp) : 0;
	cl->cap = cl->len;
	cl->off = 0;
	cl->state = CLIENT_WRITING;
	cl->progress_ms = ctl_now();
	epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
}

/* The next piece of a streamed response into the buffer. Returns 0, or
 * -1 when the response cannot be finished (the client is to be dropped). */
static int client_next_piece(struct ctl_client *cl, struct kvnetd *d)
{
	struct kv_error e = { 0 };
	char *text;
	int ret = control_more(d, cl->more, &text, &e);

	if (ret < 0) {
		log_warn("control socket: a response was cut short: %s", e.msg);
		return -1;
	}
	free(cl->buf);
	cl->buf = text;
	cl->len = cl->cap = strlen(text);
	cl->off = 0;
	if (ret == 0) {
		control_stream_free(cl->more);
		cl->more = NULL;
	}
	return 0;
}

/* Send from the response; the first byte out carries its descriptors,
 * and ours are closed then (the client's copies keep what they hold). */
static ssize_t client_send(struct ctl_client *cl)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONTROL_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { cl->buf + cl->off, cl->len - cl->off };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t w;

	if (!cl->fds.n)
		return send(cl->fd, iov.iov_base, iov.iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * cl->fds.n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * cl->fds.n);
	memcpy(CMSG_DATA(cm), cl->fds.fd, sizeof(int) * cl->fds.n);
	w = sendmsg(cl->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w >= 0)
		control_fds_close(&cl->fds);
	return w;
}

/* Write what the socket takes; once a piece of a streamed response is
 * out, make the next, but only one per call, so that the loop turns to
 * the others between pieces (the socket stays writable: epoll calls
 * again). Returns 1 when all is sent (or the client is gone), 0 to wait,
 * -1 if the response was cut short. */
static int client_write(struct ctl_client *cl, struct kvnetd *d)
{
	bool made = false;

	for (;;) {
		while (cl->off < cl->len) {
			ssize_t w = client_send(cl);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return errno == EAGAIN ? 0 : 1;
			cl->off += (size_t)w;
			cl->progress_ms = ctl_now();
		}
		if (!cl->more)
			return 1;
		if (made)
			return 0;
		if (client_next_piece(cl, d) < 0)
			return -1;
		made = true;
	}
}

static void client_event(struct ctlsock *c, struct ctl_client *cl, struct kvnetd *d)
{
	int ret;

	if (cl->state == CLIENT_READING) {
		char *resp;

		ret = client_read(cl);
		if (ret < 0) {
			client_drop(c, cl);
			return;
		}
		if (ret == 0)
			return;
		resp = ret == 2 ? cl->buf
				: control_begin(d, cl->buf, cl->len, cl->who, &cl->more, &cl->fds);
		if (ret != 2)
			free(cl->buf);
		if (cl->more)
			control_stream_conn(cl->more, cl->fd);
		client_reply(c, cl, resp);
	}
	if (cl->state == CLIENT_WRITING && client_write(cl, d))
		client_drop(c, cl);
}

/* ---- admission ---------------------------------------------------------- */

/* The reader that has been idle longest, or NULL. */
static struct ctl_client *ctl_idlest_reader(struct ctlsock *c)
{
	struct ctl_client *best = NULL;

	for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->state == CLIENT_READING && (!best || cl->progress_ms < best->progress_ms))
			best = cl;
	}
	return best;
}

/* A free slot for a new client: the first free one, else the one of the
 * reader idle longest, which is dropped (after a last look: a request that
 * has arrived meanwhile is answered instead). -1 when every slot is
 * writing a response. */
static int ctl_free_slot(struct ctlsock *c, struct kvnetd *d)
{
	for (int tries = 0; tries < CTL_EVICT_TRIES; tries++) {
		struct ctl_client *cl;

		if (c->nclients < CTLSOCK_MAX_CLIENTS)
			for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
				if (c->clients[i].state == CLIENT_FREE)
					return i;
		cl = ctl_idlest_reader(c);
		if (!cl)
			return -1;
		client_event(c, cl, d);
		if (cl->state != CLIENT_READING)
			continue;
		ctl_say(cl->fd, "busy", "this connection sent no request for %d ms and its "
			"slot went to a new client", (int)(ctl_now() - cl->progress_ms));
		ctl_note_drop(c, CTL_DROP_EVICTED);
		client_drop(c, cl);
		return (int)(cl - c->clients);
	}
	return -1;
}

/* Root may do everything, anyone else only read: who got this far is
 * root or a member of the socket's group (its mode lets no one else
 * connect). The credentials are those of connect(), and each connection
 * carries one request. */
static enum control_access ctl_peer_access(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return CONTROL_READER;
	return cred.uid == 0 ? CONTROL_ROOT : CONTROL_READER;
}

static void ctl_admit(struct ctlsock *c, struct kvnetd *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i = ctl_free_slot(c, d);
	uint64_t now = ctl_now();

	if (i < 0) {
		ctl_say(fd, "busy", "all %d control connections are answering other "
			"requests", CTLSOCK_MAX_CLIENTS);
		ctl_note_drop(c, CTL_DROP_BUSY);
		close(fd);
		return;
	}
	ev.data.u64 = (uint64_t)i;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_warn("control socket: cannot watch a new client: %s", strerror(errno));
		close(fd);
		return;
	}
	c->clients[i] = (struct ctl_client){ .state = CLIENT_READING, .fd = fd,
					     .since_ms = now, .progress_ms = now,
					     .who = ctl_peer_access(fd) };
	c->nclients++;
}

/* accept() has no descriptor (or memory) for a new client. The connection
 * stays queued and the listening socket readable, so stop watching it for
 * CTLSOCK_ACCEPT_PAUSE_MS, or until a client leaves, instead of spinning. */
static void ctl_accept_pause(struct ctlsock *c, int err)
{
	unsigned count = ctl_note(&c->out_of_fds);

	if (c->accepting && epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->listen_fd, NULL) == 0)
		c->accepting = false;
	c->resume_ms = ctl_now() + CTLSOCK_ACCEPT_PAUSE_MS;
	if (count)
		log_warn("control socket: cannot accept clients: %s (%u time(s), %d "
			 "connected); pausing for up to %d ms at a time. Raise kvnetd's "
			 "limit of open files (LimitNOFILE=)", strerror(err), count,
			 c->nclients, CTLSOCK_ACCEPT_PAUSE_MS);
}

static void ctl_accept(struct ctlsock *c, struct kvnetd *d)
{
	for (int i = 0; i < CTL_ACCEPT_BATCH && c->accepting; i++) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM))
			ctl_accept_pause(c, errno);
		if (fd < 0)
			return;
		ctl_admit(c, d, fd);
	}
}

/* ---- deadlines ---------------------------------------------------------- */

/* Drop the clients past their deadline. Each gets a last chance first: a
 * request waiting in its socket, or room for more of its response, may
 * only have gone unnoticed while the loop was busy elsewhere. */
static void ctl_expire(struct ctlsock *c, struct kvnetd *d)
{
	for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->state == CLIENT_FREE || ctl_now() < client_deadline(cl))
			continue;
		client_event(c, cl, d);
		if (cl->state == CLIENT_FREE || ctl_now() < client_deadline(cl))
			continue;
		if (cl->state == CLIENT_WRITING) {
			ctl_note_drop(c, CTL_DROP_STALLED);
		} else if (!cl->len) {
			ctl_say(cl->fd, "timeout", "no request within %d ms",
				CTLSOCK_FIRST_BYTE_MS);
			ctl_note_drop(c, CTL_DROP_SILENT);
		} else {
			ctl_say(cl->fd, "timeout", "request incomplete after %d ms",
				CTLSOCK_REQUEST_MS);
			ctl_note_drop(c, CTL_DROP_SLOW);
		}
		client_drop(c, cl);
	}
}

/* Set the timer to the earliest deadline. */
static void ctl_arm(struct ctlsock *c)
{
	struct itimerspec its = { 0 };
	uint64_t next = CTL_NO_DEADLINE;

	for (int i = 0; i < CTLSOCK_MAX_CLIENTS && c->nclients; i++) {
		const struct ctl_client *cl = &c->clients[i];
		uint64_t t = cl->state == CLIENT_FREE ? CTL_NO_DEADLINE : client_deadline(cl);

		if (t < next)
			next = t;
	}
	if (!c->accepting && c->resume_ms < next)
		next = c->resume_ms;
	if (next == c->armed_ms)
		return;
	if (next != CTL_NO_DEADLINE) {
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
	}
	if (timerfd_settime(c->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		c->armed_ms = next;
}

static void ctl_timer(struct ctlsock *c, struct kvnetd *d)
{
	uint64_t ticks;

	if (read(c->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_warn("control socket: reading its timer: %s", strerror(errno));
	c->armed_ms = CTL_NO_DEADLINE; /* a one-shot timer that fired is off */
	ctl_expire(c, d);
	if (!c->accepting && ctl_now() >= c->resume_ms)
		ctl_accept_resume(c);
}

void ctlsock_run(struct ctlsock *c, struct kvnetd *d)
{
	struct epoll_event evs[16];
	int n = epoll_wait(c->epfd, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == TAG_LISTEN)
			ctl_accept(c, d);
		else if (tag == TAG_TIMER)
			ctl_timer(c, d);
		else if (tag < CTLSOCK_MAX_CLIENTS && c->clients[tag].state != CLIENT_FREE)
			client_event(c, &c->clients[tag], d);
	}
	ctl_arm(c);
}

int ctlsock_fd(const struct ctlsock *c)
{
	return c->epfd;
}

/* ---- set-up ------------------------------------------------------------- */

/* Root's alone (0600), or root's and group's (0660, the group's members
 * can connect and read: ctl_peer_access). */
static int ctl_permit(const char *path, gid_t group)
{
	if (group == CTLSOCK_ROOT_ONLY)
		return chmod(path, 0600);
	if (chown(path, (uid_t)-1, group) < 0)
		return -1;
	return chmod(path, 0660);
}

static int ctl_listen(const char *path, gid_t group, struct kv_error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, probe, ret;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kv_fail(e, KV_ERR_INVALID, -ENAMETOOLONG, "socket path too long: %s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(probe);
		return kv_fail(e, KV_ERR_CONFLICT, -EADDRINUSE,
			       "another kvnetd is already serving %s", path);
	}
	if (probe >= 0)
		close(probe);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kv_fail(e, KV_ERR_SYSTEM, -errno, "socket: %s", strerror(errno));
	old = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0 || ctl_permit(path, group) < 0 || listen(fd, SOMAXCONN) < 0) {
		ret = -errno;
		close(fd);
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot listen on %s: %s", path,
			       strerror(-ret));
	}
	return fd;
}

int ctlsock_open(struct ctlsock **out, const char *path, gid_t group, struct kv_error *e)
{
	struct ctlsock *c = calloc(1, sizeof(*c));
	int ret = 0;

	if (!c)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->armed_ms = CTL_NO_DEADLINE;
	c->listen_fd = -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->epfd < 0 || c->timer_fd < 0)
		ret = kv_fail(e, KV_ERR_SYSTEM, -errno, "cannot set up the control socket: %s",
			      strerror(errno));
	if (ret == 0)
		ret = c->listen_fd = ctl_listen(path, group, e);
	if (ret >= 0)
		ret = ctl_watch(c, c->listen_fd, TAG_LISTEN);
	c->accepting = ret >= 0;
	if (ret >= 0)
		ret = ctl_watch(c, c->timer_fd, TAG_TIMER);
	if (ret < 0) {
		kv_fail(e, KV_ERR_SYSTEM, ret, "cannot set up the control socket: %s",
			strerror(-ret));
		ctlsock_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

void ctlsock_close(struct ctlsock *c)
{
	if (!c)
		return;
	for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		if (c->clients[i].state != CLIENT_FREE)
			client_drop(c, &c->clients[i]);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	if (c->epfd >= 0)
		close(c->epfd);
	free(c);
}
