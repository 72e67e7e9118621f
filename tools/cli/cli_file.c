// SPDX-License-Identifier: GPL-2.0-only
/* Reading a whole file for the CLI (see cli_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli_file.h"

static ssize_t cli_read_fd(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

int cli_slurp(const char *path, size_t max, char **buf, size_t *len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*buf = malloc(max + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = cli_read_fd(fd, *buf, max + 1);
	close(fd);
	if (n < 0 || (size_t)n > max) {
		free(*buf);
		*buf = NULL;
		return n < 0 ? (int)n : -EFBIG;
	}
	*len = (size_t)n;
	return 0;
}
