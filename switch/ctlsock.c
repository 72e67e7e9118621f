// SPDX-License-Identifier: GPL-2.0-only
/* kvnetd's control socket (see ctlsock.h): a listening Unix socket and a
 * small table of clients, each a non-blocking state machine (reading the
 * request, then writing the response), driven by an epoll set of its own
 * that the daemon's loop watches as one fd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "switch/control.h"
#include "switch/ctlsock.h"
#include "switch/log.h"

enum client_state { CLIENT_FREE, CLIENT_READING, CLIENT_WRITING };

static const char *const client_state_names[] = {
	[CLIENT_FREE] = "free",
	[CLIENT_READING] = "reading",
	[CLIENT_WRITING] = "writing",
};

struct ctl_client {
	enum client_state state;
	int fd;
	time_t deadline;
	char *buf;	/* request, then response */
	size_t len, cap, off;
};

struct ctlsock {
	char path[108];
	int listen_fd;
	int epfd;
	time_t last_refusal_log;
	unsigned refused;
	struct ctl_client clients[CTLSOCK_MAX_CLIENTS];
};

#define LISTEN_TAG ((uint64_t)-1)

static time_t ctl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void client_drop(struct ctlsock *c, struct ctl_client *cl)
{
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	free(cl->buf);
	memset(cl, 0, sizeof(*cl));
	cl->state = CLIENT_FREE;
}

static void ctl_accept(struct ctlsock *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		if (c->clients[i].state == CLIENT_FREE)
			break;
	ev.data.u64 = (uint64_t)i;
	if (i == CTLSOCK_MAX_CLIENTS || epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		c->refused++;
		if (ctl_now() != c->last_refusal_log) {
			log_warn("control socket: %d clients busy, refused %u connection(s)",
				 CTLSOCK_MAX_CLIENTS, c->refused);
			c->last_refusal_log = ctl_now();
			c->refused = 0;
		}
		close(fd);
		return;
	}
	c->clients[i] = (struct ctl_client){ .state = CLIENT_READING, .fd = fd,
					     .deadline = ctl_now() + CTLSOCK_TIMEOUT_S };
}

static const char ctl_too_large[] =
	"{\"ok\": false, \"error\": {\"code\": \"invalid\", \"message\": "
	"\"request larger than 2 MiB\"}}\n";

/* Read what is there. Returns 1 when the request is complete (a newline,
 * or EOF after some bytes), 0 to wait for more, 2 if it is too large (the
 * buffer then holds the error reply), -1 to drop the client. */
static int client_read(struct ctl_client *cl)
{
	for (;;) {
		ssize_t r;

		if (cl->len == cl->cap) {
			size_t cap = cl->cap ? cl->cap * 2 : 4096;
			char *nb = cap > CTLSOCK_MAX_REQUEST ? NULL : realloc(cl->buf, cap);

			if (!nb && cap > CTLSOCK_MAX_REQUEST) {
				free(cl->buf);
				cl->buf = strdup(ctl_too_large);
				return cl->buf ? 2 : -1;
			}
			if (!nb)
				return -1;
			cl->buf = nb;
			cl->cap = cap;
		}
		r = read(cl->fd, cl->buf + cl->len, cl->cap - cl->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? 0 : -1;
		if (r == 0)
			return cl->len ? 1 : -1;
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
	cl->off = 0;
	cl->state = CLIENT_WRITING;
	epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev);
}

/* Write what the socket takes. Returns 1 when all is sent, 0 to wait. */
static int client_write(struct ctl_client *cl)
{
	while (cl->off < cl->len) {
		ssize_t w = send(cl->fd, cl->buf + cl->off, cl->len - cl->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0)
			return errno == EAGAIN ? 0 : 1;
		cl->off += (size_t)w;
	}
	return 1;
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
		resp = ret == 2 ? cl->buf : control_handle(d, cl->buf, cl->len);
		if (ret != 2)
			free(cl->buf);
		client_reply(c, cl, resp);
	}
	if (cl->state == CLIENT_WRITING && client_write(cl))
		client_drop(c, cl);
}

void ctlsock_run(struct ctlsock *c, struct kvnetd *d)
{
	struct epoll_event evs[16];
	int n = epoll_wait(c->epfd, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == LISTEN_TAG)
			ctl_accept(c);
		else if (tag < CTLSOCK_MAX_CLIENTS && c->clients[tag].state != CLIENT_FREE)
			client_event(c, &c->clients[tag], d);
	}
}

void ctlsock_expire(struct ctlsock *c)
{
	time_t now = ctl_now();

	for (int i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->clients[i];

		if (cl->state == CLIENT_FREE || now < cl->deadline)
			continue;
		log_warn("control socket: dropping a client stuck %s for %d s",
			 client_state_names[cl->state], CTLSOCK_TIMEOUT_S);
		client_drop(c, cl);
	}
}

int ctlsock_fd(const struct ctlsock *c)
{
	return c->epfd;
}

static int ctl_listen(const char *path, struct kv_error *e)
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
	if (ret < 0 || chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		ret = -errno;
		close(fd);
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot listen on %s: %s", path,
			       strerror(-ret));
	}
	return fd;
}

int ctlsock_open(struct ctlsock **out, const char *path, struct kv_error *e)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = LISTEN_TAG };
	struct ctlsock *c = calloc(1, sizeof(*c));

	if (!c)
		return kv_fail(e, KV_ERR_SYSTEM, -ENOMEM, "out of memory");
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->listen_fd = ctl_listen(path, e);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->listen_fd < 0 || c->epfd < 0 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->listen_fd, &ev) < 0) {
		int ret = c->listen_fd < 0 ? c->listen_fd : -errno;

		ctlsock_close(c);
		return kv_fail(e, KV_ERR_SYSTEM, ret, "cannot set up the control socket");
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
	if (c->epfd >= 0)
		close(c->epfd);
	free(c);
}
