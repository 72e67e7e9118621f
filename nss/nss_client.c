// SPDX-License-Identifier: GPL-2.0-only
/* Asking kvnetd's names socket (see nss_client.h). The socket blocks, with
 * SO_SNDTIMEO bounding connect() and the write; the reply is read under
 * poll() against one deadline for the whole exchange. Nothing here may
 * raise a signal (MSG_NOSIGNAL) or leak a descriptor into a child
 * (SOCK_CLOEXEC), and nothing is allocated. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "nss/nss_client.h"

static int64_t nss_client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int nss_client_path(struct sockaddr_un *sa)
{
	const char *dir = secure_getenv("KVNET_RUN_DIR");
	int n;

	if (!dir || !*dir)
		dir = DNS_NAMES_RUN_DIR;
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, DNS_NAMES_SOCK);
	return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? -ENAMETOOLONG : 0;
}

/* A socket connected to kvnetd, or -errno. */
static int nss_client_connect(void)
{
	struct timeval tv = { .tv_sec = NSS_CLIENT_TIMEOUT_MS / 1000,
			      .tv_usec = (NSS_CLIENT_TIMEOUT_MS % 1000) * 1000 };
	struct sockaddr_un sa;
	int fd, ret = nss_client_path(&sa);

	if (ret < 0)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int nss_client_send(int fd, const struct dns_names_req *q)
{
	char line[DNS_NAMES_REQUEST_MAX + 1];
	int n = dns_names_request_format(q, line, sizeof(line));
	ssize_t w;

	if (n < 0)
		return n;
	do
		w = send(fd, line, (size_t)n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	return w == n ? 0 : -EIO;
}

/* Wait until fd is readable or the deadline passes. */
static int nss_client_wait(int fd, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int64_t left = deadline - nss_client_now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Read the reply into buf until it is whole; then parse it into out. */
static int nss_client_reply(int fd, int64_t deadline, struct dns_names_entry *out, int max)
{
	char buf[DNS_NAMES_REPLY_MAX];
	size_t len = 0;
	int ret = -EAGAIN;

	while (ret == -EAGAIN && len < sizeof(buf)) {
		ssize_t r;

		ret = nss_client_wait(fd, deadline);
		if (ret < 0)
			return ret;
		r = recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
			ret = -EAGAIN;
			continue;
		}
		if (r <= 0)
			return r < 0 ? -errno : -EBADMSG; /* closed mid-reply */
		len += (size_t)r;
		ret = dns_names_reply_parse(buf, len, out, max);
	}
	return ret == -EAGAIN ? -EBADMSG : ret;
}

int nss_client_ask(const struct dns_names_req *q, struct dns_names_entry *out, int max)
{
	int64_t deadline = nss_client_now_ms() + NSS_CLIENT_TIMEOUT_MS;
	int fd = nss_client_connect();
	int ret;

	if (fd < 0)
		return fd;
	ret = nss_client_send(fd, q);
	if (ret == 0)
		ret = nss_client_reply(fd, deadline, out, max);
	close(fd);
	return ret;
}
