/* SPDX-License-Identifier: GPL-2.0-only */
/* Client end of the kvnetd control socket: one request per connection, one
 * newline-terminated JSON object each way (docs/protocol.md). Timeouts are
 * socket options (SO_SNDTIMEO also bounds a connect to a full backlog,
 * SO_RCVTIMEO each wait for reply bytes), so no call blocks forever.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli_client.h"

static int cli_client_timeouts(int fd, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int cli_client_connect(const char *path, int timeout_s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	int fd, r;

	if (len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = cli_client_timeouts(fd, timeout_s);
	if (r < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = errno == EAGAIN ? -ETIMEDOUT : -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

static int cli_client_write(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_client_send(int fd, const char *cmd, json_t *args)
{
	json_t *req;
	char *line;
	int r;

	req = json_pack("{s:s, s:o}", "cmd", cmd, "args",
			args ? args : json_object());
	if (!req)
		return -ENOMEM;
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line)
		return -ENOMEM;
	r = cli_client_write(fd, line, strlen(line));
	if (r == 0)
		r = cli_client_write(fd, "\n", 1);
	free(line);
	return r;
}

/* Grow *buf so that at least one more chunk fits. */
static int cli_client_grow(char **buf, size_t *cap, size_t len)
{
	size_t want = *cap ? *cap * 2 : 64 * 1024;
	char *n;

	if (len < *cap)
		return 0;
	if (want > CLI_CLIENT_MAX_REPLY)
		return -EMSGSIZE;
	n = realloc(*buf, want);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = want;
	return 0;
}

/* Keep the descriptors of one received message's control data in fds;
 * with no room for them (fds NULL, too many, cut off) close them. */
static int cli_client_take_fds(struct msghdr *msg, struct cli_fds *fds)
{
	int ret = msg->msg_flags & MSG_CTRUNC ? -EPROTO : 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		const unsigned char *data = CMSG_DATA(cm);
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < n; i++) {
			int one;

			memcpy(&one, data + i * sizeof(int), sizeof(int));
			if (fds && fds->n < fds->max) {
				fds->fd[fds->n++] = one;
			} else {
				close(one);
				ret = -EPROTO;
			}
		}
	}
	return ret;
}

/* recv() that keeps what descriptors come along in fds (or closes them). */
static ssize_t cli_client_recv_some(int fd, void *buf, size_t len, struct cli_fds *fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CLI_CLIENT_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(fd, &msg, 0);
	int ret;

	if (n < 0)
		return n;
	ret = cli_client_take_fds(&msg, fds);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return n;
}

/* Reads up to the first newline or EOF; returns the line's length. */
static ssize_t cli_client_read_line(int fd, char **buf, struct cli_fds *fds)
{
	size_t len = 0, cap = 0;
	const char *nl;
	ssize_t n;
	int r;

	for (;;) {
		r = cli_client_grow(buf, &cap, len);
		if (r < 0)
			return r;
		n = cli_client_recv_some(fd, *buf + len, cap - len, fds);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return len ? (ssize_t)len : -ECONNRESET;
		nl = memchr(*buf + len, '\n', (size_t)n);
		if (nl)
			return nl - *buf;
		len += (size_t)n;
	}
}

static int cli_client_recv_fds(int fd, json_t **reply, struct cli_fds *fds)
{
	json_error_t err;
	char *buf = NULL;
	ssize_t len;
	json_t *doc;

	len = cli_client_read_line(fd, &buf, fds);
	if (len < 0) {
		free(buf);
		return (int)len;
	}
	doc = json_loadb(buf, (size_t)len, 0, &err);
	free(buf);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return -EBADMSG;
	}
	*reply = doc;
	return 0;
}

int cli_client_recv(int fd, json_t **reply)
{
	return cli_client_recv_fds(fd, reply, NULL);
}

static void cli_client_close_fds(struct cli_fds *fds)
{
	while (fds && fds->n)
		close(fds->fd[--fds->n]);
}

int cli_client_call_fds(const char *path, const char *cmd, json_t *args, json_t **reply,
			struct cli_fds *fds)
{
	int fd = cli_client_connect(path, CLI_CLIENT_TIMEOUT_S), ret;

	*reply = NULL;
	if (fds)
		fds->n = 0;
	if (fd < 0) {
		json_decref(args);
		return fd;
	}
	ret = cli_client_send(fd, cmd, args);
	if (ret >= 0)
		ret = cli_client_recv_fds(fd, reply, fds);
	close(fd);
	if (ret < 0)
		cli_client_close_fds(fds);
	return ret < 0 ? ret : 0;
}

int cli_client_call(const char *path, const char *cmd, json_t *args, json_t **reply)
{
	return cli_client_call_fds(path, cmd, args, reply, NULL);
}
